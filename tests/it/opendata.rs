//! The public registry under `/open-data`: who is listed, what is said about
//! them, and how the CSV reads in a spreadsheet.

use actix_web::http::Method;
use chrono::TimeDelta;
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

use tracestamp::db::schema::{certification, facility};

use crate::harness::{Answer, TestApp};
use crate::world::{facility_body, product_body, World};

const QUOTED_FACILITY: &str = r#"Vườn "Năm Roi", Mỹ Hòa"#;
const QUOTED_PRODUCT: &str = r#"Bưởi "da xanh", loại 1"#;
const FORMULA_PRODUCT: &str = r#"=HYPERLINK("http://lua.example")"#;

struct Registry {
    w: World,
    quoted_facility: String,
    uncertified_facility: String,
    quoted_product: String,
    formula_product: String,
}

/// The world, plus for enterprise A a second, certified facility, one with
/// no certification and two awkwardly named products; B's only facility
/// suspended and C's only certification expired yesterday.
async fn registry() -> Registry {
    let w = World::build().await;
    let app = &w.app;
    let a = &w.a.token;
    let quoted_facility = app
        .post(
            "/api/v1/facilities",
            a,
            facility_body(QUOTED_FACILITY, "Vĩnh Long"),
        )
        .await
        .expect(201)
        .id();
    app.post(
        &format!("/api/v1/facilities/{quoted_facility}/certifications"),
        a,
        json!({"scheme": "globalgap", "number": "GGN 4063061000000", "issuer": "Control Union",
               "valid_from": "2025-06-01", "valid_to": "2027-05-31"}),
    )
    .await
    .expect(201);
    let uncertified_facility = app
        .post(
            "/api/v1/facilities",
            a,
            facility_body("Kho lạnh chưa chứng nhận", "Vĩnh Long"),
        )
        .await
        .expect(201)
        .id();
    let quoted_product = app
        .post("/api/v1/products", a, product_body(QUOTED_PRODUCT))
        .await
        .expect(201)
        .id();
    let formula_product = app
        .post("/api/v1/products", a, product_body(FORMULA_PRODUCT))
        .await
        .expect(201)
        .id();

    let mut conn = app.conn();
    diesel::update(facility::table.find(&w.b.facility))
        .set((
            facility::status.eq("suspended"),
            facility::status_reason.eq("thanh tra phát hiện vi phạm"),
        ))
        .execute(&mut *conn)
        .unwrap();
    let yesterday = tracestamp::time::today() - TimeDelta::days(1);
    diesel::update(certification::table.find(&w.c.certification))
        .set(certification::valid_to.eq(yesterday))
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    Registry {
        w,
        quoted_facility,
        uncertified_facility,
        quoted_product,
        formula_product,
    }
}

async fn public(app: &TestApp, path: &str) -> Answer {
    app.send(Method::GET, path, None, None).await.expect(200)
}

fn ids(body: &Value) -> BTreeSet<String> {
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_owned())
        .collect()
}

#[actix_web::test]
async fn only_active_validly_certified_facilities_and_their_products_are_listed() {
    let r = registry().await;
    let (w, app) = (&r.w, &r.w.app);

    let facilities = public(app, "/open-data/facilities.json").await;
    assert_eq!(
        ids(&facilities.body),
        BTreeSet::from([w.a.facility.clone(), r.quoted_facility.clone()]),
        "not B's suspended facility, C's expired one, nor A's uncertified {}",
        r.uncertified_facility
    );
    let generated = facilities.body["generated_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(generated).is_ok());
    let first = facilities.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == w.a.facility.as_str())
        .unwrap();
    assert_eq!(first["name"], "Vườn bưởi 1");
    assert_eq!(first["district"], "", "no districts since 1 July 2025");
    assert_eq!(first["commune_code"], "29771");
    assert_eq!(first["province_code"], "86");
    assert_eq!(first["enterprise_name"], "Hợp tác xã 1");
    assert_eq!(first["enterprise_tax_code"], "1500000001");
    assert_eq!(first["enterprise_province"], "Vĩnh Long");
    assert_eq!(
        first["certifications"],
        json!([{"scheme": "vietgap", "number": "VietGAP-TT-1", "issuer": "QUACERT",
                "valid_from": "2025-01-01", "valid_to": "2027-12-31"}])
    );

    let products = public(app, "/open-data/products.json").await;
    assert_eq!(
        ids(&products.body),
        BTreeSet::from([
            w.a.product.clone(),
            r.quoted_product.clone(),
            r.formula_product.clone()
        ]),
        "only the products of enterprises with a listed facility"
    );
    let names: BTreeSet<&str> = products.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name_vi"].as_str().unwrap())
        .collect();
    assert!(names.contains("Bưởi Năm Roi 1") && names.contains(FORMULA_PRODUCT));

    let csv = public(app, "/open-data/facilities.csv").await;
    let rows: Vec<&str> = csv.text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows.len(), 3, "a header and two facilities: {rows:?}");
    assert!(rows[0].starts_with("id,name,kind,"), "{}", rows[0]);
}

/// The communes an API caller gives as `commune_code`, as data: every one
/// of the 3,321 of Decision 19/2025/QĐ-TTg, each with its province.
#[actix_web::test]
async fn the_communes_are_listed_for_api_callers() {
    let app = TestApp::new();
    let json = public(&app, "/open-data/communes.json").await;
    let items = json.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3321);
    let binh_minh = items.iter().find(|c| c["code"] == "29771").unwrap();
    assert_eq!(
        binh_minh,
        &json!({"code": "29771", "name": "Phường Bình Minh", "kind": "ward",
                "province_code": "86", "province": "Vĩnh Long"})
    );
    let provinces: BTreeSet<&str> = items
        .iter()
        .map(|c| c["province_code"].as_str().unwrap())
        .collect();
    assert_eq!(provinces.len(), 34);
    let csv = public(&app, "/open-data/communes.csv").await.text;
    let rows: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows[0], "code,name,kind,province_code,province");
    assert_eq!(rows.len(), 3322, "a header and every commune");
    assert!(rows.contains(&"31135,Phường Ninh Kiều,ward,92,Cần Thơ"));
}

#[actix_web::test]
async fn csv_opens_in_a_spreadsheet_with_its_vietnamese_and_its_quotes_intact() {
    let r = registry().await;
    let app = &r.w.app;
    for path in ["/open-data/facilities.csv", "/open-data/products.csv"] {
        let csv = public(app, path).await;
        assert!(
            csv.text.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]),
            "{path} starts with a UTF-8 BOM"
        );
        assert_eq!(
            csv.headers.get("content-type").unwrap(),
            "text/csv; charset=utf-8"
        );
        assert!(
            csv.text.contains("Hợp tác xã 1,1500000001,Vĩnh Long"),
            "{path}"
        );
    }
    let facilities = public(app, "/open-data/facilities.csv").await.text;
    assert!(facilities.contains(",Vườn bưởi 1,orchard,,Vĩnh Long,86,29771,10.2,105.95,"));
    assert!(
        facilities.contains(r#","Vườn ""Năm Roi"", Mỹ Hòa",orchard,"#),
        "{facilities}"
    );
    assert!(facilities.contains("vietgap VietGAP-TT-1 (QUACERT, 2025-01-01 – 2027-12-31)"));
    let products = public(app, "/open-data/products.csv").await.text;
    assert!(
        products.contains(r#","Bưởi ""da xanh"", loại 1",Nam Roi pomelo,"#),
        "{products}"
    );
    assert!(
        products.contains(r#","'=HYPERLINK(""http://lua.example"")","#),
        "a formula is defused: {products}"
    );
}

#[actix_web::test]
async fn open_data_holds_no_personal_data() {
    let r = registry().await;
    let app = &r.w.app;
    for path in [
        "/open-data/facilities.csv",
        "/open-data/facilities.json",
        "/open-data/products.csv",
        "/open-data/products.json",
    ] {
        let body = public(app, path).await.text;
        for personal in [
            "@",
            "lienhe",
            "0270 3892 417",
            "producer_",
            "regulator_",
            "admin",
            "Ấp Mỹ Thuận",
            "Ấp An Thạnh",
        ] {
            assert!(!body.contains(personal), "{path} shows {personal:?}");
        }
    }
}
