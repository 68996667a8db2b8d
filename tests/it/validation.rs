//! Bad input: each is answered with a 4xx naming what was wrong, and leaves
//! every table (and the audit log) exactly as it was.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::world::{batch_body, facility_body, product_body, World};

#[actix_web::test]
async fn malformed_bodies_are_refused_whole() {
    let w = World::build().await;
    let before = w.app.snapshot();
    let token = format!("Bearer {}", w.a.token);
    let raw = |body: &'static str, content_type: &'static str| {
        TestRequest::default()
            .method(Method::POST)
            .uri("/api/v1/facilities")
            .insert_header((header::AUTHORIZATION, token.clone()))
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body)
    };
    let answer = w
        .app
        .send_request(raw("{\"name\": ", "application/json"))
        .await
        .expect(400);
    assert!(answer.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("malformed JSON"));
    w.app
        .send_request(raw("not json", "application/json"))
        .await
        .expect(400);
    let answer = w
        .app
        .send_request(raw("{}", "text/plain"))
        .await
        .expect(415);
    assert_eq!(answer.body["error"]["code"], "unsupported_media_type");
    let big = format!("{{\"name\": \"{}\"}}", "a".repeat(1024 * 1024 + 10));
    let answer = w
        .app
        .send_request(
            TestRequest::default()
                .method(Method::POST)
                .uri("/api/v1/facilities")
                .insert_header((header::AUTHORIZATION, token.clone()))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload(big),
        )
        .await;
    assert_eq!(answer.status, 413, "{}", answer.text);
    assert_eq!(w.app.snapshot(), before);
}

#[actix_web::test]
async fn wrong_types_unknown_fields_and_enums_name_the_problem() {
    let w = World::build().await;
    let before = w.app.snapshot();
    let mut wrong_type = facility_body("Vườn", "Vĩnh Long");
    wrong_type["latitude"] = json!("mười");
    w.app
        .post("/api/v1/facilities", &w.a.token, wrong_type)
        .await
        .expect(400);

    let mut typo = facility_body("Vườn", "Vĩnh Long");
    typo["provnce"] = json!("Vĩnh Long");
    let answer = w
        .app
        .post("/api/v1/facilities", &w.a.token, typo)
        .await
        .expect(400);
    assert!(answer.text.contains("provnce"), "{}", answer.text);

    let cases = [
        ("kind", json!("orchad"), "orchard"),
        ("province", json!("Cần Thơ"), "not in Cần Thơ"),
        ("commune_code", json!("99999"), "not the code of a commune"),
        ("district", json!("Long Hồ"), "abolished on 1 July 2025"),
        ("latitude", json!(123.0), "between"),
        ("name", json!("á".repeat(201)), "at most 200"),
        ("name", json!("   "), "empty"),
    ];
    for (field, value, hint) in cases {
        let mut body = facility_body("Vườn", "Vĩnh Long");
        body[field] = value;
        let answer = w
            .app
            .post("/api/v1/facilities", &w.a.token, body)
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], field);
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(hint),
            "{}",
            answer.text
        );
    }
    let mut missing = facility_body("Vườn", "Vĩnh Long");
    missing.as_object_mut().unwrap().remove("name");
    let answer = w
        .app
        .post("/api/v1/facilities", &w.a.token, missing)
        .await
        .expect(422);
    assert_eq!(answer.body["error"]["field"], "name");
    assert_eq!(answer.body["error"]["message"], "name: is required");

    let product_cases = [
        ("gtin", json!("8934567890127"), "check digit"),
        ("gtin", json!("12345"), "8, 12, 13 or 14"),
        ("category", json!("fish"), "seafood"),
        ("unit", json!("kilo"), "kg"),
        ("shelf_life_days", json!(0), "between"),
    ];
    for (field, value, hint) in product_cases {
        let mut body = product_body("Cam sành");
        body[field] = value;
        let answer = w
            .app
            .post("/api/v1/products", &w.a.token, body)
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], field);
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(hint),
            "{}",
            answer.text
        );
    }
    let batch_cases = [
        ("lot_code", json!("lô 1"), "may not contain"),
        ("produced_on", json!("2026-02-30"), "YYYY-MM-DD"),
        ("quantity", json!(-5.0), "positive"),
        ("expires_on", json!("2020-01-01"), "before"),
    ];
    let mut nul_id = batch_body(&w.a.product, &w.a.facility, "NEW-1");
    nul_id["product_id"] = json!("\u{0}");
    let answer = w
        .app
        .post("/api/v1/batches", &w.a.token, nul_id)
        .await
        .expect(400);
    assert!(answer.text.contains("not an id"), "{}", answer.text);
    for (field, value, hint) in batch_cases {
        let mut body = batch_body(&w.a.product, &w.a.facility, "NEW-1");
        body[field] = value;
        let answer = w
            .app
            .post("/api/v1/batches", &w.a.token, body)
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], field);
        assert!(
            answer.body["error"]["message"]
                .as_str()
                .unwrap()
                .contains(hint),
            "{}",
            answer.text
        );
    }
    let events = format!("/api/v1/batches/{}/events", w.a.batch);
    let event_cases = [
        (
            json!({"kind": "harvest", "occurred_at": "2026-11-02T06:30:00+07:00", "facility_id": w.a.facility}),
            "kind",
        ),
        (
            json!({"kind": "harvesting", "occurred_at": "2026-11-02 06:30", "facility_id": w.a.facility}),
            "occurred_at",
        ),
        (
            json!({"kind": "harvesting", "occurred_at": "2099-11-02T06:30:00+07:00", "facility_id": w.a.facility}),
            "occurred_at",
        ),
        (
            json!({"kind": "harvesting", "occurred_at": "2026-11-02T06:30:00+07:00", "facility_id": w.a.facility, "details": [1]}),
            "details",
        ),
        (
            json!({"kind": "shipping", "occurred_at": "2026-11-02T06:30:00+07:00", "facility_id": w.a.facility, "details": {}}),
            "details.ship_to",
        ),
        (
            json!({"kind": "harvesting", "occurred_at": "2026-11-02T06:30:00+07:00", "facility_id": w.a.facility, "inputs": [{"batch_id": w.a.batch}]}),
            "inputs",
        ),
        (
            json!({"kind": "transformation", "occurred_at": "2026-11-02T06:30:00+07:00", "facility_id": w.a.facility, "inputs": []}),
            "inputs",
        ),
        (
            json!({"kind": "input_application", "occurred_at": "2026-11-02T06:30:00+07:00", "facility_id": w.a.facility,
                "details": {"product": "Trichoderma", "dose": 1, "dose_unit": "kg_per_ha", "pre_harvest_interval_days": -1}}),
            "details.pre_harvest_interval_days",
        ),
    ];
    for (body, field) in event_cases {
        let answer = w.app.post(&events, &w.a.token, body).await.expect(422);
        assert_eq!(answer.body["error"]["field"], field, "{}", answer.text);
    }
    assert_eq!(w.app.snapshot(), before);
}

#[actix_web::test]
async fn bad_query_strings_and_paths() {
    let w = World::build().await;
    let cases = [
        ("/api/v1/facilities?per_page=201", 422),
        ("/api/v1/facilities?page=0", 422),
        ("/api/v1/facilities?page=abc", 400),
        ("/api/v1/facilities?status=closed", 422),
        ("/api/v1/facilities?colour=red", 400),
        ("/api/v1/batches?from=2026-13-01", 422),
        ("/api/v1/products?gtin=123", 422),
        ("/api/v1/facilities/%00%ff", 404),
        ("/api/v1/batches/not-an-id/events", 404),
        ("/api/v1/batches?enterprise=%00", 400),
        ("/api/v1/facilities?enterprise=x%27%20OR%201=1", 400),
        ("/api/v1/no-such-thing", 404),
    ];
    for (path, status) in cases {
        let answer = w.app.get(path, &w.admin).await;
        assert_eq!(answer.status.as_u16(), status, "{path}: {}", answer.text);
        assert!(
            answer.body["error"]["message"].is_string(),
            "{path}: {}",
            answer.text
        );
    }
}

#[actix_web::test]
async fn conflicts_are_409_and_roll_back() {
    let w = World::build().await;
    let before = w.app.snapshot();
    // Same lot code on the same product.
    let answer = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&w.a.product, &w.a.facility, "LOT-1"),
        )
        .await
        .expect(409);
    assert!(answer.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("lot code"));
    // Same tax code.
    let body = crate::world::enterprise_body("Trùng", "1500000001", "Vĩnh Long");
    w.app
        .post("/api/v1/enterprises", &w.admin, body)
        .await
        .expect(409);
    // Deleting rows others depend on.
    w.app
        .delete(&format!("/api/v1/products/{}", w.a.product), &w.a.token)
        .await
        .expect(409);
    w.app
        .delete(&format!("/api/v1/facilities/{}", w.a.facility), &w.a.token)
        .await
        .expect(409);
    w.app
        .delete(&format!("/api/v1/batches/{}", w.a.batch), &w.a.token)
        .await
        .expect(409);
    w.app
        .delete(&format!("/api/v1/enterprises/{}", w.a.enterprise), &w.admin)
        .await
        .expect(409);
    assert_eq!(w.app.snapshot(), before);
    // A GTIN taken by another product.
    let mut first = product_body("Cam sành");
    first["gtin"] = json!("8934567890120");
    w.app
        .post("/api/v1/products", &w.a.token, first)
        .await
        .expect(201);
    let mut second = product_body("Cam sành 2");
    second["gtin"] = json!("08934567890120");
    let answer = w
        .app
        .post("/api/v1/products", &w.b.token, second)
        .await
        .expect(409);
    assert!(answer.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("GTIN"));
}
