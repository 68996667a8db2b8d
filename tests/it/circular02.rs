//! Circular 02/2024/TT-BKHCN: what a product's or batch's record lacks, in
//! the API and on the portal and oversight pages, and the export of a
//! demo batch's record as JSON and CSV.

use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::pages::page;
use crate::world::World;

fn missing(report: &Value) -> Vec<String> {
    report["missing"]
        .as_array()
        .expect("a list of missing items")
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_batch_lacks_items_until_its_producer_gives_them() {
    let w = World::build().await;
    let path = format!("/api/v1/batches/{}/circular-02", w.a.batch);
    let before = w.app.get(&path, &w.a.token).await.expect(200).body;
    assert_eq!(before["complete"], false);
    let lacks = missing(&before);
    for item in ["product_image", "traceability_code", "standards"] {
        assert!(lacks.contains(&item.to_owned()), "{lacks:?} lacks {item}");
    }
    assert!(!lacks.contains(&"product_name".to_owned()));
    assert!(!lacks.contains(&"shelf_life".to_owned()));
    // Scoped like every batch read.
    w.app.get(&path, &w.b.token).await.expect(404);
    w.app.get(&path, &w.other_regulator).await.expect(404);
    w.app.get(&path, &w.regulator).await.expect(200);

    w.app
        .patch(
            &format!("/api/v1/products/{}", w.a.product),
            &w.a.token,
            json!({"image_url": "https://example.vn/buoi.jpg", "standards": "VietGAP; TCVN 12850:2019"}),
        )
        .await
        .expect(200);
    w.app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 5}),
        )
        .await
        .expect(201);
    let after = missing(&w.app.get(&path, &w.a.token).await.expect(200).body);
    for item in ["product_image", "traceability_code", "standards"] {
        assert!(
            !after.contains(&item.to_owned()),
            "{after:?} still has {item}"
        );
    }
    let product = w
        .app
        .get(
            &format!("/api/v1/products/{}/circular-02", w.a.product),
            &w.a.token,
        )
        .await
        .expect(200)
        .body;
    let items: Vec<&str> = product["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["item"].as_str().unwrap())
        .collect();
    assert!(!items.contains(&"traceability_code"), "{items:?}");
    w.app
        .get(
            &format!("/api/v1/products/{}/circular-02", w.a.product),
            &w.c.token,
        )
        .await
        .expect(404);
}

/// The demo's batch of a product with an id of `name_vi`.
async fn demo_batch(app: &TestApp, token: &str, name_vi: &str) -> String {
    let products = app
        .get("/api/v1/products?per_page=100", token)
        .await
        .expect(200)
        .body;
    let product = products["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name_vi"] == name_vi)
        .unwrap_or_else(|| panic!("no demo product {name_vi}"))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.get(&format!("/api/v1/batches?product={product}"), token)
        .await
        .expect(200)
        .body["items"][0]["id"]
        .as_str()
        .expect("a batch of the product")
        .to_owned()
}

#[actix_web::test]
async fn demo_batches_are_reported_and_exported_as_json_and_csv() {
    let app = TestApp::new();
    tracestamp::demo::load(&mut app.conn(), &app.state().config, &app.state().codec).unwrap();
    let regulator = app.account("c02_regulator", "regulator", None, Some("Vĩnh Long"));

    let pomelo = demo_batch(&app, &regulator, "Bưởi Năm Roi").await;
    let report = app
        .get(&format!("/api/v1/batches/{pomelo}/circular-02"), &regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(report["complete"], true, "{report}");

    // The demo's rambutan states no standards: incomplete under the circular.
    let rambutan = demo_batch(&app, &regulator, "Chôm chôm nhãn").await;
    let report = app
        .get(
            &format!("/api/v1/batches/{rambutan}/circular-02"),
            &regulator,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(report["complete"], false);
    assert_eq!(missing(&report), vec!["standards".to_owned()]);

    let export = app
        .get(
            &format!("/api/v1/batches/{rambutan}/circular-02/export?format=json"),
            &regulator,
        )
        .await
        .expect(200);
    let record: Value = serde_json::from_str(&export.text).expect("JSON");
    assert_eq!(record["format"], "tracestamp.circular-02-2024/1");
    assert_eq!(record["producer"]["province_code"], "86");
    let code = record["product"]["code"].as_str().unwrap();
    let lot = record["batch"]["lot_code"].as_str().unwrap();
    assert!(
        record["batch"]["traceability_code"]
            .as_str()
            .unwrap()
            .ends_with(lot),
        "{record}"
    );
    assert!(
        code.starts_with("(01)") || code.starts_with("VN86."),
        "{code}"
    );
    let stages = record["stages"].as_array().unwrap();
    assert!(!stages.is_empty());
    for stage in stages {
        let place = stage["location_code"].as_str().expect("a location code");
        assert!(
            place.starts_with("(414)") || place.starts_with("VN."),
            "{place}"
        );
        assert_eq!(stage["product_code"], code);
    }
    assert!(record["batch"]["stamps"].as_i64().unwrap() > 0);

    let csv = app
        .get(
            &format!("/api/v1/batches/{rambutan}/circular-02/export?format=csv"),
            &regulator,
        )
        .await
        .expect(200);
    assert!(csv.text.starts_with('\u{feff}'));
    let all = crate::fsma::parse_csv(&csv.text);
    let (header, rows) = all.split_first().expect("a header");
    assert_eq!(header, &["section", "index", "field", "value"]);
    assert!(rows.iter().all(|r| r.len() == 4), "{rows:?}");
    let row = |section: &str, field: &str| {
        rows.iter()
            .find(|r| r[0] == section && r[2] == field)
            .map(|r| r[3].clone())
    };
    assert_eq!(row("circular_02", "standards").as_deref(), Some("missing"));
    assert_eq!(
        row("circular_02", "product_image").as_deref(),
        Some("present")
    );
    assert_eq!(row("batch", "lot_code").as_deref(), Some(lot));
    assert_eq!(
        rows.iter().filter(|r| r[0] == "stage").count(),
        stages.len() * 5
    );

    app.get(
        &format!("/api/v1/batches/{rambutan}/circular-02/export?format=xml"),
        &regulator,
    )
    .await
    .expect(422);

    // The regulator's page of the batch says what it lacks.
    let oversight = page(
        &app,
        &format!("/oversight/batches/{rambutan}"),
        Some(&regulator),
    )
    .await
    .expect(200);
    assert!(oversight.text.contains("Còn thiếu"), "{}", oversight.text);
    assert!(oversight.text.contains("Tiêu chuẩn áp dụng"));
    let complete = page(
        &app,
        &format!("/oversight/batches/{pomelo}?lang=en"),
        Some(&regulator),
    )
    .await
    .expect(200);
    assert!(complete
        .text
        .contains("The record holds every minimum item."));
}

#[actix_web::test]
async fn the_portal_shows_what_the_record_lacks() {
    let w = World::build().await;
    let batch = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(batch.text.contains("Thông tư 02/2024/TT-BKHCN"));
    assert!(batch.text.contains("Hình ảnh sản phẩm"));
    assert!(batch.text.contains("Chưa cấp tem (mã truy vết) cho lô"));
    let product = page(
        &w.app,
        &format!("/portal/products/{}/edit", w.a.product),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(
        product.text.contains("hồ sơ còn thiếu hình ảnh sản phẩm"),
        "{}",
        product.text
    );
}

#[actix_web::test]
async fn a_facility_moves_to_a_commune_and_bad_codes_write_nothing() {
    let w = World::build().await;
    let path = format!("/api/v1/facilities/{}/relocate", w.a.facility);
    let before = w.app.snapshot();
    for (body, field) in [
        (
            json!({"commune_code": "99999", "reason": "Địa giới mới"}),
            "commune_code",
        ),
        (
            json!({"commune_code": "", "reason": "Địa giới mới"}),
            "commune_code",
        ),
        (json!({"commune_code": "28756", "reason": ""}), "reason"),
    ] {
        let refused = w.app.post(&path, &w.regulator, body).await;
        assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
        assert_eq!(refused.body["error"]["field"], field, "{}", refused.text);
    }
    // The old body (province and district) is refused too.
    let old = w
        .app
        .post(
            &path,
            &w.regulator,
            json!({"province": "Cần Thơ", "district": "Phong Điền", "reason": "x"}),
        )
        .await;
    assert!(old.status.is_client_error(), "{}", old.text);
    assert_eq!(w.app.snapshot(), before, "a refused move writes nothing");

    let moved = w
        .app
        .post(
            &path,
            &w.regulator,
            json!({"commune_code": "28756", "reason": "Sắp xếp đơn vị hành chính"}),
        )
        .await
        .expect(200);
    assert_eq!(moved.body["facility"]["commune_code"], "28756");
    assert_eq!(moved.body["facility"]["province_code"], "86");
    assert_eq!(moved.body["facility"]["district"], "");
    assert!(moved.body["facility"]["address"]
        .as_str()
        .unwrap()
        .ends_with("phường Phú Khương, tỉnh Vĩnh Long"));
    assert_eq!(moved.body["move"]["to_commune_code"], "28756");
    // Again to the same commune: nothing to move.
    w.app
        .post(
            &path,
            &w.regulator,
            json!({"commune_code": "28756", "reason": "lại"}),
        )
        .await
        .expect(422);
}

#[actix_web::test]
async fn the_consumer_page_shows_the_commune_and_the_former_address() {
    let app = TestApp::new();
    let loaded =
        tracestamp::demo::load(&mut app.conn(), &app.state().config, &app.state().codec).unwrap();
    let serial = loaded.sample_serial.expect("a demo stamp");
    let stamp = page(&app, &format!("/s/{serial}"), None).await.expect(200);
    assert!(
        stamp.text.contains("phường Cái Vồn, tỉnh Vĩnh Long"),
        "{}",
        stamp.text
    );
    assert!(stamp
        .text
        .contains("trước 01/07/2025: xã Mỹ Hòa, thị xã Bình Minh, tỉnh Vĩnh Long"));
    let english = page(&app, &format!("/s/{serial}?lang=en"), None)
        .await
        .expect(200);
    assert!(english.text.contains("before 1 July 2025:"));
}
