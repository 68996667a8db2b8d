//! Structured key data elements on every entry point (the API, the
//! portal's kind-specific form): refused when missing, of the wrong unit or
//! unknown, every problem at once in both languages; the pre-harvest
//! interval blocking harvests and stamp rolls; details shown with
//! translated labels and units.

use chrono::{Duration, Utc};
use serde_json::json;

use crate::pages::{csrf_of, page, submit};
use crate::world::World;

/// An RFC 3339 time `days` ago, in Vietnam's offset.
fn days_ago(days: i64) -> String {
    (Utc::now() - Duration::days(days))
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%Y-%m-%dT%H:%M:%S+07:00")
        .to_string()
}

#[actix_web::test]
async fn structured_details_are_refused_all_at_once_in_both_languages() {
    let w = World::build().await;
    let events = format!("/api/v1/batches/{}/events", w.a.batch);
    let before = w.app.snapshot();
    let answer = w
        .app
        .post(
            &events,
            &w.a.token,
            json!({"kind": "shipping", "occurred_at": "2026-11-03T08:00:00+07:00", "facility_id": w.a.facility,
                   "details": {"quantity": "many", "unit": "crate", "colour": "red",
                               "ship_to": {"business_name": "Chợ Bình Điền", "city": "Cần Thơ"},
                               "reference_document": {"type": "fax", "number": "1"}}}),
        )
        .await
        .expect(422);
    let problems = answer.body["error"]["problems"]
        .as_array()
        .expect("problems");
    let fields: Vec<&str> = problems
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for field in [
        "details.colour",
        "details.quantity",
        "details.unit",
        "details.ship_to.city",
        "details.reference_document.type",
    ] {
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    for p in problems {
        assert!(!p["message_vi"].as_str().unwrap().is_empty());
        assert_ne!(p["message_vi"], p["message"]);
    }
    // A required KDE missing, per kind.
    for (kind, details, field) in [
        ("harvesting", json!({"unit": "kg"}), "details.quantity"),
        ("cooling", json!({}), "details.temperature_c"),
        (
            "receiving",
            json!({"quantity": 1, "unit": "kg", "reference_document": {"type": "invoice", "number": "1"}}),
            "details.previous_source",
        ),
        (
            "input_application",
            json!({"product": "Abamectin", "dose": 1}),
            "details.dose_unit",
        ),
        (
            "first_land_receiving",
            json!({"quantity": 1, "unit": "kg"}),
            "details.vessel",
        ),
    ] {
        let answer = w
            .app
            .post(
                &events,
                &w.a.token,
                json!({"kind": kind, "occurred_at": "2026-11-03T08:00:00+07:00",
                                               "facility_id": w.a.facility, "details": details}),
            )
            .await
            .expect(422);
        assert!(answer.text.contains(field), "{kind}: {}", answer.text);
    }
    // A correction is held to the same rule.
    let answer = w
        .app
        .patch(
            &format!("/api/v1/events/{}", w.a.event),
            &w.a.token,
            json!({"details": {"quantity": 5, "unit": "litre"}}),
        )
        .await
        .expect(422);
    assert_eq!(answer.body["error"]["field"], "details.unit");
    assert_eq!(w.app.snapshot(), before, "a refused event wrote something");

    // The portal's harvest form: the missing quantity beside its field, in Vietnamese.
    let shown = page(
        &w.app,
        &format!("/portal/batches/{}?kind=harvesting", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(
        shown.text.contains("name=\"harvester_phone\""),
        "the harvest form has its KDEs"
    );
    let refused = submit(
        &w.app,
        &format!("/portal/batches/{}/events", w.a.batch),
        &w.a.token,
        &[
            ("csrf", &csrf_of(&shown.text)),
            ("kind", "harvesting"),
            ("occurred_at", "2026-11-03T08:00"),
            ("facility_id", &w.a.facility),
            ("quantity", ""),
            ("unit", "kg"),
            ("harvester_phone", "gọi tôi"),
        ],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(
        refused.text.contains("id=\"e-quantity\""),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("id=\"e-harvester_phone\""));
    assert!(refused.text.contains("không phải số điện thoại"));
    assert_eq!(w.app.snapshot(), before);
}

#[actix_web::test]
async fn a_pre_harvest_interval_blocks_harvests_and_stamp_rolls_until_it_ends() {
    let w = World::build().await;
    let events = format!("/api/v1/batches/{}/events", w.a.batch);
    w.app
        .post(&events, &w.a.token, json!({"kind": "input_application", "occurred_at": days_ago(3),
            "facility_id": w.a.facility, "details": {"input_kind": "pesticide", "product": "Abamectin 3.6EC",
            "active_ingredient": "Abamectin", "dose": 0.5, "dose_unit": "l_per_ha", "pre_harvest_interval_days": 7}}))
        .await
        .expect(201);
    let harvest = |at: String| {
        json!({"kind": "harvesting", "occurred_at": at, "facility_id": w.a.facility,
                                      "details": {"quantity": 100, "unit": "kg"}})
    };
    let refused = w
        .app
        .post(&events, &w.a.token, harvest(days_ago(1)))
        .await
        .expect(409);
    assert!(
        refused.text.contains("pre-harvest interval"),
        "{}",
        refused.text
    );
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 10}),
        )
        .await
        .expect(409);
    assert!(roll.text.contains("pre-harvest interval"));
    // The portal says it in Vietnamese.
    let shown = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    let portal_roll = submit(
        &w.app,
        &format!("/portal/batches/{}/rolls", w.a.batch),
        &w.a.token,
        &[("csrf", &csrf_of(&shown.text)), ("count", "10")],
    )
    .await;
    assert_eq!(portal_roll.status.as_u16(), 409);
    assert!(portal_roll
        .text
        .contains("thời gian cách ly trước thu hoạch"));

    // Another lot, sprayed 10 days ago with a 7-day interval: free again.
    let other = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            crate::world::batch_body(&w.a.product, &w.a.facility, "LOT-PHI"),
        )
        .await
        .expect(201)
        .id();
    let other_events = format!("/api/v1/batches/{other}/events");
    w.app
        .post(
            &other_events,
            &w.a.token,
            json!({"kind": "input_application", "occurred_at": days_ago(10),
            "facility_id": w.a.facility, "details": {"product": "Abamectin 3.6EC", "dose": 0.5,
            "dose_unit": "l_per_ha", "pre_harvest_interval_days": 7}}),
        )
        .await
        .expect(201);
    w.app
        .post(&other_events, &w.a.token, harvest(days_ago(1)))
        .await
        .expect(201);
    w.app
        .post(
            &format!("/api/v1/batches/{other}/stamp-rolls"),
            &w.a.token,
            json!({"count": 10}),
        )
        .await
        .expect(201);

    // The spraying reads in words on the batch page and the consumer's.
    let shown = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    for text in [
        "Thời gian cách ly trước thu hoạch",
        "7 ngày",
        "Hoạt chất",
        "0,5 lít/ha",
        "Thuốc bảo vệ thực vật",
    ] {
        assert!(shown.text.contains(text), "{text} not on the batch page");
    }
    for raw in [
        "pre_harvest_interval_days",
        "pre harvest interval",
        "l_per_ha",
        "active_ingredient",
    ] {
        assert!(!shown.text.contains(raw), "{raw} shown raw");
    }
}
