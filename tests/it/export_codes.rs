//! Export codes: registering, market statuses set by the province's
//! regulators, authorised packers, misuse refused and alerted, codes not
//! approved for the batch's market refused, implausible yields alerted.

use diesel::prelude::*;
use serde_json::{json, Value};

use tracestamp::db::schema::{audit_log, batch_export_code, export_code, export_code_alert};

use crate::world::{Tenant, World};

/// Registers `code` for tenant `t`'s facility: `area` hectares of `crop`,
/// submitted to China.
pub async fn register(w: &World, t: &Tenant, code: &str, crop: &str, area: f64) -> Value {
    w.app
        .post(
            "/api/v1/export-codes",
            &t.token,
            json!({"code": code, "kind": "planting_area", "facility_id": t.facility,
                   "crop": crop, "area_ha": area, "markets": ["cn"]}),
        )
        .await
        .expect(201)
        .body
}

/// The regulator sets China's decision on a code.
pub async fn set_cn(w: &World, id: &str, status: &str) -> Value {
    w.app
        .post(
            &format!("/api/v1/export-codes/{id}/status"),
            &w.regulator,
            json!({"market": "cn", "status": status, "reason": "GACC list of 2026-11"}),
        )
        .await
        .expect(200)
        .body
}

pub async fn bind_cn(w: &World, t: &Tenant) {
    w.app
        .patch(
            &format!("/api/v1/batches/{}", t.batch),
            &t.token,
            json!({"market": "cn"}),
        )
        .await
        .expect(200);
}

fn count(w: &World, table: &str) -> i64 {
    let mut c = w.app.conn();
    match table {
        "export_code" => export_code::table.count().get_result(&mut *c),
        "batch_export_code" => batch_export_code::table.count().get_result(&mut *c),
        "export_code_alert" => export_code_alert::table.count().get_result(&mut *c),
        _ => unreachable!(),
    }
    .unwrap()
}

#[actix_web::test]
async fn only_the_provinces_regulators_change_a_codes_status_and_it_is_audited() {
    let w = World::build().await;
    let code = register(&w, &w.a, "VN-VLOR-0101", "pomelo", 4.0).await;
    assert_eq!(code["code"], "VN-VLOR-0101");
    assert_eq!(code["markets"][0]["status"], "pending");
    let id = code["id"].as_str().unwrap();
    let path = format!("/api/v1/export-codes/{id}/status");
    let change = json!({"market": "cn", "status": "approved", "reason": "GACC list"});
    w.app
        .post(&path, &w.a.token, change.clone())
        .await
        .expect(403);
    w.app
        .post(&path, &w.other_regulator, change.clone())
        .await
        .expect(404);
    let approved = w
        .app
        .post(&path, &w.regulator, change)
        .await
        .expect(200)
        .body;
    assert_eq!(approved["markets"][0]["status"], "approved");
    assert!(approved["markets"][0]["approved_on"].is_string());
    let suspended = set_cn(&w, id, "suspended").await;
    assert_eq!(suspended["markets"][0]["status"], "suspended");
    assert_eq!(suspended["markets"][0]["reason"], "GACC list of 2026-11");
    // Kept the day it was approved.
    assert!(suspended["markets"][0]["approved_on"].is_string());
    let audited: i64 = audit_log::table
        .filter(audit_log::entity.eq("export_code"))
        .filter(audit_log::action.eq("set_market_status"))
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(audited, 2);
    // Open data lists it with its status, without login.
    let open = w
        .app
        .send(
            actix_web::http::Method::GET,
            "/open-data/export-codes.json",
            None,
            None,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(open["items"][0]["code"], "VN-VLOR-0101");
    assert_eq!(open["items"][0]["markets"][0]["status"], "suspended");
    // A reason is required.
    w.app
        .post(
            &path,
            &w.regulator,
            json!({"market": "cn", "status": "revoked", "reason": " "}),
        )
        .await
        .expect(422);
}

#[actix_web::test]
async fn a_code_used_without_the_owners_authorisation_is_refused_and_reported() {
    let w = World::build().await;
    let code = register(&w, &w.a, "VN-VLOR-0102", "pomelo", 4.0).await;
    let id = code["id"].as_str().unwrap();
    let path = format!("/api/v1/batches/{}/export-codes", w.b.batch);
    let answer = w
        .app
        .send(
            actix_web::http::Method::PUT,
            &path,
            Some(&w.b.token),
            Some(json!({"codes": ["vn-vlor-0102"]})),
        )
        .await
        .expect(403);
    assert!(answer.text.contains("VN-VLOR-0102"), "{}", answer.text);
    assert_eq!(count(&w, "batch_export_code"), 0);
    assert_eq!(count(&w, "export_code_alert"), 1);
    let alerts = w
        .app
        .get("/api/v1/export-codes/alerts", &w.regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(alerts[0]["kind"], "code_misuse");
    assert_eq!(
        alerts[0]["enterprise_id"].as_str(),
        Some(w.b.enterprise.as_str())
    );
    let elsewhere = w
        .app
        .get("/api/v1/export-codes/alerts", &w.other_regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(elsewhere.as_array().unwrap().len(), 0);
    // The owner sees the attempt on its code too.
    let owner = w
        .app
        .get("/api/v1/export-codes/alerts", &w.a.token)
        .await
        .expect(200)
        .body;
    assert_eq!(owner.as_array().unwrap().len(), 1);
    // Authorised by the owner, the packer may state it.
    w.app
        .post(
            &format!("/api/v1/export-codes/{id}/users"),
            &w.b.token,
            json!({"enterprise_id": w.b.enterprise}),
        )
        .await
        .expect(404);
    w.app
        .post(
            &format!("/api/v1/export-codes/{id}/users"),
            &w.a.token,
            json!({"enterprise_id": w.b.enterprise}),
        )
        .await
        .expect(200);
    let linked = w
        .app
        .send(
            actix_web::http::Method::PUT,
            &path,
            Some(&w.b.token),
            Some(json!({"codes": ["VN-VLOR-0102"]})),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(linked[0]["code"], "VN-VLOR-0102");
    assert_eq!(count(&w, "export_code_alert"), 1);
}

#[actix_web::test]
async fn a_code_not_approved_for_the_batchs_market_is_refused_and_stops_stamps() {
    let w = World::build().await;
    let code = register(&w, &w.a, "VN-VLOR-0103", "pomelo", 4.0).await;
    let id = code["id"].as_str().unwrap().to_owned();
    bind_cn(&w, &w.a).await;
    let path = format!("/api/v1/batches/{}/export-codes", w.a.batch);
    let put = |token: String| {
        let path = path.clone();
        let app = &w.app;
        async move {
            app.send(
                actix_web::http::Method::PUT,
                &path,
                Some(&token),
                Some(json!({"codes": ["VN-VLOR-0103"]})),
            )
            .await
        }
    };
    let pending = put(w.a.token.clone()).await.expect(409);
    assert!(pending.text.contains("China"), "{}", pending.text);
    assert_eq!(count(&w, "batch_export_code"), 0);
    set_cn(&w, &id, "approved").await;
    put(w.a.token.clone()).await.expect(200);
    assert_eq!(count(&w, "batch_export_code"), 1);
    let shown = w.app.get(&path, &w.regulator).await.expect(200).body;
    assert_eq!(shown[0]["status"], "approved");
    // Suspended after a failed shipment: no new stamps for the lot.
    set_cn(&w, &id, "suspended").await;
    let refused = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 10}),
        )
        .await
        .expect(409);
    assert!(refused.text.contains("VN-VLOR-0103"), "{}", refused.text);
    // Nor may the batch switch to a market that never approved the code.
    set_cn(&w, &id, "approved").await;
    w.app
        .patch(
            &format!("/api/v1/batches/{}", w.a.batch),
            &w.a.token,
            json!({"market": "us"}),
        )
        .await
        .expect(409);
}

#[actix_web::test]
async fn a_harvest_beyond_the_areas_plausible_yield_is_accepted_and_alerted() {
    let w = World::build().await;
    // 0.05 ha of pomelo plausibly yields 1.500 kg; the batch holds 2.500 kg.
    register(&w, &w.a, "VN-VLOR-0104", "pomelo", 0.05).await;
    w.app
        .send(
            actix_web::http::Method::PUT,
            &format!("/api/v1/batches/{}/export-codes", w.a.batch),
            Some(&w.a.token),
            Some(json!({"codes": ["VN-VLOR-0104"]})),
        )
        .await
        .expect(200);
    let alerts = w
        .app
        .get("/api/v1/export-codes/alerts", &w.regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(alerts[0]["kind"], "yield_exceeded");
    assert!(alerts[0]["detail"].as_str().unwrap().contains("1500"));
}

#[actix_web::test]
async fn bad_codes_and_bad_registrations_are_refused_and_write_nothing() {
    let w = World::build().await;
    register(&w, &w.a, "VN-VLOR-0105", "pomelo", 4.0).await;
    let before = w.app.snapshot();
    let codes_before = count(&w, "export_code");
    // Unknown code.
    w.app
        .send(
            actix_web::http::Method::PUT,
            &format!("/api/v1/batches/{}/export-codes", w.a.batch),
            Some(&w.a.token),
            Some(json!({"codes": ["VN-NOPE-0001"]})),
        )
        .await
        .expect(422);
    // Everything wrong at once, each beside its field.
    let all = w
        .app
        .post(
            "/api/v1/export-codes",
            &w.a.token,
            json!({"code": "", "kind": "orchard", "facility_id": w.a.facility, "crop": "apple",
                   "area_ha": -3.0, "markets": ["mars"]}),
        )
        .await
        .expect(422)
        .body;
    let fields: Vec<&str> = all["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for f in ["code", "kind", "crop", "area_ha", "markets"] {
        assert!(fields.contains(&f), "{f} missing in {all}");
    }
    // A planting area needs its area.
    w.app
        .post(
            "/api/v1/export-codes",
            &w.a.token,
            json!({"code": "VN-X-1", "kind": "planting_area", "facility_id": w.a.facility,
                   "crop": "durian"}),
        )
        .await
        .expect(422);
    // Someone else's facility.
    w.app
        .post(
            "/api/v1/export-codes",
            &w.a.token,
            json!({"code": "VN-X-2", "kind": "packing_house", "facility_id": w.b.facility,
                   "crop": "durian"}),
        )
        .await
        .expect(422);
    // A code already registered.
    w.app
        .post(
            "/api/v1/export-codes",
            &w.b.token,
            json!({"code": "vn-vlor-0105", "kind": "packing_house", "facility_id": w.b.facility,
                   "crop": "pomelo"}),
        )
        .await
        .expect(409);
    // A market not on the list.
    w.app
        .patch(
            &format!("/api/v1/batches/{}", w.a.batch),
            &w.a.token,
            json!({"market": "mars"}),
        )
        .await
        .expect(422);
    // A regulator does not register codes for a producer.
    w.app
        .post(
            "/api/v1/export-codes",
            &w.regulator,
            json!({"code": "VN-X-3", "kind": "packing_house", "facility_id": w.a.facility,
                   "crop": "pomelo"}),
        )
        .await
        .expect(403);
    assert_eq!(w.app.snapshot(), before);
    assert_eq!(count(&w, "export_code"), codes_before);
    assert_eq!(count(&w, "batch_export_code"), 0);
}
