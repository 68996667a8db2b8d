//! Compressed GS1 Digital Link URIs (issue 17) through the real app: each
//! is answered as its uncompressed URI is, with a `Link` to that URI; a
//! segment that cannot be decompressed is a 400 with the reason; other
//! unknown paths answer as before.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;

use crate::gs1::gs1_world;
use crate::harness::{Answer, TestApp};

const BASE: &str = "http://127.0.0.1:8080";
const GTIN: &str = "08934567890120";
const LOT: &str = "RI6-2611";
const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

/// Made with GS1's toolkit (src/GS1DigitalLinkToolkit.js, commit 52dc9ce)
/// under node 20: `compressGS1DigitalLink(uri, false, BASE, false, true,
/// true)` of `/01/{GTIN}` and of `/01/{GTIN}/10/{LOT}` (the lot with the
/// toolkit's optimisation 0B), and of the same lot without optimisations.
const PRODUCT: &str = "ARBAe32ZkA";
const LOT_OPTIMISED: &str = "CxBAe32ZkNCJHX23Wuo";
const LOT_PLAIN: &str = "ARBAe32ZkCDQiR19t1rq";

const URL_SAFE_BASE64: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A test-only compressor, since a stamp's serial is random: AI 01 with its
/// 14 digits as one 47-bit number, then 10 and, given a serial, 21 as text
/// in encoding 3 (base64, six bits a character) after a 5-bit length, as the
/// toolkit writes them without optimisations. Lot and serial must be in the
/// base64 alphabet (ours are). Checked against the toolkit's `LOT_PLAIN`.
fn compress(gtin: &str, lot: &str, serial: Option<&str>) -> String {
    let mut bits = String::new();
    let nibbles = |bits: &mut String, ai: &str| {
        for digit in ai.chars() {
            bits.push_str(&format!("{:04b}", digit.to_digit(10).unwrap()));
        }
    };
    let text = |bits: &mut String, value: &str| {
        bits.push_str(&format!("011{:05b}", value.len()));
        for c in value.bytes() {
            let index = URL_SAFE_BASE64.iter().position(|b| *b == c).unwrap();
            bits.push_str(&format!("{index:06b}"));
        }
    };
    nibbles(&mut bits, "01");
    bits.push_str(&format!("{:047b}", gtin.parse::<u64>().unwrap()));
    nibbles(&mut bits, "10");
    text(&mut bits, lot);
    if let Some(serial) = serial {
        nibbles(&mut bits, "21");
        text(&mut bits, serial);
    }
    while bits.len() % 6 != 0 {
        bits.push('0');
    }
    bits.as_bytes()
        .chunks(6)
        .map(|six| {
            let index = u8::from_str_radix(std::str::from_utf8(six).unwrap(), 2).unwrap();
            char::from(URL_SAFE_BASE64[usize::from(index)])
        })
        .collect()
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

fn header_of(answer: &Answer, name: header::HeaderName) -> &str {
    answer.headers.get(name).map_or("", |v| v.to_str().unwrap())
}

fn canonical(uri: &str) -> String {
    format!("<{BASE}{uri}>; rel=\"canonical\"")
}

#[actix_web::test]
async fn the_test_compressor_writes_what_the_toolkit_writes() {
    assert_eq!(compress(GTIN, LOT, None), LOT_PLAIN);
}

#[actix_web::test]
async fn a_compressed_stamp_is_answered_as_its_digital_link_and_counted_once() {
    let (w, serial) = gs1_world().await;
    let uncompressed = format!("/01/{GTIN}/10/{LOT}/21/{serial}");
    let compressed = format!("/{}", compress(GTIN, LOT, Some(&serial)));

    // JSON: the same verdict and record, and exactly one scan each.
    let plain = get(&w.app, &uncompressed, "application/json")
        .await
        .expect(200);
    w.app.state().flush_scans().unwrap();
    let packed = get(&w.app, &compressed, "application/json")
        .await
        .expect(200);
    w.app.state().flush_scans().unwrap();
    let again = get(&w.app, &uncompressed, "application/json")
        .await
        .expect(200);
    assert_eq!(plain.body["verdict"], "genuine");
    assert_eq!(packed.body["verdict"], plain.body["verdict"]);
    assert_eq!(packed.body["serial"], plain.body["serial"]);
    assert_eq!(packed.body["batch"], plain.body["batch"]);
    let count = |a: &Answer| a.body["scan_count"].as_i64().unwrap();
    assert_eq!(count(&packed), count(&plain) + 1);
    assert_eq!(count(&again), count(&packed) + 1);
    let links = header_of(&packed, header::LINK);
    assert!(links.contains(&canonical(&uncompressed)), "{links}");
    // The public headers are there too, with the linkset of this URI.
    assert!(
        links.contains(&format!("<{BASE}{compressed}?linkType=linkset>")),
        "{links}"
    );
    assert_eq!(header_of(&packed, header::ACCESS_CONTROL_ALLOW_ORIGIN), "*");
    assert!(!header_of(&plain, header::LINK).contains("canonical"));

    // A phone's scan: the same 307 to the consumer page.
    let plain = get(&w.app, &uncompressed, BROWSER).await.expect(307);
    let packed = get(&w.app, &compressed, BROWSER).await.expect(307);
    assert_eq!(
        header_of(&packed, header::LOCATION),
        format!("{BASE}/s/{serial}")
    );
    assert_eq!(
        header_of(&packed, header::LOCATION),
        header_of(&plain, header::LOCATION)
    );

    // The request's own query applies: the same linkset, anchored at the
    // uncompressed URI.
    let plain = get(&w.app, &format!("{uncompressed}?linkType=linkset"), "*/*")
        .await
        .expect(200);
    let packed = get(&w.app, &format!("{compressed}?linkType=linkset"), "*/*")
        .await
        .expect(200);
    assert_eq!(packed.body, plain.body);
    assert_eq!(
        header_of(&packed, header::CONTENT_TYPE),
        "application/linkset+json"
    );
}

#[actix_web::test]
async fn toolkit_made_product_and_lot_links_are_answered() {
    let (w, _) = gs1_world().await;
    for (compressed, uncompressed) in [
        (PRODUCT, format!("/01/{GTIN}")),
        (LOT_OPTIMISED, format!("/01/{GTIN}/10/{LOT}")),
        (LOT_PLAIN, format!("/01/{GTIN}/10/{LOT}")),
    ] {
        let plain = get(&w.app, &uncompressed, BROWSER).await.expect(307);
        let packed = get(&w.app, &format!("/{compressed}"), BROWSER)
            .await
            .expect(307);
        assert_eq!(
            header_of(&packed, header::LOCATION),
            header_of(&plain, header::LOCATION),
            "{compressed}"
        );
        assert!(
            header_of(&packed, header::LINK).contains(&canonical(&uncompressed)),
            "{compressed}"
        );
        let json = get(&w.app, &format!("/{compressed}?format=json"), BROWSER)
            .await
            .expect(200);
        let plain_json = get(&w.app, &format!("{uncompressed}?format=json"), BROWSER)
            .await
            .expect(200);
        assert_eq!(json.body, plain_json.body, "{compressed}");
    }
    // A GTIN we do not hold: the same 404 as uncompressed, with its Link.
    // (/01/09506000134352/10/L1?lang=en&campaign=tet2027, by the toolkit.)
    let packed = get(
        &w.app,
        "/CxFKk4XBoMRevhJWp4GCen8Q41NS1FBOw9r1u2m3Y",
        "application/json",
    )
    .await
    .expect(404);
    let plain = get(
        &w.app,
        "/01/09506000134352/10/L1?lang=en&campaign=tet2027",
        "application/json",
    )
    .await
    .expect(404);
    assert_eq!(
        packed.body["error"]["message"],
        plain.body["error"]["message"]
    );
    assert!(header_of(&packed, header::LINK).contains(&canonical(
        "/01/09506000134352/10/L1?lang=en&campaign=tet2027"
    )));
    // Another key (a GLN with its extension, by the toolkit): 404 as
    // uncompressed, since only GTINs are held.
    let packed = get(&w.app, "/nWQRdPWKVJwNQI", "application/json")
        .await
        .expect(404);
    let plain = get(&w.app, "/414/9506000000008/254/EXT1", "application/json")
        .await
        .expect(404);
    assert_eq!(
        packed.body["error"]["message"],
        plain.body["error"]["message"]
    );
}

#[actix_web::test]
async fn a_broken_compressed_link_is_a_400_with_the_reason() {
    let (w, serial) = gs1_world().await;
    // A stamp's link cut short.
    let whole = compress(GTIN, LOT, Some(&serial));
    let cut = &whole[..whole.len() - 6];
    let answer = get(&w.app, &format!("/{cut}"), "application/json")
        .await
        .expect(400);
    let message = answer.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("truncated"), "{message}");
    // A GTIN with a wrong check digit: the parser's reason, as uncompressed.
    let answer = get(&w.app, "/ARBAe32Zkg", "application/json")
        .await
        .expect(400);
    let message = answer.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("invalid GTIN"), "{message}");
    // Nothing was written for either.
    w.app.state().flush_scans().unwrap();
    let stamp = get(
        &w.app,
        &format!("/01/{GTIN}/10/{LOT}/21/{serial}"),
        "application/json",
    )
    .await
    .expect(200);
    assert_eq!(stamp.body["scan_count"], 1);
}

#[actix_web::test]
async fn other_unknown_paths_answer_as_before() {
    let (w, _) = gs1_world().await;
    // The same page, but for the request id it quotes.
    let page = |answer: &Answer| {
        let id = answer
            .headers
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap();
        answer.text.replace(id, "{request id}")
    };
    let before = get(&w.app, "/no-such-page", BROWSER).await.expect(404);
    for path in [
        // Ten base64 characters that begin like no compressed link.
        "/no-such-page-at-all",
        "/UAAAAAAAAAAA",
        // Too short, or more than one segment.
        "/ARBAe32Zk",
        "/ARBAe32ZkA/x",
        "/favicon.ico",
    ] {
        let answer = get(&w.app, path, BROWSER).await.expect(404);
        assert_eq!(page(&answer), page(&before), "{path}");
        assert_eq!(
            header_of(&answer, header::LINK),
            header_of(&before, header::LINK),
            "{path}"
        );
    }
}
