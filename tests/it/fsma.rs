//! The FDA's FSMA 204 request (21 CFR 1.1455(c)(3)(ii)): a product and a
//! date range, or a lot-code range, answered with one row per critical
//! tracking event, every required KDE in its own column, local dates with
//! their offset, only what the caller may see; CSV and XLSX.

use serde_json::{json, Value};
use std::collections::HashMap;

use crate::world::{batch_body, World};

/// The KDEs 21 CFR Part 1 Subpart S requires of each CTE, as the columns
/// that must be filled on its row (the lot-code source where the code is
/// assigned or carried on: §1.1320).
const REQUIRED: &[(&str, &[&str])] = &[
    (
        "harvesting", // §1.1325(a)
        &[
            "event_date",
            "traceability_lot_code",
            "product_description",
            "commodity",
            "variety",
            "quantity",
            "unit_of_measure",
            "harvest_farm_business_name",
            "harvest_farm_phone",
            "harvest_farm_street",
            "harvest_farm_province",
            "harvest_farm_country",
            "field_or_container",
            "harvester_name",
            "harvester_phone",
        ],
    ),
    (
        "cooling", // §1.1325(b)
        &[
            "event_date",
            "product_description",
            "commodity",
            "variety",
            "quantity",
            "unit_of_measure",
            "cooler_business_name",
            "cooler_location",
            "cooler_street",
            "cooler_province",
            "harvest_farm_business_name",
            "harvest_farm_street",
            "cooling_temperature_c",
            "location_business_name",
        ],
    ),
    (
        "initial_packing", // §1.1330
        &[
            "event_date",
            "traceability_lot_code",
            "tlc_source_business_name",
            "tlc_source_phone",
            "tlc_source_street",
            "tlc_source_province",
            "tlc_source_country",
            "product_description",
            "commodity",
            "variety",
            "packaging",
            "quantity",
            "unit_of_measure",
            "location_business_name",
            "location_street",
            "reference_document_type",
            "reference_document_number",
        ],
    ),
    (
        "first_land_based_receiving", // §1.1335
        &[
            "event_date",
            "traceability_lot_code",
            "tlc_source_business_name",
            "tlc_source_street",
            "product_description",
            "quantity",
            "unit_of_measure",
            "vessel",
            "catch_area",
            "species",
            "landing_date",
            "reference_document_type",
            "reference_document_number",
        ],
    ),
    (
        "shipping", // §1.1340
        &[
            "event_date",
            "traceability_lot_code",
            "tlc_source_business_name",
            "tlc_source_street",
            "product_description",
            "quantity",
            "unit_of_measure",
            "location_business_name",
            "location_phone",
            "location_street",
            "ship_to_business_name",
            "ship_to_phone",
            "ship_to_street",
            "ship_to_province",
            "ship_to_country",
            "reference_document_type",
            "reference_document_number",
        ],
    ),
    (
        "receiving", // §1.1345
        &[
            "event_date",
            "traceability_lot_code",
            "product_description",
            "quantity",
            "unit_of_measure",
            "location_business_name",
            "location_street",
            "previous_source_business_name",
            "previous_source_phone",
            "previous_source_street",
            "previous_source_province",
            "previous_source_country",
            "reference_document_type",
            "reference_document_number",
        ],
    ),
    (
        "transformation", // §1.1350
        &[
            "event_date",
            "traceability_lot_code",
            "tlc_source_business_name",
            "tlc_source_street",
            "product_description",
            "quantity",
            "unit_of_measure",
            "input_traceability_lot_code",
            "input_product_description",
            "input_quantity",
            "input_unit_of_measure",
            "location_business_name",
            "reference_document_type",
            "reference_document_number",
        ],
    ),
];

/// RFC 4180 as `crate::csv` writes it (BOM, quotes, CRLF).
pub(crate) fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

/// The rows as maps of column → value.
fn records(text: &str) -> Vec<HashMap<String, String>> {
    let rows = parse_csv(text);
    let (header, rows) = rows.split_first().expect("a header row");
    rows.iter()
        .map(|r| {
            assert_eq!(r.len(), header.len(), "{r:?}");
            header.iter().cloned().zip(r.iter().cloned()).collect()
        })
        .collect()
}

fn party(name: &str) -> Value {
    json!({"party_id": null, "business_name": name, "phone": "0283 3456 789",
           "street": "Số 1 đường Nguyễn Văn Linh", "province": "Thành phố Hồ Chí Minh",
           "country": "VN", "gln": null, "fda_registration": "12345678901"})
}

fn document(number: &str) -> Value {
    json!({"type": "bill_of_lading", "number": number})
}

/// Records an event on a batch as tenant a.
async fn record(w: &World, batch: &str, kind: &str, at: &str, details: Value) -> Value {
    record_with(
        w,
        batch,
        json!({"kind": kind, "occurred_at": at, "facility_id": w.a.facility, "details": details}),
    )
    .await
}

async fn record_with(w: &World, batch: &str, body: Value) -> Value {
    w.app
        .post(&format!("/api/v1/batches/{batch}/events"), &w.a.token, body)
        .await
        .expect(201)
        .body
}

/// Tenant a's chain: LOT-1 (world's harvest) cooled, packed, shipped;
/// a juice lot made from it; a received lot; a seafood landing.
async fn chain(w: &World) -> (String, String, String) {
    let a = &w.a;
    // World's harvest has no harvester; this one has every KDE.
    record(
        w,
        &a.batch,
        "harvesting",
        "2026-11-10T06:00:00+07:00",
        json!({"quantity": 1200, "unit": "kg", "harvester_name": "Tổ thu hoạch Mỹ Hòa",
               "harvester_phone": "0912 345 678", "field": "Thửa số 7"}),
    )
    .await;
    record(
        w,
        &a.batch,
        "planting",
        "2026-06-01T06:00:00+07:00",
        json!({"seed": "Năm Roi"}),
    )
    .await;
    record(w, &a.batch, "cooling", "2026-11-10T09:00:00+07:00",
        json!({"temperature_c": 4, "cooler_location": "Kho lạnh số 2", "quantity": 1200, "unit": "kg"})).await;
    record(
        w,
        &a.batch,
        "packing",
        "2026-11-11T08:00:00+07:00",
        json!({"quantity": 120, "unit": "box", "packages": 120, "packaging": "Thùng carton 10 kg",
               "reference_document": {"type": "packing_list", "number": "PL-11"}}),
    )
    .await;
    record(
        w,
        &a.batch,
        "shipping",
        "2026-11-12T05:00:00+07:00",
        json!({"ship_to": party("Công ty Nhập khẩu Sài Gòn"), "quantity": 100, "unit": "box",
               "vehicle": "65C-123.45", "reference_document": document("BL-12")}),
    )
    .await;
    let juice = w
        .app
        .post(
            "/api/v1/batches",
            &a.token,
            batch_body(&a.product, &a.facility, "JUICE-1"),
        )
        .await
        .expect(201)
        .id();
    record_with(
        w,
        &juice,
        json!({"kind": "transformation", "occurred_at": "2026-11-13T08:00:00+07:00",
        "facility_id": a.facility, "details": {"quantity": 300, "unit": "piece",
        "reference_document": {"type": "other", "number": "LSX-13"}},
        "inputs": [{"batch_id": a.batch, "quantity": 200.0, "unit": "kg"}]}),
    )
    .await;
    let received = w
        .app
        .post(
            "/api/v1/batches",
            &a.token,
            batch_body(&a.product, &a.facility, "RCV-1"),
        )
        .await
        .expect(201)
        .id();
    record(
        w,
        &received,
        "receiving",
        "2026-11-14T08:00:00+07:00",
        json!({"previous_source": party("Vựa bưởi Bình Minh"), "quantity": 500, "unit": "kg",
               "reference_document": {"type": "invoice", "number": "HD-14"}}),
    )
    .await;
    let fish = w
        .app
        .post(
            "/api/v1/batches",
            &a.token,
            batch_body(&a.product, &a.facility, "FISH-1"),
        )
        .await
        .expect(201)
        .id();
    record(w, &fish, "first_land_receiving", "2026-11-15T04:00:00+07:00",
        json!({"vessel": "KG-90123-TS", "catch_area": "FAO 71, vịnh Thái Lan", "species": "Thunnus albacares",
               "landing_date": "2026-11-15", "quantity": 800, "unit": "kg",
               "reference_document": {"type": "delivery_note", "number": "PN-15"}})).await;
    (juice, received, fish)
}

#[actix_web::test]
async fn a_product_and_a_date_range_give_one_row_per_cte_with_its_kdes() {
    let w = World::build().await;
    chain(&w).await;
    let answer = w
        .app
        .get(
            &format!(
                "/api/v1/fsma204?product={}&from=2026-11-10&to=2026-11-30",
                w.a.product
            ),
            &w.a.token,
        )
        .await
        .expect(200);
    assert!(answer
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let rows = records(&answer.text);
    let ctes: Vec<&str> = rows.iter().map(|r| r["cte"].as_str()).collect();
    // The world's harvest (2 Nov) is on LOT-1 too: its lot is traced whole.
    let mut counted: HashMap<&str, usize> = HashMap::new();
    for c in &ctes {
        *counted.entry(c).or_default() += 1;
    }
    assert_eq!(counted.get("harvesting"), Some(&2), "{ctes:?}");
    for (cte, _) in REQUIRED.iter().filter(|(c, _)| *c != "harvesting") {
        assert_eq!(counted.get(cte), Some(&1), "{cte} in {ctes:?}");
    }
    assert!(
        !ctes.contains(&"planting"),
        "planting is not a CTE: {ctes:?}"
    );
    for (cte, columns) in REQUIRED {
        let row = rows
            .iter()
            .find(|r| {
                r["cte"] == *cte && (r["cte"] != "harvesting" || !r["harvester_name"].is_empty())
            })
            .unwrap_or_else(|| panic!("no {cte} row"));
        for column in *columns {
            assert!(
                !row[*column].is_empty(),
                "{cte}: {column} is empty in {row:?}"
            );
        }
        assert!(row["event_time"].ends_with("+07:00"), "{row:?}");
    }
    let by = |cte: &str| {
        rows.iter()
            .find(|r| r["cte"] == cte && (cte != "harvesting" || !r["harvester_name"].is_empty()))
            .unwrap()
    };
    // 06:00 in Vĩnh Long on the 10th is the 9th in UTC: the local day counts.
    assert_eq!(by("harvesting")["event_date"], "2026-11-10");
    assert_eq!(by("harvesting")["event_time"], "2026-11-10T06:00:00+07:00");
    // The event's own quantity, not the batch's 2,500 kg.
    assert_eq!(
        (
            by("initial_packing")["quantity"].as_str(),
            by("initial_packing")["unit_of_measure"].as_str()
        ),
        ("120", "box")
    );
    assert_eq!(
        by("shipping")["ship_to_business_name"],
        "Công ty Nhập khẩu Sài Gòn"
    );
    assert_eq!(by("shipping")["reference_document_type"], "bill_of_lading");
    assert_eq!(by("shipping")["packaging"], "Thùng carton 10 kg");
    assert_eq!(by("transformation")["input_traceability_lot_code"], "LOT-1");
    assert_eq!(by("transformation")["traceability_lot_code"], "JUICE-1");
    // The lot-code source is the place that assigned the code (its packing).
    assert_eq!(by("shipping")["tlc_source_business_name"], "Hợp tác xã 1");
    assert_eq!(by("cooling")["cooling_temperature_c"], "4");
    assert_eq!(by("harvesting")["variety"], "Năm Roi");

    // The same as a workbook.
    let xlsx = w
        .app
        .get(
            &format!(
                "/api/v1/fsma204?product={}&from=2026-11-10&to=2026-11-30&format=xlsx",
                w.a.product
            ),
            &w.a.token,
        )
        .await
        .expect(200);
    let sheet = unzip(&xlsx.bytes, "xl/worksheets/sheet1.xml");
    let strings = unzip(&xlsx.bytes, "xl/sharedStrings.xml");
    assert_eq!(sheet.matches("<row ").count(), rows.len() + 1, "{sheet}");
    for text in [
        "initial_packing",
        "JUICE-1",
        "Công ty Nhập khẩu Sài Gòn",
        "2026-11-10T06:00:00+07:00",
    ] {
        assert!(strings.contains(text), "{text} not in the workbook");
    }
}

/// One file of a zip archive, read with the system's `unzip`.
fn unzip(bytes: &[u8], name: &str) -> String {
    let path = std::env::temp_dir().join(format!("fsma-{}.xlsx", uuid::Uuid::new_v4()));
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("unzip")
        .arg("-p")
        .arg(&path)
        .arg(name)
        .output()
        .expect("unzip runs");
    let _ = std::fs::remove_file(&path);
    assert!(out.status.success(), "{name} not in the workbook");
    String::from_utf8(out.stdout).unwrap()
}

#[actix_web::test]
async fn a_lot_code_range_and_reach_decide_which_lots_answer() {
    let w = World::build().await;
    let (_, _, _) = chain(&w).await;
    // Lots in text order: FISH-1 … JUICE-1 holds FISH-1 and JUICE-1 (and,
    // traced back from the juice, LOT-1).
    let rows = records(
        &w.app
            .get("/api/v1/fsma204?lot_from=FISH-1&lot_to=JUICE-1", &w.a.token)
            .await
            .expect(200)
            .text,
    );
    let mut lots: Vec<&str> = rows
        .iter()
        .map(|r| r["traceability_lot_code"].as_str())
        .collect();
    lots.sort();
    lots.dedup();
    assert_eq!(lots, ["FISH-1", "JUICE-1", "LOT-1"]);

    // A regulator of Vĩnh Long sees both Vĩnh Long enterprises, not Cần Thơ's.
    let rows = records(
        &w.app
            .get(
                "/api/v1/fsma204?from=2026-11-01&to=2026-11-30",
                &w.regulator,
            )
            .await
            .expect(200)
            .text,
    );
    let lots: Vec<&str> = rows
        .iter()
        .map(|r| r["traceability_lot_code"].as_str())
        .collect();
    assert!(
        lots.contains(&"LOT-1") && lots.contains(&"LOT-2"),
        "{lots:?}"
    );
    assert!(!lots.contains(&"LOT-3"), "{lots:?}");
    // A producer sees its own lots only, even traced from another's.
    let rows = records(
        &w.app
            .get("/api/v1/fsma204?from=2026-11-01&to=2026-11-30", &w.b.token)
            .await
            .expect(200)
            .text,
    );
    assert!(
        rows.iter().all(|r| r["traceability_lot_code"] == "LOT-2"),
        "{rows:?}"
    );
    assert!(!rows.is_empty());
}

#[actix_web::test]
async fn bad_requests_are_refused_naming_the_parameter() {
    let w = World::build().await;
    let unknown = uuid::Uuid::now_v7();
    for (query, field) in [
        (format!("product={unknown}"), "product"),
        // Another enterprise's product is no product of the caller's.
        (format!("product={}", w.b.product), "product"),
        ("from=2026-11-30&to=2026-11-01".to_owned(), "to"),
        ("from=30/11/2026".to_owned(), "from"),
        (format!("product={}&format=pdf", w.a.product), "format"),
        ("lot_from=B&lot_to=A".to_owned(), "lot_to"),
    ] {
        let answer = w
            .app
            .get(&format!("/api/v1/fsma204?{query}"), &w.a.token)
            .await
            .expect(422);
        assert_eq!(
            answer.body["error"]["field"], field,
            "{query}: {}",
            answer.text
        );
    }
}

#[actix_web::test]
async fn a_lots_trace_as_csv_is_the_same_spreadsheet() {
    let w = World::build().await;
    chain(&w).await;
    let rows = records(
        &w.app
            .get(
                &format!(
                    "/api/v1/batches/{}/trace?direction=forward&format=csv",
                    w.a.batch
                ),
                &w.a.token,
            )
            .await
            .expect(200)
            .text,
    );
    let lots: Vec<&str> = rows
        .iter()
        .map(|r| r["traceability_lot_code"].as_str())
        .collect();
    assert!(
        lots.contains(&"LOT-1") && lots.contains(&"JUICE-1"),
        "{lots:?}"
    );
    assert!(!lots.contains(&"RCV-1"), "{lots:?}");
}
