//! The map pages (`/oversight/map`, `/portal/map`): a regulator's map has
//! the points of their province's facilities and no others, an admin's all
//! of them, a producer's only their own; points are coloured by what needs
//! doing; scans appear as circles at their province's centre.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::test::TestRequest;
use chrono::{Duration, NaiveDate};
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::world::World;

async fn page(app: &TestApp, path: &str, session: &str) -> Answer {
    let req = TestRequest::get()
        .uri(path)
        .cookie(Cookie::new("tracestamp_session", session.to_owned()));
    app.send_request(req).await
}

fn day(offset: i64) -> String {
    let today: NaiveDate = (chrono::Utc::now() + Duration::hours(7)).date_naive();
    (today + Duration::days(offset)).to_string()
}

/// The facility ids of the map's points, each with its mark.
fn points(html: &str) -> Vec<(String, String)> {
    html.split("data-facility=\"")
        .skip(1)
        .map(|rest| {
            let id = rest.split('"').next().unwrap_or_default().to_owned();
            let mark = rest
                .split("data-mark=\"")
                .nth(1)
                .and_then(|m| m.split('"').next())
                .unwrap_or_default()
                .to_owned();
            (id, mark)
        })
        .collect()
}

fn ids(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = points(html).into_iter().map(|(id, _)| id).collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[actix_web::test]
async fn each_reader_sees_the_points_of_their_reach() {
    let w = World::build().await;
    let vl = page(&w.app, "/oversight/map", &w.regulator)
        .await
        .expect(200);
    assert_eq!(
        ids(&vl.text),
        sorted(vec![w.a.facility.clone(), w.b.facility.clone()])
    );
    // Vĩnh Long's outline is drawn, the view on the province; no tile or
    // script is fetched from anywhere.
    assert!(vl.text.contains("data-province=\"86\""), "{}", vl.text);
    assert!(!vl.text.contains("<script") && !vl.text.contains("https://"));
    assert!(vl
        .text
        .contains(&format!("href=\"/oversight/facilities/{}\"", w.a.facility)));

    let ct = page(&w.app, "/oversight/map", &w.other_regulator)
        .await
        .expect(200);
    assert_eq!(ids(&ct.text), vec![w.c.facility.clone()]);

    let all = page(&w.app, "/oversight/map", &w.admin).await.expect(200);
    assert_eq!(ids(&all.text).len(), 3);
    assert_eq!(all.text.matches("data-province=").count(), 34);

    let own = page(&w.app, "/portal/map", &w.a.token).await.expect(200);
    assert_eq!(ids(&own.text), vec![w.a.facility.clone()]);
    assert!(own.text.contains(&format!(
        "href=\"/portal/facilities/{}/edit\"",
        w.a.facility
    )));
    // Each portal is its own: a producer has no regulator's map and a
    // regulator no producer's.
    page(&w.app, "/oversight/map", &w.a.token).await.expect(403);
    page(&w.app, "/portal/map", &w.regulator).await.expect(403);
}

#[actix_web::test]
async fn points_are_marked_by_what_needs_doing_and_scans_by_province() {
    let w = World::build().await;
    // Never inspected: due at once.
    let before = page(&w.app, "/oversight/map", &w.regulator)
        .await
        .expect(200);
    assert!(points(&before.text)
        .iter()
        .all(|(_, m)| m == "inspection_due"));

    // A's lot recalled; B inspected with a corrective action overdue.
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 5}),
        )
        .await
        .expect(201);
    let serial = roll.body["first_serial"].as_str().unwrap().to_owned();
    w.app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.regulator,
            json!({"reason": "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"}),
        )
        .await
        .expect(200);
    w.app
        .post(
            &format!("/api/v1/facilities/{}/inspections", w.b.facility),
            &w.regulator,
            json!({"inspected_on": day(-60), "result": "minor",
                   "findings": "Sổ nhật ký phun thuốc ghi thiếu ngày cách ly", "follow_up_due": day(-30)}),
        )
        .await
        .expect(201);
    // Two scans from a Vĩnh Long network.
    for _ in 0..2 {
        let scan = TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "application/json"))
            .peer_addr("14.160.246.9:4000".parse().unwrap());
        w.app.send_request(scan).await;
    }
    w.app.state().flush_scans().expect("flush");

    let html = page(&w.app, "/oversight/map", &w.regulator)
        .await
        .expect(200)
        .text;
    let marks = points(&html);
    let mark_of = |id: &str| {
        marks
            .iter()
            .find(|(f, _)| f == id)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    };
    assert_eq!(mark_of(&w.a.facility), "recalled");
    assert_eq!(mark_of(&w.b.facility), "action_overdue");
    assert!(html.contains("data-area=\"Vĩnh Long\""), "{html}");
    // The legend and the table say it in Vietnamese.
    assert!(html.contains("Có lô bị thu hồi") && html.contains("Quá hạn khắc phục"));
    // The other province's regulator sees neither the marks nor the scans.
    let ct = page(&w.app, "/oversight/map", &w.other_regulator)
        .await
        .expect(200)
        .text;
    assert!(!ct.contains("data-area="));
    // The producer sees the scans of their own stamps.
    let own = page(&w.app, "/portal/map", &w.a.token)
        .await
        .expect(200)
        .text;
    assert!(own.contains("data-area=\"Vĩnh Long\""));
    let other = page(&w.app, "/portal/map", &w.b.token)
        .await
        .expect(200)
        .text;
    assert!(!other.contains("data-area="));
}
