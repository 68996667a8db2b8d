//! The rules of README's "Rules" section, each tried on the entry point an
//! attacker with a producer's or a regulator's account would use. Every one
//! of these succeeded before the rules moved into `service`.

use actix_web::http::header;
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::harness::{Answer, TestApp};
use crate::world::{batch_body, World};

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

fn audit_actions(app: &TestApp, entity: &str) -> Vec<String> {
    use tracestamp::db::schema::audit_log;
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .order(audit_log::seq)
        .select(audit_log::action)
        .load(&mut *app.conn())
        .expect("audit entries")
}

async fn resolve_json(app: &TestApp, path: &str) -> Answer {
    app.send_request(
        TestRequest::default()
            .uri(path)
            .insert_header((header::ACCEPT, "application/json")),
    )
    .await
}

/// A roll of one stamp for `batch`: its printed URL (path only).
async fn stamp_path(w: &World, token: &str, batch: &str) -> String {
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/stamp-rolls"),
            token,
            json!({"count": 1}),
        )
        .await
        .expect(201);
    let url = roll.body["first_url"].as_str().unwrap();
    url.split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned()))
        .unwrap()
}

/// A product of tenant A with a GTIN, a batch of it at A's facility and a
/// harvest event.
async fn gtin_batch(w: &World, gtin: &str, lot: &str) -> (String, String) {
    let mut body = crate::world::product_body("Bưởi da xanh");
    body["gtin"] = json!(gtin);
    let product = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201)
        .id();
    let batch = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&product, &w.a.facility, lot),
        )
        .await
        .expect(201)
        .id();
    w.app
        .post(
            &format!("/api/v1/batches/{batch}/events"),
            &w.a.token,
            crate::world::harvest_body(&w.a.facility),
        )
        .await
        .expect(201);
    (product, batch)
}

fn document(events: Vec<Value>) -> Value {
    json!({"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-11-20T00:00:00Z", "epcisBody": {"eventList": events}})
}

async fn capture(app: &TestApp, token: &str, doc: &Value) -> Answer {
    app.send_request(
        TestRequest::post()
            .uri("/epcis/capture")
            .insert_header((header::CONTENT_TYPE, "application/ld+json"))
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .set_payload(doc.to_string()),
    )
    .await
}

// 1. A facility's province moves only by its regulator, visibly to both.
#[actix_web::test]
async fn a_producer_cannot_move_its_facility_out_of_its_regulators_reach() {
    let w = World::build().await;
    let facility = format!("/api/v1/facilities/{}", w.a.facility);
    let before = w.app.snapshot();
    let refused = w
        .app
        .patch(&facility, &w.a.token, json!({"province": "Cần Thơ"}))
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "province");
    w.app
        .patch(&facility, &w.a.token, json!({"district": "Trà Ôn"}))
        .await
        .expect(422);
    assert_eq!(w.app.snapshot(), before, "a refused move writes nothing");
    w.app.get(&facility, &w.regulator).await.expect(200);
    // Suspended: not even a rename.
    w.app
        .post(
            &format!("{facility}/suspend"),
            &w.regulator,
            json!({"reason": "Dư lượng thuốc BVTV vượt ngưỡng"}),
        )
        .await
        .expect(200);
    w.app
        .patch(&facility, &w.a.token, json!({"province": "Cần Thơ"}))
        .await
        .expect(409);
    // Neither the producer nor the other province's regulator moves it.
    let to_ct = json!({"commune_code": "31135", "reason": "Địa giới mới"});
    w.app
        .post(&format!("{facility}/relocate"), &w.a.token, to_ct.clone())
        .await
        .expect(403);
    w.app
        .post(
            &format!("{facility}/relocate"),
            &w.other_regulator,
            to_ct.clone(),
        )
        .await
        .expect(404);
    w.app
        .post(
            &format!("{facility}/reinstate"),
            &w.other_regulator,
            json!({"reason": "x"}),
        )
        .await
        .expect(404);
    // Its own regulator does, and both provinces see the move.
    let moved = w
        .app
        .post(&format!("{facility}/relocate"), &w.regulator, to_ct)
        .await
        .expect(200);
    assert_eq!(moved.body["facility"]["province"], "Cần Thơ");
    assert_eq!(moved.body["move"]["from_province"], "Vĩnh Long");
    for token in [&w.regulator, &w.other_regulator] {
        let moves = w.app.get("/api/v1/facility-moves", token).await.expect(200);
        let items = moves.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{}", moves.text);
        assert_eq!(items[0]["facility_id"], w.a.facility.as_str());
        assert_eq!(items[0]["moved_by"], "regulator_vl");
    }
    assert!(audit_actions(&w.app, "facility").contains(&"relocate".to_owned()));
    w.app.get(&facility, &w.regulator).await.expect(404);
    w.app.get(&facility, &w.other_regulator).await.expect(200);
}

// 2. A suspended facility is read-only for its producer.
#[actix_web::test]
async fn a_suspended_facility_stops_trading_until_reinstated() {
    let w = World::build().await;
    let facility = format!("/api/v1/facilities/{}", w.a.facility);
    w.app
        .post(
            &format!("{facility}/suspend"),
            &w.regulator,
            json!({"reason": "Không đạt kiểm tra"}),
        )
        .await
        .expect(200);
    let before = w.app.snapshot();
    let new_batch = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&w.a.product, &w.a.facility, "LOT-NEW"),
        )
        .await
        .expect(409);
    assert!(
        new_batch.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("suspended"),
        "{}",
        new_batch.text
    );
    w.app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 10}),
        )
        .await
        .expect(409);
    w.app
        .patch(&facility, &w.a.token, json!({"name": "Vườn mới"}))
        .await
        .expect(409);
    w.app
        .post(
            &format!("/api/v1/batches/{}/events", w.a.batch),
            &w.a.token,
            crate::world::harvest_body(&w.a.facility),
        )
        .await
        .expect(409);
    w.app
        .delete(
            &format!("/api/v1/certifications/{}", w.a.certification),
            &w.a.token,
        )
        .await
        .expect(409);
    w.app
        .delete(&format!("/api/v1/events/{}", w.a.event), &w.a.token)
        .await
        .expect(409);
    assert_eq!(w.app.snapshot(), before, "nothing written while suspended");
    w.app
        .post(
            &format!("{facility}/reinstate"),
            &w.regulator,
            json!({"reason": "Đã khắc phục"}),
        )
        .await
        .expect(200);
    w.app
        .patch(&facility, &w.a.token, json!({"name": "Vườn mới"}))
        .await
        .expect(200);
}

// 3. What is printed is frozen; a recall cannot be hidden by renaming.
#[actix_web::test]
async fn a_recalled_lot_is_read_only_and_printed_lot_codes_keep_resolving() {
    let w = World::build().await;
    let (product, batch) = gtin_batch(&w, "8934567890120", "LOT-PRINTED").await;
    let stamp = stamp_path(&w, &w.a.token, &batch).await;
    assert!(
        stamp.starts_with("/01/08934567890120/10/LOT-PRINTED/21/"),
        "{stamp}"
    );
    let batch_path = format!("/api/v1/batches/{batch}");
    w.app
        .post(
            &format!("{batch_path}/recall"),
            &w.regulator,
            json!({"reason": "Nhiễm khuẩn"}),
        )
        .await
        .expect(200);
    let before = w.app.snapshot();
    w.app
        .patch(&batch_path, &w.a.token, json!({"lot_code": "LOT-CLEAN"}))
        .await
        .expect(409);
    let events = w
        .app
        .get(&format!("{batch_path}/events"), &w.a.token)
        .await
        .expect(200);
    let event = events.body["items"][0]["id"].as_str().unwrap().to_owned();
    w.app
        .delete(&format!("/api/v1/events/{event}"), &w.a.token)
        .await
        .expect(409);
    w.app.delete(&batch_path, &w.a.token).await.expect(409);
    assert_eq!(w.app.snapshot(), before);
    let answer = resolve_json(&w.app, &stamp).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["verdict"], "recalled");

    // Lifted, the lot code may be corrected; the printed code still names it.
    w.app
        .post(
            &format!("{batch_path}/unrecall"),
            &w.regulator,
            json!({"reason": "Kết quả kiểm nghiệm lại đạt"}),
        )
        .await
        .expect(200);
    let corrected = w
        .app
        .patch(&batch_path, &w.a.token, json!({"lot_code": "LOT-FIXED"}))
        .await
        .expect(200);
    assert_eq!(corrected.body["former_lot_codes"], json!(["LOT-PRINTED"]));
    assert!(audit_actions(&w.app, "batch").contains(&"correct_lot".to_owned()));
    let seen = w.app.get(&batch_path, &w.regulator).await.expect(200);
    assert_eq!(seen.body["former_lot_codes"], json!(["LOT-PRINTED"]));
    let answer = resolve_json(&w.app, &stamp).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.body["verdict"], "genuine");
    assert_eq!(answer.body["batch"]["lot_code"], "LOT-FIXED");
    let lot = resolve_json(&w.app, "/01/08934567890120/10/LOT-PRINTED").await;
    assert_eq!(lot.status, 200, "{}", lot.text);
    // A recall now reaches the stamps printed under the old code.
    w.app
        .post(
            &format!("{batch_path}/recall"),
            &w.regulator,
            json!({"reason": "Nhiễm khuẩn"}),
        )
        .await
        .expect(200);
    assert_eq!(
        resolve_json(&w.app, &stamp).await.body["verdict"],
        "recalled"
    );
    // Another batch cannot take the printed code; the GTIN is frozen.
    w.app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&product, &w.a.facility, "LOT-PRINTED"),
        )
        .await
        .expect(409);
    w.app
        .patch(
            &format!("/api/v1/products/{product}"),
            &w.a.token,
            json!({"gtin": "8934567890137"}),
        )
        .await
        .expect(409);
}

// 4. A GTIN belongs under its owner's GS1 company prefix.
#[actix_web::test]
async fn nobody_registers_a_gtin_under_another_enterprises_prefix() {
    let w = World::build().await;
    w.app
        .patch(
            &format!("/api/v1/enterprises/{}", w.a.enterprise),
            &w.admin,
            json!({"gs1_prefix": "893456789"}),
        )
        .await
        .expect(200);
    let with_gtin = |gtin: &str| {
        let mut body = crate::world::product_body("Cam sành");
        body["gtin"] = json!(gtin);
        body
    };
    let before = w.app.snapshot();
    let squat = w
        .app
        .post("/api/v1/products", &w.b.token, with_gtin("8934567890120"))
        .await
        .expect(422);
    assert_eq!(squat.body["error"]["field"], "gtin");
    // The owner may not stray outside its own prefix either.
    w.app
        .post("/api/v1/products", &w.a.token, with_gtin("96385074"))
        .await
        .expect(422);
    assert_eq!(w.app.snapshot(), before);
    w.app
        .post("/api/v1/products", &w.a.token, with_gtin("8934567890120"))
        .await
        .expect(201);
    let answer = resolve_json(&w.app, "/01/08934567890120").await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // An admin may override, and the override is audited.
    let mut body = with_gtin("96385074");
    body["enterprise_id"] = json!(w.a.enterprise);
    w.app
        .post("/api/v1/products", &w.admin, body)
        .await
        .expect(201);
    assert!(audit_actions(&w.app, "product").contains(&"override_gtin_prefix".to_owned()));
}

// 5. EPCIS capture obeys the registry's rules.
#[actix_web::test]
async fn epcis_capture_is_audited_bounded_owned_and_retractable() {
    let w = World::build().await;
    let stamp = stamp_path(&w, &w.a.token, &w.a.batch).await;
    let first = resolve_json(&w.app, &stamp).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let url = format!("http://127.0.0.1:8080{stamp}");
    let event = |id: &str, time: &str| {
        json!({"eventID": id, "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving",
               "eventTime": time, "eventTimeZoneOffset": "+07:00", "epcList": [url]})
    };
    let id = "urn:uuid:11111111-1111-4111-8111-111111111111";
    capture(
        &w.app,
        &w.a.token,
        &document(vec![event(id, "2026-11-10T08:00:00+07:00")]),
    )
    .await
    .expect(202);
    assert_eq!(audit_actions(&w.app, "epcis_capture"), ["create"]);
    // The consumer sees it at once: the capture moved the change counter.
    let after = resolve_json(&w.app, &stamp).await;
    assert!(
        after.text.contains("\"source\":\"epcis\""),
        "{}",
        after.text
    );

    // An event dated in 2099 is refused, and nothing is stored.
    let future = capture(
        &w.app,
        &w.a.token,
        &document(vec![event(
            "urn:uuid:22222222-2222-4222-8222-222222222222",
            "2099-01-01T00:00:00+07:00",
        )]),
    )
    .await
    .expect(400);
    assert!(future.text.contains("eventTime"), "{}", future.text);
    assert_eq!(audit_actions(&w.app, "epcis_capture").len(), 1);

    // Another enterprise cannot take over the eventID.
    let mut foreign = event(id, "2026-11-11T08:00:00+07:00");
    foreign["epcList"] = json!(["urn:epc:id:sgtin:0614141.107346.2018"]);
    foreign["bizStep"] = json!("shipping");
    let taken = capture(&w.app, &w.b.token, &document(vec![foreign]))
        .await
        .expect(400);
    assert!(taken.text.contains("eventID"), "{}", taken.text);
    let encoded = id.replace(':', "%3A");
    let seen = w
        .app
        .get(&format!("/epcis/events/{encoded}"), &w.admin)
        .await
        .expect(200);
    assert!(seen.text.contains("receiving"), "{}", seen.text);
    assert!(
        seen.text
            .contains(&format!("/enterprises/{}", w.a.enterprise)),
        "the answer says who captured it: {}",
        seen.text
    );

    // Its enterprise retracts it with an error declaration.
    let mut declared = event(id, "2026-11-10T08:00:00+07:00");
    declared["errorDeclaration"] = json!({"declarationTime": "2026-11-12T00:00:00Z",
        "reason": "incorrect_data"});
    capture(&w.app, &w.a.token, &document(vec![declared]))
        .await
        .expect(202);
    let after = resolve_json(&w.app, &stamp).await;
    assert!(
        !after.text.contains("\"source\":\"epcis\""),
        "{}",
        after.text
    );
    let seen = w
        .app
        .get(&format!("/epcis/events/{encoded}"), &w.a.token)
        .await
        .expect(200);
    assert!(seen.text.contains("errorDeclaration"), "{}", seen.text);
}

// 6. A trace answers within the reader's reach.
#[actix_web::test]
async fn a_trace_shows_batches_outside_the_readers_province_as_opaque_nodes() {
    let w = World::build().await;
    // A Cần Thơ batch made from a Vĩnh Long one, handed over first (an
    // admin records it).
    w.hand_over(&w.a, &w.a.batch, &w.c, 100.0).await;
    w.app
        .post(
            &format!("/api/v1/batches/{}/events", w.c.batch),
            &w.admin,
            json!({"kind": "transformation", "occurred_at": "2026-11-05T09:00:00+07:00",
                   "facility_id": w.c.facility, "details": {"note": "ép nước", "quantity": 80.0, "unit": "kg"},
                   "inputs": [{"batch_id": w.a.batch, "quantity": 100.0, "unit": "kg"}]}),
        )
        .await
        .expect(201);
    let trace = w
        .app
        .get(
            &format!("/api/v1/batches/{}/trace?direction=backward", w.c.batch),
            &w.other_regulator,
        )
        .await
        .expect(200);
    let batches = trace.body["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 2, "{}", trace.text);
    let outside = batches
        .iter()
        .find(|b| b["id"] == w.a.batch.as_str())
        .unwrap();
    assert_eq!(outside["outside_reach"], true);
    for hidden in ["lot_code", "facility_address", "facility_name", "area_code"] {
        assert!(outside.get(hidden).is_none(), "{hidden} leaked: {outside}");
    }
    assert!(!trace.text.contains("LOT-1"), "{}", trace.text);
    let csv = w
        .app
        .get(
            &format!(
                "/api/v1/batches/{}/trace?direction=backward&format=csv",
                w.c.batch
            ),
            &w.other_regulator,
        )
        .await
        .expect(200);
    assert!(csv.text.contains("LOT-3"), "{}", csv.text);
    assert!(!csv.text.contains("LOT-1"), "{}", csv.text);
    assert!(!csv.text.contains("Vườn bưởi 1"), "{}", csv.text);
    // The Vĩnh Long regulator sees its own batch in full and Cần Thơ's
    // batch (the root is outside its reach) not at all.
    w.app
        .get(
            &format!("/api/v1/batches/{}/trace", w.c.batch),
            &w.regulator,
        )
        .await
        .expect(404);
}

// 7. EPCIS copies follow the registry.
#[actix_web::test]
async fn epcis_copies_follow_lot_code_and_gtin_changes() {
    let w = World::build().await;
    let (product, batch) = gtin_batch(&w, "8934567890120", "LOT-A").await;
    let epcs = |app: &TestApp| -> Vec<String> {
        use tracestamp::db::schema::{epcis_event, epcis_event_epc};
        epcis_event_epc::table
            .inner_join(epcis_event::table)
            .filter(epcis_event::source_event_id.is_not_null())
            .filter(epcis_event_epc::role.ne("batch"))
            .select(epcis_event_epc::value)
            .load(&mut *app.conn())
            .unwrap()
    };
    assert!(
        epcs(&w.app).iter().any(|v| v.ends_with("/10/LOT-A")),
        "{:?}",
        epcs(&w.app)
    );
    w.app
        .patch(
            &format!("/api/v1/batches/{batch}"),
            &w.a.token,
            json!({"lot_code": "LOT-B"}),
        )
        .await
        .expect(200);
    let now = epcs(&w.app);
    assert!(now.iter().any(|v| v.ends_with("/10/LOT-B")), "{now:?}");
    assert!(!now.iter().any(|v| v.ends_with("/10/LOT-A")), "{now:?}");
    w.app
        .patch(
            &format!("/api/v1/products/{product}"),
            &w.a.token,
            json!({"gtin": "8934567890137"}),
        )
        .await
        .expect(200);
    let now = epcs(&w.app);
    assert!(
        now.iter()
            .any(|v| v.contains("/01/08934567890137/10/LOT-B")),
        "{now:?}"
    );
    assert!(!now.iter().any(|v| v.contains("08934567890120")), "{now:?}");
}

#[actix_web::test]
async fn the_demo_sets_events_are_in_epcis_as_soon_as_it_is_loaded() {
    use tracestamp::db::schema::{epcis_event, event};
    let app = TestApp::new();
    let loaded = tracestamp::demo::load(&mut app.conn(), &app.state().config, &app.state().codec)
        .expect("demo loads");
    let mut conn = app.conn();
    let events: i64 = event::table.count().get_result(&mut *conn).unwrap();
    let mirrors: i64 = epcis_event::table
        .filter(epcis_event::source_event_id.is_not_null())
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(events as usize, loaded.events);
    assert_eq!(mirrors, events);
}

/// On a page, a broken rule is said in the reader's language.
#[actix_web::test]
async fn a_page_says_the_broken_rule_in_vietnamese() {
    use actix_web::cookie::Cookie;
    let w = World::build().await;
    w.app
        .post(
            &format!("/api/v1/facilities/{}/suspend", w.a.facility),
            &w.regulator,
            json!({"reason": "Không đạt kiểm tra"}),
        )
        .await
        .expect(200);
    let path = format!("/portal/facilities/{}/edit", w.a.facility);
    let form = w
        .app
        .send_request(
            TestRequest::default()
                .uri(&path)
                .cookie(Cookie::new("tracestamp_session", w.a.token.clone())),
        )
        .await
        .expect(200);
    let marker = "name=\"csrf\" value=\"";
    let start = form.text.find(marker).unwrap() + marker.len();
    let csrf = &form.text[start..start + form.text[start..].find('"').unwrap()];
    let before = w.app.snapshot();
    let refused = w
        .app
        .send_request(
            TestRequest::post()
                .uri(&path)
                .cookie(Cookie::new("tracestamp_session", w.a.token.clone()))
                .set_form(vec![
                    ("csrf", csrf),
                    ("name", "Vườn đổi tên"),
                    ("kind", "orchard"),
                    ("address", "Ấp An Thạnh"),
                ]),
        )
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert!(
        refused.text.contains("đang bị cơ quan quản lý đình chỉ"),
        "{}",
        refused.text
    );
    assert!(!refused.text.contains("is suspended"), "{}", refused.text);
    assert_eq!(w.app.snapshot(), before);
}
