//! The resolver as GS1's resolver standard (GS1-Conformant resolver 1.x)
//! asks: default-link redirects, linksets, walk-up, CORS, HEAD, OPTIONS and
//! the `Link` header, through the real app.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::stamps::issue;
use crate::world::World;

const BASE: &str = "http://127.0.0.1:8080";
const GTIN: &str = "08934567890120";
const LOT: &str = "RI6-2611";
const PIP: &str = "https://hoptac.example.vn/buoi";

/// A product with a GTIN, a lot, a roll and a registered `gs1:pip` link;
/// returns the world and the first serial.
pub async fn gs1_world() -> (World, String) {
    let w = World::build().await;
    let mut body = crate::world::product_body("Bưởi Năm Roi");
    body["gtin"] = json!("8934567890120");
    let product = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201)
        .id();
    let lot = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            crate::world::batch_body(&product, &w.a.facility, LOT),
        )
        .await
        .expect(201)
        .id();
    w.app
        .post(
            &format!("/api/v1/products/{product}/links"),
            &w.a.token,
            json!({"link_type": "gs1:pip", "href": PIP, "title": "Trang sản phẩm"}),
        )
        .await
        .expect(201);
    let roll = issue(&w, &lot, 10).await;
    let serial = roll["first_serial"].as_str().unwrap().to_owned();
    (w, serial)
}

async fn get(app: &TestApp, path: &str, accept: &str) -> Answer {
    app.send_request(
        TestRequest::default()
            .method(Method::GET)
            .uri(path)
            .insert_header((header::ACCEPT, accept)),
    )
    .await
}

fn location(answer: &Answer) -> &str {
    answer
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
}

fn link_header(answer: &Answer) -> String {
    answer
        .headers
        .get_all(header::LINK)
        .map(|v| v.to_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

#[actix_web::test]
async fn a_plain_request_redirects_to_the_default_link_with_its_query() {
    let (w, serial) = gs1_world().await;
    let stamp = format!("/01/{GTIN}/10/{LOT}/21/{serial}");
    let answer = get(&w.app, &stamp, BROWSER).await.expect(307);
    assert_eq!(location(&answer), format!("{BASE}/s/{serial}"));
    // The redirect costs no scan: the page it leads to records one.
    w.app.state().flush_scans().unwrap();
    let with_query = get(&w.app, &format!("{stamp}?foo=bar&lang=en"), BROWSER)
        .await
        .expect(307);
    assert_eq!(
        location(&with_query),
        format!("{BASE}/s/{serial}?foo=bar&lang=en")
    );
    // A trailing slash is tolerated: the same answer.
    let slash = get(&w.app, &format!("{stamp}/"), BROWSER).await.expect(307);
    assert_eq!(location(&slash), location(&answer));
    // A serial without its lot is valid Digital Link syntax.
    let no_lot = get(&w.app, &format!("/01/{GTIN}/21/{serial}"), BROWSER)
        .await
        .expect(307);
    assert_eq!(location(&no_lot), format!("{BASE}/s/{serial}"));
    // Lot and product levels redirect to their pages, which answer 200.
    let lot = get(&w.app, &format!("/01/{GTIN}/10/{LOT}"), BROWSER)
        .await
        .expect(307);
    assert_eq!(
        location(&lot),
        format!("{BASE}/01/{GTIN}/10/{LOT}?format=html")
    );
    let page = get(&w.app, &format!("/01/{GTIN}/10/{LOT}?format=html"), BROWSER)
        .await
        .expect(200);
    assert!(page.text.contains(LOT), "{}", page.text);
    let product = get(&w.app, &format!("/01/{GTIN}"), "*/*").await.expect(307);
    assert_eq!(location(&product), format!("{BASE}/01/{GTIN}?format=html"));
    // JSON is still one Accept away.
    let json = get(&w.app, &stamp, "application/json").await.expect(200);
    assert_eq!(json.body["verdict"], "genuine");
}

#[actix_web::test]
async fn the_linkset_names_every_level_with_one_plain_default_link() {
    let (w, serial) = gs1_world().await;
    let stamp = format!("/01/{GTIN}/10/{LOT}/21/{serial}");
    // Media types are case-insensitive.
    let answer = get(&w.app, &stamp, "Application/Linkset+JSON")
        .await
        .expect(200);
    assert_eq!(
        answer.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/linkset+json"
    );
    let links = link_header(&answer);
    assert!(
        links.contains("rel=\"http://www.w3.org/ns/json-ld#context\"")
            && links.contains("type=\"application/ld+json\""),
        "{links}"
    );
    let set = answer.body["linkset"].as_array().unwrap();
    let anchors: Vec<&str> = set.iter().map(|e| e["anchor"].as_str().unwrap()).collect();
    assert_eq!(
        anchors,
        [
            format!("{BASE}{stamp}"),
            format!("{BASE}/01/{GTIN}/10/{LOT}"),
            format!("{BASE}/01/{GTIN}"),
        ]
    );
    for entry in set {
        assert!(entry["itemDescription"].as_str().unwrap().contains("Bưởi"));
        let defaults = entry["https://gs1.org/voc/defaultLink"].as_array().unwrap();
        assert_eq!(defaults.len(), 1, "{entry}");
        let keys: Vec<&String> = defaults[0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["href", "title"], "no optional attribute: {entry}");
    }
    assert_eq!(set[2]["https://gs1.org/voc/pip"][0]["href"], PIP);
    assert_eq!(
        set[0]["https://gs1.org/voc/defaultLink"][0]["href"],
        format!("{BASE}/s/{serial}")
    );
    // The parameter, in any case, asks for it too.
    for query in [
        "linkType=linkset",
        "linkType=LINKSET",
        "linktype=linkset",
        "linkType=all",
    ] {
        let answer = get(&w.app, &format!("{stamp}?{query}"), BROWSER)
            .await
            .expect(200);
        assert_eq!(
            answer.body["linkset"].as_array().unwrap().len(),
            3,
            "{query}"
        );
    }
}

#[actix_web::test]
async fn link_types_walk_up_and_are_read_in_every_spelling() {
    let (w, serial) = gs1_world().await;
    let stamp = format!("/01/{GTIN}/10/{LOT}/21/{serial}");
    for link_type in [
        "gs1:pip",
        "https%3A%2F%2Fgs1.org%2Fvoc%2Fpip",
        "https://ref.gs1.org/voc/pip",
    ] {
        let answer = get(
            &w.app,
            &format!("{stamp}?linkType={link_type}&x=1"),
            BROWSER,
        )
        .await
        .expect(307);
        assert_eq!(location(&answer), format!("{PIP}?x=1"), "{link_type}");
    }
    get(&w.app, &format!("{stamp}?linkType=gs1:nosuchlt"), BROWSER)
        .await
        .expect(404);
    // An unknown lot walks up to the product's links and default.
    let unknown_lot = format!("/01/{GTIN}/10/KL8G");
    let up = get(&w.app, &unknown_lot, BROWSER).await.expect(307);
    assert_eq!(location(&up), format!("{BASE}/01/{GTIN}?format=html"));
    let pip = get(&w.app, &format!("{unknown_lot}?linkType=gs1:pip"), BROWSER)
        .await
        .expect(307);
    assert_eq!(location(&pip), PIP);
    // So does a serial that is not shaped like ours (someone else's).
    get(&w.app, &format!("/01/{GTIN}/10/{LOT}/21/ABC-1"), BROWSER)
        .await
        .expect(307);
    // A serial shaped like ours that fails its MAC imitates our stamp.
    let mut forged: Vec<char> = serial.chars().collect();
    forged[5] = if forged[5] == 'A' { 'B' } else { 'A' };
    let forged: String = forged.into_iter().collect();
    let fake = get(&w.app, &format!("/01/{GTIN}/10/{LOT}/21/{forged}"), BROWSER).await;
    assert_eq!(fake.status, 404, "{}", fake.text);
    // A GTIN that is not ours is not found; bad syntax is 400.
    get(&w.app, "/01/09506000134352", BROWSER).await.expect(404);
    get(&w.app, &format!("/01/{GTIN}/10/{LOT}/foo"), BROWSER)
        .await
        .expect(400);
}

#[actix_web::test]
async fn every_public_answer_carries_cors_link_and_vary() {
    let (w, serial) = gs1_world().await;
    let stamp = format!("/01/{GTIN}/10/{LOT}/21/{serial}");
    for (path, status) in [
        (stamp.clone(), 307),
        (format!("/s/{serial}"), 200),
        (format!("{stamp}/foo"), 400),
        ("/01/09506000134352".to_owned(), 404),
    ] {
        let answer = get(&w.app, &path, BROWSER).await.expect(status);
        let h = &answer.headers;
        assert_eq!(
            h.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap(),
            "*",
            "{path}"
        );
        assert!(h
            .get(header::ACCESS_CONTROL_EXPOSE_HEADERS)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Location"));
        assert!(link_header(&answer).contains("rel=\"linkset\""), "{path}");
        assert!(!link_header(&answer).contains("rel=\"gs1:"), "{path}");
        assert_eq!(
            h.get(header::VARY).unwrap(),
            "Accept, Accept-Language",
            "{path}"
        );
    }
    // OPTIONS preflight, as GS1's suite sends it (a list of methods).
    let options = w
        .app
        .send_request(
            TestRequest::default()
                .method(Method::OPTIONS)
                .uri(&stamp)
                .insert_header((header::ORIGIN, "https://ref.gs1.org"))
                .insert_header(("Access-Control-Request-Method", "GET,HEAD,OPTIONS")),
        )
        .await
        .expect(204);
    let methods = options
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_METHODS)
        .unwrap();
    assert_eq!(methods, "GET, HEAD, OPTIONS");
    assert!(link_header(&options).contains(&format!("<{BASE}{stamp}?linkType=linkset>")));
    // HEAD wherever GET is: the same status and headers, no body.
    for path in [
        stamp.clone(),
        format!("/s/{serial}"),
        "/.well-known/gs1resolver".into(),
    ] {
        let head = w
            .app
            .send_request(TestRequest::default().method(Method::HEAD).uri(&path))
            .await;
        assert!(
            matches!(head.status.as_u16(), 200 | 307),
            "{path}: {}",
            head.status
        );
        assert_eq!(
            head.headers
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            "*"
        );
    }
    // Other paths are not public resolver answers.
    let api = w.app.get("/api/v1/products", &w.a.token).await.expect(200);
    assert!(api
        .headers
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}

#[actix_web::test]
async fn the_description_file_is_complete() {
    let (w, _) = gs1_world().await;
    let answer = get(&w.app, "/.well-known/gs1resolver", "application/json")
        .await
        .expect(200);
    let d = &answer.body;
    assert_eq!(d["resolverRoot"], BASE);
    assert!(d["supportedPrimaryKeys"]
        .as_array()
        .unwrap()
        .contains(&json!("01")));
    assert!(d["jsonLdContextLocation"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert_eq!(d["linkTypeDefaultCanBeLinkset"], false);
    assert_eq!(
        answer
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
            .unwrap(),
        "*"
    );
}

#[actix_web::test]
async fn a_producer_may_choose_the_products_default_link() {
    let (w, serial) = gs1_world().await;
    let own = "https://hoptac.example.vn/trang-chu";
    let product = w
        .app
        .get("/api/v1/products?per_page=100", &w.a.token)
        .await
        .expect(200)
        .body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["gtin"] == GTIN)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    w.app
        .post(
            &format!("/api/v1/products/{product}/links"),
            &w.a.token,
            json!({"link_type": "gs1:defaultLink", "href": own, "title": "Trang chủ"}),
        )
        .await
        .expect(201);
    let answer = get(&w.app, &format!("/01/{GTIN}"), BROWSER)
        .await
        .expect(307);
    assert_eq!(location(&answer), own);
    // The stamp keeps our page: it carries the genuineness verdict.
    let stamp = get(&w.app, &format!("/01/{GTIN}/10/{LOT}/21/{serial}"), BROWSER)
        .await
        .expect(307);
    assert_eq!(location(&stamp), format!("{BASE}/s/{serial}"));
    let set = get(&w.app, &format!("/01/{GTIN}?linkType=linkset"), BROWSER)
        .await
        .expect(200);
    let entry = &set.body["linkset"][0];
    assert_eq!(
        entry["https://gs1.org/voc/defaultLink"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(entry["https://gs1.org/voc/defaultLink"][0]["href"], own);
}

#[actix_web::test]
async fn other_primary_keys_are_parsed_in_full() {
    let w = World::build().await;
    // Valid keys that are not ours: 404, with CORS and the Link header.
    for path in [
        "/00/106141412345678908",
        "/414/9506000000008/254/EXT1",
        "/8003/095060001343521XY",
        "/253/9506000134352ABC",
        "/417/9506000000008?4321=1",
    ] {
        let answer = get(&w.app, path, "application/json").await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
        assert_eq!(
            answer
                .headers
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .unwrap(),
            "*"
        );
    }
    // Bad syntax of those keys, and of attributes: 400 with the reason.
    for (path, reason) in [
        ("/00/106141412345678909", "check digit"),
        ("/414/9506000000008/10/L", "/10/"),
        ("/414/950600000000", "characters"),
        ("/417/9506000000008?4321=2", "0 or 1"),
        ("/01/09506000134352?7006=250200", "day 00"),
        ("/01/09506000134352?3103=12345", "6 characters"),
        ("/01/09506000134352?422=VNM", "digits"),
        ("/01/09506000134352?9999=1", "not a GS1"),
    ] {
        let answer = get(&w.app, path, "application/json").await;
        assert_eq!(answer.status, 400, "{path}: {}", answer.text);
        assert!(answer.text.contains(reason), "{path}: {}", answer.text);
    }
    // A valid serial without a lot, a serial not shaped like ours and AI 235
    // under a GTIN that is not ours: not found, not bad syntax.
    for path in [
        "/01/09506000134352/21/12345",
        "/01/09506000134352/10/LOT-X/21/not-ours",
        "/01/09506000134352/235/TPX-1",
    ] {
        let answer = get(&w.app, path, "application/json").await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
    }
}
