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

fn withdrawn_at(w: &World, id: &str) -> Option<chrono::NaiveDateTime> {
    lab_result::table
        .find(id)
        .select(lab_result::withdrawn_at)
        .first(&mut *w.app.conn())
        .unwrap()
}

fn withdrawals_audited(w: &World) -> i64 {
    use tracestamp::db::schema::audit_log;
    audit_log::table
        .filter(audit_log::entity.eq("lab_result"))
        .filter(audit_log::action.eq("withdraw"))
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap()
}

async fn public_results(w: &World, serial: &str) -> Vec<Value> {
    let answer = w
        .app
        .send_request(
            TestRequest::default()
                .method(Method::GET)
                .uri(&format!("/s/{serial}"))
                .insert_header((header::ACCEPT, "application/json")),
        )
        .await
        .expect(200);
    // Left out of the answer when there are none.
    answer.body["lab_results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[actix_web::test]
async fn a_mistaken_result_is_withdrawn_with_a_reason_and_counts_no_more() {
    let w = World::build().await;
    // A pomelo lot for China: a passing result lets a roll through.
    bind_cn(&w, &w.a).await;
    let lab = laboratory(&w, "VILAS 008", json!(["cn"])).await;
    let result = record(&w, &lab, 0.01).await;
    assert_eq!(result["passed"], true);
    assert!(result["withdrawn_at"].is_null());
    let id = result["id"].as_str().unwrap().to_owned();
    let first_roll = roll(&w).await.expect(201).body;
    let serial = first_roll["first_serial"].as_str().unwrap().to_owned();
    assert_eq!(public_results(&w, &serial).await.len(), 1);

    let path = format!("/api/v1/lab-results/{id}/withdraw");
    let before = w.app.snapshot();
    // No reason, a blank one, one too long: 422 on `reason`.
    for body in [
        json!({}),
        json!({"reason": "   "}),
        json!({"reason": "x".repeat(501)}),
    ] {
        let refused = w.app.post(&path, &w.a.token, body).await.expect(422);
        assert_eq!(refused.body["error"]["field"], "reason", "{}", refused.text);
    }
    // Another enterprise of the province, a regulator of another province:
    // the result is not theirs to see.
    let reason = json!({"reason": "Ghi nhầm kết quả của lô khác"});
    w.app
        .post(&path, &w.b.token, reason.clone())
        .await
        .expect(404);
    w.app
        .post(&path, &w.c.token, reason.clone())
        .await
        .expect(404);
    w.app
        .post(&path, &w.other_regulator, reason.clone())
        .await
        .expect(404);
    // An unknown result, and a malformed id.
    w.app
        .post(
            "/api/v1/lab-results/00000000-0000-4000-8000-000000000000/withdraw",
            &w.a.token,
            reason.clone(),
        )
        .await
        .expect(404);
    w.app
        .post(
            "/api/v1/lab-results/not-an-id/withdraw",
            &w.a.token,
            reason.clone(),
        )
        .await
        .expect(404);
    // An unknown member of the body.
    w.app
        .post(&path, &w.a.token, json!({"reason": "x", "undo": true}))
        .await
        .expect(400);
    assert_eq!(w.app.snapshot(), before, "nothing written on a refusal");
    assert!(withdrawn_at(&w, &id).is_none());

    // The batch's enterprise withdraws it: kept, marked, audited.
    let withdrawn = w
        .app
        .post(&path, &w.a.token, reason.clone())
        .await
        .expect(200)
        .body;
    assert_eq!(withdrawn["id"], id.as_str());
    assert_eq!(
        withdrawn["withdrawn_reason"],
        "Ghi nhầm kết quả của lô khác"
    );
    assert_eq!(withdrawn["withdrawn_by"], "producer_1");
    assert!(withdrawn["withdrawn_at"].is_string());
    assert!(withdrawn_at(&w, &id).is_some());
    assert_eq!(withdrawals_audited(&w), 1);
    assert_eq!(results(&w), (1, 3), "the row and its analytes stay");

    // A second withdrawal, by anyone, is a conflict and writes nothing.
    let again = w
        .app
        .post(&path, &w.regulator, reason.clone())
        .await
        .expect(409);
    assert!(again.text.contains("already withdrawn"), "{}", again.text);
    w.app
        .post(&path, &w.a.token, reason.clone())
        .await
        .expect(409);
    assert_eq!(withdrawals_audited(&w), 1);

    // It no longer counts: no further roll; it leaves the consumer's record
    // (the stamps already issued stay genuine) but stays listed, marked.
    let refused = roll(&w).await.expect(409);
    assert!(
        refused.text.contains("Pesticide residues"),
        "{}",
        refused.text
    );
    assert!(public_results(&w, &serial).await.is_empty());
    let listed = w
        .app
        .get(
            &format!("/api/v1/batches/{}/lab-results", w.a.batch),
            &w.regulator,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        listed[0]["withdrawn_reason"],
        "Ghi nhầm kết quả của lô khác"
    );
    // No certificate is attached to a withdrawn result.
    upload(&w, &id, &w.a.token, b"%PDF-1.7\n%%EOF\n")
        .await
        .expect(409);

    // The province's regulator withdraws another mistaken result.
    let second = record(&w, &lab, 0.02).await;
    let second_id = second["id"].as_str().unwrap();
    roll(&w).await.expect(201);
    let by_regulator = w
        .app
        .post(
            &format!("/api/v1/lab-results/{second_id}/withdraw"),
            &w.regulator,
            json!({"reason": "Phiếu kết quả không khớp với hồ sơ của phòng thử nghiệm"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(by_regulator["withdrawn_by"], "regulator_vl");
    assert_eq!(withdrawals_audited(&w), 2);
    roll(&w).await.expect(409);
}
