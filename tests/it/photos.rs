//! The photo store through the portal (issue 19): an event's photo taken
//! with the phone's camera is cleaned (no EXIF, no position), kept with the
//! event, served at a stable URL with long caching and an ETag, and shown
//! on the consumer page; bad uploads are refused in both languages with
//! nothing written. A producer answers an inspection finding with a note
//! and a photo; the regulator sees it, another enterprise does not.

use actix_web::cookie::Cookie;
use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::pages::{csrf_of, page};
use crate::reports::{contains, jpeg_with_gps, multipart};
use crate::world::World;

const SESSION: &str = "tracestamp_session";

/// Posts a multipart form as the session's browser would.
pub async fn post_multipart(
    app: &TestApp,
    path: &str,
    session: &str,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> Answer {
    let (content_type, body) = multipart(fields, photo);
    let req = TestRequest::default()
        .method(Method::POST)
        .uri(path)
        .cookie(Cookie::new(SESSION, session.to_owned()))
        .insert_header((header::CONTENT_TYPE, content_type))
        .set_payload(body);
    app.send_request(req).await
}

/// The ids of the photos a page links (`/photos/{id}`), in order.
pub fn photo_ids(html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in html.split("src=\"/photos/").skip(1) {
        let id = part.split('"').next().unwrap().to_owned();
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn now_local() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::minutes(5))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn stamp_of(w: &World, batch: &str) -> String {
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/stamp-rolls"),
            &w.a.token,
            json!({"count": 2}),
        )
        .await
        .expect(201)
        .body;
    roll["first_serial"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn an_event_photo_is_stripped_kept_served_for_good_and_shown_to_consumers() {
    let w = World::build().await;
    let batch_path = format!("/portal/batches/{}", w.a.batch);
    let shown = page(&w.app, &batch_path, Some(&w.a.token))
        .await
        .expect(200);
    assert!(shown.text.contains("enctype=\"multipart/form-data\""));
    assert!(shown
        .text
        .contains("accept=\"image/*\" capture=\"environment\""));
    let csrf = csrf_of(&shown.text);
    let upload = jpeg_with_gps(1600, 900);
    assert!(contains(&upload, b"Exif"));
    let when = now_local();
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "cooling"),
        ("occurred_at", when.as_str()),
        ("facility_id", w.a.facility.as_str()),
        ("temperature_c", "4"),
    ];
    let events = format!("{batch_path}/events");

    // Not an image, then too large: refused in the page's language, nothing written.
    let before = w.app.snapshot();
    let refused = post_multipart(&w.app, &events, &w.a.token, &fields, Some(b"hello")).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(refused.text.contains("Tệp không phải ảnh JPEG hoặc PNG"));
    let huge = vec![0xFFu8; 8 * 1024 * 1024 + 10];
    let refused = post_multipart(&w.app, &events, &w.a.token, &fields, Some(&huge)).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert!(
        refused.text.contains("Ảnh lớn hơn 8 MB"),
        "{}",
        refused.text
    );
    assert_eq!(w.app.snapshot(), before, "nothing written");

    post_multipart(&w.app, &events, &w.a.token, &fields, Some(&upload))
        .await
        .expect(303);
    let shown = page(&w.app, &batch_path, Some(&w.a.token))
        .await
        .expect(200);
    let ids = photo_ids(&shown.text);
    assert_eq!(ids.len(), 1, "the batch page shows the photo");
    assert!(shown.text.contains("loading=\"lazy\""));

    // Served to anyone (the consumer page shows it), cached for good.
    let path = format!("/photos/{}", ids[0]);
    let photo = page(&w.app, &path, None).await.expect(200);
    assert_eq!(
        photo.headers.get(header::CONTENT_TYPE).unwrap(),
        "image/jpeg"
    );
    let cache = photo
        .headers
        .get(header::CACHE_CONTROL)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        cache.contains("immutable") && cache.contains("max-age=31536000"),
        "{cache}"
    );
    let etag = photo
        .headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!contains(&photo.bytes, b"Exif"), "EXIF is gone");
    assert!(!contains(&photo.bytes, b"105.9722E"), "the comment is gone");
    let kept = image::load_from_memory(&photo.bytes).unwrap();
    assert_eq!((kept.width(), kept.height()), (1280, 720));
    let again = w
        .app
        .send_request(
            TestRequest::default()
                .uri(&path)
                .insert_header((header::IF_NONE_MATCH, etag)),
        )
        .await;
    assert_eq!(again.status.as_u16(), 304);
    assert!(again.bytes.is_empty());

    // On the consumer's page, as a small lazy picture with words.
    let serial = stamp_of(&w, &w.a.batch).await;
    let consumer = page(&w.app, &format!("/s/{serial}"), None)
        .await
        .expect(200);
    assert_eq!(photo_ids(&consumer.text), ids);
    assert!(
        consumer.text.contains("alt=\"Ảnh: Làm lạnh"),
        "alt text in Vietnamese"
    );
    assert!(!consumer.text.contains("<script"), "still script-free");

    // An unknown photo is not found; so is a malformed id.
    page(&w.app, "/photos/0190c6a0-0000-7000-8000-000000000000", None)
        .await
        .expect(404);
    page(&w.app, "/photos/nope", None).await.expect(404);
}

#[actix_web::test]
async fn a_finding_is_answered_with_a_photo_that_its_regulator_sees() {
    let w = World::build().await;
    let today = chrono::Utc::now().date_naive();
    let inspected = (today - chrono::Duration::days(30)).to_string();
    let due = (today - chrono::Duration::days(2)).to_string();
    let inspection = w
        .app
        .post(
            &format!("/api/v1/facilities/{}/inspections", w.a.facility),
            &w.regulator,
            json!({"inspected_on": inspected, "result": "minor",
                   "findings": "Sổ nhật ký phun thuốc ghi thiếu ngày", "follow_up_due": due}),
        )
        .await
        .expect(201)
        .id();

    // On the producer's dashboard, past due; not on another enterprise's.
    let dashboard = page(&w.app, "/portal", Some(&w.a.token)).await.expect(200);
    assert!(dashboard
        .text
        .contains(&format!("id=\"finding-{inspection}\"")));
    assert!(dashboard.text.contains("quá hạn"), "past due is marked");
    let other = page(&w.app, "/portal", Some(&w.b.token)).await.expect(200);
    assert!(!other.text.contains(&inspection));
    let answer_path = format!("/portal/findings/{inspection}");
    page(&w.app, &answer_path, Some(&w.b.token))
        .await
        .expect(404);

    let form = page(&w.app, &answer_path, Some(&w.a.token))
        .await
        .expect(200);
    let csrf = csrf_of(&form.text);
    // An empty note: refused beside its field, nothing written.
    let before = w.app.snapshot();
    let refused = post_multipart(
        &w.app,
        &answer_path,
        &w.a.token,
        &[("csrf", &csrf), ("note", " ")],
        None,
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(refused.text.contains("Hãy ghi đã khắc phục những gì"));
    assert_eq!(w.app.snapshot(), before);

    let upload = jpeg_with_gps(400, 300);
    post_multipart(
        &w.app,
        &answer_path,
        &w.a.token,
        &[("csrf", &csrf), ("note", "Đã bổ sung ngày vào sổ nhật ký")],
        Some(&upload),
    )
    .await
    .expect(303);

    let record = page(
        &w.app,
        &format!("/oversight/facilities/{}", w.a.facility),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(record.text.contains("Đã bổ sung ngày vào sổ nhật ký"));
    let ids = photo_ids(&record.text);
    assert_eq!(ids.len(), 1);
    let path = format!("/photos/{}", ids[0]);
    let seen = page(&w.app, &path, Some(&w.regulator)).await.expect(200);
    assert!(!contains(&seen.bytes, b"Exif"));
    let cache = seen
        .headers
        .get(header::CACHE_CONTROL)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cache.starts_with("private"), "{cache}");
    // Not for the public, another province or another enterprise.
    page(&w.app, &path, None).await.expect(404);
    page(&w.app, &path, Some(&w.other_regulator))
        .await
        .expect(404);
    page(&w.app, &path, Some(&w.b.token)).await.expect(404);
    page(&w.app, &path, Some(&w.a.token)).await.expect(200);
    let dashboard = page(&w.app, "/portal", Some(&w.a.token)).await.expect(200);
    assert!(dashboard.text.contains("đã trả lời"));
}
