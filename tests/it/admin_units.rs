//! Two-level administrative units through the real app: pre-2025
//! addresses converted with the shipped table (the one it cannot convert
//! listed for an admin and settled on "Địa chỉ cần xác định"), regulators
//! scoped by province code after the merger, unknown codes refused naming
//! the field with nothing written, and the former address shown and
//! searchable.

use diesel::prelude::*;
use serde_json::{json, Value};
use tracestamp::db::schema::audit_log;
use tracestamp::models::facility::{self, Facility};

use crate::harness::TestApp;
use crate::pages::{csrf_of, page, submit};
use crate::world::{enterprise_body, facility_body};

/// A facility registered before 1 July 2025 as the registry held it:
/// free-text district and province, no commune. Written straight to the
/// database: the API no longer registers one without its commune.
fn old_facility(
    app: &TestApp,
    enterprise: &str,
    name: &str,
    address: &str,
    district: &str,
) -> String {
    let now = tracestamp::time::now();
    let row = Facility {
        id: tracestamp::domain::id::new_id(),
        enterprise_id: enterprise.to_owned(),
        name: name.to_owned(),
        kind: "orchard".to_owned(),
        address: address.to_owned(),
        district: district.to_owned(),
        province: "Vĩnh Long".to_owned(),
        latitude: None,
        longitude: None,
        area_code: None,
        status: "active".to_owned(),
        status_reason: None,
        created_at: now,
        updated_at: now,
        gln: None,
        commune_code: None,
        province_code: "86".to_owned(),
        former_address: None,
    };
    facility::insert(&mut app.conn(), &row).unwrap();
    row.id
}

/// A registry with one admin, one enterprise in Vĩnh Long and its
/// producer: (app, admin token, producer token, enterprise id).
async fn registry() -> (TestApp, String, String, String) {
    let app = TestApp::new();
    let admin = app.account("admin", "admin", None, None);
    let enterprise = app
        .post(
            "/api/v1/enterprises",
            &admin,
            enterprise_body("Hợp tác xã Mỹ Hòa", "1500000001", "Vĩnh Long"),
        )
        .await
        .expect(201)
        .id();
    let producer = app.account("producer", "producer", Some(&enterprise), None);
    (app, admin, producer, enterprise)
}

fn convert(app: &TestApp) -> usize {
    tracestamp::service::admin_units::convert_pending(&mut app.conn(), &app.state().admin_units)
        .expect("conversion runs")
}

#[actix_web::test]
async fn old_addresses_convert_and_the_rest_wait_for_an_admin() {
    let (app, admin, producer, enterprise) = registry().await;
    let old = "Ấp Mỹ Thuận, xã Mỹ Hòa, thị xã Bình Minh, tỉnh Vĩnh Long";
    let known = old_facility(
        &app,
        &enterprise,
        "Vườn bưởi Mỹ Hòa",
        old,
        "Thị xã Bình Minh",
    );
    // Names no former commune: the table cannot place it.
    let unknown = old_facility(
        &app,
        &enterprise,
        "Vườn sầu riêng An Thạnh",
        "Ấp An Thạnh",
        "Long Hồ",
    );

    // The enterprise's address ("…, xã Mỹ Hòa" without a district) and
    // the second facility stay; the first converts.
    assert_eq!(convert(&app), 1);
    let row = app
        .get(&format!("/api/v1/facilities/{known}"), &producer)
        .await
        .expect(200)
        .body;
    assert_eq!(row["commune_code"], "29770");
    assert_eq!(
        row["address"],
        "Ấp Mỹ Thuận, phường Cái Vồn, tỉnh Vĩnh Long"
    );
    assert_eq!(row["former_address"], old);
    assert_eq!(row["province"], "Vĩnh Long");
    assert_eq!(row["province_code"], "86");
    assert_eq!(row["district"], "");
    // Idempotent: nothing left that the table can convert.
    assert_eq!(convert(&app), 0);

    // The admin's list names the unsettled ones, and only to admins.
    let list = page(&app, "/admin/addresses", Some(&admin))
        .await
        .expect(200);
    assert!(list.text.contains("Địa chỉ cần xác định"));
    assert!(list.text.contains("Vườn sầu riêng An Thạnh"));
    assert!(!list.text.contains("Vườn bưởi Mỹ Hòa"));
    assert!(
        list.text.contains("Xã An Bình (29584)"),
        "communes of the province offered"
    );
    page(&app, "/admin/addresses", Some(&producer))
        .await
        .expect(403);

    // An unknown commune is refused, the row unchanged; a known one settles it.
    let csrf = csrf_of(&list.text);
    let action = format!("/admin/addresses/facility/{unknown}");
    let refused = submit(
        &app,
        &action,
        &admin,
        &[("csrf", &csrf), ("commune_code", "99999")],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    let settled = submit(
        &app,
        &action,
        &admin,
        &[("csrf", &csrf), ("commune_code", "29584")],
    )
    .await;
    assert_eq!(settled.status.as_u16(), 303, "{}", settled.text);
    let row = app
        .get(&format!("/api/v1/facilities/{unknown}"), &producer)
        .await
        .expect(200)
        .body;
    assert_eq!(row["commune_code"], "29584");
    assert_eq!(row["address"], "Ấp An Thạnh, xã An Bình, tỉnh Vĩnh Long");
    assert_eq!(row["former_address"], "Ấp An Thạnh");
    let list = page(&app, "/admin/addresses", Some(&admin))
        .await
        .expect(200);
    assert!(!list.text.contains("Vườn sầu riêng An Thạnh"));
    // The settling is audited, by the admin.
    let actions: Vec<(String, String)> = audit_log::table
        .filter(audit_log::entity.eq("facility"))
        .filter(audit_log::entity_id.eq(&unknown))
        .order(audit_log::seq)
        .select((audit_log::action, audit_log::actor))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        actions.last().map(|(a, w)| (a.as_str(), w.as_str())),
        Some(("settle_address", "admin"))
    );
}

#[actix_web::test]
async fn regulators_are_scoped_by_province_code_after_the_merger() {
    let (app, admin, producer, _) = registry().await;
    // Xã Chợ Lách: a former Bến Tre commune, in Vĩnh Long since 2025.
    let facility = app
        .post(
            "/api/v1/facilities",
            &producer,
            json!({"name": "Vườn giống Chợ Lách", "kind": "orchard", "address": "Ấp Tân Thuận",
                   "commune_code": "28870"}),
        )
        .await
        .expect(201);
    assert_eq!(facility.body["province"], "Vĩnh Long");
    assert_eq!(facility.body["province_code"], "86");
    assert_eq!(
        facility.body["address"],
        "Ấp Tân Thuận, xã Chợ Lách, tỉnh Vĩnh Long"
    );
    let id = facility.id();

    let vinh_long = app.account("reg_vl", "regulator", None, Some("Vĩnh Long"));
    let can_tho = app.account("reg_ct", "regulator", None, Some("Cần Thơ"));
    app.get(&format!("/api/v1/facilities/{id}"), &vinh_long)
        .await
        .expect(200);
    // A regulator's province may be given by its code: the account keeps
    // the province it names.
    let by_code =
        tracestamp::service::accounts::prepare(tracestamp::service::accounts::AccountRequest {
            username: "reg_86".into(),
            password: "mật khẩu đủ dài".into(),
            role: "regulator".into(),
            enterprise_id: None,
            province: Some("86".into()),
        })
        .expect("a province code is a province");
    assert_eq!(by_code.province.as_deref(), Some("Vĩnh Long"));
    app.get(&format!("/api/v1/facilities/{id}"), &can_tho)
        .await
        .expect(404);
    let seen = |body: &Value| {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == id.as_str())
    };
    assert!(seen(
        &app.get("/api/v1/facilities", &vinh_long)
            .await
            .expect(200)
            .body
    ));
    assert!(!seen(
        &app.get("/api/v1/facilities", &can_tho)
            .await
            .expect(200)
            .body
    ));
    // Lists filter by code (or a name, read as its code).
    for query in [
        "province=86",
        "province=V%C4%A9nh%20Long",
        "commune_code=28870",
    ] {
        let body = app
            .get(&format!("/api/v1/facilities?{query}"), &admin)
            .await
            .expect(200)
            .body;
        assert!(seen(&body), "{query}");
    }
    for query in ["province=92", "commune_code=29770"] {
        let body = app
            .get(&format!("/api/v1/facilities?{query}"), &admin)
            .await
            .expect(200)
            .body;
        assert!(!seen(&body), "{query}");
    }
    // The enterprise's province is compared by code too.
    let enterprises = app
        .get("/api/v1/enterprises?province=86", &vinh_long)
        .await
        .expect(200)
        .body;
    assert_eq!(enterprises["total"], 1);
    let enterprises = app
        .get("/api/v1/enterprises", &can_tho)
        .await
        .expect(200)
        .body;
    assert_eq!(enterprises["total"], 0);
}

#[actix_web::test]
async fn unknown_codes_are_refused_naming_the_field_and_nothing_is_written() {
    let (app, admin, producer, _) = registry().await;
    let before = app.snapshot();
    let refused = app
        .post(
            "/api/v1/facilities",
            &producer,
            json!({"name": "Vườn", "kind": "orchard", "address": "Ấp 1", "commune_code": "99999"}),
        )
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "commune_code");
    assert!(refused.text.contains("99999"));
    // The enterprise body too, and in Vietnamese for a Vietnamese reader.
    let mut body = enterprise_body("Hợp tác xã 2", "1500000002", "Vĩnh Long");
    body["commune_code"] = json!("1234");
    let refused = app
        .post("/api/v1/enterprises", &admin, body)
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "commune_code");
    // A province contradicting the commune.
    let refused = app
        .post(
            "/api/v1/facilities",
            &producer,
            json!({"name": "Vườn", "kind": "orchard", "address": "Ấp 1", "commune_code": "28870",
                   "province": "Cần Thơ"}),
        )
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "province");
    assert_eq!(app.snapshot(), before, "nothing written");
    // An unknown province code in a list's filter.
    let refused = app.get("/api/v1/facilities?province=99", &admin).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert_eq!(refused.body["error"]["field"], "province");
}

#[actix_web::test]
async fn the_former_address_is_shown_and_searchable() {
    let (app, _, producer, _) = registry().await;
    let id = app
        .post(
            "/api/v1/facilities",
            &producer,
            json!({"name": "Vườn bưởi số 7", "kind": "orchard", "address": "Ấp Mỹ Thuận",
                   "commune_code": "29770",
                   "former_address": "Ấp Mỹ Thuận, xã Mỹ Hòa, thị xã Bình Minh, tỉnh Vĩnh Long"}),
        )
        .await
        .expect(201)
        .id();
    let regulator = app.account("reg_vl", "regulator", None, Some("Vĩnh Long"));
    // "Mỹ Hòa" is only in the former address (the new one is phường Cái Vồn).
    let found = page(&app, "/oversight/facilities?q=my+hoa", Some(&regulator))
        .await
        .expect(200);
    assert!(found.text.contains("Vườn bưởi số 7"));
    let missed = page(&app, "/oversight/facilities?q=tra+on", Some(&regulator))
        .await
        .expect(200);
    assert!(!missed.text.contains("Vườn bưởi số 7"));
    let shown = page(
        &app,
        &format!("/oversight/facilities/{id}"),
        Some(&regulator),
    )
    .await
    .expect(200);
    assert!(shown.text.contains("Trước 01/07/2025"));
    assert!(shown.text.contains("xã Mỹ Hòa, thị xã Bình Minh"));
    assert!(shown
        .text
        .contains("Ấp Mỹ Thuận, phường Cái Vồn, tỉnh Vĩnh Long"));
}

fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Since 1 July 2025 a place is a commune: a new facility or enterprise
/// without one is refused on every entry point (the API, the producer's
/// form, the admin's form), naming the field, with nothing written; a
/// district is refused too, and an edit without one keeps its commune.
#[actix_web::test]
async fn a_new_record_needs_its_commune_on_every_entry_point() {
    let (app, admin, producer, enterprise) = registry().await;
    let before = app.snapshot();
    let mut body = facility_body("Vườn", "Vĩnh Long");
    body.as_object_mut().unwrap().remove("commune_code");
    let refused = app
        .post("/api/v1/facilities", &producer, body.clone())
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "commune_code");
    assert!(refused.text.contains("/open-data/communes.csv"));
    body["district"] = json!("Long Hồ");
    let refused = app
        .post("/api/v1/facilities", &producer, body)
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "commune_code");
    let mut body = enterprise_body("Hợp tác xã 2", "1500000002", "Vĩnh Long");
    body.as_object_mut().unwrap().remove("commune_code");
    let refused = app
        .post("/api/v1/enterprises", &admin, body)
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "commune_code");
    let mut body = facility_body("Vườn", "Vĩnh Long");
    body["district"] = json!("Long Hồ");
    let refused = app
        .post("/api/v1/facilities", &producer, body)
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "district");
    assert_eq!(app.snapshot(), before, "nothing written");

    // An edit that leaves the commune out keeps it.
    let id = app
        .post(
            "/api/v1/facilities",
            &producer,
            facility_body("Vườn bưởi Bình Minh", "Vĩnh Long"),
        )
        .await
        .expect(201)
        .id();
    let kept = app
        .patch(
            &format!("/api/v1/facilities/{id}"),
            &producer,
            json!({"name": "Vườn bưởi Bình Minh 2"}),
        )
        .await
        .expect(200);
    assert_eq!(kept.body["commune_code"], "29771");
    // A province alone does not move a record: the commune would not follow.
    let path = format!("/api/v1/enterprises/{enterprise}");
    let refused = app
        .patch(&path, &admin, json!({"province": "Cần Thơ"}))
        .await
        .expect(422);
    assert_eq!(refused.body["error"]["field"], "province");
    let same = app
        .patch(&path, &admin, json!({"province": "Vĩnh Long"}))
        .await
        .expect(200);
    assert_eq!(same.body["province"], "Vĩnh Long");
    let moved = app
        .patch(&path, &admin, json!({"commune_code": "31135"}))
        .await
        .expect(200);
    assert_eq!(moved.body["province"], "Cần Thơ");
    assert_eq!(moved.body["province_code"], "92");
    app.patch(&path, &admin, json!({"commune_code": "29771"}))
        .await
        .expect(200);

    // The producer's form: the province preset to the enterprise's, its
    // communes to choose from; no commune chosen is refused beside it.
    let form = page(&app, "/portal/facilities/new", Some(&producer))
        .await
        .expect(200);
    assert!(
        form.text.contains(r#"<option value="Vĩnh Long" selected"#),
        "preset province"
    );
    assert!(
        form.text.contains(r#"<option value="28870""#),
        "xã Chợ Lách offered"
    );
    assert!(
        !form.text.contains(r#"<option value="31135""#),
        "not Cần Thơ's"
    );
    assert!(
        !form.text.contains(r#"name="district""#),
        "no district asked"
    );
    let csrf = csrf_of(&form.text);
    let fields = |province: &'static str, commune: &'static str| {
        [
            ("csrf", csrf.clone()),
            ("name", "Vườn giống Chợ Lách".to_owned()),
            ("kind", "orchard".to_owned()),
            ("province", province.to_owned()),
            ("commune_code", commune.to_owned()),
            ("address", "Ấp Tân Thuận".to_owned()),
        ]
    };
    let unsaved = app.snapshot();
    let posted = fields("Vĩnh Long", "");
    let refused = submit(&app, "/portal/facilities/new", &producer, &pairs(&posted)).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(refused.text.contains("cần chọn xã, phường hoặc đặc khu"));
    // Another province chosen: the form comes back with its communes.
    let posted = fields("Cần Thơ", "28870");
    let refused = submit(&app, "/portal/facilities/new", &producer, &pairs(&posted)).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(refused.text.contains("không thuộc Cần Thơ"));
    assert!(
        refused.text.contains(r#"<option value="31135""#),
        "Ninh Kiều offered"
    );
    assert_eq!(app.snapshot(), unsaved, "nothing written");
    let posted = fields("Vĩnh Long", "28870");
    let saved = submit(&app, "/portal/facilities/new", &producer, &pairs(&posted)).await;
    assert_eq!(saved.status.as_u16(), 303, "{}", saved.text);
    let listed = app
        .get("/api/v1/facilities?commune_code=28870", &producer)
        .await
        .expect(200)
        .body;
    assert_eq!(
        listed["items"][0]["address"],
        "Ấp Tân Thuận, xã Chợ Lách, tỉnh Vĩnh Long"
    );
    assert_eq!(listed["items"][0]["district"], "");

    // The admin's enterprise form asks the same.
    let form = page(&app, "/admin/enterprises", Some(&admin))
        .await
        .expect(200);
    assert!(form.text.contains(r#"name="commune_code""#));
    let csrf = csrf_of(&form.text);
    let mut enterprise_fields = vec![
        ("csrf", csrf.as_str()),
        ("name", "Hợp tác xã Chợ Lách"),
        ("tax_code", "1300000003"),
        ("province", "Vĩnh Long"),
        ("commune_code", ""),
        ("address", "Ấp Tân Thuận"),
    ];
    let refused = submit(&app, "/admin/enterprises", &admin, &enterprise_fields).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        refused.text.contains(r#"<option value="28870""#),
        "the province's communes"
    );
    enterprise_fields[4] = ("commune_code", "28870");
    let saved = submit(&app, "/admin/enterprises", &admin, &enterprise_fields).await;
    assert_eq!(saved.status.as_u16(), 303, "{}", saved.text);
    let found = app
        .get("/api/v1/enterprises?province=86", &admin)
        .await
        .expect(200)
        .body;
    assert!(found["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["commune_code"] == "28870" && e["id"] != enterprise.as_str()));
}

/// A regulator moves a facility from its record's page: the new province,
/// then one of its communes, from lists, a reason, and a confirmation; a
/// refusal keeps the form (with the chosen province's communes) and writes
/// nothing; producers are not offered it.
#[actix_web::test]
async fn a_regulator_moves_a_facility_from_its_page() {
    let (app, _, producer, _) = registry().await;
    let id = app
        .post(
            "/api/v1/facilities",
            &producer,
            facility_body("Vườn bưởi Bình Minh", "Vĩnh Long"),
        )
        .await
        .expect(201)
        .id();
    let vinh_long = app.account("reg_vl", "regulator", None, Some("Vĩnh Long"));
    let can_tho = app.account("reg_ct", "regulator", None, Some("Cần Thơ"));
    let record = page(
        &app,
        &format!("/oversight/facilities/{id}"),
        Some(&vinh_long),
    )
    .await
    .expect(200);
    let path = format!("/oversight/facilities/{id}/relocate");
    assert!(record.text.contains(&format!("href=\"{path}\"")));
    let form = page(&app, &path, Some(&vinh_long)).await.expect(200);
    assert!(form
        .text
        .contains("Chuyển địa bàn cơ sở: Vườn bưởi Bình Minh"));
    assert!(form.text.contains(r#"<option value="Vĩnh Long" selected"#));
    assert!(form.text.contains(r#"<option value="28870""#));
    page(&app, &path, Some(&producer)).await.expect(403);

    let csrf = csrf_of(&form.text);
    // To Cần Thơ: the commune, the street part and the reason given.
    let move_to = |commune: &'static str, address: &'static str, reason: &'static str| {
        let fields = [
            ("csrf", csrf.clone()),
            ("province", "Cần Thơ".to_owned()),
            ("commune_code", commune.to_owned()),
            ("address", address.to_owned()),
            ("reason", reason.to_owned()),
        ];
        let (app, path, session) = (&app, &path, &vinh_long);
        async move { submit(app, path, session, &pairs(&fields)).await }
    };
    let unmoved = app.snapshot();
    let refused = move_to("", "", "Cơ sở dời về Cần Thơ").await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(refused.text.contains("cần chọn xã, phường hoặc đặc khu"));
    assert!(
        refused.text.contains(r#"<option value="31135""#),
        "Cần Thơ's communes"
    );
    let refused = move_to("31135", "", " ").await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert_eq!(app.snapshot(), unmoved, "nothing written");

    let moved = move_to("31135", "Số 3 Hai Bà Trưng", "Cơ sở dời về Cần Thơ").await;
    assert_eq!(moved.status.as_u16(), 303, "{}", moved.text);
    let row = app
        .get(&format!("/api/v1/facilities/{id}"), &can_tho)
        .await
        .expect(200)
        .body;
    assert_eq!(row["province_code"], "92");
    assert_eq!(
        row["address"],
        "Số 3 Hai Bà Trưng, phường Ninh Kiều, thành phố Cần Thơ"
    );
    app.get(&format!("/api/v1/facilities/{id}"), &vinh_long)
        .await
        .expect(404);
    let moves = app
        .get("/api/v1/facility-moves", &vinh_long)
        .await
        .expect(200);
    assert!(moves.text.contains("31135") && moves.text.contains("Cơ sở dời về Cần Thơ"));
}
