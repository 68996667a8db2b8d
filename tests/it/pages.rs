//! The server-rendered pages through the real app: the consumer's stamp page
//! in both languages, login and CSRF, the portals' forms (inline errors,
//! writes that land, refusals that write nothing) and hostile form input.

use actix_web::cookie::Cookie;
use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::world::World;

const SESSION: &str = "tracestamp_session";

pub async fn page(app: &TestApp, path: &str, session: Option<&str>) -> Answer {
    let mut req = TestRequest::default().method(Method::GET).uri(path);
    if let Some(s) = session {
        req = req.cookie(Cookie::new(SESSION, s.to_owned()));
    }
    app.send_request(req).await
}

pub async fn submit(app: &TestApp, path: &str, session: &str, fields: &[(&str, &str)]) -> Answer {
    let req = TestRequest::default()
        .method(Method::POST)
        .uri(path)
        .cookie(Cookie::new(SESSION, session.to_owned()))
        .set_form(fields.to_vec());
    app.send_request(req).await
}

/// The CSRF token a page's forms carry.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html
        .find(marker)
        .expect("the page has a form with a CSRF token")
        + marker.len();
    let end = html[start..].find('"').expect("a closed attribute") + start;
    html[start..end].to_owned()
}

/// A stamp of tenant a's batch, as its public path.
async fn stamp_path(w: &World) -> String {
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 3}),
        )
        .await
        .expect(201)
        .body;
    let first = roll["first_serial"]
        .as_str()
        .expect("first serial")
        .to_owned();
    format!("/s/{first}")
}

#[actix_web::test]
async fn the_consumer_page_shows_every_element_in_both_languages() {
    let w = World::build().await;
    let path = stamp_path(&w).await;
    let vi = page(&w.app, &path, None).await.expect(200);
    let html = &vi.text;
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("class=\"verdict good\""));
    for expected in [
        "Chính hãng",
        "Bưởi Năm Roi 1",
        "Hợp tác xã 1",
        "Vườn bưởi 1",
        "phường Bình Minh, tỉnh Vĩnh Long",
        "VN-VLOR-0001",
        "VietGAP-TT-1",
        "Hiệu lực 01/01/2025 – 31/12/2027",
        "02/11/2026",
        "01/01/2027",
        "Thu hoạch",
        "Kiểm tra gần nhất",
        "Tem này đã được quét 1 lần; lần đầu lúc",
        "og:title",
        "og:url",
        "?lang=en",
    ] {
        assert!(
            html.contains(expected),
            "the Vietnamese page lacks {expected:?}"
        );
    }
    assert!(
        vi.bytes.len() < 50 * 1024,
        "page is {} bytes",
        vi.bytes.len()
    );
    assert!(
        !html.contains("<script"),
        "the consumer page needs no script"
    );

    w.app.state().flush_scans().expect("flush scans");
    let en = page(&w.app, &format!("{path}?lang=en"), None)
        .await
        .expect(200);
    for expected in [
        "<html lang=\"en\">",
        "Genuine",
        "Nam Roi pomelo",
        "Valid 1 Jan 2025 – 31 Dec 2027",
        "Harvest",
        "This stamp has been scanned 2 times; first checked on",
        "Latest inspection",
    ] {
        assert!(
            en.text.contains(expected),
            "the English page lacks {expected:?}"
        );
    }
    let by_header = w
        .app
        .send_request(
            TestRequest::default()
                .uri(&path)
                .insert_header((header::ACCEPT_LANGUAGE, "en-GB,en;q=0.8")),
        )
        .await
        .expect(200);
    assert!(by_header.text.contains("<html lang=\"en\">"));

    let css = page(&w.app, "/static/site.css", None).await.expect(200);
    assert!(css.text.contains(".verdict.good"));
    assert!(vi.bytes.len() + css.bytes.len() < 50 * 1024);
}

#[actix_web::test]
async fn unknown_codes_get_the_red_warning_and_lookup_finds_typed_codes() {
    let w = World::build().await;
    let forged = page(&w.app, "/s/0000000000000000000A", None).await;
    assert_eq!(forged.status.as_u16(), 404);
    assert!(forged.text.contains("class=\"verdict bad\""));
    assert!(forged
        .text
        .contains("Không xác thực được — có thể là hàng giả"));

    let path = stamp_path(&w).await;
    let serial = path.trim_start_matches("/s/");
    let typed = format!("{}-{}", &serial[..5], &serial[5..]).to_lowercase();
    let found = page(&w.app, &format!("/lookup?code={typed}&lang=en"), None)
        .await
        .expect(303);
    assert_eq!(
        found.headers.get(header::LOCATION).unwrap(),
        &format!("/s/{serial}?lang=en")
    );
    let bad = page(&w.app, "/lookup?code=%3Cscript%3E", None)
        .await
        .expect(400);
    assert!(bad.text.contains("aria-invalid=\"true\""));
    assert!(!bad.text.contains("<script>"));
    let home = page(&w.app, "/", None).await.expect(200);
    assert!(home.text.contains("action=\"/lookup\""));
    assert!(home.text.contains("href=\"/login\""));
}

#[actix_web::test]
async fn login_needs_the_form_token_and_sends_each_role_home() {
    let app = TestApp::new();
    {
        let mut conn = app.conn();
        let new =
            tracestamp::service::accounts::prepare(tracestamp::service::accounts::AccountRequest {
                username: "regulator_x".into(),
                password: "long enough".into(),
                role: "regulator".into(),
                enterprise_id: None,
                province: Some("Vĩnh Long".into()),
            })
            .unwrap();
        tracestamp::service::accounts::create(
            &mut conn,
            &tracestamp::audit::Actor::system("test"),
            &new,
        )
        .unwrap();
    }
    let form = page(&app, "/login", None).await.expect(200);
    let token = csrf_of(&form.text);
    let cookie = form
        .headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tracestamp_login_csrf="))
        .expect("the login form sets its cookie")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let (name, value) = cookie.split_once('=').unwrap();
    let post = |fields: Vec<(&'static str, String)>, with_cookie: bool| {
        let mut req = TestRequest::default()
            .method(Method::POST)
            .uri("/login")
            .set_form(fields);
        if with_cookie {
            req = req.cookie(Cookie::new(name.to_owned(), value.to_owned()));
        }
        req
    };
    let forged = app
        .send_request(post(
            vec![
                ("csrf", token.clone()),
                ("username", "regulator_x".into()),
                ("password", "long enough".into()),
            ],
            false,
        ))
        .await;
    assert_eq!(forged.status.as_u16(), 403);
    // A token the client made up itself, sent as both cookie and field, is
    // not one the server signed.
    let made_up = "0123456789abcdef0123456789abcdef".to_owned();
    let planted = app
        .send_request(
            TestRequest::default()
                .method(Method::POST)
                .uri("/login")
                .cookie(Cookie::new(name.to_owned(), made_up.clone()))
                .set_form(vec![
                    ("csrf", made_up),
                    ("username", "regulator_x".to_owned()),
                    ("password", "long enough".to_owned()),
                ]),
        )
        .await;
    assert_eq!(planted.status.as_u16(), 403);
    assert!(token.contains('.'), "a signed token: {token}");
    let wrong = app
        .send_request(post(
            vec![
                ("csrf", token.clone()),
                ("username", "regulator_x".into()),
                ("password", "wrong one".into()),
            ],
            true,
        ))
        .await;
    assert_eq!(wrong.status.as_u16(), 401);
    assert!(wrong.text.contains("Sai tên đăng nhập hoặc mật khẩu."));
    let token_again = token.clone();
    let right = app
        .send_request(post(
            vec![
                ("csrf", token),
                ("username", "regulator_x".into()),
                ("password", "long enough".into()),
            ],
            true,
        ))
        .await
        .expect(303);
    assert_eq!(right.headers.get(header::LOCATION).unwrap(), "/oversight");
    let session = right
        .headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("tracestamp_session="))
        .expect("a session cookie");
    assert!(session.contains("HttpOnly"));
    assert!(session.contains("SameSite=Lax"));
    // Guessing is slowed down: the login form shares the API's limit. The
    // limit refills as time passes, and a guess costs a password hash (long
    // in a debug build on a busy machine), so guess until it answers rather
    // than a fixed twelve times.
    let mut last = None;
    for _ in 0..60 {
        let guess = app
            .send_request(post(
                vec![
                    ("csrf", token_again.clone()),
                    ("username", "regulator_x".into()),
                    ("password", "guess".into()),
                ],
                true,
            ))
            .await;
        let limited = guess.status.as_u16() == 429;
        last = Some(guess);
        if limited {
            break;
        }
    }
    let last = last.unwrap();
    assert_eq!(
        last.status.as_u16(),
        429,
        "sixty guesses were never slowed down"
    );
    assert!(last.headers.get(header::RETRY_AFTER).is_some());
    assert!(last.text.contains("Quá nhiều lần đăng nhập"));
    // Not logged in: pages send to the login form.
    let anonymous = page(&app, "/portal", None).await.expect(303);
    assert_eq!(anonymous.headers.get(header::LOCATION).unwrap(), "/login");
}

#[actix_web::test]
async fn a_producer_records_a_batch_through_the_portal() {
    let w = World::build().await;
    let dashboard = page(&w.app, "/portal", Some(&w.a.token)).await.expect(200);
    assert!(dashboard.text.contains("LOT-1"));
    assert!(dashboard.text.contains("<svg class=\"chart\""));
    assert!(
        !dashboard.text.contains("LOT-2"),
        "another enterprise's batch shows"
    );
    let form = page(&w.app, "/portal/batches/new", Some(&w.a.token))
        .await
        .expect(200);
    let csrf = csrf_of(&form.text);

    let before = w.app.snapshot();
    let missing = submit(
        &w.app,
        "/portal/batches/new",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("product_id", &w.a.product),
            ("facility_id", &w.a.facility),
            ("lot_code", ""),
            ("produced_on", "2026-11-20"),
            ("quantity", "120"),
            ("unit", "kg"),
        ],
    )
    .await;
    assert_eq!(missing.status.as_u16(), 422);
    assert!(
        missing.text.contains("phải dài từ 1 đến 20 ký tự"),
        "{}",
        missing.text
    );
    assert!(missing.text.contains("aria-invalid=\"true\""));
    let not_a_number = submit(
        &w.app,
        "/portal/batches/new",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("product_id", &w.a.product),
            ("facility_id", &w.a.facility),
            ("lot_code", "L-9"),
            ("produced_on", "2026-11-20"),
            ("quantity", "nhiều"),
            ("unit", "kg"),
        ],
    )
    .await;
    assert_eq!(not_a_number.status.as_u16(), 422);
    assert!(not_a_number.text.contains("phải là một số"));
    let forged = submit(
        &w.app,
        "/portal/batches/new",
        &w.a.token,
        &[
            ("csrf", "0000"),
            ("product_id", &w.a.product),
            ("facility_id", &w.a.facility),
            ("lot_code", "L-9"),
            ("produced_on", "2026-11-20"),
            ("quantity", "120"),
            ("unit", "kg"),
        ],
    )
    .await;
    assert_eq!(forged.status.as_u16(), 403);
    let foreign = submit(
        &w.app,
        "/portal/batches/new",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("product_id", &w.b.product),
            ("facility_id", &w.a.facility),
            ("lot_code", "L-9"),
            ("produced_on", "2026-11-20"),
            ("quantity", "120"),
            ("unit", "kg"),
        ],
    )
    .await;
    assert_eq!(foreign.status.as_u16(), 422);
    assert_eq!(w.app.snapshot(), before, "a refused form wrote something");

    let created = submit(
        &w.app,
        "/portal/batches/new",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("product_id", &w.a.product),
            ("facility_id", &w.a.facility),
            ("lot_code", "L-9"),
            ("produced_on", "2026-11-20"),
            ("quantity", "120"),
            ("unit", "kg"),
        ],
    )
    .await
    .expect(303);
    let location = created
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(location.starts_with("/portal/batches/"));
    let batch_page = page(&w.app, &location, Some(&w.a.token)).await.expect(200);
    assert!(batch_page.text.contains("Đã lưu."));
    let id = location
        .trim_start_matches("/portal/batches/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let event = submit(
        &w.app,
        &format!("/portal/batches/{id}/events"),
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("kind", "packing"),
            ("occurred_at", "2026-11-21T08:15"),
            ("facility_id", &w.a.facility),
            ("note", "Đóng thùng 10 kg"),
            ("quantity", "120"),
            ("unit", "box"),
        ],
    )
    .await
    .expect(303);
    assert!(event
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("notice=event"));
    let roll = submit(
        &w.app,
        &format!("/portal/batches/{id}/rolls"),
        &w.a.token,
        &[("csrf", &csrf), ("count", "24")],
    )
    .await
    .expect(303);
    assert!(roll
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("notice=roll"));
    let shown = page(&w.app, &format!("/portal/batches/{id}"), Some(&w.a.token))
        .await
        .expect(200);
    assert!(shown.text.contains("Đóng gói"));
    assert!(shown.text.contains("Đóng thùng 10 kg"));
    assert!(shown.text.contains("labels.pdf?layout=a4-3x8&amp;count=24"));
    // The PIN sheet and the PIN file are offered apart from the serial CSV.
    assert!(shown
        .text
        .contains("labels.pdf?layout=a4-3x8-pin&amp;count=24"));
    assert!(shown.text.contains("/pins\">Mã PIN (CSV)</a>"));
    // A form for a part-used sheet (start position) and the calibration
    // page, sent to the same label PDF.
    assert!(shown
        .text
        .contains("method=\"get\" action=\"/api/v1/stamp-rolls/"));
    assert!(shown
        .text
        .contains("name=\"start\" type=\"number\" min=\"1\""));
    assert!(shown
        .text
        .contains("name=\"calibration\" value=\"1\">Trang căn chỉnh"));
    let too_many = submit(
        &w.app,
        &format!("/portal/batches/{id}/rolls"),
        &w.a.token,
        &[("csrf", &csrf), ("count", "0")],
    )
    .await;
    assert_eq!(too_many.status.as_u16(), 422);
    assert!(too_many.text.contains("phải nằm trong khoảng"));
    let api = w
        .app
        .get(&format!("/api/v1/batches/{id}/events"), &w.a.token)
        .await
        .expect(200);
    assert_eq!(api.body["items"][0]["details"]["note"], "Đóng thùng 10 kg");
    assert_eq!(api.body["items"][0]["occurred_at"], "2026-11-21T01:15:00Z");
}

#[actix_web::test]
async fn a_regulator_recalls_after_confirming_and_the_consumer_page_turns_red() {
    let w = World::build().await;
    let path = stamp_path(&w).await;
    let overview = page(&w.app, "/oversight", Some(&w.regulator))
        .await
        .expect(200);
    assert!(overview.text.contains("Vĩnh Long"));
    assert_eq!(overview.text.matches("<svg class=\"chart\"").count(), 2);
    let list = page(
        &w.app,
        "/oversight/facilities?kind=orchard",
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(list.text.contains("Vườn bưởi 1") && list.text.contains("Vườn bưởi 2"));
    assert!(
        !list.text.contains("Vườn bưởi 3"),
        "another province's facility shows"
    );
    let typo = page(
        &w.app,
        "/oversight/facilities?kind=orchid",
        Some(&w.regulator),
    )
    .await;
    assert_eq!(typo.status.as_u16(), 400);
    let record = page(
        &w.app,
        &format!("/oversight/facilities/{}", w.a.facility),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(record.text.contains("VietGAP-TT-1"));
    assert!(record
        .text
        .contains(&format!("/oversight/batches/{}/recall", w.a.batch)));
    let hidden = page(
        &w.app,
        &format!("/oversight/facilities/{}", w.c.facility),
        Some(&w.regulator),
    )
    .await;
    assert_eq!(hidden.status.as_u16(), 404);

    let confirm = page(
        &w.app,
        &format!("/oversight/batches/{}/recall", w.a.batch),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(confirm.text.contains("Xác nhận thu hồi"));
    let csrf = csrf_of(&confirm.text);
    let before = w.app.snapshot();
    let no_reason = submit(
        &w.app,
        &format!("/oversight/batches/{}/recall", w.a.batch),
        &w.regulator,
        &[("csrf", &csrf), ("reason", "  ")],
    )
    .await;
    assert_eq!(no_reason.status.as_u16(), 422);
    assert_eq!(w.app.snapshot(), before);
    let producer_tries = submit(
        &w.app,
        &format!("/oversight/batches/{}/recall", w.a.batch),
        &w.a.token,
        &[("csrf", &csrf), ("reason", "x")],
    )
    .await;
    assert_eq!(producer_tries.status.as_u16(), 403);
    submit(
        &w.app,
        &format!("/oversight/batches/{}/recall", w.a.batch),
        &w.regulator,
        &[
            ("csrf", &csrf),
            ("reason", "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"),
        ],
    )
    .await
    .expect(303);
    let red = page(&w.app, &path, None).await.expect(200);
    assert!(red.text.contains("class=\"verdict bad\""));
    assert!(red.text.contains("Đã thu hồi"));
    assert!(red
        .text
        .contains("Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"));

    let suspend = page(
        &w.app,
        &format!("/oversight/facilities/{}/suspend", w.b.facility),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    let csrf = csrf_of(&suspend.text);
    submit(
        &w.app,
        &format!("/oversight/facilities/{}/suspend", w.b.facility),
        &w.regulator,
        &[("csrf", &csrf), ("reason", "Không xuất trình hồ sơ")],
    )
    .await
    .expect(303);
    let facility = w
        .app
        .get(
            &format!("/api/v1/facilities/{}", w.b.facility),
            &w.regulator,
        )
        .await
        .expect(200);
    assert_eq!(facility.body["status"], "suspended");
    // Every item of the orchard's checklist answered (issue 19).
    let checks: Vec<String> =
        tracestamp::domain::checklist::items(tracestamp::domain::kinds::FacilityKind::Orchard)
            .iter()
            .map(|i| format!("check.{}", i.code))
            .collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("inspected_on", "2026-11-20"),
        ("result", "major"),
        ("findings", "Sổ nhật ký thiếu"),
        ("follow_up_due", "2026-12-20"),
    ];
    fields.extend(checks.iter().map(|c| (c.as_str(), "pass")));
    let inspect = submit(
        &w.app,
        &format!("/oversight/facilities/{}/inspect", w.b.facility),
        &w.regulator,
        &fields,
    )
    .await
    .expect(303);
    assert!(inspect
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .ends_with("notice=inspection"));
}

#[actix_web::test]
async fn admins_open_accounts_and_enterprises_from_their_pages() {
    let w = World::build().await;
    let accounts = page(&w.app, "/admin/accounts", Some(&w.admin))
        .await
        .expect(200);
    let csrf = csrf_of(&accounts.text);
    let weak = submit(
        &w.app,
        "/admin/accounts",
        &w.admin,
        &[
            ("csrf", &csrf),
            ("username", "nsx4"),
            ("password", "short"),
            ("role", "producer"),
            ("enterprise_id", &w.a.enterprise),
            ("province", ""),
        ],
    )
    .await;
    assert_eq!(weak.status.as_u16(), 422);
    assert!(
        !weak.text.contains("value=\"short\""),
        "a refused password is echoed back"
    );
    submit(
        &w.app,
        "/admin/accounts",
        &w.admin,
        &[
            ("csrf", &csrf),
            ("username", "nsx4"),
            ("password", "long enough"),
            ("role", "producer"),
            ("enterprise_id", &w.a.enterprise),
            ("province", ""),
        ],
    )
    .await
    .expect(303);
    let taken = submit(
        &w.app,
        "/admin/accounts",
        &w.admin,
        &[
            ("csrf", &csrf),
            ("username", "nsx4"),
            ("password", "long enough"),
            ("role", "producer"),
            ("enterprise_id", &w.a.enterprise),
            ("province", ""),
        ],
    )
    .await;
    assert_eq!(taken.status.as_u16(), 409);
    let listed = page(&w.app, "/admin/accounts", Some(&w.admin))
        .await
        .expect(200);
    assert!(listed.text.contains("nsx4"));
    let enterprise = submit(
        &w.app,
        "/admin/enterprises",
        &w.admin,
        &[
            ("csrf", &csrf),
            ("name", "HTX Cam sành Tam Bình"),
            ("tax_code", "1500999999"),
            ("address", "Ấp Phú Hòa"),
            ("province", "Vĩnh Long"),
            ("commune_code", "29771"),
            ("gs1_prefix", ""),
            ("phone", ""),
            ("email", ""),
        ],
    )
    .await
    .expect(303);
    assert_eq!(
        enterprise.headers.get(header::LOCATION).unwrap(),
        "/admin/enterprises?notice=saved"
    );
    let producer_denied = page(&w.app, "/admin/accounts", Some(&w.a.token)).await;
    assert_eq!(producer_denied.status.as_u16(), 403);
}

#[actix_web::test]
async fn no_form_answers_500_to_what_a_browser_can_send() {
    let w = World::build().await;
    let csrf = csrf_of(&page(&w.app, "/portal", Some(&w.a.token)).await.text);
    let reg_csrf = csrf_of(&page(&w.app, "/oversight", Some(&w.regulator)).await.text);
    let admin_csrf = csrf_of(&page(&w.app, "/admin/accounts", Some(&w.admin)).await.text);
    let long = "ư".repeat(5000);
    let hostile: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("csrf", "")],
        vec![
            ("quantity", "1e999"),
            ("latitude", "NaN"),
            ("count", "99999999999999999999"),
        ],
        vec![
            ("name", &long),
            ("lot_code", &long),
            ("reason", &long),
            ("findings", &long),
        ],
        vec![
            ("occurred_at", "2026-13-45T99:99"),
            ("produced_on", "31/02/2026"),
            ("inspected_on", "x"),
        ],
        vec![
            ("product_id", "'; DROP TABLE batch; --"),
            ("facility_id", "../../etc/passwd"),
            ("kind", "<script>"),
        ],
        vec![
            ("count", "-5"),
            ("shelf_life_days", "1.5"),
            ("role", "root"),
            ("province", "Atlantis"),
        ],
    ];
    let routes: Vec<(String, &str, &str)> = vec![
        ("/portal/facilities/new".into(), &w.a.token, &csrf),
        (
            format!("/portal/facilities/{}/edit", w.a.facility),
            &w.a.token,
            &csrf,
        ),
        ("/portal/products/new".into(), &w.a.token, &csrf),
        (
            format!("/portal/products/{}/edit", w.a.product),
            &w.a.token,
            &csrf,
        ),
        ("/portal/batches/new".into(), &w.a.token, &csrf),
        (
            format!("/portal/batches/{}/events", w.a.batch),
            &w.a.token,
            &csrf,
        ),
        (
            format!("/portal/batches/{}/rolls", w.a.batch),
            &w.a.token,
            &csrf,
        ),
        ("/portal/batches/not-an-id/events".into(), &w.a.token, &csrf),
        (
            format!("/oversight/facilities/{}/inspect", w.a.facility),
            &w.regulator,
            &reg_csrf,
        ),
        (
            format!("/oversight/facilities/{}/suspend", w.a.facility),
            &w.regulator,
            &reg_csrf,
        ),
        (
            format!("/oversight/facilities/{}/explode", w.a.facility),
            &w.regulator,
            &reg_csrf,
        ),
        (
            format!("/oversight/batches/{}/recall", w.a.batch),
            &w.regulator,
            &reg_csrf,
        ),
        ("/admin/accounts".into(), &w.admin, &admin_csrf),
        ("/admin/enterprises".into(), &w.admin, &admin_csrf),
        ("/login".into(), "", ""),
        ("/logout".into(), &w.a.token, &csrf),
    ];
    let before = w.app.snapshot();
    for (path, session, token) in &routes {
        for fields in &hostile {
            let mut fields = fields.clone();
            if !fields.iter().any(|(k, _)| *k == "csrf") {
                fields.push(("csrf", token));
            }
            let answer = submit(&w.app, path, session, &fields).await;
            assert!(
                answer.status.as_u16() < 500,
                "{path} {fields:?} → {}: {}",
                answer.status,
                answer.text
            );
        }
        let raw = TestRequest::default()
            .method(Method::POST)
            .uri(path)
            .cookie(Cookie::new(SESSION, session.to_string()))
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(vec![0xff, 0xfe, b'=', b'%', b'G', b'&', b'&', b'=']);
        let answer = w.app.send_request(raw).await;
        assert!(
            answer.status.as_u16() < 500,
            "{path} raw bytes → {}",
            answer.status
        );
    }
    let huge = TestRequest::default()
        .method(Method::POST)
        .uri("/portal/batches/new")
        .cookie(Cookie::new(SESSION, w.a.token.clone()))
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(format!("lot_code={}", "a".repeat(200_000)));
    assert_eq!(w.app.send_request(huge).await.status.as_u16(), 400);
    // The logout above ended tenant a's session; nothing else was written
    // but that session row.
    let after = w.app.snapshot();
    assert_eq!(
        before
            .iter()
            .filter(|(t, _)| t != "api_token")
            .collect::<Vec<_>>(),
        after
            .iter()
            .filter(|(t, _)| t != "api_token")
            .collect::<Vec<_>>()
    );
}

#[actix_web::test]
async fn a_producer_edits_a_batch_and_voids_a_stamp_after_confirming() {
    let w = World::build().await;
    let path = stamp_path(&w).await;
    let serial = path.trim_start_matches("/s/").to_owned();
    let edit = page(
        &w.app,
        &format!("/portal/batches/{}/edit", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(edit.text.contains("value=\"LOT-1\""));
    let csrf = csrf_of(&edit.text);
    let other = page(
        &w.app,
        &format!("/portal/batches/{}/edit", w.b.batch),
        Some(&w.a.token),
    )
    .await;
    assert_eq!(
        other.status.as_u16(),
        404,
        "another enterprise's batch opens"
    );
    submit(
        &w.app,
        &format!("/portal/batches/{}/edit", w.a.batch),
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("lot_code", "LOT-1B"),
            ("produced_on", "2026-11-02"),
            ("quantity", "2400"),
            ("unit", "kg"),
            ("expires_on", ""),
        ],
    )
    .await
    .expect(303);
    let batch = w
        .app
        .get(&format!("/api/v1/batches/{}", w.a.batch), &w.a.token)
        .await
        .expect(200);
    assert_eq!(batch.body["lot_code"], "LOT-1B");
    assert_eq!(batch.body["expires_on"], serde_json::Value::Null);

    let rolls = w
        .app
        .get(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
        )
        .await
        .expect(200);
    let listed = if rolls.body.is_array() {
        &rolls.body
    } else {
        &rolls.body["items"]
    };
    let roll = listed[0]["id"].as_str().expect("a roll").to_owned();
    let confirm = page(
        &w.app,
        &format!("/portal/rolls/{roll}/void"),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(confirm.text.contains("Xác nhận hủy tem"));
    assert_eq!(
        page(
            &w.app,
            &format!("/portal/rolls/{roll}/void"),
            Some(&w.b.token)
        )
        .await
        .status
        .as_u16(),
        404
    );
    let nothing_listed = submit(
        &w.app,
        &format!("/portal/rolls/{roll}/void"),
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("what", "listed"),
            ("serials", ""),
            ("reason", "Tem rách"),
        ],
    )
    .await;
    assert_eq!(nothing_listed.status.as_u16(), 422);
    submit(
        &w.app,
        &format!("/portal/rolls/{roll}/void"),
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("what", "listed"),
            ("serials", &serial),
            ("reason", "Tem rách khi dán"),
        ],
    )
    .await
    .expect(303);
    let voided = page(&w.app, &path, None).await.expect(200);
    assert!(voided.text.contains("Tem đã hủy"));
    assert!(voided.text.contains("class=\"verdict bad\""));
}

#[actix_web::test]
async fn demo_products_have_pictures_and_the_dashboard_shows_where_stamps_are_read() {
    let w = World::build().await;
    let path = stamp_path(&w).await;
    page(&w.app, &path, None).await.expect(200);
    w.app.state().flush_scans().expect("flush scans");
    let dashboard = page(&w.app, "/portal", Some(&w.a.token)).await.expect(200);
    assert!(dashboard.text.contains("khu vực mạng, đã ẩn danh"));
    assert!(
        dashboard.text.contains("<td data-label=\"Khu vực\"><code>"),
        "the scan's origin area is listed"
    );
    let picture = page(&w.app, "/static/products/pomelo.svg", None)
        .await
        .expect(200);
    assert_eq!(
        picture.headers.get(header::CONTENT_TYPE).unwrap(),
        "image/svg+xml"
    );
    assert!(picture.text.starts_with("<svg"));
    assert_eq!(
        page(&w.app, "/static/products/../../Cargo.toml", None)
            .await
            .status
            .as_u16(),
        404
    );
    assert_eq!(
        tracestamp::pages::demo_picture("fruit", "Nam Roi pomelo"),
        "/static/products/pomelo.svg"
    );
    assert_eq!(
        tracestamp::pages::demo_picture("seafood", "Giant freshwater prawn"),
        "/static/products/prawn.svg"
    );
}
