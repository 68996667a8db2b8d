//! Reporting a suspected fake (README): the public form through the real
//! app — with and without a photo, bad and oversized photos, a flood, posts
//! from another site — and who reads the reports afterwards (the stamp's
//! province and producer, nobody else), in both languages.

use actix_web::cookie::Cookie;
use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use image::ImageEncoder;
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::world::World;
use tracestamp::db::schema::fake_report;

const HOST: &str = "tx.example.vn";
const FORM_COOKIE: &str = "tracestamp_report_csrf";

/// The form as a browser gets it: its token and the cookie it is checked
/// against.
pub struct OpenForm {
    token: String,
    cookie: String,
}

impl OpenForm {
    /// A token made up by the client, sent as both cookie and field.
    pub fn made_up() -> Self {
        let token = "0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef";
        OpenForm {
            token: token.into(),
            cookie: token.into(),
        }
    }
}

pub async fn open_form(app: &TestApp, query: &str) -> (Answer, OpenForm) {
    let page = app
        .send_request(
            TestRequest::default()
                .method(Method::GET)
                .uri(&format!("/report{query}")),
        )
        .await
        .expect(200);
    let marker = "name=\"csrf\" value=\"";
    let start = page.text.find(marker).expect("a token") + marker.len();
    let token = page.text[start..start + page.text[start..].find('"').unwrap()].to_owned();
    let cookie = page
        .headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{FORM_COOKIE}=")))
        .expect("the form sets its cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (page, OpenForm { token, cookie })
}

/// A `multipart/form-data` body: text fields, then the photo if any.
pub fn multipart(fields: &[(&str, &str)], photo: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "----tracestamp-test-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(bytes) = photo {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; \
                 filename=\"anh.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A same-site post from the browser at `ip`, as a browser sends it.
pub fn post(
    form: &OpenForm,
    ip: &str,
    lang: &str,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> TestRequest {
    let mut all = vec![("csrf", form.token.as_str())];
    all.extend_from_slice(fields);
    let (content_type, body) = multipart(&all, photo);
    TestRequest::default()
        .method(Method::POST)
        .uri(&format!("/report?lang={lang}"))
        .peer_addr(format!("{ip}:40000").parse().unwrap())
        .insert_header((header::HOST, HOST))
        .insert_header((header::ORIGIN, format!("https://{HOST}")))
        .insert_header(("sec-fetch-site", "same-origin"))
        .insert_header((header::CONTENT_TYPE, content_type))
        .cookie(Cookie::new(FORM_COOKIE, form.cookie.clone()))
        .set_payload(body)
}

fn where_bought<'a>(code: &'a str, province: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("code", code),
        ("shop_name", "Vựa trái cây Bảy Hùng"),
        ("shop_address", "12 Phạm Thái Bường, phường 4"),
        ("province", province),
        ("phone", "0909 123 456"),
    ]
}

fn stored(app: &TestApp) -> i64 {
    fake_report::table
        .count()
        .get_result(&mut *app.conn())
        .expect("count")
}

/// A serial of tenant a's batch (Vĩnh Long).
async fn stamp_of_a(w: &World) -> String {
    crate::stamps::issue(w, &w.a.batch, 3).await["first_serial"]
        .as_str()
        .expect("first serial")
        .to_owned()
}

async fn consumer_page(app: &TestApp, path: &str) -> Answer {
    app.send_request(
        TestRequest::default()
            .method(Method::GET)
            .uri(path)
            .insert_header((header::ACCEPT, "text/html")),
    )
    .await
}

#[actix_web::test]
async fn a_report_of_our_stamp_reaches_its_province_and_producer_only() {
    let w = World::build().await;
    let serial = stamp_of_a(&w).await;

    // A green page links to the form with the code filled in.
    let green = consumer_page(&w.app, &format!("/s/{serial}")).await;
    assert!(
        green
            .text
            .contains(&format!("href=\"/report?code={serial}&#38;lang=vi\"")),
        "{}",
        green.text
    );
    let (form, open) = open_form(&w.app, &format!("?code={serial}")).await;
    assert!(form.text.contains(&format!("value=\"{serial}\"")));
    assert!(form.text.contains("Báo hàng giả"));

    // Chosen Cần Thơ, but the stamp is of a Vĩnh Long facility: Vĩnh Long.
    let sent = w
        .app
        .send_request(post(
            &open,
            "198.51.100.20",
            "vi",
            &where_bought(&serial, "Cần Thơ"),
            None,
        ))
        .await
        .expect(303);
    assert_eq!(
        sent.headers.get(header::LOCATION).unwrap(),
        "/report/sent?lang=vi"
    );
    assert_eq!(stored(&w.app), 1);

    let regulator = w
        .app
        .get("/api/v1/fake-reports", &w.regulator)
        .await
        .expect(200);
    assert_eq!(regulator.body["total"], 1, "{}", regulator.text);
    let report = &regulator.body["items"][0];
    assert_eq!(report["province"], "Vĩnh Long");
    assert_eq!(report["code"], serial.as_str());
    assert_eq!(report["enterprise_id"], w.a.enterprise.as_str());
    assert_eq!(report["batch_id"], w.a.batch.as_str());
    assert_eq!(report["phone"], "0909 123 456");
    assert_eq!(report["has_photo"], false);
    let alerts = w.app.get("/api/v1/alerts", &w.regulator).await.expect(200);
    assert!(
        alerts.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "fake_reported" && a["scans"] == 1),
        "{}",
        alerts.text
    );

    // The producer sees where it was bought, not who reported it.
    let producer = w
        .app
        .get("/api/v1/fake-reports", &w.a.token)
        .await
        .expect(200);
    assert_eq!(producer.body["total"], 1);
    assert_eq!(producer.body["items"][0]["phone"], json!(null));
    let admin = w
        .app
        .get("/api/v1/fake-reports", &w.admin)
        .await
        .expect(200);
    assert_eq!(admin.body["total"], 1);

    // Another province's regulator and another producer see nothing.
    for outsider in [&w.other_regulator, &w.b.token, &w.c.token] {
        let seen = w
            .app
            .get("/api/v1/fake-reports", outsider)
            .await
            .expect(200);
        assert_eq!(seen.body["total"], 0, "{}", seen.text);
        let alerts = w.app.get("/api/v1/alerts", outsider).await.expect(200);
        assert!(!alerts.text.contains("fake_reported"), "{}", alerts.text);
    }

    // The portals show it: the regulator's overview (with the phone) and
    // the producer's dashboard (without); not another province's overview.
    let portal = |path: &'static str, token: String| {
        w.app.send_request(
            TestRequest::default()
                .uri(path)
                .cookie(Cookie::new("tracestamp_session", token)),
        )
    };
    let overview = portal("/oversight", w.regulator.clone()).await.expect(200);
    assert!(
        overview.text.contains("Vựa trái cây Bảy Hùng"),
        "{}",
        overview.text
    );
    assert!(overview.text.contains("0909 123 456"));
    assert!(overview.text.contains("fake_reported"));
    let dashboard = portal("/portal?lang=en", w.a.token.clone())
        .await
        .expect(200);
    assert!(
        dashboard.text.contains("reports of suspected fakes"),
        "{}",
        dashboard.text
    );
    assert!(dashboard.text.contains("Vựa trái cây Bảy Hùng"));
    assert!(!dashboard.text.contains("0909 123 456"));
    let elsewhere = portal("/oversight", w.other_regulator.clone())
        .await
        .expect(200);
    assert!(!elsewhere.text.contains("Vựa trái cây Bảy Hùng"));
    let rival = portal("/portal", w.b.token.clone()).await.expect(200);
    assert!(!rival.text.contains("Vựa trái cây Bảy Hùng"));
}

#[actix_web::test]
async fn a_code_not_ours_goes_to_the_province_chosen_and_errors_keep_the_typing() {
    let w = World::build().await;
    // The red page of an unknown code offers the button, code filled in.
    let red = consumer_page(&w.app, "/s/0000000000000000000Z").await;
    assert!(red.text.contains("action=\"/report\""), "{}", red.text);
    assert!(red
        .text
        .contains("name=\"code\" value=\"0000000000000000000Z\""));
    assert!(red
        .text
        .contains("<button type=\"submit\" class=\"danger\">Báo hàng giả</button>"));

    let (_, open) = open_form(&w.app, "").await;
    // No province, and the code names no stamp of ours: 422, in Vietnamese,
    // with what was typed still in the boxes.
    let refused = w
        .app
        .send_request(post(
            &open,
            "198.51.100.21",
            "vi",
            &where_bought("FAKE-123", ""),
            None,
        ))
        .await
        .expect(422);
    assert!(
        refused.text.contains("hãy chọn tỉnh, thành phố nơi mua"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("value=\"Vựa trái cây Bảy Hùng\""));
    assert!(refused.text.contains("value=\"FAKE-123\""));
    assert!(refused.text.contains("aria-describedby=\"e-province\""));
    // The same in English.
    let refused = w
        .app
        .send_request(post(
            &open,
            "198.51.100.21",
            "en",
            &where_bought("FAKE-123", ""),
            None,
        ))
        .await
        .expect(422);
    assert!(
        refused
            .text
            .contains("choose the province where you bought it"),
        "{}",
        refused.text
    );
    assert!(refused.text.contains("<html lang=\"en\">"));
    // Each field's rule, named.
    for (fields, field) in [
        (where_bought("", "Cần Thơ"), "code"),
        (
            vec![
                ("code", "X"),
                ("shop_name", " "),
                ("shop_address", "a"),
                ("province", "Cần Thơ"),
            ],
            "shop_name",
        ),
        (
            vec![
                ("code", "X"),
                ("shop_name", "a"),
                ("shop_address", ""),
                ("province", "Cần Thơ"),
            ],
            "shop_address",
        ),
        (where_bought("X", "Atlantis"), "province"),
        (
            vec![
                ("code", "X"),
                ("shop_name", "a"),
                ("shop_address", "b"),
                ("province", "Cần Thơ"),
                ("phone", "12"),
            ],
            "phone",
        ),
    ] {
        let refused = w
            .app
            .send_request(post(&open, "198.51.100.22", "vi", &fields, None))
            .await
            .expect(422);
        assert!(
            refused.text.contains(&format!("id=\"e-{field}\"")),
            "{field}: {}",
            refused.text
        );
    }
    assert_eq!(stored(&w.app), 0);

    w.app
        .send_request(post(
            &open,
            "198.51.100.21",
            "en",
            &where_bought("FAKE-123", "Cần Thơ"),
            None,
        ))
        .await
        .expect(303);
    let sent = consumer_page(&w.app, "/report/sent?lang=en")
        .await
        .expect(200);
    assert!(sent.text.contains("Report sent"));
    let sent = consumer_page(&w.app, "/report/sent").await.expect(200);
    assert!(sent.text.contains("Đã gửi báo cáo"));
    let can_tho = w
        .app
        .get("/api/v1/fake-reports", &w.other_regulator)
        .await
        .expect(200);
    assert_eq!(can_tho.body["total"], 1);
    assert_eq!(can_tho.body["items"][0]["code"], "FAKE-123");
    assert_eq!(can_tho.body["items"][0]["enterprise_id"], json!(null));
    for outsider in [&w.regulator, &w.a.token, &w.c.token] {
        let seen = w
            .app
            .get("/api/v1/fake-reports", outsider)
            .await
            .expect(200);
        assert_eq!(seen.body["total"], 0);
    }
}

/// A JPEG of `width` × `height` carrying an EXIF block with a GPS position
/// and a comment, as phones write them.
pub fn jpeg_with_gps(width: u32, height: u32) -> Vec<u8> {
    let mut plain = Vec::new();
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 85)
        .encode_image(&picture)
        .unwrap();
    // TIFF (big-endian): IFD0 with one entry pointing at a GPS IFD whose one
    // entry is GPSLatitudeRef = "N".
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0, 1, 0x88, 0x25, 0, 4, 0, 0, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0]);
    tiff.extend_from_slice(&[0, 1, 0, 1, 0, 2, 0, 0, 0, 2, b'N', 0, 0, 0, 0, 0, 0, 0]);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let comment = b"GPS 10.2543N 105.9722E Vinh Long";
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(comment);
    out.extend_from_slice(&plain[2..]);
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[actix_web::test]
async fn a_photo_is_shrunk_stripped_of_its_metadata_and_shown_to_regulators_only() {
    let w = World::build().await;
    let serial = stamp_of_a(&w).await;
    let upload = jpeg_with_gps(1800, 1200);
    assert!(
        image::load_from_memory(&upload).is_ok(),
        "the fixture decodes"
    );
    assert!(contains(&upload, b"Exif") && contains(&upload, b"105.9722E"));
    let (_, open) = open_form(&w.app, "").await;
    w.app
        .send_request(post(
            &open,
            "198.51.100.30",
            "vi",
            &where_bought(&serial, ""),
            Some(&upload),
        ))
        .await
        .expect(303);
    let listed = w
        .app
        .get("/api/v1/fake-reports", &w.regulator)
        .await
        .expect(200);
    assert_eq!(listed.body["items"][0]["has_photo"], true);
    let id = listed.body["items"][0]["id"].as_str().unwrap().to_owned();
    let photo_path = format!("/api/v1/fake-reports/{id}/photo");

    let photo = w.app.get(&photo_path, &w.regulator).await.expect(200);
    assert_eq!(
        photo.headers.get(header::CONTENT_TYPE).unwrap(),
        "image/jpeg"
    );
    let kept = &photo.bytes;
    assert!(!contains(kept, b"Exif"), "EXIF is gone");
    assert!(!contains(kept, &[0xFF, 0xE1]), "no APP1 segment");
    assert!(!contains(kept, b"105.9722E"), "the comment is gone");
    let shown = image::load_from_memory(kept).unwrap();
    assert_eq!((shown.width(), shown.height()), (1280, 853));

    // The producer knows a photo exists but does not get it; another
    // province's regulator does not even find it.
    w.app.get(&photo_path, &w.a.token).await.expect(403);
    w.app.get(&photo_path, &w.other_regulator).await.expect(404);
    w.app.get(&photo_path, &w.admin).await.expect(200);
}

#[actix_web::test]
async fn bad_bombed_and_oversized_photos_are_refused_and_nothing_is_stored() {
    let w = World::build().await;
    let before = w.app.snapshot();
    let (_, open) = open_form(&w.app, "").await;
    let fields = where_bought("FAKE-9", "Cần Thơ");

    let text = w
        .app
        .send_request(post(
            &open,
            "198.51.100.40",
            "vi",
            &fields,
            Some(b"%PDF-1.7 not a photo"),
        ))
        .await
        .expect(422);
    assert!(
        text.text.contains("Tệp không phải ảnh JPEG hoặc PNG"),
        "{}",
        text.text
    );
    assert!(
        text.text.contains("value=\"Vựa trái cây Bảy Hùng\""),
        "typing kept"
    );

    // A PNG that claims 20000 × 20000 pixels.
    let mut bomb = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bomb)
        .write_image(&[0, 0, 0], 1, 1, image::ExtendedColorType::Rgb8)
        .unwrap();
    bomb[16..24].copy_from_slice(&[0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20]);
    let crc = crc32(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let refused = w
        .app
        .send_request(post(&open, "198.51.100.40", "en", &fields, Some(&bomb)))
        .await
        .expect(422);
    assert!(
        refused.text.contains("the picture is too large"),
        "{}",
        refused.text
    );

    // Past the stated cap (8 MB), whatever it holds.
    let huge = vec![0xFFu8; tracestamp::domain::photo::MAX_UPLOAD_BYTES + 1];
    let refused = w
        .app
        .send_request(post(&open, "198.51.100.41", "en", &fields, Some(&huge)))
        .await
        .expect(422);
    assert!(
        refused.text.contains("larger than 8 MB"),
        "{}",
        refused.text
    );

    assert_eq!(stored(&w.app), 0);
    assert_eq!(w.app.snapshot(), before, "no audit entry either");
}

/// PNG's chunk checksum, so the forged header is otherwise valid.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[actix_web::test]
async fn a_flood_from_one_client_is_429_and_stores_nothing_more() {
    let w = World::build().await;
    let per_hour = w.app.state().config.report_rate_per_hour;
    assert_eq!(per_hour, 5, "the default");
    let (_, open) = open_form(&w.app, "").await;
    let fields = where_bought("FAKE-7", "Vĩnh Long");
    for _ in 0..per_hour {
        w.app
            .send_request(post(&open, "203.0.113.9", "vi", &fields, None))
            .await
            .expect(303);
    }
    let refused = w
        .app
        .send_request(post(&open, "203.0.113.9", "vi", &fields, None))
        .await
        .expect(429);
    let wait: u64 = refused
        .headers
        .get(header::RETRY_AFTER)
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "Retry-After {wait}");
    assert!(refused.text.contains("Vui lòng thử lại sau"));
    assert!(refused.text.contains("Please try again in"));
    assert_eq!(stored(&w.app), i64::from(per_hour));
    // Another client is not affected.
    w.app
        .send_request(post(&open, "203.0.113.10", "vi", &fields, None))
        .await
        .expect(303);
}

#[actix_web::test]
async fn posts_from_another_site_or_without_our_token_are_refused() {
    let w = World::build().await;
    let (_, open) = open_form(&w.app, "").await;
    let fields = where_bought("FAKE-5", "Vĩnh Long");
    let cross = post(&open, "198.51.100.50", "vi", &fields, None)
        .insert_header(("sec-fetch-site", "cross-site"));
    w.app.send_request(cross).await.expect(403);
    let other_origin = post(&open, "198.51.100.50", "vi", &fields, None)
        .insert_header((header::ORIGIN, "https://evil.example"));
    w.app.send_request(other_origin).await.expect(403);
    let null_origin =
        post(&open, "198.51.100.50", "vi", &fields, None).insert_header((header::ORIGIN, "null"));
    w.app.send_request(null_origin).await.expect(403);

    // A token made up by the client, sent as both cookie and field.
    let made_up = OpenForm {
        token: "0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef".into(),
        cookie: "0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef".into(),
    };
    let planted = w
        .app
        .send_request(post(&made_up, "198.51.100.51", "en", &fields, None))
        .await
        .expect(403);
    assert!(planted.text.contains("The form expired"));
    // Our token in the field but no cookie (another site cannot send it).
    let (content_type, body) = multipart(&[("csrf", open.token.as_str()), ("code", "X")], None);
    w.app
        .send_request(
            TestRequest::default()
                .method(Method::POST)
                .uri("/report")
                .insert_header((header::CONTENT_TYPE, content_type))
                .set_payload(body),
        )
        .await
        .expect(403);
    // Not a form at all.
    w.app
        .send_request(
            TestRequest::default()
                .method(Method::POST)
                .uri("/report")
                .set_json(json!({"code": "X"})),
        )
        .await
        .expect(400);
    assert_eq!(stored(&w.app), 0);
    // Behind a proxy that passes requests on under its own Host, the
    // public base URL's origin is still ours.
    let proxied = post(&open, "198.51.100.52", "vi", &fields, None)
        .insert_header((header::HOST, "backend.internal:8080"))
        .insert_header((header::ORIGIN, w.app.state().config.base_url().to_owned()));
    w.app.send_request(proxied).await.expect(303);
    assert_eq!(stored(&w.app), 1);
}

#[actix_web::test]
async fn non_green_pages_carry_the_report_button_in_both_languages() {
    let w = World::build().await;
    let roll = crate::stamps::issue(&w, &w.a.batch, 3).await;
    let serial = roll["first_serial"].as_str().unwrap().to_owned();
    w.app
        .post(
            &format!("/api/v1/stamp-rolls/{}/void", roll["id"].as_str().unwrap()),
            &w.a.token,
            json!({"serials": [serial], "reason": "Tem in lỗi"}),
        )
        .await
        .expect(200);
    let voided = consumer_page(&w.app, &format!("/s/{serial}")).await;
    assert!(voided
        .text
        .contains(&format!("name=\"code\" value=\"{serial}\"")));
    assert!(voided
        .text
        .contains("<button type=\"submit\" class=\"danger\">Báo hàng giả</button>"));
    let english = consumer_page(&w.app, &format!("/s/{serial}?lang=en")).await;
    assert!(english
        .text
        .contains("<button type=\"submit\" class=\"danger\">Report a suspected fake</button>"));
    let (form, _) = open_form(&w.app, &format!("?code={serial}&lang=en")).await;
    assert!(form.text.contains("<h1>Report a suspected fake</h1>"));
    assert!(form.text.contains("enctype=\"multipart/form-data\""));
}
