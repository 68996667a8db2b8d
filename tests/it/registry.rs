//! The registry's own behaviour: creation, PATCH semantics, stored forms,
//! timelines with genealogy, deletes, paging and the audit trail.

use diesel::prelude::*;
use serde_json::json;

use tracestamp::db::schema::audit_log;

use crate::world::{batch_body, product_body, World};

#[actix_web::test]
async fn create_answers_201_with_location_and_stores_normal_forms() {
    let w = World::build().await;
    let mut body = product_body("Bu\u{31b}o\u{31b}\u{309}i da xanh"); // NFD input
    body["gtin"] = json!("8934567890120");
    let answer = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201);
    let id = answer.id();
    let location = answer.headers.get("location").unwrap().to_str().unwrap();
    assert_eq!(location, format!("/api/v1/products/{id}"));
    let stored = w.app.get(location, &w.a.token).await.expect(200).body;
    assert_eq!(stored["name_vi"], "Bưởi da xanh");
    assert_eq!(stored["gtin"], "08934567890120");
    assert_eq!(stored["enterprise_id"], w.a.enterprise.as_str());
    assert!(stored["created_at"].as_str().unwrap().ends_with('Z'));
}

#[actix_web::test]
async fn patch_changes_only_what_it_names_and_null_clears() {
    let w = World::build().await;
    let path = format!("/api/v1/facilities/{}", w.a.facility);
    let before = w.app.get(&path, &w.a.token).await.body;
    let after = w
        .app
        .patch(
            &path,
            &w.a.token,
            json!({"name": "Vườn mới", "area_code": null}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(after["name"], "Vườn mới");
    assert_eq!(after["area_code"], serde_json::Value::Null);
    assert_eq!(after["district"], before["district"]);
    assert_eq!(after["latitude"], before["latitude"]);
    let answer = w
        .app
        .patch(&path, &w.a.token, json!({"latitude": null}))
        .await
        .expect(422);
    assert_eq!(answer.body["error"]["field"], "longitude");
    let answer = w
        .app
        .patch(&path, &w.a.token, json!({"status": "suspended"}))
        .await
        .expect(400);
    assert!(answer.text.contains("status"));
    assert_eq!(w.app.get(&path, &w.a.token).await.body["status"], "active");
}

#[actix_web::test]
async fn a_batch_shows_its_product_and_a_timeline_with_genealogy() {
    let w = World::build().await;
    let batch = w
        .app
        .get(&format!("/api/v1/batches/{}", w.a.batch), &w.regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(batch["product_name_vi"], "Bưởi Năm Roi 1");
    assert_eq!(batch["lot_code"], "LOT-1");
    assert_eq!(batch["status"], "active");

    let juice = w
        .app
        .post(
            "/api/v1/products",
            &w.a.token,
            json!({"name_vi": "Nước ép bưởi", "name_en": "Pomelo juice",
        "category": "processed", "unit": "pack"}),
        )
        .await
        .expect(201)
        .id();
    let out = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&juice, &w.a.facility, "JUICE-1"),
        )
        .await
        .expect(201)
        .id();
    let events = format!("/api/v1/batches/{out}/events");
    let transformation = json!({"kind": "transformation", "occurred_at": "2026-11-03T08:00:00+07:00",
        "facility_id": w.a.facility, "details": {"process": "ép lạnh", "quantity": 700.0, "unit": "kg"},
        "inputs": [{"batch_id": w.a.batch, "quantity": 800.0, "unit": "kg"}]});
    let made = w
        .app
        .post(&events, &w.a.token, transformation)
        .await
        .expect(201)
        .body;
    assert_eq!(made["inputs"][0]["batch_id"], w.a.batch.as_str());
    assert_eq!(made["occurred_at"], "2026-11-03T01:00:00Z");
    let shipping = json!({"kind": "shipping", "occurred_at": "2026-11-04T05:00:00+07:00", "facility_id": w.a.facility,
        "details": {"ship_to": {"business_name": "Chợ Bình Điền"}, "quantity": 700.0, "unit": "kg",
            "reference_document": {"type": "invoice", "number": "HD-1"}}});
    w.app.post(&events, &w.a.token, shipping).await.expect(201);
    let timeline = w.app.get(&events, &w.a.token).await.expect(200).body;
    assert_eq!(timeline["total"], 2);
    assert_eq!(timeline["items"][0]["kind"], "transformation");
    assert_eq!(
        timeline["items"][1]["details"]["ship_to"]["business_name"],
        "Chợ Bình Điền"
    );
    let only = w
        .app
        .get(&format!("{events}?kind=shipping"), &w.a.token)
        .await
        .expect(200)
        .body;
    assert_eq!(only["total"], 1);
    // The input batch cannot go while a transformation uses it.
    w.app
        .delete(&format!("/api/v1/events/{}", w.a.event), &w.a.token)
        .await
        .expect(204);
    w.app
        .delete(&format!("/api/v1/batches/{}", w.a.batch), &w.a.token)
        .await
        .expect(409);
}

#[actix_web::test]
async fn deletes_free_rows_once_nothing_depends_on_them() {
    let w = World::build().await;
    let a = &w.a;
    w.app
        .delete(&format!("/api/v1/events/{}", a.event), &a.token)
        .await
        .expect(204);
    w.app
        .delete(&format!("/api/v1/batches/{}", a.batch), &a.token)
        .await
        .expect(204);
    w.app
        .delete(&format!("/api/v1/products/{}", a.product), &a.token)
        .await
        .expect(204);
    w.app
        .delete(
            &format!("/api/v1/certifications/{}", a.certification),
            &a.token,
        )
        .await
        .expect(204);
    w.app
        .delete(&format!("/api/v1/facilities/{}", a.facility), &a.token)
        .await
        .expect(204);
    w.app
        .get(&format!("/api/v1/facilities/{}", a.facility), &w.admin)
        .await
        .expect(404);
    w.app
        .delete(&format!("/api/v1/batches/{}", a.batch), &a.token)
        .await
        .expect(404);
}

#[actix_web::test]
async fn paging_and_filters() {
    let w = World::build().await;
    for n in 0..5 {
        w.app
            .post(
                "/api/v1/batches",
                &w.a.token,
                batch_body(&w.a.product, &w.a.facility, &format!("P-{n}")),
            )
            .await
            .expect(201);
    }
    let page1 = w
        .app
        .get("/api/v1/batches?per_page=4", &w.a.token)
        .await
        .expect(200)
        .body;
    let page2 = w
        .app
        .get("/api/v1/batches?per_page=4&page=2", &w.a.token)
        .await
        .expect(200)
        .body;
    assert_eq!(
        (
            page1["total"].as_i64(),
            page1["page"].as_i64(),
            page1["per_page"].as_i64()
        ),
        (Some(6), Some(1), Some(4))
    );
    assert_eq!(page1["items"].as_array().unwrap().len(), 4);
    assert_eq!(page2["items"].as_array().unwrap().len(), 2);
    let ids = |p: &serde_json::Value| {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert!(ids(&page1).iter().all(|id| !ids(&page2).contains(id)));
    let by_province = w
        .app
        .get(
            "/api/v1/facilities?province=C%E1%BA%A7n%20Th%C6%A1",
            &w.admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(by_province["total"], 1);
    let by_enterprise = w
        .app
        .get(
            &format!("/api/v1/batches?enterprise={}", w.b.enterprise),
            &w.admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(by_enterprise["total"], 1);
    let dated = w
        .app
        .get("/api/v1/batches?from=2026-11-03", &w.admin)
        .await
        .expect(200)
        .body;
    assert_eq!(dated["total"], 0);
    let dated = w
        .app
        .get(
            "/api/v1/batches?from=2026-11-01&to=2026-11-02&status=active",
            &w.admin,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(dated["total"], 8);
}

#[actix_web::test]
async fn every_change_is_in_the_audit_log_with_before_and_after() {
    let w = World::build().await;
    let count = |w: &World| -> i64 {
        audit_log::table
            .count()
            .get_result(&mut *w.app.conn())
            .unwrap()
    };
    let start = count(&w);
    let path = format!("/api/v1/products/{}", w.a.product);
    w.app
        .patch(
            &path,
            &w.a.token,
            json!({"name_en": "Nam Roi pomelo, premium"}),
        )
        .await
        .expect(200);
    let (action, entity, entity_id, actor, before, after): (
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    ) = audit_log::table
        .order(audit_log::seq.desc())
        .select((
            audit_log::action,
            audit_log::entity,
            audit_log::entity_id,
            audit_log::actor,
            audit_log::before_state,
            audit_log::after_state,
        ))
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(
        (
            action.as_str(),
            entity.as_str(),
            entity_id.as_str(),
            actor.as_str()
        ),
        ("update", "product", w.a.product.as_str(), "producer_1")
    );
    assert!(before.unwrap().contains("\"Nam Roi pomelo\""));
    assert!(after.unwrap().contains("premium"));
    assert_eq!(count(&w), start + 1);
    // A refused change writes nothing.
    w.app
        .patch(&path, &w.a.token, json!({"unit": "kilo"}))
        .await
        .expect(422);
    assert_eq!(count(&w), start + 1);
    // The chain links each entry to the one before.
    let chain: Vec<(i64, String, String)> = audit_log::table
        .order(audit_log::seq)
        .select((audit_log::seq, audit_log::prev_hash, audit_log::hash))
        .load(&mut *w.app.conn())
        .unwrap();
    for pair in chain.windows(2) {
        assert_eq!(pair[1].0, pair[0].0 + 1);
        assert_eq!(pair[1].1, pair[0].2);
    }
}
