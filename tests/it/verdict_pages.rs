//! A consumer page a shopper can act on (issue 15): a typed typo is amber
//! and kept, a scanned forgery red; a lot past its best-before date is
//! amber; a voided stamp says why and when instead of vouching for the
//! origin; a recall names its authority, date, what to do and whom to call;
//! the producer's published contact shows. Each in Vietnamese and English,
//! through the real app. And our own resolver's addresses are refused as a
//! product's image or link, however they are spelt.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{json, Value};

use tracestamp::db::schema::scan;

use crate::harness::{Answer, TestApp};
use crate::world::World;

async fn page(app: &TestApp, path: &str) -> Answer {
    app.send_request(TestRequest::default().method(Method::GET).uri(path))
        .await
}

async fn json_of(app: &TestApp, path: &str) -> Answer {
    app.send_request(
        TestRequest::default()
            .method(Method::GET)
            .uri(path)
            .insert_header((header::ACCEPT, "application/json")),
    )
    .await
}

/// Issues a roll of `count` for tenant a's batch: its id and serials.
async fn roll(w: &World, count: i64) -> (String, Vec<String>) {
    let roll = crate::stamps::issue(w, &w.a.batch, count).await;
    let id = roll["id"].as_str().expect("roll id").to_owned();
    let csv = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?format=csv"),
            &w.a.token,
        )
        .await
        .expect(200)
        .text;
    let serials = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().expect("serial").to_owned())
        .collect();
    (id, serials)
}

fn scans(app: &TestApp) -> i64 {
    app.state().flush_scans().expect("flush scans");
    scan::table
        .count()
        .get_result(&mut *app.conn())
        .expect("count scans")
}

/// A serial with one character changed to another of the alphabet: well
/// shaped, failing its MAC.
fn mistyped(serial: &str) -> String {
    let mut chars: Vec<char> = serial.chars().collect();
    // The last characters carry the MAC.
    chars[19] = if chars[19] == '7' { '8' } else { '7' };
    chars.into_iter().collect()
}

#[actix_web::test]
async fn a_typed_typo_is_amber_and_kept_but_a_scanned_forgery_is_red() {
    let w = World::build().await;
    let (_, serials) = roll(&w, 2).await;
    let serial = &serials[0];
    let before = scans(&w.app);
    let short = &serial[..19];
    let wrong = mistyped(serial);
    let odd = format!("{}U{}", &serial[..4], &serial[5..]);
    for (typed, vi, en) in [
        (
            short.to_owned(),
            "Mã tem có 20 ký tự, nhưng mã đã nhập có 19 ký tự.",
            "A stamp code has 20 characters, but 19 were given.",
        ),
        (
            wrong.clone(),
            "Mã tem này không phải mã thật, hoặc đã bị gõ nhầm.",
            "This stamp code is not genuine, or was mistyped.",
        ),
        (
            odd.clone(),
            "Ký tự thứ 5 ('U') không có trong mã tem.",
            "Character 5 ('U') cannot appear in a stamp code.",
        ),
    ] {
        for (lang, heading, reason) in [
            ("vi", "Mã chưa đúng — kiểm tra lại", vi),
            ("en", "This code is not right — check it again", en),
        ] {
            let answer = page(&w.app, &format!("/lookup?code={typed}&lang={lang}"))
                .await
                .expect(400);
            let html = &answer.text;
            assert!(html.contains(&format!("<html lang=\"{lang}\">")), "{lang}");
            assert!(
                html.contains("class=\"verdict check typo\""),
                "{typed}: amber"
            );
            assert!(!html.contains("verdict bad"), "{typed}: not red");
            assert!(html.contains(heading), "{typed} {lang}: {html}");
            assert!(
                html.contains(&reason.replace('\'', "&#x27;"))
                    || html.contains(&reason.replace('\'', "&#39;")),
                "{typed} {lang}: the reason, in the page's language: {html}"
            );
            assert!(
                html.contains(&format!("value=\"{typed}\"")),
                "{typed}: the typed text stays in the box"
            );
            let other = if lang == "vi" {
                "Không xác thực được"
            } else {
                "Unknown code"
            };
            assert!(
                !html.contains(other),
                "{typed} {lang}: no counterfeit warning"
            );
        }
    }
    // A pasted stamp address with a typo is a typo too.
    let pasted = page(
        &w.app,
        &format!("/lookup?code=http%3A%2F%2F127.0.0.1%3A8080%2Fs%2F{wrong}"),
    )
    .await
    .expect(400);
    assert!(pasted.text.contains("Mã chưa đúng — kiểm tra lại"));
    // Typed codes are not scans: nothing was recorded for them.
    assert_eq!(scans(&w.app), before);

    // The right code, typed loosely, goes to its page.
    let typed = format!("{}-{}", &serial[..5], &serial[5..]).to_lowercase();
    let found = page(&w.app, &format!("/lookup?code={typed}&lang=en"))
        .await
        .expect(303);
    assert_eq!(
        found.headers.get(header::LOCATION).unwrap(),
        &format!("/s/{serial}?lang=en")
    );

    // Scanned, the same mistake is an imitation of our stamp: red, with the
    // reason in the page's language.
    for (lang, verdict, reason) in [
        (
            "vi",
            "Không xác thực được — có thể là hàng giả",
            "mã tem này không phải mã thật",
        ),
        (
            "en",
            "Unknown code — possibly counterfeit",
            "this stamp code is not genuine",
        ),
    ] {
        let forged = page(&w.app, &format!("/s/{wrong}?lang={lang}")).await;
        assert_eq!(forged.status.as_u16(), 404);
        assert!(forged.text.contains("class=\"verdict bad\""));
        assert!(forged.text.contains(verdict), "{lang}");
        assert!(forged.text.contains(reason), "{lang}: {}", forged.text);
    }
    let json = json_of(&w.app, &format!("/s/{short}")).await;
    assert_eq!(json.status.as_u16(), 400);
    let message = json.body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("mã tem có 20 ký tự") && message.contains("a stamp code has 20"),
        "both languages in JSON: {message}"
    );
}

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::hours(7)).date_naive()
}

#[actix_web::test]
async fn past_its_best_before_date_a_genuine_stamp_is_amber_never_green() {
    let w = World::build().await;
    let (_, serials) = roll(&w, 1).await;
    let path = format!("/s/{}", serials[0]);
    let batch = format!("/api/v1/batches/{}", w.a.batch);

    // Good through the whole of its last day.
    let last_day = today();
    w.app
        .patch(
            &batch,
            &w.a.token,
            json!({"expires_on": last_day.to_string()}),
        )
        .await
        .expect(200);
    assert_eq!(json_of(&w.app, &path).await.body["verdict"], "genuine");

    let yesterday = last_day.pred_opt().unwrap();
    w.app
        .patch(
            &batch,
            &w.a.token,
            json!({"expires_on": yesterday.to_string()}),
        )
        .await
        .expect(200);
    let answer = json_of(&w.app, &path).await.expect(200);
    assert_eq!(answer.body["verdict"], "expired");
    assert_eq!(answer.body["batch"]["expires_on"], yesterday.to_string());
    for (lang, verdict, label, date) in [
        (
            "vi",
            "Đã quá hạn sử dụng",
            "Hạn sử dụng:",
            yesterday.format("%d/%m/%Y").to_string(),
        ),
        (
            "en",
            "Past its best-before date",
            "Best before:",
            yesterday.format("%-d %b %Y").to_string(),
        ),
    ] {
        let html = page(&w.app, &format!("{path}?lang={lang}"))
            .await
            .expect(200)
            .text;
        assert!(html.contains("class=\"verdict check\""), "{lang}: amber");
        assert!(!html.contains("verdict good"), "{lang}: never green");
        assert!(html.contains(verdict), "{lang}");
        assert!(
            html.contains(&format!("<dt>{label}</dt><dd>{date}</dd>")),
            "{lang}: the date under the verdict: {html}"
        );
    }
    // The scan keeps the verdict it was given.
    w.app.state().flush_scans().expect("flush");
    let stored: Vec<String> = scan::table
        .filter(scan::serial.eq(&serials[0]))
        .select(scan::verdict)
        .load(&mut *w.app.conn())
        .unwrap();
    assert!(stored.iter().any(|v| v == "expired"), "{stored:?}");

    // A recall outranks it.
    w.app
        .post(
            &format!("{batch}/recall"),
            &w.regulator,
            json!({"reason": "Nấm mốc"}),
        )
        .await
        .expect(200);
    assert_eq!(json_of(&w.app, &path).await.body["verdict"], "recalled");
}

#[actix_web::test]
async fn a_voided_stamp_says_why_and_when_instead_of_the_origin_record() {
    let w = World::build().await;
    let (roll_id, serials) = roll(&w, 3).await;
    w.app
        .post(
            &format!("/api/v1/stamp-rolls/{roll_id}/void"),
            &w.a.token,
            json!({"serials": [serials[1]], "reason": "Tem rách khi dán"}),
        )
        .await
        .expect(200);
    let path = format!("/s/{}", serials[1]);
    let vi = page(&w.app, &path).await.expect(200).text;
    assert!(vi.contains("class=\"verdict bad\""));
    assert!(vi.contains("Tem đã hủy"));
    assert!(
        vi.contains("<dt>Lý do hủy:</dt><dd>Tem rách khi dán</dd>"),
        "{vi}"
    );
    assert!(vi.contains("<dt>Ngày hủy:</dt>"));
    assert!(!vi.contains("class=\"record\""), "no origin record");
    assert!(!vi.contains("Vườn bưởi 1"), "not even the facility");
    let en = page(&w.app, &format!("{path}?lang=en"))
        .await
        .expect(200)
        .text;
    assert!(en.contains("Voided stamp"));
    assert!(en.contains("<dt>Reason:</dt><dd>Tem rách khi dán</dd>"));
    assert!(en.contains("<dt>Voided on:</dt>"));
    assert!(!en.contains("class=\"record\""));

    let json = json_of(&w.app, &path).await.expect(200).body;
    assert_eq!(json["verdict"], "voided");
    assert_eq!(json["void"]["reason"], "Tem rách khi dán");
    assert!(json["void"]["voided_at"].is_string());
    assert!(json.get("facility").is_none(), "no origin record: {json}");

    // Its neighbour still vouches for the origin, and says nothing of voids.
    let genuine = json_of(&w.app, &format!("/s/{}", serials[0])).await.body;
    assert_eq!(genuine["verdict"], "genuine");
    assert!(genuine.get("void").is_none());
    assert_eq!(genuine["facility"]["name"], "Vườn bưởi 1");

    // A whole roll voided gives the roll's reason.
    w.app
        .post(
            &format!("/api/v1/stamp-rolls/{roll_id}/void"),
            &w.a.token,
            json!({"all": true, "reason": "Cả cuộn in lỗi"}),
        )
        .await
        .expect(200);
    let json = json_of(&w.app, &format!("/s/{}", serials[2])).await.body;
    assert_eq!(json["void"]["reason"], "Cả cuộn in lỗi");
}

#[actix_web::test]
async fn a_recall_names_its_authority_date_what_to_do_and_the_hotline() {
    let mut w = World::build().await;
    w.app.state_mut().config.recall_hotlines = "Vĩnh Long=0270 3822 123;national=1800 5555".into();
    let (_, serials) = roll(&w, 1).await;
    let path = format!("/s/{}", serials[0]);
    w.app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.regulator,
            json!({"reason": "Dư lượng thuốc BVTV vượt ngưỡng"}),
        )
        .await
        .expect(200);
    let batch = w
        .app
        .get(&format!("/api/v1/batches/{}", w.a.batch), &w.regulator)
        .await
        .expect(200)
        .body;
    assert_eq!(batch["recall_authority"], "Vĩnh Long");
    assert!(batch["recalled_at"].is_string());

    let vi = page(&w.app, &path).await.expect(200).text;
    assert!(vi.contains("class=\"verdict bad\""));
    for expected in [
        "Đã thu hồi",
        "<dt>Cơ quan thu hồi:</dt><dd>Cơ quan quản lý tỉnh/thành phố Vĩnh Long</dd>",
        "<dt>Ngày thu hồi:</dt>",
        "<dt>Lý do thu hồi:</dt><dd>Dư lượng thuốc BVTV vượt ngưỡng</dd>",
        "<dt>Bạn cần làm gì:</dt><dd>ngừng sử dụng, trả lại nơi mua</dd>",
        "<dt>Đường dây nóng:</dt><dd><a href=\"tel:02703822123\">0270 3822 123</a></dd>",
    ] {
        assert!(vi.contains(expected), "{expected}: {vi}");
    }
    let en = page(&w.app, &format!("{path}?lang=en"))
        .await
        .expect(200)
        .text;
    for expected in [
        "Recalled",
        "<dt>Recalled by:</dt><dd>The regulator of Vĩnh Long province</dd>",
        "<dt>Recalled on:</dt>",
        "<dt>What to do:</dt><dd>stop using it, return it where bought</dd>",
        "<dt>Hotline:</dt><dd><a href=\"tel:02703822123\">0270 3822 123</a></dd>",
    ] {
        assert!(en.contains(expected), "{expected}: {en}");
    }
    let json = json_of(&w.app, &path).await.expect(200).body;
    assert_eq!(json["recall_hotline"], "0270 3822 123");
    assert_eq!(json["batch"]["recall_authority"], "Vĩnh Long");

    // Lifted, then recalled by an administrator: the national authority
    // and its hotline.
    w.app
        .post(
            &format!("/api/v1/batches/{}/unrecall", w.a.batch),
            &w.regulator,
            json!({"reason": "Kết quả kiểm nghiệm lại đạt"}),
        )
        .await
        .expect(200);
    let lifted = json_of(&w.app, &path).await.body;
    assert_eq!(lifted["verdict"], "genuine");
    assert!(lifted.get("recall_hotline").is_none());
    assert_eq!(lifted["batch"]["recalled_at"], Value::Null);
    w.app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.admin,
            json!({"reason": "Nhiễm khuẩn"}),
        )
        .await
        .expect(200);
    let en = page(&w.app, &format!("{path}?lang=en"))
        .await
        .expect(200)
        .text;
    assert!(
        en.contains("The national registry&#x27;s administrator")
            || en.contains("The national registry&#39;s administrator"),
        "{en}"
    );
    assert!(en.contains("<a href=\"tel:18005555\">1800 5555</a>"));
}

#[actix_web::test]
async fn the_producers_contact_shows_on_every_consumer_page_when_given() {
    let w = World::build().await;
    let (roll_id, serials) = roll(&w, 2).await;
    let path = format!("/s/{}", serials[0]);
    let none = page(&w.app, &path).await.expect(200).text;
    assert!(!none.contains("class=\"contact\""), "nothing published yet");

    let contact = format!("/api/v1/enterprises/{}/contact", w.a.enterprise);
    // Only its own producers (and admins) set it; bad values are refused by name.
    let before = w.app.snapshot();
    for (token, status) in [(&w.b.token, 404), (&w.regulator, 403)] {
        w.app
            .send(
                Method::PUT,
                &contact,
                Some(token),
                Some(json!({"contact_phone": "0912 345 678"})),
            )
            .await
            .expect(status);
    }
    for (field, bad) in [
        ("contact_phone", "gọi cho tôi"),
        ("contact_phone", "12"),
        ("zalo_url", "https://zalo.me.evil.example/1"),
        ("zalo_url", "http://zalo.me/0912345678"),
        ("zalo_url", "javascript:alert(1)"),
        ("zalo_url", "https://zalo.me/1\"><script>"),
    ] {
        let mut body = json!({});
        body[field] = json!(bad);
        let answer = w
            .app
            .send(Method::PUT, &contact, Some(&w.a.token), Some(body))
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], field, "{bad}");
    }
    assert_eq!(w.app.snapshot(), before);

    let saved = w
        .app
        .send(
            Method::PUT,
            &contact,
            Some(&w.a.token),
            Some(json!({"contact_phone": "+84 912 345 678", "zalo_url": "https://zalo.me/0912345678"})),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(saved["contact_phone"], "+84 912 345 678");
    assert_eq!(saved["zalo_url"], "https://zalo.me/0912345678");

    for (lang, label) in [
        ("vi", "Liên hệ nhà sản xuất"),
        ("en", "Contact the producer"),
    ] {
        let html = page(&w.app, &format!("{path}?lang={lang}"))
            .await
            .expect(200)
            .text;
        assert!(html.contains(label), "{lang}");
        assert!(
            html.contains("<a href=\"tel:+84912345678\">+84 912 345 678</a>"),
            "{lang}: {html}"
        );
        assert!(html.contains("<a href=\"https://zalo.me/0912345678\" rel=\"noopener\">Zalo</a>"));
    }
    let json = json_of(&w.app, &path).await.body;
    assert_eq!(json["enterprise"]["contact_phone"], "+84 912 345 678");
    assert_eq!(json["enterprise"]["zalo_url"], "https://zalo.me/0912345678");

    // A voided stamp shows no record, but still whom to ask.
    w.app
        .post(
            &format!("/api/v1/stamp-rolls/{roll_id}/void"),
            &w.a.token,
            json!({"serials": [serials[1]], "reason": "Tem hỏng"}),
        )
        .await
        .expect(200);
    let voided = page(&w.app, &format!("/s/{}", serials[1]))
        .await
        .expect(200)
        .text;
    assert!(voided.contains("<a href=\"tel:+84912345678\">"), "{voided}");

    // The lot's page (a Digital Link without a serial) shows it too, and
    // clearing it (null) removes it everywhere.
    w.app
        .send(
            Method::PUT,
            &contact,
            Some(&w.admin),
            Some(json!({"contact_phone": null, "zalo_url": null})),
        )
        .await
        .expect(200);
    let cleared = page(&w.app, &path).await.expect(200).text;
    assert!(!cleared.contains("class=\"contact\""));
}

#[actix_web::test]
async fn the_portal_sets_the_contact_through_the_same_rule() {
    let w = World::build().await;
    let form = page_as(&w.app, "/portal/contact", &w.a.token)
        .await
        .expect(200);
    assert!(form.text.contains("name=\"zalo_url\""));
    let csrf = csrf_of(&form.text);
    let refused = submit(
        &w.app,
        "/portal/contact",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("contact_phone", "0912 345 678"),
            ("zalo_url", "https://evil.example/zalo"),
        ],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422);
    assert!(
        refused.text.contains("https://zalo.me/"),
        "the reason beside the field"
    );
    submit(
        &w.app,
        "/portal/contact",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("contact_phone", "0912 345 678"),
            ("zalo_url", "https://zalo.me/hoptacxa1"),
        ],
    )
    .await
    .expect(303);
    let row = w
        .app
        .get(
            &format!("/api/v1/enterprises/{}", w.a.enterprise),
            &w.a.token,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(row["zalo_url"], "https://zalo.me/hoptacxa1");
    assert_eq!(
        page_as(&w.app, "/portal/contact", &w.regulator)
            .await
            .status
            .as_u16(),
        403
    );
}

const SESSION: &str = "tracestamp_session";

async fn page_as(app: &TestApp, path: &str, session: &str) -> Answer {
    let req = TestRequest::default()
        .method(Method::GET)
        .uri(path)
        .cookie(actix_web::cookie::Cookie::new(SESSION, session.to_owned()));
    app.send_request(req).await
}

async fn submit(app: &TestApp, path: &str, session: &str, fields: &[(&str, &str)]) -> Answer {
    let req = TestRequest::default()
        .method(Method::POST)
        .uri(path)
        .cookie(actix_web::cookie::Cookie::new(SESSION, session.to_owned()))
        .set_form(fields.to_vec());
    app.send_request(req).await
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a CSRF token") + marker.len();
    let end = html[start..].find('"').expect("closed") + start;
    html[start..end].to_owned()
}

/// Every spelling of a resolver address a browser would follow.
fn resolver_spellings(serial: &str) -> Vec<String> {
    vec![
        format!("http://127.0.0.1:8080/s/{serial}"),
        format!("/s/{serial}"),
        format!("s/{serial}"),
        format!("//127.0.0.1:8080/s/{serial}"),
        format!("//127.0.0.1/s/{serial}"),
        format!("HTTP://127.0.0.1:8080/S/{serial}"),
        format!("/S/{serial}"),
        format!("https://127.0.0.1:9999/s/{serial}"),
        format!("http://127.0.0.1:8080%2Fs%2F{serial}"),
        format!("%2Fs%2F{serial}"),
        format!("%252Fs%252F{serial}"),
        format!("/static/../s/{serial}"),
        format!("/%2e%2e/s/{serial}"),
        format!("\\\\127.0.0.1:8080\\s\\{serial}"),
        format!("/s/{serial}/qr.png"),
        "/01/08938641200010/10/L1/21/ABC".into(),
        "http://127.0.0.1:8080/01/08938641200010".into(),
        "/414/9506000000005".into(),
        format!("/lookup?code={serial}"),
    ]
}

#[actix_web::test]
async fn resolver_addresses_are_refused_as_images_and_links() {
    let w = World::build().await;
    let (_, serials) = roll(&w, 1).await;
    // Another enterprise's stamp: the griefing case.
    let rival = &serials[0];
    let before = w.app.snapshot();
    for spelling in resolver_spellings(rival) {
        let mut body = crate::world::product_body("Bưởi da xanh");
        body["image_url"] = json!(spelling);
        let answer = w
            .app
            .post("/api/v1/products", &w.b.token, body)
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], "image_url", "{spelling}");
        // Those shaped like a URL at all are refused by the resolver rule.
        if spelling.starts_with('/') || spelling.starts_with("http") {
            assert!(
                answer.text.contains("stamp or code lookup"),
                "{spelling}: {}",
                answer.text
            );
        }
        let answer = w
            .app
            .patch(
                &format!("/api/v1/products/{}", w.b.product),
                &w.b.token,
                json!({"image_url": spelling}),
            )
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], "image_url", "{spelling}");
    }
    for spelling in resolver_spellings(rival)
        .into_iter()
        .filter(|s| s.to_ascii_lowercase().starts_with("http"))
    {
        let answer = w
            .app
            .post(
                &format!("/api/v1/products/{}/links", w.b.product),
                &w.b.token,
                json!({"link_type": "gs1:recipeInfo", "href": spelling, "title": "Công thức"}),
            )
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], "href", "{spelling}");
    }
    assert_eq!(w.app.snapshot(), before, "nothing written");

    // Pictures and pages elsewhere, and our static files, are fine.
    for fine in [
        "https://images.example.vn/s/buoi.jpg",
        "/static/products/pomelo.svg",
        "http://tx.example.vn/s/x",
    ] {
        w.app
            .patch(
                &format!("/api/v1/products/{}", w.b.product),
                &w.b.token,
                json!({"image_url": fine}),
            )
            .await
            .expect(200);
    }
    w.app
        .post(
            &format!("/api/v1/products/{}/links", w.b.product),
            &w.b.token,
            json!({"link_type": "gs1:recipeInfo", "href": "https://san-pham.example.vn/s/1", "title": "Công thức"}),
        )
        .await
        .expect(201);
}

#[actix_web::test]
async fn the_portal_refuses_a_resolver_address_as_a_photo() {
    let w = World::build().await;
    let form = page_as(&w.app, "/portal/products/new", &w.a.token)
        .await
        .expect(200);
    let csrf = csrf_of(&form.text);
    let refused = submit(
        &w.app,
        "/portal/products/new",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("name_vi", "Bưởi da xanh"),
            ("name_en", "Green-skin pomelo"),
            ("category", "fruit"),
            ("unit", "kg"),
            ("image_url", "//127.0.0.1:8080/S/0A1B2C3D4E5F6G7H8J9K"),
        ],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        refused.text.contains("trỏ tới trang tra cứu tem"),
        "{}",
        refused.text
    );
}
