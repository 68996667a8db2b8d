//! Issue 17: a facility's GLN (checked, under its enterprise's GS1 prefix,
//! unique) and the resolver's answers for `/414/{gln}` (the facility) and
//! `/00/{sscc}` (a logistic unit our enterprises' public EPCIS events
//! name), through the real app, with the headers every resolver answer
//! carries.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::harness::{Answer, TestApp};
use crate::world::{self, World};

pub(crate) const BASE: &str = "http://127.0.0.1:8080";
/// Tenant a's GS1 company prefix, and a GLN and a GTIN under it.
pub(crate) const PREFIX: &str = "8934567";
const GLN: &str = "8934567000017";
pub(crate) const GTIN: &str = "08934567890120";
pub(crate) const LOT: &str = "RI6-2611";
/// An SSCC under the prefix (extension 0, serial reference 000000001), and
/// its EPC URI.
pub(crate) const SSCC: &str = "089345670000000017";
pub(crate) const SSCC_EPC: &str = "urn:epc:id:sscc:8934567.0000000001";

async fn get(app: &TestApp, path: &str, accept: &str) -> Answer {
    app.send_request(
        TestRequest::default()
            .method(Method::GET)
            .uri(path)
            .insert_header((header::ACCEPT, accept)),
    )
    .await
}

/// Tenant a with a GS1 prefix and its facility under GLN.
pub(crate) async fn gln_world() -> World {
    let w = World::build().await;
    w.app
        .patch(
            &format!("/api/v1/enterprises/{}", w.a.enterprise),
            &w.admin,
            json!({"gs1_prefix": PREFIX}),
        )
        .await
        .expect(200);
    let set = w
        .app
        .patch(
            &format!("/api/v1/facilities/{}", w.a.facility),
            &w.a.token,
            json!({"gln": GLN}),
        )
        .await
        .expect(200);
    assert_eq!(set.body["gln"], GLN);
    w
}

fn assert_public_headers(answer: &Answer, path: &str) {
    let h = &answer.headers;
    assert_eq!(
        h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
        "*",
        "{path}"
    );
    assert_eq!(
        h.get(header::VARY).unwrap(),
        "Accept, Accept-Language",
        "{path}"
    );
    let link = h.get(header::LINK).unwrap().to_str().unwrap();
    assert!(link.contains("rel=\"linkset\""), "{path}: {link}");
}

/// The one linkset entry anchored at `anchor`, checked for a description
/// and exactly one default link; returns the default link's href.
fn default_of(linkset: &Value, anchor: &str) -> String {
    let entry = linkset["linkset"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["anchor"] == anchor)
        .unwrap_or_else(|| panic!("no entry for {anchor}: {linkset}"));
    assert!(
        !entry["itemDescription"].as_str().unwrap().is_empty(),
        "{entry}"
    );
    let defaults = entry["https://gs1.org/voc/defaultLink"].as_array().unwrap();
    assert_eq!(defaults.len(), 1, "{entry}");
    defaults[0]["href"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_facility_gln_is_checked_against_its_digit_prefix_and_owner() {
    let w = gln_world().await;
    let before = w.app.snapshot();
    let mut body = world::facility_body("Nhà đóng gói", "Vĩnh Long");
    // A mistyped check digit, and a GLN outside the enterprise's prefix.
    for (gln, says) in [
        ("8934567000018", "check digit"),
        ("893456700001", "13"),
        ("8939999000000", PREFIX),
    ] {
        body["gln"] = json!(gln);
        let refused = w
            .app
            .post("/api/v1/facilities", &w.a.token, body.clone())
            .await
            .expect(422);
        assert!(refused.text.contains("gln"), "{}", refused.text);
        assert!(refused.text.contains(says), "{gln}: {}", refused.text);
    }
    // Tenant b has no prefix: a GLN under a's is a's to allocate.
    body["gln"] = json!("8934567000024");
    w.app
        .post("/api/v1/facilities", &w.b.token, body.clone())
        .await
        .expect(422);
    // One GLN names one facility.
    body["gln"] = json!(GLN);
    let taken = w
        .app
        .post("/api/v1/facilities", &w.a.token, body.clone())
        .await
        .expect(409);
    assert!(taken.text.contains("GLN"), "{}", taken.text);
    assert_eq!(w.app.snapshot(), before, "refusals write nothing");
    // Under nobody's prefix, b may use a GLN; then it is b's alone.
    let b_path = format!("/api/v1/facilities/{}", w.b.facility);
    w.app
        .patch(&b_path, &w.b.token, json!({"gln": "8939999000000"}))
        .await
        .expect(200);
    w.app
        .patch(
            &format!("/api/v1/facilities/{}", w.c.facility),
            &w.c.token,
            json!({"gln": "8939999000000"}),
        )
        .await
        .expect(409);
    // Clearing it frees it; the facility's other fields keep.
    let cleared = w
        .app
        .patch(&b_path, &w.b.token, json!({"gln": null}))
        .await
        .expect(200);
    assert!(cleared.body["gln"].is_null());
    assert_eq!(cleared.body["name"], "Vườn bưởi 2");
    w.app
        .patch(
            &format!("/api/v1/facilities/{}", w.c.facility),
            &w.c.token,
            json!({"gln": "8939999000000"}),
        )
        .await
        .expect(200);
}

#[actix_web::test]
async fn gln_resolves_to_the_facility_page_json_and_linkset() {
    let w = gln_world().await;
    w.app
        .post(
            &format!("/api/v1/facilities/{}/inspections", w.a.facility),
            &w.regulator,
            json!({"inspected_on": "2026-10-01", "result": "minor",
                   "findings": "Sổ nhật ký phun thuốc ghi thiếu ngày"}),
        )
        .await
        .expect(201);
    let path = format!("/414/{GLN}");
    let own = format!("{BASE}{path}?format=html");
    // A browser is sent to the page, which is the default link.
    let plain = get(&w.app, &path, "text/html").await.expect(307);
    assert_eq!(plain.headers.get(header::LOCATION).unwrap(), own.as_str());
    assert_public_headers(&plain, &path);
    // The page, Vietnamese by default, then English: no script.
    let vi = get(&w.app, &format!("{path}?format=html"), "text/html")
        .await
        .expect(200);
    assert_public_headers(&vi, &path);
    for fact in [
        "Vườn bưởi 1",
        "Hợp tác xã 1",
        "phường Bình Minh, tỉnh Vĩnh Long",
        "Đang hoạt động",
        "VietGAP-TT-1",
        "Kiểm tra gần nhất",
        "01/10/2026",
        GLN,
    ] {
        assert!(vi.text.contains(fact), "{fact}: {}", vi.text);
    }
    assert!(!vi.text.contains("<script"), "{}", vi.text);
    let en = get(&w.app, &format!("{path}?format=html&lang=en"), "text/html")
        .await
        .expect(200);
    for fact in [
        "Latest inspection",
        "Certifications in force",
        "Vườn bưởi 1",
    ] {
        assert!(en.text.contains(fact), "{fact}: {}", en.text);
    }
    assert!(en.text.contains("lang=\"en\""), "{}", en.text);
    // JSON.
    let json = get(&w.app, &path, "application/json").await.expect(200);
    let record = &json.body["record"];
    assert_eq!(json.body["level"], "facility");
    assert_eq!(record["gln"], GLN);
    assert_eq!(record["status"], "active");
    assert_eq!(record["enterprise"]["name"], "Hợp tác xã 1");
    assert_eq!(record["certifications"][0]["number"], "VietGAP-TT-1");
    assert_eq!(record["latest_inspection"]["result"], "minor");
    assert!(
        record.get("address").is_none(),
        "no street address: {record}"
    );
    // The linkset, by query and by Accept, with a qualifier too.
    for (uri, accept) in [
        (format!("{path}?linkType=linkset"), "application/json"),
        (path.clone(), "application/linkset+json"),
        (format!("{path}/254/EXT1?linkType=linkset"), "*/*"),
    ] {
        let linkset = get(&w.app, &uri, accept).await.expect(200);
        assert_public_headers(&linkset, &uri);
        let requested = format!("{BASE}{}", uri.split('?').next().unwrap());
        assert_eq!(default_of(&linkset.body, &requested), own, "{uri}");
    }
    // A qualifier names the same facility.
    let ext = get(&w.app, &format!("{path}/254/EXT1"), "application/json")
        .await
        .expect(200);
    assert_eq!(ext.body["record"]["gln"], GLN);
    // Suspension shows.
    w.app
        .post(
            &format!("/api/v1/facilities/{}/suspend", w.a.facility),
            &w.regulator,
            json!({"reason": "Phát hiện sử dụng thuốc cấm"}),
        )
        .await
        .expect(200);
    let suspended = get(&w.app, &format!("{path}?format=html&lang=en"), "text/html")
        .await
        .expect(200);
    assert!(
        suspended.text.contains("This facility is suspended"),
        "{}",
        suspended.text
    );
    assert!(
        !suspended.text.contains("thuốc cấm"),
        "the reason stays private"
    );
    // HEAD and OPTIONS.
    let head = w
        .app
        .send_request(TestRequest::default().method(Method::HEAD).uri(&path))
        .await
        .expect(307);
    assert!(head.bytes.is_empty());
    assert_public_headers(&head, &path);
    let options = w
        .app
        .send_request(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri(&path)
                .insert_header((header::ORIGIN, "https://ref.gs1.org"))
                .insert_header(("Access-Control-Request-Method", "GET,HEAD,OPTIONS")),
        )
        .await
        .expect(204);
    assert_eq!(
        options
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_METHODS)
            .unwrap(),
        "GET, HEAD, OPTIONS"
    );
    assert_eq!(
        options
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "*"
    );
}

#[actix_web::test]
async fn an_unknown_gln_is_a_404_and_a_bad_one_a_400() {
    let w = gln_world().await;
    for accept in ["application/json", "text/html"] {
        let unknown = get(&w.app, "/414/8934567000024?format=html", accept)
            .await
            .expect(404);
        assert!(unknown.text.contains("GLN"), "{}", unknown.text);
        assert_public_headers(&unknown, "/414/8934567000024");
    }
    // The description file says which keys are held (values GS1's
    // description-file schema allows).
    let description = get(&w.app, "/.well-known/gs1resolver", "application/json")
        .await
        .expect(200);
    assert_eq!(
        description.body["supportedPrimaryKeys"],
        json!(["01", "414", "00"])
    );
    let bad = get(&w.app, "/414/8934567000018", "application/json")
        .await
        .expect(400);
    assert!(bad.text.contains("check digit"), "{}", bad.text);
    assert_public_headers(&bad, "/414/8934567000018");
}

pub(crate) fn document(events: Vec<Value>) -> Value {
    json!({"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
           "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-11-20T00:00:00Z", "epcisBody": {"eventList": events}})
}

pub(crate) async fn capture(app: &TestApp, token: &str, doc: &Value) {
    app.send_request(
        TestRequest::default()
            .method(Method::POST)
            .uri("/epcis/capture")
            .insert_header((header::CONTENT_TYPE, "application/ld+json"))
            .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            .set_payload(doc.to_string()),
    )
    .await
    .expect(202);
}

#[actix_web::test]
async fn an_sscc_our_events_name_resolves_to_its_lots() {
    let w = gln_world().await;
    let mut body = world::product_body("Bưởi Năm Roi xuất khẩu");
    body["gtin"] = json!(&GTIN[1..]);
    let product = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201)
        .id();
    w.app
        .post(
            "/api/v1/batches",
            &w.a.token,
            world::batch_body(&product, &w.a.facility, LOT),
        )
        .await
        .expect(201);
    let lot_uri = format!("{BASE}/01/{GTIN}/10/{LOT}");
    let path = format!("/00/{SSCC}");
    // Unknown before any event names it.
    get(&w.app, &path, "application/json").await.expect(404);
    let shipping = json!({"eventID": "urn:uuid:17000000-0000-4000-8000-000000000002",
           "type": "ObjectEvent", "action": "OBSERVE",
           "eventTime": "2026-11-04T09:00:00+07:00", "eventTimeZoneOffset": "+07:00",
           "bizStep": "shipping", "epcList": [format!("{BASE}{path}")],
           "quantityList": [{"epcClass": lot_uri, "quantity": 100, "uom": "KGM"}]});
    capture(
        &w.app,
        &w.a.token,
        &document(vec![
            json!({"eventID": "urn:uuid:17000000-0000-4000-8000-000000000001",
                   "type": "AggregationEvent", "action": "ADD",
                   "eventTime": "2026-11-03T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
                   "parentID": SSCC_EPC, "bizStep": "packing",
                   "childQuantityList": [{"epcClass": lot_uri, "quantity": 100, "uom": "KGM"}]}),
            shipping.clone(),
            // Names the unit but no lot of ours: on no lot page, so not here.
            json!({"eventID": "urn:uuid:17000000-0000-4000-8000-000000000003",
                   "type": "ObjectEvent", "action": "OBSERVE",
                   "eventTime": "2026-11-05T09:00:00+07:00", "eventTimeZoneOffset": "+07:00",
                   "bizStep": "receiving", "epcList": [SSCC_EPC]}),
        ]),
    )
    .await;
    let json = get(&w.app, &path, "application/json").await.expect(200);
    assert_public_headers(&json, &path);
    let unit = &json.body["record"];
    assert_eq!(json.body["level"], "logistic_unit");
    assert_eq!(unit["sscc"], SSCC);
    let steps: Vec<&str> = unit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["packing", "shipping"], "{unit}");
    assert_eq!(unit["events"][0]["enterprise"], "Hợp tác xã 1");
    let contents = unit["contents"].as_array().unwrap();
    assert_eq!(contents.len(), 1, "{unit}");
    assert_eq!(contents[0]["lot_code"], LOT);
    assert_eq!(contents[0]["gtin"], GTIN);
    assert_eq!(contents[0]["href"], lot_uri.as_str());
    // The page in both languages, with a link to the lot's page.
    let vi = get(&w.app, &format!("{path}?format=html"), "text/html")
        .await
        .expect(200);
    for fact in [
        "Bưởi Năm Roi xuất khẩu",
        LOT,
        "Đóng gói",
        "Vận chuyển",
        "Hợp tác xã 1",
    ] {
        assert!(vi.text.contains(fact), "{fact}: {}", vi.text);
    }
    assert!(!vi.text.contains("Tiếp nhận"), "{}", vi.text);
    assert!(
        vi.text
            .contains(&format!("/01/{GTIN}/10/{LOT}?format=html")),
        "{}",
        vi.text
    );
    assert!(!vi.text.contains("<script"));
    let en = get(&w.app, &format!("{path}?format=html&lang=en"), "text/html")
        .await
        .expect(200);
    for fact in ["Lots it contains", "Nam Roi pomelo", "Packing", "Shipping"] {
        assert!(en.text.contains(fact), "{fact}: {}", en.text);
    }
    // The linkset and the default link.
    let linkset = get(&w.app, &format!("{path}?linkType=linkset"), "*/*")
        .await
        .expect(200);
    let own = format!("{BASE}{path}?format=html");
    assert_eq!(default_of(&linkset.body, &format!("{BASE}{path}")), own);
    let plain = get(&w.app, &path, "text/html").await.expect(307);
    assert_eq!(plain.headers.get(header::LOCATION).unwrap(), own.as_str());
    // A retracted event leaves the unit's page, as it leaves the lot's.
    let mut retracted = shipping;
    retracted["errorDeclaration"] =
        json!({"declarationTime": "2026-11-12T00:00:00Z", "reason": "incorrect_data"});
    capture(&w.app, &w.a.token, &document(vec![retracted])).await;
    let after = get(&w.app, &path, "application/json").await.expect(200);
    assert_eq!(after.body["record"]["events"].as_array().unwrap().len(), 1);
    assert_eq!(after.body["record"]["events"][0]["step"], "packing");
    // Another valid SSCC, and a mistyped one.
    get(&w.app, "/00/089345670000000024", "application/json")
        .await
        .expect(404);
    get(&w.app, "/00/089345670000000018", "application/json")
        .await
        .expect(400);
}

/// The producer's facility form on the portal sets the GLN through the
/// same use case, and shows its refusal on the form.
#[actix_web::test]
async fn the_portal_facility_form_sets_the_gln() {
    use actix_web::cookie::Cookie;
    let w = gln_world().await;
    let path = format!("/portal/facilities/{}/edit", w.b.facility);
    let session = || Cookie::new("tracestamp_session", w.b.token.clone());
    let form = w
        .app
        .send_request(TestRequest::default().uri(&path).cookie(session()))
        .await
        .expect(200);
    assert!(form.text.contains("name=\"gln\""), "{}", form.text);
    let marker = "name=\"csrf\" value=\"";
    let start = form.text.find(marker).unwrap() + marker.len();
    let csrf = &form.text[start..start + form.text[start..].find('"').unwrap()];
    let post = |gln: &'static str| {
        TestRequest::post()
            .uri(&path)
            .cookie(session())
            .set_form(vec![
                ("csrf", csrf),
                ("name", "Vườn bưởi 2"),
                ("kind", "orchard"),
                ("address", "Ấp An Thạnh"),
                ("gln", gln),
            ])
    };
    // A GLN under tenant a's prefix is not b's: the form says so, in the
    // page's language, next to the field; nothing changes.
    let before = w.app.snapshot();
    let refused = w.app.send_request(post(GLN)).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert!(
        refused
            .text
            .contains("id=\"e-gln\">Mã GLN thuộc mã doanh nghiệp GS1 của một doanh nghiệp khác"),
        "{}",
        refused.text
    );
    assert_eq!(w.app.snapshot(), before);
    let saved = w.app.send_request(post("8939999000000")).await;
    assert!(saved.status.is_redirection(), "{}", saved.text);
    let facility = w
        .app
        .get(&format!("/api/v1/facilities/{}", w.b.facility), &w.b.token)
        .await
        .expect(200);
    assert_eq!(facility.body["gln"], "8939999000000");
}
