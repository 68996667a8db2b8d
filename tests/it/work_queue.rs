//! The regulator's work queue on the overview (inspections due, corrective
//! actions overdue, certificates expiring, recalled lots with their
//! downstream lots, alerts named in words) and the facility list (columns,
//! accent-insensitive search, sorting, empty states), through the real app,
//! for a Vĩnh Long regulator and a Cần Thơ one.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::test::TestRequest;
use chrono::{Duration, NaiveDate};
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::world::{batch_body, facility_body, World};

async fn page(app: &TestApp, path: &str, session: &str) -> Answer {
    let req = TestRequest::get()
        .uri(path)
        .cookie(Cookie::new("tracestamp_session", session.to_owned()));
    app.send_request(req).await
}

/// Today in Vietnam, as the app reckons dates.
fn today() -> NaiveDate {
    (chrono::Utc::now() + Duration::hours(7)).date_naive()
}

fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

/// The part of the overview under the heading `id`, up to the next one.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<h3 id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[start + 4..];
    let end = [rest.find("<h3 "), rest.find("</section>")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Inspects `facility` sixty days ago with a corrective action due thirty
/// days ago, as `regulator`.
async fn overdue_inspection(w: &World, facility: &str, regulator: &str) {
    w.app
        .post(
            &format!("/api/v1/facilities/{facility}/inspections"),
            regulator,
            json!({"inspected_on": day(-60), "result": "minor",
                   "findings": "Sổ nhật ký phun thuốc ghi thiếu ngày cách ly", "follow_up_due": day(-30)}),
        )
        .await
        .expect(201);
}

async fn certificate(w: &World, facility: &str, token: &str, number: &str, valid_to: i64) {
    w.app
        .post(
            &format!("/api/v1/facilities/{facility}/certifications"),
            token,
            json!({"scheme": "globalgap", "number": number, "issuer": "Control Union",
                   "valid_from": day(-700), "valid_to": day(valid_to)}),
        )
        .await
        .expect(201);
}

/// Tenant A's batch, a batch made from it, a scan of the first after both
/// are recalled; overdue corrective actions at A (Vĩnh Long) and C (Cần
/// Thơ); a certificate of B expiring in ten days and one of C expired.
async fn busy_world() -> (World, String) {
    let w = World::build().await;
    let derived = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&w.a.product, &w.a.facility, "TIER-1"),
        )
        .await
        .expect(201)
        .id();
    let made = json!({"kind": "transformation", "occurred_at": "2026-11-03T08:00:00+07:00", "facility_id": w.a.facility,
        "details": {"quantity": 100.0, "unit": "kg", "reference_document": {"type": "other", "number": "LSX-1"}}, "inputs": [{"batch_id": w.a.batch, "quantity": 100.0, "unit": "kg"}]});
    w.app
        .post(
            &format!("/api/v1/batches/{derived}/events"),
            &w.a.token,
            made,
        )
        .await
        .expect(201);
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
    w.app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.regulator,
            json!({"reason": "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"}),
        )
        .await
        .expect(200);
    let scan = TestRequest::get()
        .uri(&format!("/s/{serial}"))
        .insert_header((header::ACCEPT, "application/json"))
        .peer_addr("203.113.5.7:4000".parse().unwrap());
    assert_eq!(w.app.send_request(scan).await.body["verdict"], "recalled");
    w.app.state().flush_scans().expect("flush");
    overdue_inspection(&w, &w.a.facility, &w.regulator).await;
    overdue_inspection(&w, &w.c.facility, &w.other_regulator).await;
    certificate(&w, &w.b.facility, &w.b.token, "GG-SAP-HET-2", 10).await;
    certificate(&w, &w.c.facility, &w.c.token, "GG-DA-HET-3", -5).await;
    (w, derived)
}

#[actix_web::test]
async fn each_queue_section_lists_the_provinces_rows_and_not_anothers() {
    let (w, derived) = busy_world().await;
    let vl = page(&w.app, "/oversight", &w.regulator).await.expect(200);
    let ct = page(&w.app, "/oversight", &w.other_regulator)
        .await
        .expect(200);
    let html = &vl.text;
    // The queue comes before the figures and charts.
    assert!(html.find("id=\"work-queue\"").unwrap() < html.find("<svg class=\"chart\"").unwrap());

    let overdue = section(html, "overdue-actions");
    assert!(
        overdue.contains("Vườn bưởi 1") && overdue.contains("Hợp tác xã 1"),
        "{overdue}"
    );
    assert!(overdue.contains(&format!("/oversight/facilities/{}", w.a.facility)));
    assert!(!overdue.contains("Vườn bưởi 2") && !overdue.contains("Vườn bưởi 3"));
    let overdue = section(&ct.text, "overdue-actions");
    assert!(
        overdue.contains("Vườn bưởi 3") && !overdue.contains("Vườn bưởi 1"),
        "{overdue}"
    );

    let expiring = section(html, "expiring");
    assert!(
        expiring.contains("GG-SAP-HET-2") && expiring.contains("Vườn bưởi 2"),
        "{expiring}"
    );
    // The world's other certificates hold until the end of 2027.
    assert!(!expiring.contains("VietGAP-TT-1") && !expiring.contains("GG-DA-HET-3"));
    let expiring = section(&ct.text, "expiring");
    assert!(
        expiring.contains("GG-DA-HET-3") && expiring.contains("đã hết hạn"),
        "{expiring}"
    );
    assert!(!expiring.contains("GG-SAP-HET-2"));

    let recalled = section(html, "recalled");
    assert_eq!(
        recalled.matches("class=\"recalled\"").count(),
        1,
        "{recalled}"
    );
    assert!(recalled.contains("LOT-1") && recalled.contains("Dư lượng thuốc"));
    assert!(
        recalled.contains("TIER-1"),
        "the downstream lot: {recalled}"
    );
    assert!(recalled.contains(&format!("#batch-{derived}")));
    assert!(!section(&ct.text, "recalled").contains("LOT-1"));

    let alerts = section(html, "alerts");
    assert!(alerts.contains("Hàng bị thu hồi vẫn được quét"), "{alerts}");
    for name in ["Bưởi Năm Roi 1", "LOT-1", "Vườn bưởi 1", "Hợp tác xã 1"] {
        assert!(alerts.contains(name), "{name} missing: {alerts}");
    }
    assert!(alerts.contains(&format!(
        "href=\"/oversight/facilities/{}#batch-{}\"",
        w.a.facility, w.a.batch
    )));
    assert!(!section(&ct.text, "alerts").contains("LOT-1"));

    let due = section(html, "inspections-due");
    assert!(
        due.contains("Vườn bưởi 2") && due.contains("Chưa kiểm tra lần nào"),
        "{due}"
    );
    assert!(
        !due.contains("Vườn bưởi 1"),
        "inspected sixty days ago: {due}"
    );
    assert!(!due.contains("Vườn bưởi 3"));

    // The same in English; and each row's link opens its evidence.
    let en = page(&w.app, "/oversight?lang=en", &w.regulator)
        .await
        .expect(200);
    assert!(section(&en.text, "alerts").contains("Recalled batch scanned"));
    assert!(en.text.contains("Corrective actions overdue"));
    assert!(section(&en.text, "inspections-due").contains("Never inspected"));
    let evidence = page(
        &w.app,
        &format!("/oversight/facilities/{}", w.a.facility),
        &w.regulator,
    )
    .await
    .expect(200);
    assert!(evidence
        .text
        .contains(&format!("id=\"batch-{}\"", w.a.batch)));
    assert!(evidence.text.contains("Sổ nhật ký phun thuốc"));
}

#[actix_web::test]
async fn an_empty_queue_says_so() {
    let w = World::build().await;
    for f in [&w.a.facility, &w.b.facility] {
        w.app
            .post(
                &format!("/api/v1/facilities/{f}/inspections"),
                &w.regulator,
                json!({"inspected_on": day(-1), "result": "pass", "findings": "Đạt yêu cầu"}),
            )
            .await
            .expect(201);
    }
    let vl = page(&w.app, "/oversight", &w.regulator).await.expect(200);
    assert!(
        vl.text.contains("Không có việc nào cần xử lý."),
        "{}",
        vl.text
    );
    let ct = page(&w.app, "/oversight?lang=en", &w.other_regulator)
        .await
        .expect(200);
    assert!(
        !ct.text.contains("Nothing needs action."),
        "never inspected"
    );
    assert!(section(&ct.text, "inspections-due").contains("Vườn bưởi 3"));
}

#[actix_web::test]
async fn the_facility_list_searches_without_accents_sorts_and_says_when_nothing_matches() {
    let w = World::build().await;
    let mut body = facility_body("Nhà sơ chế Hòa Bình", "Vĩnh Long");
    body["commune_code"] = json!("29821"); // xã Trà Ôn
    body["kind"] = json!("packing_house");
    body["area_code"] = json!(null);
    w.app
        .post("/api/v1/facilities", &w.b.token, body)
        .await
        .expect(201);
    overdue_inspection(&w, &w.a.facility, &w.regulator).await;

    let list = page(&w.app, "/oversight/facilities", &w.regulator)
        .await
        .expect(200);
    for column in [
        "Doanh nghiệp",
        "Kiểm tra gần nhất",
        "Kết quả",
        "Hạn kiểm tra tới",
    ] {
        assert!(list.text.contains(column), "{column}");
    }
    assert!(list.text.contains("Hợp tác xã 1") && list.text.contains("Đạt, có lỗi nhẹ"));
    assert!(!list.text.contains("Vườn bưởi 3"), "another province's");

    for typed in ["tra on", "TRA ON", "Trà Ôn", "hoa binh"] {
        let q: String =
            percent_encoding::utf8_percent_encode(typed, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let found = page(
            &w.app,
            &format!("/oversight/facilities?q={q}"),
            &w.regulator,
        )
        .await
        .expect(200);
        assert!(found.text.contains("Nhà sơ chế Hòa Bình"), "{typed}");
        assert!(!found.text.contains("Vườn bưởi 1"), "{typed}");
    }
    // Sorting by a header, both ways.
    let order = |html: &str, names: [&str; 3]| {
        names.map(|n| {
            html.find(&format!(">{n}</a>"))
                .unwrap_or_else(|| panic!("{n}"))
        })
    };
    let names = ["Nhà sơ chế Hòa Bình", "Vườn bưởi 1", "Vườn bưởi 2"];
    let asc = page(&w.app, "/oversight/facilities?sort=name", &w.regulator)
        .await
        .expect(200);
    let [x, y, z] = order(&asc.text, names);
    assert!(x < y && y < z);
    assert!(asc
        .text
        .contains("href=\"/oversight/facilities?sort=-name\""));
    let desc = page(&w.app, "/oversight/facilities?sort=-name", &w.regulator)
        .await
        .expect(200);
    let [x, y, z] = order(&desc.text, names);
    assert!(x > y && y > z);
    // By last inspection: the never inspected first, the inspected last.
    let by_inspection = page(
        &w.app,
        "/oversight/facilities?sort=last_inspection",
        &w.regulator,
    )
    .await
    .expect(200);
    let [x, y, z] = order(&by_inspection.text, names);
    assert!(y > x && y > z);
    let typo = page(&w.app, "/oversight/facilities?sort=size", &w.regulator).await;
    assert_eq!(typo.status.as_u16(), 400);
    assert!(typo.text.contains("sort"));

    // Nothing matches: said in words, in both languages.
    let none = page(&w.app, "/oversight/facilities?q=can+tho", &w.regulator)
        .await
        .expect(200);
    assert!(
        none.text.contains("Không có cơ sở nào khớp"),
        "{}",
        none.text
    );
    assert!(!none.text.contains("<table"));
    let none = page(
        &w.app,
        "/oversight/facilities?q=can+tho&lang=en",
        &w.regulator,
    )
    .await
    .expect(200);
    assert!(none.text.contains("No facility matches"));
}
