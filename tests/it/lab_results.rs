//! Lab results: a market's required tests hold back stamp rolls until a
//! passing result from a recognised laboratory covers them; bad results are
//! refused whole; certificates are PDFs served to those who see the batch.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{json, Value};

use tracestamp::db::schema::{lab_analyte, lab_result};

use crate::export_codes::{bind_cn, register, set_cn};
use crate::world::World;

async fn laboratory(w: &World, accreditation: &str, markets: Value) -> String {
    w.app
        .post(
            "/api/v1/laboratories",
            &w.regulator,
            json!({"name": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
                   "accreditation": accreditation, "markets": markets}),
        )
        .await
        .expect(201)
        .id()
}

fn analytes(cadmium: f64) -> Value {
    json!([
        {"analyte": "cadmium", "result": cadmium, "limit": 0.05, "unit": "mg/kg"},
        {"analyte": "auramine_o", "result": 0.0, "limit": 0.0, "unit": "µg/kg"},
        {"analyte": "pesticide_residues", "result": 0.01, "limit": 0.01, "unit": "mg/kg"},
    ])
}

async fn record(w: &World, lab: &str, cadmium: f64) -> Value {
    w.app
        .post(
            &format!("/api/v1/batches/{}/lab-results", w.a.batch),
            &w.a.token,
            json!({"laboratory_id": lab, "sampled_on": "2026-11-01", "sampled_by": "Nguyễn Văn Bình",
                   "reported_on": "2026-11-04", "analytes": analytes(cadmium)}),
        )
        .await
        .expect(201)
        .body
}

async fn roll(w: &World) -> crate::harness::Answer {
    w.app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 100}),
        )
        .await
}

#[actix_web::test]
async fn a_durian_lot_for_china_gets_no_roll_until_a_passing_recognised_result_exists() {
    let w = World::build().await;
    let code = register(&w, &w.a, "VN-VLOR-0201", "durian", 10.0).await;
    set_cn(&w, code["id"].as_str().unwrap(), "approved").await;
    bind_cn(&w, &w.a).await;
    w.app
        .send(
            Method::PUT,
            &format!("/api/v1/batches/{}/export-codes", w.a.batch),
            Some(&w.a.token),
            Some(json!({"codes": ["VN-VLOR-0201"]})),
        )
        .await
        .expect(200);
    let refused = roll(&w).await.expect(409);
    assert!(refused.text.contains("Cadmium"), "{}", refused.text);
    assert!(refused.text.contains("Auramine O"), "{}", refused.text);
    let recognised = laboratory(&w, "VILAS 004", json!(["cn", "eu"])).await;
    let elsewhere = laboratory(&w, "VILAS 999", json!(["eu"])).await;
    // Cadmium over its limit: failed, still no roll.
    let failed = record(&w, &recognised, 0.08).await;
    assert_eq!(failed["passed"], false);
    roll(&w).await.expect(409);
    // Passing, but from a laboratory China does not recognise.
    let passed_elsewhere = record(&w, &elsewhere, 0.01).await;
    assert_eq!(passed_elsewhere["passed"], true);
    roll(&w).await.expect(409);
    let passed = record(&w, &recognised, 0.02).await;
    assert_eq!(passed["passed"], true);
    assert_eq!(passed["analytes"][0]["limit"], 0.05);
    roll(&w).await.expect(201);
    // The domestic market asks for nothing: tenant B's lot is unaffected.
    w.app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.b.batch),
            &w.b.token,
            json!({"count": 10}),
        )
        .await
        .expect(201);
}

#[actix_web::test]
async fn a_pomelo_lot_for_china_needs_pesticide_residues_only() {
    let w = World::build().await;
    bind_cn(&w, &w.a).await;
    let refused = roll(&w).await.expect(409);
    assert!(
        refused.text.contains("Pesticide residues"),
        "{}",
        refused.text
    );
    assert!(!refused.text.contains("Cadmium"), "{}", refused.text);
    let lab = laboratory(&w, "VILAS 005", json!(["cn"])).await;
    w.app
        .post(
            &format!("/api/v1/batches/{}/lab-results", w.a.batch),
            &w.a.token,
            json!({"laboratory_id": lab, "sampled_on": "2026-11-01", "sampled_by": "QUATEST 3",
                   "reported_on": "2026-11-04",
                   "analytes": [{"analyte": "pesticide_residues", "result": 0.0, "limit": 0.01, "unit": "mg/kg"}]}),
        )
        .await
        .expect(201);
    roll(&w).await.expect(201);
}

fn results(w: &World) -> (i64, i64) {
    let mut c = w.app.conn();
    (
        lab_result::table.count().get_result(&mut *c).unwrap(),
        lab_analyte::table.count().get_result(&mut *c).unwrap(),
    )
}

#[actix_web::test]
async fn bad_results_are_refused_whole_and_write_nothing() {
    let w = World::build().await;
    let lab = laboratory(&w, "VILAS 006", json!(["cn"])).await;
    let before = w.app.snapshot();
    let path = format!("/api/v1/batches/{}/lab-results", w.a.batch);
    let body = |analytes: Value, sampled: &str, reported: &str| {
        json!({"laboratory_id": lab, "sampled_on": sampled, "sampled_by": "Lê Thị Hoa",
               "reported_on": reported, "analytes": analytes})
    };
    // No unit, no limit, a negative result: every problem named at once.
    let all = w
        .app
        .post(
            &path,
            &w.a.token,
            body(
                json!([{"analyte": "cadmium", "result": 0.01, "limit": 0.05},
                       {"analyte": "lead", "result": 0.01, "unit": "mg/kg"},
                       {"analyte": "cadmium", "result": -1.0, "limit": 0.05, "unit": "mg/kg"}]),
                "2026-11-01",
                "2026-11-04",
            ),
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
    assert_eq!(
        fields,
        [
            "analytes[0].unit",
            "analytes[1].limit",
            "analytes[2].result"
        ]
    );
    let good = || json!([{"analyte": "cadmium", "result": 0.01, "limit": 0.05, "unit": "mg/kg"}]);
    // Reported before it was sampled.
    w.app
        .post(&path, &w.a.token, body(good(), "2026-11-04", "2026-11-01"))
        .await
        .expect(422);
    // Sampled in the future.
    w.app
        .post(&path, &w.a.token, body(good(), "2099-01-01", "2099-01-02"))
        .await
        .expect(422);
    // Not a date at all.
    w.app
        .post(&path, &w.a.token, body(good(), "2026-02-30", "2026-11-04"))
        .await
        .expect(422);
    // A year before the harvest: not a sample of this lot.
    w.app
        .post(&path, &w.a.token, body(good(), "2025-11-01", "2025-11-04"))
        .await
        .expect(422);
    // No analytes.
    w.app
        .post(
            &path,
            &w.a.token,
            body(json!([]), "2026-11-01", "2026-11-04"),
        )
        .await
        .expect(422);
    // Someone else's batch.
    w.app
        .post(&path, &w.b.token, body(good(), "2026-11-01", "2026-11-04"))
        .await
        .expect(404);
    // A laboratory that does not exist.
    w.app
        .post(
            &path,
            &w.a.token,
            json!({"laboratory_id": "00000000-0000-4000-8000-000000000000", "sampled_on": "2026-11-01",
                   "sampled_by": "x", "reported_on": "2026-11-02", "analytes": good()}),
        )
        .await
        .expect(422);
    // Producers do not register laboratories.
    w.app
        .post(
            "/api/v1/laboratories",
            &w.a.token,
            json!({"name": "Lab", "accreditation": "VILAS 1", "markets": ["cn"]}),
        )
        .await
        .expect(403);
    assert_eq!(results(&w), (0, 0));
    assert_eq!(w.app.snapshot(), before);
}

async fn upload(w: &World, id: &str, token: &str, bytes: &[u8]) -> crate::harness::Answer {
    let req = TestRequest::default()
        .method(Method::PUT)
        .uri(&format!("/api/v1/lab-results/{id}/certificate"))
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, "application/pdf"))
        .set_payload(bytes.to_vec());
    w.app.send_request(req).await
}

#[actix_web::test]
async fn a_certificate_is_a_pdf_served_to_those_who_see_the_batch() {
    let w = World::build().await;
    let lab = laboratory(&w, "VILAS 007", json!(["cn"])).await;
    let result = record(&w, &lab, 0.01).await;
    let id = result["id"].as_str().unwrap();
    assert_eq!(result["has_certificate"], false);
    upload(&w, id, &w.a.token, b"<html>not a pdf</html>")
        .await
        .expect(422);
    upload(&w, id, &w.b.token, b"%PDF-1.7\n%%EOF\n")
        .await
        .expect(404);
    upload(&w, id, &w.a.token, b"%PDF-1.7\n%%EOF\n")
        .await
        .expect(204);
    let path = format!("/api/v1/lab-results/{id}/certificate");
    let pdf = w.app.get(&path, &w.regulator).await.expect(200);
    assert_eq!(pdf.bytes, b"%PDF-1.7\n%%EOF\n");
    w.app.get(&path, &w.other_regulator).await.expect(404);
    w.app.get(&path, &w.c.token).await.expect(404);
    let listed = w
        .app
        .get(
            &format!("/api/v1/batches/{}/lab-results", w.a.batch),
            &w.a.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(listed[0]["has_certificate"], true);
}
