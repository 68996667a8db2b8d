//! Issue 19: an event recorded by mistake is retracted (kept, audited,
//! marked for the producer and regulators, gone from the consumer's page,
//! its EPCIS mirror an errorDeclaration) or corrected (marked "corrected on"
//! everywhere); a recalled lot's page offers no event or stamp forms, and
//! the event form pre-selects the lot's likely next step.

use actix_web::http::header;
use diesel::prelude::*;
use serde_json::json;

use crate::pages::{csrf_of, page, submit};
use crate::world::World;
use tracestamp::db::schema::audit_log;

/// Records a packing event with `note` on tenant a's batch; its id.
async fn packing(w: &World, note: &str) -> String {
    w.app
        .post(
            &format!("/api/v1/batches/{}/events", w.a.batch),
            &w.a.token,
            json!({"kind": "packing", "occurred_at": "2026-11-03T08:00:00+07:00",
                   "facility_id": w.a.facility, "details": {"note": note, "quantity": 120, "unit": "box"}}),
        )
        .await
        .expect(201)
        .id()
}

/// The consumer's page of a stamp of tenant a's batch.
async fn stamp_path(w: &World) -> String {
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 2}),
        )
        .await
        .expect(201);
    format!("/s/{}", roll.body["first_serial"].as_str().unwrap())
}

fn audit_actions(w: &World, event: &str) -> Vec<(String, Option<String>)> {
    audit_log::table
        .filter(audit_log::entity.eq("event"))
        .filter(audit_log::entity_id.eq(event))
        .order(audit_log::seq)
        .select((audit_log::action, audit_log::after_state))
        .load(&mut *w.app.conn())
        .expect("audit entries")
}

fn location(answer: &crate::harness::Answer) -> String {
    answer
        .headers
        .get(header::LOCATION)
        .expect("a redirect")
        .to_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn a_retraction_through_the_api_is_kept_marked_and_leaves_the_consumer_page() {
    let w = World::build().await;
    let id = packing(&w, "Đóng nhầm thùng").await;
    let stamp = stamp_path(&w).await;
    let before = page(&w.app, &stamp, None).await.expect(200);
    assert!(before.text.contains("Đóng nhầm thùng"));
    let retract = format!("/api/v1/events/{id}/retract");

    // Another enterprise's producer does not even find it; a regulator does
    // not retract a producer's claim.
    w.app
        .post(&retract, &w.b.token, json!({"reason": "x"}))
        .await
        .expect(404);
    let by_regulator = w
        .app
        .post(&retract, &w.regulator, json!({"reason": "x"}))
        .await;
    assert!(
        matches!(by_regulator.status.as_u16(), 403 | 404),
        "{}",
        by_regulator.text
    );
    // The reason is required.
    let blank = w
        .app
        .post(&retract, &w.a.token, json!({"reason": "  "}))
        .await
        .expect(422);
    assert_eq!(blank.body["error"]["field"], "reason");
    let untouched = w
        .app
        .get(&format!("/api/v1/events/{id}"), &w.a.token)
        .await
        .expect(200);
    assert!(untouched.body["retracted_at"].is_null());

    let done = w
        .app
        .post(&retract, &w.a.token, json!({"reason": "Ghi nhầm lô"}))
        .await
        .expect(200);
    assert!(done.body["retracted_at"].is_string());
    assert_eq!(done.body["retraction_reason"], "Ghi nhầm lô");
    assert_eq!(done.body["kind"], "packing");

    // Once retracted: neither retracted again nor corrected.
    w.app
        .post(&retract, &w.a.token, json!({"reason": "lần nữa"}))
        .await
        .expect(409);
    w.app
        .patch(
            &format!("/api/v1/events/{id}"),
            &w.a.token,
            json!({"details": {"note": "sửa"}}),
        )
        .await
        .expect(409);

    let actions = audit_actions(&w, &id);
    let retractions: Vec<_> = actions.iter().filter(|(a, _)| a == "retract").collect();
    assert_eq!(retractions.len(), 1, "{actions:?}");
    assert!(retractions[0]
        .1
        .as_deref()
        .is_some_and(|after| after.contains("Ghi nhầm lô")));

    // Still listed for the API's readers, marked.
    let listed = w
        .app
        .get(&format!("/api/v1/batches/{}/events", w.a.batch), &w.a.token)
        .await
        .expect(200);
    let items = listed.body["items"].as_array().unwrap();
    let mine = items.iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert!(
        mine["retracted_by"].is_string() && mine["retracted_at"].is_string(),
        "{mine}"
    );

    // Gone from the consumer's page; the harvest stays.
    w.app.state().flush_scans().expect("flush scans");
    let after = page(&w.app, &stamp, None).await.expect(200);
    assert!(!after.text.contains("Đóng nhầm thùng"));
    assert!(after.text.contains("Thu hoạch"));

    // Struck through with the reason for its producer and the regulator.
    let portal = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(portal.text.contains("<del>"));
    assert!(portal.text.contains("Đã rút lại: Ghi nhầm lô"));
    assert!(!portal
        .text
        .contains(&format!("/portal/events/{id}/retract\"")));
    let english = page(
        &w.app,
        &format!("/portal/batches/{}?lang=en", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(english.text.contains("Retracted: Ghi nhầm lô"));
    let oversight = page(
        &w.app,
        &format!("/oversight/batches/{}", w.a.batch),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(oversight.text.contains("Đã rút lại: Ghi nhầm lô"));
    assert!(oversight.text.contains("Thu hoạch"));

    // The EPCIS mirror is retracted the EPCIS way.
    let mirror = w
        .app
        .get(&format!("/epcis/events/urn%3Auuid%3A{id}"), &w.a.token)
        .await
        .expect(200);
    assert!(
        mirror.body["errorDeclaration"]["declarationTime"].is_string(),
        "{}",
        mirror.text
    );
    assert_eq!(
        mirror.body["errorDeclaration"]["reason"],
        "https://ref.gs1.org/cbv/ER-incorrect_data"
    );
}

#[actix_web::test]
async fn a_producer_corrects_and_retracts_from_the_batch_page() {
    let w = World::build().await;
    let id = packing(&w, "Thùng 10 kg").await;
    let batch_page = format!("/portal/batches/{}", w.a.batch);
    let shown = page(&w.app, &batch_page, Some(&w.a.token))
        .await
        .expect(200);
    assert!(shown.text.contains(&format!("/portal/events/{id}/edit")));
    assert!(shown.text.contains(&format!("/portal/events/{id}/retract")));

    // Correction: the form is filled with the event as recorded.
    let form = page(
        &w.app,
        &format!("/portal/events/{}/edit", w.a.event),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(form.text.contains("value=\"2026-11-02T06:30\""));
    let csrf = csrf_of(&form.text);
    let corrected = submit(
        &w.app,
        &format!("/portal/events/{}/edit", w.a.event),
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("occurred_at", "2026-11-02T07:45"),
            ("facility_id", &w.a.facility),
            ("note", "Hái buổi sáng"),
        ],
    )
    .await
    .expect(303);
    assert!(location(&corrected).ends_with("notice=corrected"));
    let event = w
        .app
        .get(&format!("/api/v1/events/{}", w.a.event), &w.a.token)
        .await
        .expect(200);
    assert_eq!(event.body["occurred_at"], "2026-11-02T00:45:00Z");
    assert_eq!(event.body["details"]["note"], "Hái buổi sáng");
    // Details the form does not edit are kept.
    assert_eq!(event.body["details"]["quantity"], 2500);
    assert!(event.body["corrected_at"].is_string());
    assert!(audit_actions(&w, &w.a.event)
        .iter()
        .any(|(a, _)| a == "update"));

    let mark = "Đã sửa ngày";
    let shown = page(&w.app, &batch_page, Some(&w.a.token))
        .await
        .expect(200);
    assert!(shown.text.contains(mark));
    let stamp = stamp_path(&w).await;
    let consumer = page(&w.app, &stamp, None).await.expect(200);
    assert!(consumer.text.contains(mark), "the consumer sees the mark");
    assert!(consumer.text.contains("Hái buổi sáng"));
    w.app.state().flush_scans().expect("flush scans");
    let consumer_en = page(&w.app, &format!("{stamp}?lang=en"), None)
        .await
        .expect(200);
    assert!(consumer_en.text.contains("Corrected on"));
    let oversight = page(
        &w.app,
        &format!("/oversight/batches/{}", w.a.batch),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(oversight.text.contains(mark));

    // Retraction: a confirmation page, the reason required.
    let other = page(
        &w.app,
        &format!("/portal/events/{id}/retract"),
        Some(&w.b.token),
    )
    .await;
    assert_eq!(other.status.as_u16(), 404);
    let confirm = page(
        &w.app,
        &format!("/portal/events/{id}/retract"),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(confirm.text.contains("Xác nhận rút lại"));
    assert!(confirm.text.contains("không hiện với người tiêu dùng"));
    let csrf = csrf_of(&confirm.text);
    let blank = submit(
        &w.app,
        &format!("/portal/events/{id}/retract"),
        &w.a.token,
        &[("csrf", &csrf), ("reason", "")],
    )
    .await
    .expect(422);
    assert!(blank.text.contains("aria-invalid=\"true\""));
    assert!(!audit_actions(&w, &id).iter().any(|(a, _)| a == "retract"));
    let retracted = submit(
        &w.app,
        &format!("/portal/events/{id}/retract"),
        &w.a.token,
        &[("csrf", &csrf), ("reason", "Trùng với sự kiện khác")],
    )
    .await
    .expect(303);
    assert!(location(&retracted).ends_with("notice=retracted"));
    let shown = page(&w.app, &batch_page, Some(&w.a.token))
        .await
        .expect(200);
    assert!(shown.text.contains("Đã rút lại: Trùng với sự kiện khác"));
    // A second retraction from a stale page is refused.
    let again = submit(
        &w.app,
        &format!("/portal/events/{id}/retract"),
        &w.a.token,
        &[("csrf", &csrf), ("reason", "lần nữa")],
    )
    .await;
    assert_eq!(again.status.as_u16(), 409);
    assert!(again.text.contains("đã bị rút lại"));
}

#[actix_web::test]
async fn a_recalled_batch_offers_no_event_or_stamp_forms_and_refuses_them() {
    let w = World::build().await;
    w.app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.regulator,
            json!({"reason": "Dư lượng vượt ngưỡng"}),
        )
        .await
        .expect(200);
    let shown = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(!shown
        .text
        .contains(&format!("action=\"/portal/batches/{}/events\"", w.a.batch)));
    assert!(!shown
        .text
        .contains(&format!("action=\"/portal/batches/{}/rolls\"", w.a.batch)));
    assert!(!shown.text.contains("/portal/events/"));
    assert!(shown.text.contains("id=\"read-only\""));
    assert!(shown.text.contains("đã bị thu hồi"));

    w.app
        .post(
            &format!("/api/v1/batches/{}/events", w.a.batch),
            &w.a.token,
            crate::world::harvest_body(&w.a.facility),
        )
        .await
        .expect(409);
    w.app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 1}),
        )
        .await
        .expect(409);
    w.app
        .post(
            &format!("/api/v1/events/{}/retract", w.a.event),
            &w.a.token,
            json!({"reason": "x"}),
        )
        .await
        .expect(409);
}

/// The kind the batch page's event form has selected.
async fn selected_kind(w: &World) -> String {
    let shown = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    let select = shown.text.find("name=\"kind\"").expect("the kind field");
    let rest = &shown.text[select..];
    let end = rest.find("</select>").unwrap();
    let marker = "\" selected>";
    let at = rest[..end].find(marker).expect("a kind is selected");
    let start = rest[..at].rfind("value=\"").unwrap() + "value=\"".len();
    rest[start..at].to_owned()
}

#[actix_web::test]
async fn the_event_form_offers_the_next_likely_step() {
    let w = World::build().await;
    // The world's batch is harvested: no second harvest is offered.
    assert_eq!(selected_kind(&w).await, "cooling");
    let cooled = w
        .app
        .post(
            &format!("/api/v1/batches/{}/events", w.a.batch),
            &w.a.token,
            json!({"kind": "cooling", "occurred_at": "2026-11-02T09:00:00+07:00",
                   "facility_id": w.a.facility, "details": {"temperature_c": 4}}),
        )
        .await
        .expect(201)
        .id();
    assert_eq!(selected_kind(&w).await, "packing");
    // A retracted step no longer counts.
    w.app
        .post(
            &format!("/api/v1/events/{cooled}/retract"),
            &w.a.token,
            json!({"reason": "chưa làm lạnh"}),
        )
        .await
        .expect(200);
    assert_eq!(selected_kind(&w).await, "cooling");
}
