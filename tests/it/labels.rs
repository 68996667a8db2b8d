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

/// The QR code at each position of page 1 of an A4 3 × 8 sheet (labels of
/// 70 × 37 mm from 0.5 mm down, 3 mm padding, a 31 mm code square), each
/// decoded on its own at 200 dpi as the unit tests do.
fn scan_a4_3x8(pdf: &std::path::Path) -> Vec<Option<String>> {
    let prefix = pdf.with_extension("");
    let out = poppler(
        "pdftoppm",
        &[
            "-r",
            "200",
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let img = image::open(prefix.with_extension("png"))
        .unwrap()
        .into_luma8();
    let px = |mm: f32| (mm / 25.4 * 200.0).round() as u32;
    (0..24)
        .map(|slot| {
            let (col, row) = ((slot % 3) as f32, (slot / 3) as f32);
            let (x, y) = (col * 70.0 + 3.0 - 0.4, 0.5 + row * 37.0 + 3.0 - 0.4);
            let cell = image::imageops::crop_imm(&img, px(x), px(y), px(31.8), px(31.8));
            let mut prepared = rqrr::PreparedImage::prepare(cell.to_image());
            let grids = prepared.detect_grids();
            assert!(grids.len() <= 1, "slot {slot}");
            grids
                .into_iter()
                .find_map(|g| g.decode().ok().map(|(_, text)| text))
        })
        .collect()
}

fn pdf_text(pdf: &std::path::Path) -> String {
    String::from_utf8_lossy(&poppler("pdftotext", &[pdf.to_str().unwrap(), "-"]).stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A part-used sheet: `start=5` leaves positions 1 to 4 blank and puts the
/// first stamp at the 5th; each label names the official site to type the
/// code at and the batch's dates, day first.
#[actix_web::test]
async fn a_start_position_prints_from_that_position_with_site_and_dates() {
    let w = World::build().await;
    let roll = roll(&w, 30).await;
    let id = roll["id"].as_str().unwrap();
    let answer = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/labels.pdf?layout=a4-3x8&start=5&count=10"),
            &w.a.token,
        )
        .await
        .expect(200);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("start.pdf");
    std::fs::write(&file, &answer.bytes).unwrap();
    let serials = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?count=10"),
            &w.a.token,
        )
        .await
        .text;
    let expected: Vec<Option<String>> = serials
        .lines()
        .skip(1)
        .map(|l| Some(l.split(',').nth(1).unwrap().to_ascii_uppercase()))
        .collect();
    assert_eq!(expected.len(), 10);
    let slots = scan_a4_3x8(&file);
    assert_eq!(slots[..4], [None, None, None, None]);
    assert_eq!(slots[4..14], expected[..]);
    assert!(slots[14..].iter().all(Option::is_none), "{slots:?}");

    let host = w
        .app
        .state()
        .config
        .base_url()
        .split_once("://")
        .unwrap()
        .1
        .to_owned();
    let text = pdf_text(&file);
    for needle in [
        format!("Kiểm tra tại {host}"),
        "NSX 02/11/2026".into(),
        "HSD 01/01/2027".into(),
    ] {
        assert_eq!(text.matches(&needle).count(), 10, "{needle:?} in {text}");
    }
}

/// `?calibration=1`: one sheet of numbered outlines for the layout, with no
/// stamp on it; bad start positions and flags are refused in both languages.
#[actix_web::test]
async fn the_calibration_page_and_bad_start_positions() {
    let w = World::build().await;
    let roll = roll(&w, 50).await;
    let id = roll["id"].as_str().unwrap();
    let path = format!("/api/v1/stamp-rolls/{id}/labels.pdf");
    let answer = w
        .app
        .get(&format!("{path}?layout=a4-3x8&calibration=1"), &w.a.token)
        .await
        .expect(200);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "application/pdf"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calibration.pdf");
    std::fs::write(&file, &answer.bytes).unwrap();
    let info =
        String::from_utf8_lossy(&poppler("pdfinfo", &[file.to_str().unwrap()]).stdout).to_string();
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 1")),
        "{info}"
    );
    assert!(scan_a4_3x8(&file).iter().all(Option::is_none));
    let text = pdf_text(&file);
    assert!(text.contains("Căn chỉnh / Calibration"), "{text}");
    assert!(text.split(' ').any(|word| word == "24"), "{text}");
    assert!(!text.contains("Lô") && !text.contains("NSX"), "{text}");

    for (query, field, words) in [
        ("start=0", "start", "phải từ 1 đến 24"),
        ("start=25", "start", "between 1 and 24"),
        ("layout=a4-4x10&start=41", "start", "between 1 and 40"),
        (
            "layout=roll-40x30&start=2",
            "start",
            "không có vị trí bắt đầu",
        ),
        ("layout=roll-40x30&start=2", "start", "no start position"),
        ("calibration=yes", "calibration", "not 0 or 1"),
    ] {
        let answer = w
            .app
            .get(&format!("{path}?{query}"), &w.a.token)
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], field, "{query}");
        let message = answer.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{query}: {message}");
    }
    // The last position of a sheet and a roll's only one are taken.
    w.app
        .get(
            &format!("{path}?layout=a4-4x10&start=40&count=1"),
            &w.a.token,
        )
        .await
        .expect(200);
    w.app
        .get(
            &format!("{path}?layout=roll-40x30&start=1&count=1"),
            &w.a.token,
        )
        .await
        .expect(200);
    // Another enterprise gets no calibration page of this roll either.
    w.app
        .get(&format!("{path}?calibration=1"), &w.b.token)
        .await
        .expect(404);
}

/// Chinese labels for an export lot (`?lang=zh`): refused with 422 while
/// the product has no Chinese name, nothing printed; once it has one, every
/// label prints it with the lot, the call to scan and the site in Chinese,
/// and its QR code decodes to the stamp's link asking for the Chinese page,
/// which the resolver answers in Chinese with that name.
#[actix_web::test]
async fn chinese_labels_print_the_chinese_name_and_link_the_chinese_page() {
    let w = World::build().await;
    let roll = roll(&w, 12).await;
    let id = roll["id"].as_str().unwrap();
    let path = format!("/api/v1/stamp-rolls/{id}/labels.pdf?layout=a4-3x8&count=10&lang=zh");
    let refused = w.app.get(&path, &w.a.token).await.expect(422);
    assert_eq!(refused.body["error"]["field"], "lang", "{:?}", refused.body);
    let message = refused.body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("chưa có tên tiếng Trung") && message.contains("has no Chinese name"),
        "{message}"
    );
    assert!(refused.bytes.len() < 2000, "no PDF in a refusal");
    // The portal's print form offers Chinese only once the product has a
    // Chinese name, and says how to get one.
    let batch_page = format!("/portal/batches/{}", w.a.batch);
    let form = crate::pages::page(&w.app, &batch_page, Some(&w.a.token))
        .await
        .expect(200)
        .text;
    assert!(!form.contains(r#"<option value="zh">"#), "{form}");
    assert!(
        form.contains("thêm tên tiếng Trung của sản phẩm trước"),
        "{form}"
    );
    w.app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/labels.pdf?lang=fr"),
            &w.a.token,
        )
        .await
        .expect(422);

    let product = w
        .app
        .patch(
            &format!("/api/v1/products/{}", w.a.product),
            &w.a.token,
            json!({"name_zh": "南罗柚"}),
        )
        .await
        .expect(200);
    assert_eq!(product.body["name_zh"], "南罗柚");
    let form = crate::pages::page(&w.app, &batch_page, Some(&w.a.token))
        .await
        .expect(200)
        .text;
    assert!(form.contains(r#"<option value="zh">"#), "{form}");
    let answer = w.app.get(&path, &w.a.token).await.expect(200);
    assert_eq!(
        answer.headers.get("content-type").unwrap(),
        "application/pdf"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("zh.pdf");
    std::fs::write(&file, &answer.bytes).unwrap();

    let text = pdf_text(&file);
    for needle in ["南罗柚", "扫码溯源", "批号 LOT-1", "查询网址 "] {
        assert_eq!(text.matches(needle).count(), 10, "{needle:?} in {text}");
    }
    assert!(
        !text.contains("Quét mã") && !text.contains("Bưởi"),
        "{text}"
    );
    let fonts =
        String::from_utf8_lossy(&poppler("pdffonts", &[file.to_str().unwrap()]).stdout).to_string();
    assert!(
        fonts.contains("+DroidSansFallback") && fonts.contains("+DejaVuSans"),
        "{fonts}"
    );

    let serials = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?count=10"),
            &w.a.token,
        )
        .await
        .text;
    let expected: Vec<Option<String>> = serials
        .lines()
        .skip(1)
        .map(|l| {
            let url = l.split(',').nth(1).unwrap().to_ascii_uppercase();
            Some(format!("{url}?lang=zh"))
        })
        .collect();
    let slots = scan_a4_3x8(&file);
    assert_eq!(slots[..10], expected[..]);
    assert!(slots[10..].iter().all(Option::is_none), "{slots:?}");

    // The scanned link opens the Chinese page, whatever the phone's language.
    let scanned = expected[0].as_deref().unwrap();
    let path = &scanned[scanned.find("/S/").unwrap()..];
    let page = w
        .app
        .send_request(
            actix_web::test::TestRequest::get()
                .uri(path)
                .insert_header(("accept", "text/html"))
                .insert_header(("accept-language", "vi-VN,vi;q=0.9")),
        )
        .await
        .expect(200);
    assert!(
        page.text.contains("<html lang=\"zh-Hans\">"),
        "{}",
        page.text
    );
    assert!(page.text.contains("南罗柚") && page.text.contains("正品"));
}
