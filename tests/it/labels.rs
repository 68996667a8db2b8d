//! QR images and PDF label sheets, read back with real decoders.

use actix_web::http::Method;
use serde_json::json;

use crate::world::World;

fn decode_png(bytes: &[u8]) -> Vec<String> {
    let img = image::load_from_memory(bytes).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

async fn roll(w: &World, count: i64) -> serde_json::Value {
    w.app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": count}),
        )
        .await
        .expect(201)
        .body
}

#[actix_web::test]
async fn qr_images_decode_to_the_stamp_url() {
    let w = World::build().await;
    let roll = roll(&w, 3).await;
    let serial = roll["first_serial"].as_str().unwrap();
    let url = roll["first_url"].as_str().unwrap();
    let png = w
        .app
        .send(
            Method::GET,
            &format!("/s/{serial}/qr.png?size=300"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(png.headers.get("content-type").unwrap(), "image/png");
    let decoded = decode_png(&png.bytes);
    // Upper case for a smaller QR; the same address (scheme, host and /S/ ignore case).
    assert_eq!(decoded, [url.to_ascii_uppercase()]);
    let resolved = w
        .app
        .send(Method::GET, &format!("/S/{serial}?format=json"), None, None)
        .await
        .expect(200);
    assert_eq!(resolved.body["verdict"], "genuine");

    let svg = w
        .app
        .send(Method::GET, &format!("/s/{serial}/qr.svg"), None, None)
        .await
        .expect(200);
    assert_eq!(svg.headers.get("content-type").unwrap(), "image/svg+xml");
    assert_eq!(
        svg.text,
        tracestamp::labels::qr::qr_svg(&url.to_ascii_uppercase()).unwrap()
    );

    w.app
        .send(
            Method::GET,
            &format!("/s/{serial}/qr.png?size=10"),
            None,
            None,
        )
        .await
        .expect(422);
    w.app
        .send(
            Method::GET,
            &format!("/s/{serial}/qr.png?size=99999"),
            None,
            None,
        )
        .await
        .expect(422);
    w.app
        .send(Method::GET, "/s/7K3QM9XTMA0B1C2D3E4F/qr.svg", None, None)
        .await
        .expect(404);
}

#[actix_web::test]
async fn a_digital_link_stamp_keeps_its_case() {
    let w = World::build().await;
    let mut body = crate::world::product_body("Sầu riêng Ri6");
    body["gtin"] = json!("8934567890120");
    let product = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201)
        .id();
    let batch = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            crate::world::batch_body(&product, &w.a.facility, "ri6-a"),
        )
        .await
        .expect(201)
        .id();
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{batch}/stamp-rolls"),
            &w.a.token,
            json!({"count": 1}),
        )
        .await
        .expect(201)
        .body;
    let serial = roll["first_serial"].as_str().unwrap();
    let png = w
        .app
        .send(Method::GET, &format!("/s/{serial}/qr.png"), None, None)
        .await
        .expect(200);
    assert_eq!(
        decode_png(&png.bytes),
        [roll["first_url"].as_str().unwrap()]
    );
    assert!(roll["first_url"]
        .as_str()
        .unwrap()
        .contains("/10/ri6-a/21/"));
}

fn poppler(tool: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool} is needed for this test (apt-get install poppler-utils): {e}")
        })
}

#[actix_web::test]
async fn label_sheets_render_and_their_qr_codes_decode() {
    let w = World::build().await;
    let roll = roll(&w, 100).await;
    let id = roll["id"].as_str().unwrap();
    let (app, token) = (&w.app, &w.a.token);
    let fetch = |query: &str| {
        let uri = format!("/api/v1/stamp-rolls/{id}/labels.pdf?{query}");
        async move { app.get(&uri, token).await }
    };
    let dir = tempfile::tempdir().unwrap();
    // One label per page: each page's single QR decodes to its stamp.
    let answer = fetch("layout=roll-40x30&from=10&count=3").await.expect(200);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "application/pdf"
    );
    let pdf = answer.bytes;
    let file = dir.path().join("roll.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let info =
        String::from_utf8_lossy(&poppler("pdfinfo", &[file.to_str().unwrap()]).stdout).to_string();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 3")),
        "{info}"
    );
    let serials = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?from=10&count=3"),
            &w.a.token,
        )
        .await
        .text;
    let expected: Vec<String> = serials
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().to_ascii_uppercase())
        .collect();
    let prefix = dir.path().join("page");
    poppler(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-png",
            file.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let mut decoded = Vec::new();
    for n in 1..=3 {
        let page = std::fs::read(dir.path().join(format!("page-{n}.png"))).unwrap();
        decoded.extend(decode_png(&page));
    }
    assert_eq!(decoded, expected);
    let text =
        String::from_utf8_lossy(&poppler("pdftotext", &[file.to_str().unwrap(), "-"]).stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
    assert!(text.contains("Bưởi Năm Roi 1"), "{text}");
    assert!(text.contains("LOT-1"), "{text}");
    assert!(text.contains("Quét mã để truy xuất nguồn gốc"), "{text}");

    // An A4 sheet of 3 × 8.
    let sheet_pdf = fetch("layout=a4-3x8&count=30").await.expect(200).bytes;
    let sheet = dir.path().join("a4.pdf");
    std::fs::write(&sheet, sheet_pdf).unwrap();
    let info =
        String::from_utf8_lossy(&poppler("pdfinfo", &[sheet.to_str().unwrap()]).stdout).to_string();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 2")),
        "{info}"
    );

    // Refusals.
    let path = format!("/api/v1/stamp-rolls/{id}/labels.pdf");
    for query in [
        "layout=letter",
        "from=100",
        "count=0",
        "count=101",
        "from=-1",
    ] {
        let answer = w
            .app
            .get(&format!("{path}?{query}"), &w.a.token)
            .await
            .expect(422);
        assert!(answer.body["error"]["field"].is_string(), "{query}");
    }
    w.app.get(&path, &w.b.token).await.expect(404);
    w.app.get(&path, &w.regulator).await.expect(403);
    w.app.send(Method::GET, &path, None, None).await.expect(401);
}
