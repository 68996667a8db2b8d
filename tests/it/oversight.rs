//! Regulators' endpoints, per role: the right regulator, another province's,
//! the producer, and an outsider without a token.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::harness::TestApp;
use crate::world::{batch_body, World};

async fn scan_json(app: &TestApp, serial: &str, ip: &str) -> serde_json::Value {
    let req = TestRequest::get()
        .uri(&format!("/s/{serial}"))
        .insert_header((header::ACCEPT, "application/json"))
        .peer_addr(format!("{ip}:4000").parse().unwrap());
    app.send_request(req).await.body
}

async fn first_serial(w: &World, batch: &str) -> String {
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/stamp-rolls"),
            &w.a.token,
            json!({"count": 5}),
        )
        .await
        .expect(201);
    roll.body["first_serial"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn inspections_are_written_by_the_provinces_regulator_only() {
    let w = World::build().await;
    let path = format!("/api/v1/facilities/{}/inspections", w.a.facility);
    let body = json!({"inspected_on": "2026-10-01", "result": "minor", "findings": "Sổ nhật ký phun thuốc ghi thiếu ngày", "follow_up_due": "2026-10-15"});
    let before = w.app.snapshot();
    w.app
        .post(&path, &w.other_regulator, body.clone())
        .await
        .expect(404);
    w.app
        .post(&path, &w.a.token, body.clone())
        .await
        .expect(403);
    w.app
        .post(&path, &w.b.token, body.clone())
        .await
        .expect(404);
    w.app.post(&path, &w.admin, body.clone()).await.expect(403);
    w.app
        .send(Method::POST, &path, None, Some(body.clone()))
        .await
        .expect(401);
    for (field, value) in [
        ("result", json!("excellent")),
        ("inspected_on", json!("2099-01-01")),
        ("follow_up_due", json!("2026-09-01")),
        ("findings", json!("")),
    ] {
        let mut bad = body.clone();
        bad[field] = value;
        assert_eq!(
            w.app.post(&path, &w.regulator, bad).await.expect(422).body["error"]["field"],
            field
        );
    }
    assert_eq!(w.app.snapshot(), before);
    let made = w.app.post(&path, &w.regulator, body).await.expect(201);
    assert_eq!(made.body["result"], "minor");
    // Reads: the producer of the facility, the regulator; not the others.
    assert_eq!(
        w.app.get(&path, &w.a.token).await.expect(200).body["total"],
        1
    );
    w.app.get(&path, &w.b.token).await.expect(404);
    w.app.get(&path, &w.other_regulator).await.expect(404);
    // The follow-up date passed with no later inspection: overdue.
    let overdue = w
        .app
        .get("/api/v1/inspections?overdue=true", &w.regulator)
        .await
        .expect(200);
    assert_eq!(overdue.body["total"], 1);
    assert_eq!(
        w.app
            .get("/api/v1/inspections?overdue=true", &w.other_regulator)
            .await
            .expect(200)
            .body["total"],
        0
    );
    w.app
        .post(
            &path,
            &w.regulator,
            json!({"inspected_on": "2026-10-20", "result": "pass", "findings": "Đã khắc phục"}),
        )
        .await
        .expect(201);
    assert_eq!(
        w.app
            .get("/api/v1/inspections?overdue=true", &w.regulator)
            .await
            .body["total"],
        0
    );
    assert_eq!(
        w.app.get("/api/v1/inspections", &w.regulator).await.body["total"],
        2
    );
    w.app
        .get("/api/v1/inspections?result=great", &w.regulator)
        .await
        .expect(422);
    // The latest inspection shows on the consumer page.
    let serial = first_serial(&w, &w.a.batch).await;
    let scanned = scan_json(&w.app, &serial, "203.113.5.7").await;
    assert_eq!(scanned["latest_inspection"]["result"], "pass");
}

#[actix_web::test]
async fn suspension_needs_a_reason_and_shows_at_the_next_scan() {
    let w = World::build().await;
    let serial = first_serial(&w, &w.a.batch).await;
    let suspend = format!("/api/v1/facilities/{}/suspend", w.a.facility);
    let reinstate = format!("/api/v1/facilities/{}/reinstate", w.a.facility);
    let reason = json!({"reason": "Phát hiện sử dụng thuốc cấm"});
    w.app
        .post(&suspend, &w.other_regulator, reason.clone())
        .await
        .expect(404);
    w.app
        .post(&suspend, &w.a.token, reason.clone())
        .await
        .expect(403);
    w.app
        .send(Method::POST, &suspend, None, Some(reason.clone()))
        .await
        .expect(401);
    w.app
        .post(&suspend, &w.regulator, json!({}))
        .await
        .expect(400);
    w.app
        .post(&suspend, &w.regulator, json!({"reason": "  "}))
        .await
        .expect(422);
    assert_eq!(
        scan_json(&w.app, &serial, "203.113.5.7").await["verdict"],
        "genuine"
    );
    let done = w
        .app
        .post(&suspend, &w.regulator, reason.clone())
        .await
        .expect(200);
    assert_eq!(done.body["status"], "suspended");
    assert_eq!(done.body["status_reason"], "Phát hiện sử dụng thuốc cấm");
    assert_eq!(
        scan_json(&w.app, &serial, "203.113.5.7").await["verdict"],
        "facility_suspended"
    );
    w.app
        .post(&suspend, &w.regulator, reason.clone())
        .await
        .expect(409);
    w.app
        .post(&reinstate, &w.regulator, json!({"reason": "Đã khắc phục"}))
        .await
        .expect(200);
    assert_eq!(
        scan_json(&w.app, &serial, "203.113.5.7").await["verdict"],
        "genuine"
    );
    let audit: Vec<String> = {
        use diesel::prelude::*;
        use tracestamp::db::schema::audit_log;
        audit_log::table
            .filter(audit_log::entity_id.eq(&w.a.facility))
            .order(audit_log::seq)
            .select(audit_log::action)
            .load(&mut *w.app.conn())
            .unwrap()
    };
    assert_eq!(&audit[audit.len() - 2..], ["suspend", "reinstate"]);
}

/// A → B (made from A) → C (made from B), all of tenant A.
async fn chain(w: &World, tiers: usize) -> Vec<String> {
    let mut batches = vec![w.a.batch.clone()];
    for n in 1..tiers {
        let next = w
            .app
            .post(
                "/api/v1/batches",
                &w.a.token,
                batch_body(&w.a.product, &w.a.facility, &format!("TIER-{n}")),
            )
            .await
            .expect(201)
            .id();
        let event = json!({"kind": "transformation", "occurred_at": "2026-11-03T08:00:00+07:00", "facility_id": w.a.facility,
            "details": {"quantity": 100.0, "unit": "kg", "reference_document": {"type": "other", "number": format!("LSX-{n}")}}, "inputs": [{"batch_id": batches[n - 1], "quantity": 100.0, "unit": "kg"}]});
        w.app
            .post(&format!("/api/v1/batches/{next}/events"), &w.a.token, event)
            .await
            .expect(201);
        batches.push(next);
    }
    batches
}

#[actix_web::test]
async fn a_recall_follows_genealogy_forward_and_shows_at_the_next_scan() {
    let w = World::build().await;
    let batches = chain(&w, 3).await;
    let derived_serial = first_serial(&w, &batches[2]).await;
    let recall = format!("/api/v1/batches/{}/recall", batches[0]);
    let reason = json!({"reason": "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"});
    w.app
        .post(&recall, &w.other_regulator, reason.clone())
        .await
        .expect(404);
    w.app
        .post(&recall, &w.a.token, reason.clone())
        .await
        .expect(403);
    w.app
        .post(&recall, &w.b.token, reason.clone())
        .await
        .expect(404);
    w.app
        .send(Method::POST, &recall, None, Some(reason.clone()))
        .await
        .expect(401);
    assert_eq!(
        scan_json(&w.app, &derived_serial, "203.113.5.7").await["verdict"],
        "genuine"
    );
    let done = w
        .app
        .post(&recall, &w.regulator, reason.clone())
        .await
        .expect(200);
    assert_eq!(done.body["batches"].as_array().unwrap().len(), 3);
    let scanned = scan_json(&w.app, &derived_serial, "203.113.5.7").await;
    assert_eq!(scanned["verdict"], "recalled");
    assert!(scanned["batch"]["recall_reason"]
        .as_str()
        .unwrap()
        .contains("LOT-1"));
    w.app.post(&recall, &w.regulator, reason).await.expect(409);
    // The derived batch's recall is lifted only with its cause.
    w.app
        .post(
            &format!("/api/v1/batches/{}/unrecall", batches[2]),
            &w.regulator,
            json!({"reason": "x"}),
        )
        .await
        .expect(409);
    let lifted = w
        .app
        .post(
            &format!("/api/v1/batches/{}/unrecall", batches[0]),
            &w.regulator,
            json!({"reason": "Kết quả kiểm nghiệm lại đạt"}),
        )
        .await
        .expect(200);
    assert_eq!(lifted.body["batches"].as_array().unwrap().len(), 3);
    assert_eq!(
        scan_json(&w.app, &derived_serial, "203.113.5.7").await["verdict"],
        "genuine"
    );
}

#[actix_web::test]
async fn traces_walk_five_tiers_both_ways_as_json_and_fsma_csv() {
    let w = World::build().await;
    let batches = chain(&w, 5).await;
    let back = w
        .app
        .get(
            &format!("/api/v1/batches/{}/trace?direction=backward", batches[4]),
            &w.regulator,
        )
        .await
        .expect(200);
    assert_eq!(back.body["batches"].as_array().unwrap().len(), 5);
    assert_eq!(back.body["links"].as_array().unwrap().len(), 4);
    assert_eq!(back.body["batches"][4]["lot_code"], "LOT-1");
    assert_eq!(back.body["batches"][4]["depth"], 4);
    let forward = w
        .app
        .get(
            &format!("/api/v1/batches/{}/trace?direction=forward", batches[0]),
            &w.a.token,
        )
        .await
        .expect(200);
    assert_eq!(forward.body["batches"].as_array().unwrap().len(), 5);
    let csv = w
        .app
        .get(
            &format!(
                "/api/v1/batches/{}/trace?direction=backward&format=csv",
                batches[4]
            ),
            &w.regulator,
        )
        .await
        .expect(200);
    assert!(csv.text.starts_with('\u{feff}'));
    let mut lines = csv.text.trim_start_matches('\u{feff}').lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("cte,cfr_section,event_date,event_time,traceability_lot_code,"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(
        rows.len(),
        5,
        "one harvest and four transformations: {rows:?}"
    );
    assert!(rows
        .iter()
        .any(|r| r.contains("transformation") && r.contains("LSX-3")));
    w.app
        .get(
            &format!("/api/v1/batches/{}/trace", batches[4]),
            &w.other_regulator,
        )
        .await
        .expect(404);
    w.app
        .get(&format!("/api/v1/batches/{}/trace", batches[4]), &w.b.token)
        .await
        .expect(404);
    w.app
        .get(
            &format!("/api/v1/batches/{}/trace?direction=up", batches[4]),
            &w.regulator,
        )
        .await
        .expect(422);
}

#[actix_web::test]
async fn alerts_point_at_their_evidence_within_each_callers_reach() {
    let w = World::build().await;
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 5}),
        )
        .await
        .expect(201);
    let serial = roll.body["first_serial"].as_str().unwrap().to_owned();
    let roll_id = roll.body["id"].as_str().unwrap().to_owned();
    w.app
        .post(
            &format!("/api/v1/stamp-rolls/{roll_id}/void"),
            &w.a.token,
            json!({"serials": [serial], "reason": "Tem hỏng"}),
        )
        .await
        .expect(200);
    scan_json(&w.app, &serial, "203.113.5.7").await;
    for n in 0..10 {
        scan_json(
            &w.app,
            &format!("7K3QM9XTMA0B1C2D3E{}", n % 10),
            "14.160.1.1",
        )
        .await;
    }
    w.app.state().flush_scans().unwrap();
    let kinds = |body: &serde_json::Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let regulator = w
        .app
        .get("/api/v1/alerts", &w.regulator)
        .await
        .expect(200)
        .body;
    assert!(
        kinds(&regulator).contains(&"voided_scanned".to_owned()),
        "{regulator}"
    );
    assert!(
        kinds(&regulator).contains(&"forged_burst".to_owned()),
        "{regulator}"
    );
    assert_eq!(
        kinds(&w.app.get("/api/v1/alerts", &w.a.token).await.body),
        ["voided_scanned"]
    );
    assert!(kinds(&w.app.get("/api/v1/alerts", &w.b.token).await.body).is_empty());
    assert_eq!(
        kinds(&w.app.get("/api/v1/alerts", &w.other_regulator).await.body),
        ["forged_burst"]
    );
    w.app
        .send(Method::GET, "/api/v1/alerts", None, None)
        .await
        .expect(401);
    // Evidence.
    for alert in regulator["items"].as_array().unwrap() {
        let evidence = w
            .app
            .get(alert["evidence"].as_str().unwrap(), &w.regulator)
            .await
            .expect(200);
        assert_eq!(evidence.body["total"], alert["scans"], "{alert}");
    }
    let voided = regulator["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "voided_scanned")
        .unwrap();
    w.app
        .get(voided["evidence"].as_str().unwrap(), &w.b.token)
        .await
        .expect(404);
    let forged = regulator["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "forged_burst")
        .unwrap();
    w.app
        .get(forged["evidence"].as_str().unwrap(), &w.a.token)
        .await
        .expect(403);
    let csv = w
        .app
        .get("/api/v1/alerts?format=csv", &w.regulator)
        .await
        .expect(200);
    assert!(csv.text.starts_with("\u{feff}kind,"));
    w.app
        .get("/api/v1/alerts?from=2026-13-01", &w.regulator)
        .await
        .expect(422);
    w.app.get("/api/v1/scans", &w.regulator).await.expect(422);
}

#[actix_web::test]
async fn a_flood_of_forged_codes_is_counted_in_full_and_kept_in_part() {
    let w = World::build().await;
    // 90: under the resolver's default burst of 100 per client.
    let codes: Vec<String> = (0..90).map(|n| format!("7K3QM9XTMA0B1C2D{n:04}")).collect();
    for code in &codes {
        scan_json(&w.app, code, "14.160.1.1").await;
    }
    for code in &codes[..3] {
        scan_json(&w.app, code, "113.22.5.9").await;
    }
    assert_eq!(w.app.state().flush_scans().unwrap(), 93);
    let alerts = w
        .app
        .get("/api/v1/alerts", &w.regulator)
        .await
        .expect(200)
        .body;
    let bursts: Vec<_> = alerts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "forged_burst")
        .collect();
    // The other origin's three codes are no burst.
    assert_eq!(bursts.len(), 1, "{alerts}");
    assert_eq!(bursts[0]["scans"], 90);
    let evidence = w
        .app
        .get(
            &format!("{}&per_page=100", bursts[0]["evidence"].as_str().unwrap()),
            &w.regulator,
        )
        .await
        .expect(200)
        .body;
    // The first 64 codes are kept one by one; the last kept counts the rest.
    let rows = evidence["items"].as_array().unwrap();
    assert_eq!(evidence["total"], 64);
    let tallies: Vec<i64> = rows.iter().map(|r| r["tally"].as_i64().unwrap()).collect();
    assert_eq!(tallies.iter().sum::<i64>(), 90);
    assert_eq!(tallies.iter().filter(|&&t| t != 1).count(), 1);
    let kept: Vec<&str> = rows.iter().map(|r| r["serial"].as_str().unwrap()).collect();
    for code in &codes[..64] {
        assert!(kept.contains(&code.as_str()), "{code} not kept");
    }
    assert!(!kept.contains(&codes[64].as_str()));
}

#[actix_web::test]
async fn statistics_count_what_each_caller_may_see() {
    let w = World::build().await;
    let serial = first_serial(&w, &w.a.batch).await;
    scan_json(&w.app, &serial, "203.113.5.7").await;
    scan_json(&w.app, &serial, "203.113.5.8").await;
    w.app.state().flush_scans().unwrap();
    let stats = w
        .app
        .get("/api/v1/stats", &w.regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(
        stats["facilities_by_status"],
        json!([["active", 2], ["suspended", 0]])
    );
    assert_eq!(stats["products"], 2);
    assert_eq!(stats["batches"], 2);
    assert_eq!(stats["stamps_issued"], 5);
    assert_eq!(stats["scans_per_day"][0]["scans"], 2);
    assert_eq!(
        stats["scans_per_day"][0]["day"],
        tracestamp::time::now().date().to_string()
    );
    let other = w
        .app
        .get("/api/v1/stats", &w.other_regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(other["stamps_issued"], 0);
    assert_eq!(other["scans_per_day"], json!([]));
    let producer_b = w
        .app
        .get("/api/v1/stats", &w.b.token)
        .await
        .expect(200)
        .body;
    assert_eq!(producer_b["products"], 1);
    assert_eq!(producer_b["stamps_issued"], 0);
    w.app
        .send(Method::GET, "/api/v1/stats", None, None)
        .await
        .expect(401);
    w.app
        .get("/api/v1/stats?from=2025-01-01&to=2026-11-01", &w.regulator)
        .await
        .expect(422);
}

#[actix_web::test]
async fn every_list_exports_as_csv_with_the_rows_of_its_reach() {
    let w = World::build().await;
    w.app
        .post(&format!("/api/v1/facilities/{}/inspections", w.a.facility), &w.regulator, json!({"inspected_on": "2026-10-01", "result": "pass", "findings": "Đạt, có dấu \"phẩy\", ok"}))
        .await
        .expect(201);
    let cases = [
        ("enterprises", &w.regulator, 2),
        ("enterprises", &w.other_regulator, 1),
        ("facilities", &w.regulator, 2),
        ("facilities", &w.a.token, 1),
        ("products", &w.other_regulator, 1),
        ("batches", &w.regulator, 2),
        ("batches", &w.b.token, 1),
        ("inspections", &w.regulator, 1),
        ("inspections", &w.other_regulator, 0),
    ];
    for (list, token, rows) in cases {
        let csv = w
            .app
            .get(&format!("/api/v1/{list}?format=csv"), token)
            .await
            .expect(200);
        assert!(csv.text.starts_with('\u{feff}'), "{list}");
        assert!(csv
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let lines: Vec<&str> = csv.text.lines().collect();
        assert_eq!(lines.len().saturating_sub(1), rows, "{list}: {}", csv.text);
    }
    let facilities = w
        .app
        .get("/api/v1/facilities?format=csv", &w.regulator)
        .await
        .text;
    assert!(facilities.contains("Vườn bưởi 1") && facilities.contains("province"));
    let inspections = w
        .app
        .get("/api/v1/inspections?format=csv", &w.regulator)
        .await
        .text;
    assert!(
        inspections.contains("\"Đạt, có dấu \"\"phẩy\"\", ok\""),
        "{inspections}"
    );
    w.app
        .get("/api/v1/facilities?format=xlsx", &w.regulator)
        .await
        .expect(422);
    w.app
        .send(Method::GET, "/api/v1/facilities?format=csv", None, None)
        .await
        .expect(401);
}
