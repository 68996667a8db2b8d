//! Producers add and renew their facilities' certifications from the
//! portal (`/portal/certifications`), through the same use cases as the
//! API; bad input comes back beside its fields with nothing written; the
//! dashboard reminds of certificates expired or expiring within 30 days
//! until they are renewed.

use actix_web::cookie::Cookie;
use actix_web::test::TestRequest;
use chrono::{Duration, NaiveDate};

use crate::harness::{Answer, TestApp};
use crate::pages::{csrf_of, submit};
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

async fn certificates(w: &World, facility: &str, token: &str) -> Vec<serde_json::Value> {
    w.app
        .get(
            &format!("/api/v1/facilities/{facility}/certifications"),
            token,
        )
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn reminders(html: &str) -> &str {
    html.find("id=\"certificate-reminders\"")
        .map(|start| {
            let rest = &html[start..];
            &rest[..rest.find("</section>").unwrap_or(rest.len())]
        })
        .unwrap_or("")
}

#[actix_web::test]
async fn a_producer_adds_and_renews_a_certificate_and_is_reminded_until_then() {
    let w = World::build().await;
    let (a, token) = (&w.a, w.a.token.as_str());
    let list = page(&w.app, "/portal/certifications", token)
        .await
        .expect(200);
    assert!(list.text.contains("VietGAP-TT-1") && !list.text.contains("VietGAP-TT-2"));
    let dashboard = page(&w.app, "/portal", token).await.expect(200).text;
    assert_eq!(reminders(&dashboard), "", "nothing to renew yet");

    // Added from the portal: organic, lapsing in twenty days.
    let add = format!("/portal/facilities/{}/certifications/new", a.facility);
    let csrf = csrf_of(&page(&w.app, &add, token).await.expect(200).text);
    let (from, to) = (day(-345), day(20));
    submit(
        &w.app,
        &add,
        token,
        &[
            ("csrf", &csrf),
            ("scheme", "organic"),
            ("number", "HC-2025-0417"),
            ("issuer", "Trung tâm Chứng nhận Phù hợp"),
            ("valid_from", &from),
            ("valid_to", &to),
        ],
    )
    .await
    .expect(303);
    let held = certificates(&w, &a.facility, token).await;
    let organic = held
        .iter()
        .find(|c| c["number"] == "HC-2025-0417")
        .expect("stored");
    assert_eq!(organic["scheme"], "organic");
    let old_id = organic["id"].as_str().unwrap().to_owned();
    let dashboard = page(&w.app, "/portal", token).await.expect(200).text;
    assert!(
        reminders(&dashboard).contains("HC-2025-0417"),
        "{dashboard}"
    );
    assert!(reminders(&dashboard).contains(&format!("/portal/certifications/{old_id}/renew")));

    // A renewal must run past the certificate it renews.
    let renew = format!("/portal/certifications/{old_id}/renew");
    let form = page(&w.app, &renew, token).await.expect(200).text;
    assert!(
        form.contains("Trung tâm Chứng nhận Phù hợp"),
        "the issuer is kept"
    );
    let csrf = csrf_of(&form);
    let short = day(10);
    let refused = submit(
        &w.app,
        &renew,
        token,
        &[
            ("csrf", &csrf),
            ("number", "HC-2026-0981"),
            ("issuer", "Trung tâm Chứng nhận Phù hợp"),
            ("valid_from", &day(0)),
            ("valid_to", &short),
        ],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        refused
            .text
            .contains("phải hết hạn sau chứng nhận được gia hạn"),
        "{}",
        refused.text
    );
    assert_eq!(certificates(&w, &a.facility, token).await.len(), held.len());

    let (from, to) = (day(21), day(21 + 3 * 365));
    submit(
        &w.app,
        &renew,
        token,
        &[
            ("csrf", &csrf),
            ("number", "HC-2026-0981"),
            ("issuer", "Trung tâm Chứng nhận Phù hợp"),
            ("valid_from", &from),
            ("valid_to", &to),
        ],
    )
    .await
    .expect(303);
    let now = certificates(&w, &a.facility, token).await;
    let renewed = now
        .iter()
        .find(|c| c["number"] == "HC-2026-0981")
        .expect("the renewal is stored");
    assert_eq!(renewed["scheme"], "organic", "same scheme");
    assert!(
        now.iter().any(|c| c["id"] == old_id.as_str()),
        "the old one is kept"
    );
    let dashboard = page(&w.app, "/portal", token).await.expect(200).text;
    assert_eq!(reminders(&dashboard), "", "renewed: no reminder");
    let list = page(&w.app, "/portal/certifications", token)
        .await
        .expect(200)
        .text;
    assert!(list.contains("Đã gia hạn") && list.contains("HC-2026-0981"));

    // Another producer cannot renew it.
    page(&w.app, &renew, &w.b.token).await.expect(404);
}

#[actix_web::test]
async fn bad_input_is_shown_beside_each_field_and_nothing_is_written() {
    let w = World::build().await;
    let token = w.a.token.as_str();
    let add = format!("/portal/facilities/{}/certifications/new", w.a.facility);
    let csrf = csrf_of(&page(&w.app, &add, token).await.expect(200).text);
    let before = certificates(&w, &w.a.facility, token).await.len();
    let (from, to) = (day(0), day(-30));
    let refused = submit(
        &w.app,
        &add,
        token,
        &[
            ("csrf", &csrf),
            ("scheme", "vietgap"),
            ("number", "VG-1"),
            ("issuer", ""),
            ("valid_from", &from),
            ("valid_to", &to),
        ],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    // Both problems at once, each beside its field.
    assert!(refused.text.contains("id=\"e-issuer\""), "{}", refused.text);
    assert!(
        refused.text.contains("id=\"e-valid_to\""),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("không được để trống") && refused.text.contains("không được trước")
    );
    assert_eq!(certificates(&w, &w.a.facility, token).await.len(), before);
    // Another enterprise's facility is not the producer's to certify.
    page(
        &w.app,
        &format!("/portal/facilities/{}/certifications/new", w.b.facility),
        token,
    )
    .await
    .expect(404);
}
