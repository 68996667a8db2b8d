//! The supply chain across enterprises: parties, shipments, receipts
//! accepted or refused, received lots used as inputs up to what was
//! received, external lots, each side seeing only its part, and a recall
//! of a farm lot reaching the last enterprise's stamps.

use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::world::{batch_body, Tenant, World};

async fn scan(app: &TestApp, serial: &str) -> Value {
    let req = TestRequest::get()
        .uri(&format!("/s/{serial}"))
        .insert_header((header::ACCEPT, "application/json"))
        .peer_addr("203.113.5.7:4000".parse().unwrap());
    app.send_request(req).await.body
}

async fn page(app: &TestApp, serial: &str, lang: &str) -> String {
    let req = TestRequest::get()
        .uri(&format!("/s/{serial}?lang={lang}"))
        .insert_header((header::ACCEPT, "text/html"))
        .peer_addr("203.113.5.7:4000".parse().unwrap());
    app.send_request(req).await.text
}

/// The party of `to`'s enterprise, registered by `by`.
async fn party_of(w: &World, by: &Tenant, to: &Tenant) -> String {
    w.app
        .post(
            "/api/v1/parties",
            &by.token,
            json!({"enterprise_id": to.enterprise}),
        )
        .await
        .id()
}

/// Ships `quantity` kg of `batch` from `from` to `to`; the pending receipt.
async fn ship(w: &World, from: &Tenant, batch: &str, to: &Tenant, quantity: f64) -> String {
    let party = party_of(w, from, to).await;
    let shipped = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/shipments"),
            &from.token,
            json!({"to_party_id": party, "facility_id": from.facility,
                   "occurred_at": "2026-11-03T07:00:00+07:00", "quantity": quantity, "unit": "kg",
                   "details": {"reference_document": {"type": "delivery_note", "number": "PGH-7"}}}),
        )
        .await
        .expect(201)
        .body;
    let ship_to = &shipped["event"]["details"]["ship_to"];
    let keys: Vec<&String> = ship_to.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "business_name",
            "country",
            "fda_registration",
            "gln",
            "party_id",
            "phone",
            "province",
            "street"
        ]
    );
    assert_eq!(ship_to["party_id"], party.as_str());
    assert_eq!(shipped["handover"]["status"], "pending");
    shipped["handover"]["id"].as_str().unwrap().to_owned()
}

fn acceptance(to: &Tenant, quantity: f64) -> Value {
    json!({"quantity": quantity, "facility_id": to.facility, "reference_type": "delivery_note",
           "reference_number": "PNK-0042", "occurred_at": "2026-11-03T15:00:00+07:00"})
}

async fn accept(w: &World, handover: &str, to: &Tenant, quantity: f64) -> Value {
    w.app
        .post(
            &format!("/api/v1/handovers/{handover}/accept"),
            &to.token,
            acceptance(to, quantity),
        )
        .await
        .expect(200)
        .body
}

/// A new lot of `who` made (`kind`) from `inputs`.
async fn made_from(w: &World, who: &Tenant, lot: &str, kind: &str, inputs: Value) -> String {
    let batch = w
        .app
        .post(
            "/api/v1/batches",
            &who.token,
            batch_body(&who.product, &who.facility, lot),
        )
        .await
        .expect(201)
        .id();
    w.app
        .post(
            &format!("/api/v1/batches/{batch}/events"),
            &who.token,
            json!({"kind": kind, "occurred_at": "2026-11-04T08:00:00+07:00",
                   "facility_id": who.facility, "inputs": inputs,
                   "details": {"quantity": 100, "unit": "kg"}}),
        )
        .await
        .expect(201);
    batch
}

/// Farm (A) → packer (B) → exporter (C, another province); the exporter's
/// lot with a roll of stamps. Returns (packer's lot, exporter's lot, serial).
async fn farm_to_exporter(w: &World) -> (String, String, String) {
    let (farm, packer, exporter) = (&w.a, &w.b, &w.c);
    let receipt = ship(w, farm, &farm.batch, packer, 1000.0).await;
    accept(w, &receipt, packer, 950.0).await;
    let packed = made_from(
        w,
        packer,
        "PACK-1",
        "packing",
        json!([{"batch_id": farm.batch, "quantity": 900.0, "unit": "kg"}]),
    )
    .await;
    let receipt = ship(w, packer, &packed, exporter, 800.0).await;
    accept(w, &receipt, exporter, 800.0).await;
    let exported = made_from(
        w,
        exporter,
        "EXP-1",
        "transformation",
        json!([{"batch_id": packed, "quantity": 800.0, "unit": "kg"}]),
    )
    .await;
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{exported}/stamp-rolls"),
            &exporter.token,
            json!({"count": 3}),
        )
        .await
        .expect(201);
    let serial = roll.body["first_serial"].as_str().unwrap().to_owned();
    (packed, exported, serial)
}

#[actix_web::test]
async fn a_farm_lot_goes_through_a_packer_to_an_exporter_each_seeing_its_part() {
    let w = World::build().await;
    let (farm, packer, exporter) = (&w.a, &w.b, &w.c);
    let farm_roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", farm.batch),
            &farm.token,
            json!({"count": 2}),
        )
        .await
        .expect(201)
        .id();
    let receipt = ship(&w, farm, &farm.batch, packer, 1000.0).await;

    // The packer's pending receipt shows the lot's identity only.
    let pending = w
        .app
        .get("/api/v1/handovers/pending", &packer.token)
        .await
        .expect(200)
        .body;
    assert_eq!(pending["total"], 1, "{pending}");
    let lot = &pending["items"][0]["lot"];
    assert_eq!(lot["lot_code"], "LOT-1");
    assert_eq!(lot["supplier"], "Hợp tác xã 1");
    assert_eq!(lot["facility_name"], "Vườn bưởi 1");
    assert_eq!(lot["certifications"], json!(["vietgap VietGAP-TT-1"]));
    for key in ["id", "events", "stamp_rolls", "scans"] {
        assert!(lot.get(key).is_none(), "{key} in {lot}");
    }
    // The farm's other records stay out of the packer's reach.
    for path in [
        format!("/api/v1/batches/{}", farm.batch),
        format!("/api/v1/batches/{}/events", farm.batch),
        format!("/api/v1/events/{}", farm.event),
        format!("/api/v1/batches/{}/stamp-rolls", farm.batch),
        format!("/api/v1/stamp-rolls/{farm_roll}"),
    ] {
        w.app.get(&path, &packer.token).await.expect(404);
    }
    // The exporter has nothing pending yet and cannot see the receipt.
    let none = w
        .app
        .get("/api/v1/handovers/pending", &exporter.token)
        .await;
    assert_eq!(none.body["total"], 0);
    w.app
        .get(&format!("/api/v1/handovers/{receipt}"), &exporter.token)
        .await
        .expect(404);

    let accepted = accept(&w, &receipt, packer, 950.0).await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["quantity_received"], 950.0);
    // The receiving event names the farm as previous source.
    let receiving = w
        .app
        .get(
            &format!("/api/v1/batches/{}/events?kind=receiving", farm.batch),
            &farm.token,
        )
        .await
        .expect(200)
        .body;
    let details = &receiving["items"][0]["details"];
    assert_eq!(details["previous_source"]["business_name"], "Hợp tác xã 1");
    assert_eq!(details["previous_source"].as_object().unwrap().len(), 8);
    assert_eq!(
        receiving["items"][0]["facility_id"],
        packer.facility.as_str()
    );
    // The farm sees its shipment accepted.
    let seen = w
        .app
        .get(&format!("/api/v1/handovers/{receipt}"), &farm.token)
        .await
        .expect(200)
        .body;
    assert_eq!(seen["status"], "accepted");
    assert_eq!(seen["quantity_received"], 950.0);
    assert_eq!(seen["receiver"], "Hợp tác xã 2");

    // Packed into the packer's own lot, then shipped on and transformed.
    let packed = made_from(
        &w,
        packer,
        "PACK-1",
        "packing",
        json!([{"batch_id": farm.batch, "quantity": 900.0, "unit": "kg"}]),
    )
    .await;
    let receipt = ship(&w, packer, &packed, exporter, 800.0).await;
    accept(&w, &receipt, exporter, 800.0).await;
    let exported = made_from(
        &w,
        exporter,
        "EXP-1",
        "transformation",
        json!([{"batch_id": packed, "quantity": 800.0, "unit": "kg"}]),
    )
    .await;
    // The exporter's trace reaches the farm's lot, opaque to it.
    let trace = w
        .app
        .get(
            &format!("/api/v1/batches/{exported}/trace?direction=backward"),
            &exporter.token,
        )
        .await
        .expect(200)
        .body;
    let nodes = trace["batches"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{trace}");
    assert!(nodes
        .iter()
        .filter(|n| n["id"] != exported.as_str())
        .all(|n| n["outside_reach"] == true && n.get("lot_code").is_none()));

    // Regulators see the hand-overs with a side in their province.
    let vinh_long = w.app.get("/api/v1/handovers", &w.regulator).await.body;
    assert_eq!(vinh_long["total"], 2, "{vinh_long}");
    let can_tho = w
        .app
        .get("/api/v1/handovers", &w.other_regulator)
        .await
        .body;
    assert_eq!(can_tho["total"], 1, "{can_tho}");
    assert_eq!(can_tho["items"][0]["receiver"], "Hợp tác xã 3");
    // The farm sees its own hand-over, not the packer's onward one.
    let farm_list = w.app.get("/api/v1/handovers", &farm.token).await.body;
    assert_eq!(farm_list["total"], 1);
}

#[actix_web::test]
async fn the_consumer_page_of_the_final_lot_shows_the_chain_back_to_the_farm() {
    let w = World::build().await;
    let (_, _, serial) = farm_to_exporter(&w).await;
    let vi = page(&w.app, &serial, "vi").await;
    assert!(vi.contains("Nguyên liệu từ"), "{vi}");
    assert!(vi.contains("Hợp tác xã 1") && vi.contains("Vườn bưởi 1") && vi.contains("LOT-1"));
    assert!(vi.contains("Hợp tác xã 2") && vi.contains("PACK-1"));
    let en = page(&w.app, &serial, "en").await;
    assert!(en.contains("Sourced from"), "{en}");
    assert!(en.contains("Hợp tác xã 1") && en.contains("LOT-1"));
}

#[actix_web::test]
async fn a_recall_of_the_farm_lot_reaches_the_exporters_stamps() {
    let w = World::build().await;
    let (packed, exported, serial) = farm_to_exporter(&w).await;
    assert_eq!(scan(&w.app, &serial).await["verdict"], "genuine");
    let recalled = w
        .app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.regulator,
            json!({"reason": "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"}),
        )
        .await
        .expect(200)
        .body;
    let ids: Vec<&str> = recalled["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert!(ids.contains(&packed.as_str()) && ids.contains(&exported.as_str()));
    assert_eq!(scan(&w.app, &serial).await["verdict"], "recalled");
}

#[actix_web::test]
async fn an_external_suppliers_lot_is_received_and_transformed() {
    let w = World::build().await;
    let b = &w.b;
    let party = w
        .app
        .post(
            "/api/v1/parties",
            &b.token,
            json!({"business_name": "Vựa cá Hai Lúa", "street": "Ấp Phú Thạnh", "province": "Cần Thơ",
                   "phone": "0292 3812 345", "gln": "8934567890120"}),
        )
        .await
        .expect(201)
        .id();
    // Outside parties are the recording enterprise's (and regulators').
    w.app
        .get(&format!("/api/v1/parties/{party}"), &w.a.token)
        .await
        .expect(404);
    w.app
        .get(&format!("/api/v1/parties/{party}"), &w.regulator)
        .await
        .expect(200);
    let received = w
        .app
        .post(
            "/api/v1/external-lots",
            &b.token,
            json!({"party_id": party, "product_id": b.product, "facility_id": b.facility,
                   "lot_code": "HL-2026-11-07", "product_description": "Cá tra nguyên con",
                   "quantity": 500.0, "unit": "kg", "reference_type": "invoice",
                   "reference_number": "HD-0007", "occurred_at": "2026-11-07T09:00:00+07:00"}),
        )
        .await
        .expect(201)
        .body;
    assert_eq!(received["status"], "accepted");
    assert_eq!(received["lot"]["supplier"], "Vựa cá Hai Lúa");
    assert_eq!(received["supplier_lot_code"], "HL-2026-11-07");
    let external = received["batch_id"].as_str().unwrap().to_owned();
    let fillets = made_from(
        &w,
        b,
        "FILLET-1",
        "transformation",
        json!([{"batch_id": external, "quantity": 500.0, "unit": "kg"}]),
    )
    .await;
    let trace = w
        .app
        .get(
            &format!("/api/v1/batches/{fillets}/trace?direction=backward"),
            &b.token,
        )
        .await
        .expect(200)
        .body;
    assert!(trace["batches"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["lot_code"] == "HL-2026-11-07"));
}

#[actix_web::test]
async fn bad_chain_input_is_refused_naming_the_rule_and_writes_nothing() {
    let w = World::build().await;
    let (a, b, c) = (&w.a, &w.b, &w.c);
    let party_b = party_of(&w, a, b).await;
    let party_a = party_of(&w, a, a).await;
    let refused =
        |answer: crate::harness::Answer, status: u16, field: Option<&str>, words: &str| {
            assert_eq!(answer.status.as_u16(), status, "{}", answer.text);
            if let Some(field) = field {
                assert_eq!(answer.body["error"]["field"], field, "{}", answer.text);
            }
            assert!(answer.text.contains(words), "{words}: {}", answer.text);
        };

    // A shipment to oneself.
    let before = w.app.snapshot();
    let to_self = w
        .app
        .post(
            &format!("/api/v1/batches/{}/shipments", a.batch),
            &a.token,
            json!({"to_party_id": party_a, "facility_id": a.facility,
                   "occurred_at": "2026-11-03T07:00:00+07:00", "quantity": 10.0, "unit": "kg"}),
        )
        .await;
    refused(to_self, 422, Some("to_party_id"), "own enterprise");
    assert_eq!(w.app.snapshot(), before);

    // A party with a bad GLN.
    let bad_gln = w
        .app
        .post(
            "/api/v1/parties",
            &a.token,
            json!({"business_name": "Công ty Xuất khẩu Mekong", "street": "12 Lê Lợi",
                   "province": "Cần Thơ", "gln": "8934567890123"}),
        )
        .await;
    refused(bad_gln, 422, Some("gln"), "GLN");
    assert_eq!(w.app.snapshot(), before);

    let shipped = w
        .app
        .post(
            &format!("/api/v1/batches/{}/shipments", a.batch),
            &a.token,
            json!({"to_party_id": party_b, "facility_id": a.facility,
                   "occurred_at": "2026-11-03T07:00:00+07:00", "quantity": 100.0, "unit": "kg",
                   "details": {"reference_document": {"type": "delivery_note", "number": "PGH-8"}}}),
        )
        .await
        .expect(201);
    let receipt = shipped.body["handover"]["id"].as_str().unwrap().to_owned();
    let accept_path = format!("/api/v1/handovers/{receipt}/accept");

    // An input lot not received (the receipt still pending).
    let before = w.app.snapshot();
    let batch = w
        .app
        .post(
            "/api/v1/batches",
            &b.token,
            batch_body(&b.product, &b.facility, "PACK-X"),
        )
        .await
        .expect(201)
        .id();
    let after_batch = w.app.snapshot();
    let not_received = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/events"),
            &b.token,
            json!({"kind": "packing", "occurred_at": "2026-11-04T08:00:00+07:00", "facility_id": b.facility,
                   "details": {"quantity": 10, "unit": "kg"},
                   "inputs": [{"batch_id": a.batch, "quantity": 10.0, "unit": "kg"}]}),
        )
        .await;
    refused(not_received, 422, Some("inputs"), "not received");
    assert_eq!(w.app.snapshot(), after_batch);
    let _ = before;

    // A receipt for more than was shipped.
    let before = w.app.snapshot();
    let too_much = w
        .app
        .post(&accept_path, &b.token, acceptance(b, 100.5))
        .await;
    refused(too_much, 422, Some("quantity"), "more than was shipped");
    // Another enterprise's pending receipt: the supplier, an outsider.
    let by_supplier = w
        .app
        .post(&accept_path, &a.token, acceptance(a, 50.0))
        .await;
    refused(by_supplier, 403, None, "receiving enterprise");
    let by_outsider = w
        .app
        .post(&accept_path, &c.token, acceptance(c, 50.0))
        .await;
    refused(by_outsider, 404, None, "not found");
    let by_regulator = w
        .app
        .post(&accept_path, &w.regulator, acceptance(b, 50.0))
        .await;
    assert_eq!(by_regulator.status.as_u16(), 403);
    // A receiving facility of another enterprise.
    let elsewhere = w
        .app
        .post(
            &accept_path,
            &b.token,
            json!({"quantity": 50.0, "facility_id": a.facility, "reference_type": "delivery_note",
                   "reference_number": "PNK-1"}),
        )
        .await;
    refused(elsewhere, 422, Some("facility_id"), "no such facility");
    assert_eq!(w.app.snapshot(), before);

    // Accepting twice.
    accept(&w, &receipt, b, 60.0).await;
    let before = w.app.snapshot();
    let twice = w
        .app
        .post(&accept_path, &b.token, acceptance(b, 10.0))
        .await;
    refused(twice, 409, None, "already accepted");
    let refuse_after = w
        .app
        .post(
            &format!("/api/v1/handovers/{receipt}/refuse"),
            &b.token,
            json!({"reason": "hàng dập"}),
        )
        .await;
    refused(refuse_after, 409, None, "already accepted");
    // Using more than was received, over two events.
    let over = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/events"),
            &b.token,
            json!({"kind": "packing", "occurred_at": "2026-11-04T08:00:00+07:00", "facility_id": b.facility,
                   "details": {"quantity": 10, "unit": "kg"},
                   "inputs": [{"batch_id": a.batch, "quantity": 61.0, "unit": "kg"}]}),
        )
        .await;
    refused(
        over,
        422,
        Some("inputs.quantity"),
        "more of lot LOT-1 than was received",
    );
    assert_eq!(w.app.snapshot(), before);
    w.app
        .post(
            &format!("/api/v1/batches/{batch}/events"),
            &b.token,
            json!({"kind": "packing", "occurred_at": "2026-11-04T08:00:00+07:00", "facility_id": b.facility,
                   "details": {"quantity": 10, "unit": "kg"},
                   "inputs": [{"batch_id": a.batch, "quantity": 40.0, "unit": "kg"}]}),
        )
        .await
        .expect(201);
    let before = w.app.snapshot();
    let again = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/events"),
            &b.token,
            json!({"kind": "transformation", "occurred_at": "2026-11-05T08:00:00+07:00", "facility_id": b.facility,
                   "details": {"quantity": 10, "unit": "kg"},
                   "inputs": [{"batch_id": a.batch, "quantity": 20.5, "unit": "kg"}]}),
        )
        .await;
    refused(again, 422, Some("inputs.quantity"), "already used");
    assert_eq!(w.app.snapshot(), before);

    // A refused receipt is not received either.
    let second = w
        .app
        .post(
            &format!("/api/v1/batches/{}/shipments", a.batch),
            &a.token,
            json!({"to_party_id": party_of(&w, a, c).await, "facility_id": a.facility,
                   "occurred_at": "2026-11-03T07:00:00+07:00", "quantity": 10.0, "unit": "kg",
                   "details": {"reference_document": {"type": "delivery_note", "number": "PGH-9"}}}),
        )
        .await
        .expect(201);
    let second = second.body["handover"]["id"].as_str().unwrap().to_owned();
    let no = w
        .app
        .post(
            &format!("/api/v1/handovers/{second}/refuse"),
            &c.token,
            json!({"reason": "Sai quy cách"}),
        )
        .await
        .expect(200);
    assert_eq!(no.body["status"], "refused");
    let c_batch = c.batch.clone();
    let unused = w
        .app
        .post(
            &format!("/api/v1/batches/{c_batch}/events"),
            &c.token,
            json!({"kind": "transformation", "occurred_at": "2026-11-05T08:00:00+07:00", "facility_id": c.facility,
                   "details": {"quantity": 10, "unit": "kg"},
                   "inputs": [{"batch_id": a.batch, "quantity": 1.0, "unit": "kg"}]}),
        )
        .await;
    refused(unused, 422, Some("inputs"), "not received");
}

#[actix_web::test]
async fn the_receiver_accepts_a_receipt_on_the_pending_receipts_page() {
    use crate::pages::{csrf_of, page, submit};
    let w = World::build().await;
    let (farm, packer) = (&w.a, &w.b);
    let receipt = ship(&w, farm, &farm.batch, packer, 1000.0).await;
    let list = page(&w.app, "/portal/receipts", Some(&packer.token))
        .await
        .expect(200);
    assert!(list.text.contains("Hàng chờ nhận") && list.text.contains("LOT-1"));
    assert!(list
        .text
        .contains(&format!("/portal/receipts/{receipt}/accept")));
    // The farm does not answer its own shipment.
    let farm_list = page(&w.app, "/portal/receipts", Some(&farm.token))
        .await
        .expect(200);
    assert!(!farm_list.text.contains("/accept"));
    let path = format!("/portal/receipts/{receipt}/accept");
    let form = page(&w.app, &path, Some(&packer.token)).await.expect(200);
    let csrf = csrf_of(&form.text);
    let fields = |quantity: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("quantity", quantity.to_owned()),
            ("facility_id", packer.facility.clone()),
            ("reference_type", "delivery_note".to_owned()),
            ("reference_number", "PNK-7".to_owned()),
            ("occurred_at", "2026-11-03T15:00".to_owned()),
        ]
    };
    let before = w.app.snapshot();
    let too_much: Vec<(&str, String)> = fields("1200");
    let refs: Vec<(&str, &str)> = too_much.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = submit(&w.app, &path, &packer.token, &refs).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        refused.text.contains("lớn hơn lượng đã giao"),
        "{}",
        refused.text
    );
    assert_eq!(w.app.snapshot(), before);
    let good = fields("980");
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let done = submit(&w.app, &path, &packer.token, &refs).await;
    assert_eq!(done.status.as_u16(), 303, "{}", done.text);
    let next = done.headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(next, "/portal/receipts?notice=received");
    let confirmed = page(&w.app, next, Some(&packer.token)).await.expect(200);
    assert!(confirmed.text.contains("Đã xác nhận nhận hàng"));
    assert!(confirmed.text.contains("Đã nhận"));
    // The farm sees its shipment received.
    let farm_list = page(&w.app, "/portal/receipts", Some(&farm.token))
        .await
        .expect(200);
    assert!(farm_list.text.contains("Đã nhận") && farm_list.text.contains("Hợp tác xã 2"));
    // The regulator reads the hand-over on the farm lot's history.
    let history = page(
        &w.app,
        &format!("/oversight/batches/{}", farm.batch),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(history.text.contains("Giao nhận giữa các doanh nghiệp"));
    assert!(history.text.contains("Hợp tác xã 2") && history.text.contains("PNK-7"));
}
