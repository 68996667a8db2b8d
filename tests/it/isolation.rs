//! Role isolation on every resource: a producer reaches only its enterprise,
//! a regulator reads only its province and writes none of a producer's rows,
//! and a row out of reach is a 404, never a 403, so ids don't leak.

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::world::World;

/// Each resource of tenant A with a harmless PATCH body.
fn resources(w: &World) -> Vec<(&'static str, String, Value)> {
    let a = &w.a;
    vec![
        (
            "enterprise",
            format!("/api/v1/enterprises/{}", a.enterprise),
            json!({"address": "đổi"}),
        ),
        (
            "facility",
            format!("/api/v1/facilities/{}", a.facility),
            json!({"name": "đổi"}),
        ),
        (
            "certification",
            format!("/api/v1/certifications/{}", a.certification),
            json!({"issuer": "đổi"}),
        ),
        (
            "product",
            format!("/api/v1/products/{}", a.product),
            json!({"name_en": "changed"}),
        ),
        (
            "batch",
            format!("/api/v1/batches/{}", a.batch),
            json!({"quantity": 10.0}),
        ),
        (
            "event",
            format!("/api/v1/events/{}", a.event),
            json!({"details": {"note": "đổi"}}),
        ),
    ]
}

#[actix_web::test]
async fn outsiders_get_404_and_change_nothing() {
    let w = World::build().await;
    let before = w.app.snapshot();
    let outsiders = [
        ("producer of another enterprise", &w.b.token),
        ("regulator of another province", &w.other_regulator),
    ];
    for (name, path, patch) in resources(&w) {
        let original = w.app.get(&path, &w.admin).await.expect(200).body;
        for (who, token) in outsiders {
            for method in [Method::GET, Method::PATCH, Method::DELETE] {
                let body = (method == Method::PATCH).then(|| patch.clone());
                let answer = w.app.send(method.clone(), &path, Some(token), body).await;
                assert_eq!(answer.status, 404, "{who} {method} {name}: {}", answer.text);
                assert_eq!(answer.body["error"]["code"], "not_found");
            }
        }
        assert_eq!(
            w.app.get(&path, &w.admin).await.body,
            original,
            "{name} changed"
        );
    }
    assert_eq!(w.app.snapshot(), before);
}

#[actix_web::test]
async fn the_provinces_regulator_reads_but_never_writes() {
    let w = World::build().await;
    let before = w.app.snapshot();
    for (name, path, patch) in resources(&w) {
        let original = w.app.get(&path, &w.regulator).await.expect(200).body;
        let answer = w.app.patch(&path, &w.regulator, patch).await;
        assert_eq!(answer.status, 403, "PATCH {name}: {}", answer.text);
        let answer = w.app.delete(&path, &w.regulator).await;
        assert_eq!(answer.status, 403, "DELETE {name}: {}", answer.text);
        assert_eq!(
            w.app.get(&path, &w.admin).await.body,
            original,
            "{name} changed"
        );
    }
    let create = w
        .app
        .post(
            "/api/v1/facilities",
            &w.regulator,
            crate::world::facility_body("X", "Vĩnh Long"),
        )
        .await;
    assert_eq!(create.status, 403);
    assert_eq!(w.app.snapshot(), before);
}

#[actix_web::test]
async fn the_owner_reads_and_edits_its_rows_but_not_its_enterprise_record() {
    let w = World::build().await;
    for (name, path, patch) in resources(&w) {
        w.app.get(&path, &w.a.token).await.expect(200);
        let expected = if name == "enterprise" { 403 } else { 200 };
        let answer = w.app.patch(&path, &w.a.token, patch).await;
        assert_eq!(answer.status, expected, "PATCH {name}: {}", answer.text);
        w.app.get(&path, &w.admin).await.expect(200);
    }
}

#[actix_web::test]
async fn lists_hold_only_rows_in_reach() {
    let w = World::build().await;
    let cases = [
        ("admin", &w.admin, 3),
        ("producer", &w.a.token, 1),
        ("regulator", &w.regulator, 2),
        ("other regulator", &w.other_regulator, 1),
    ];
    for resource in ["enterprises", "facilities", "products", "batches"] {
        for (who, token, total) in cases {
            let list = w
                .app
                .get(&format!("/api/v1/{resource}"), token)
                .await
                .expect(200)
                .body;
            assert_eq!(list["total"], total, "{who} listing {resource}: {list}");
            assert_eq!(list["items"].as_array().unwrap().len(), total as usize);
        }
    }
    let own = w.app.get("/api/v1/facilities", &w.a.token).await.body;
    assert_eq!(own["items"][0]["id"], w.a.facility.as_str());
    // Nested lists follow their parent's reach.
    let path = format!("/api/v1/facilities/{}/certifications", w.a.facility);
    w.app.get(&path, &w.b.token).await.expect(404);
    assert_eq!(
        w.app.get(&path, &w.regulator).await.expect(200).body["total"],
        1
    );
    let path = format!("/api/v1/batches/{}/events", w.a.batch);
    w.app.get(&path, &w.other_regulator).await.expect(404);
    assert_eq!(
        w.app.get(&path, &w.a.token).await.expect(200).body["total"],
        1
    );
}

#[actix_web::test]
async fn producers_cannot_create_rows_for_another_enterprise() {
    let w = World::build().await;
    let before = w.app.snapshot();
    let mut body = crate::world::facility_body("Vườn lạ", "Vĩnh Long");
    body["enterprise_id"] = json!(w.b.enterprise);
    let answer = w
        .app
        .post("/api/v1/facilities", &w.a.token, body)
        .await
        .expect(422);
    assert_eq!(answer.body["error"]["field"], "enterprise_id");
    // A batch joining A's facility to B's product, or B's facility to A's product.
    let cross = [
        crate::world::batch_body(&w.b.product, &w.a.facility, "X-1"),
        crate::world::batch_body(&w.a.product, &w.b.facility, "X-2"),
        crate::world::batch_body(&w.c.product, &w.a.facility, "X-3"),
    ];
    for body in cross {
        let answer = w
            .app
            .post("/api/v1/batches", &w.a.token, body)
            .await
            .expect(422);
        assert!(["product_id", "facility_id"]
            .contains(&answer.body["error"]["field"].as_str().unwrap()));
    }
    // An event at B's facility, and a transformation using B's batch.
    let event = crate::world::harvest_body(&w.b.facility);
    w.app
        .post(
            &format!("/api/v1/batches/{}/events", w.a.batch),
            &w.a.token,
            event,
        )
        .await
        .expect(422);
    let transformation = json!({"kind": "transformation", "occurred_at": "2026-11-03T08:00:00+07:00",
        "facility_id": w.a.facility, "inputs": [{"batch_id": w.b.batch}]});
    let answer = w
        .app
        .post(
            &format!("/api/v1/batches/{}/events", w.a.batch),
            &w.a.token,
            transformation,
        )
        .await
        .expect(422);
    assert_eq!(answer.body["error"]["field"], "inputs");
    // Certifications on another's facility.
    let cert = json!({"scheme": "vietgap", "number": "N", "issuer": "I", "valid_from": "2025-01-01", "valid_to": "2026-01-01"});
    w.app
        .post(
            &format!("/api/v1/facilities/{}/certifications", w.b.facility),
            &w.a.token,
            cert,
        )
        .await
        .expect(404);
    assert_eq!(w.app.snapshot(), before);
}

#[actix_web::test]
async fn every_api_route_needs_a_caller() {
    let w = World::build().await;
    let routes = [
        (Method::GET, "/api/v1/me".to_owned()),
        (Method::POST, "/api/v1/tokens".to_owned()),
        (Method::GET, "/api/v1/enterprises".to_owned()),
        (Method::POST, "/api/v1/facilities".to_owned()),
        (Method::GET, format!("/api/v1/facilities/{}", w.a.facility)),
        (Method::PATCH, format!("/api/v1/products/{}", w.a.product)),
        (Method::DELETE, format!("/api/v1/batches/{}", w.a.batch)),
        (Method::GET, format!("/api/v1/batches/{}/events", w.a.batch)),
        (
            Method::GET,
            format!("/api/v1/certifications/{}", w.a.certification),
        ),
        (Method::POST, "/api/v1/auth/logout".to_owned()),
    ];
    let before = w.app.snapshot();
    for (method, path) in routes {
        for token in [None, Some("ts_not_a_real_token")] {
            let answer = w
                .app
                .send(method.clone(), &path, token, Some(json!({"name": "x"})))
                .await;
            assert_eq!(answer.status, 401, "{method} {path} with {token:?}");
            assert_eq!(answer.body["error"]["code"], "unauthenticated");
        }
    }
    assert_eq!(w.app.snapshot(), before);
}
