//! The credential screens through the real app: a person's own account
//! page (password change, tokens and sessions listed and revoked), an
//! admin's account page (disable, enable, a one-time reset link) and the
//! public `/reset` page that link opens. Each page calls the use case the
//! API calls, so what a page changes is checked on the API.

use actix_web::cookie::Cookie;
use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::pages::{csrf_of, page, submit};
use tracestamp::db::schema::account;

fn set_password(app: &TestApp, username: &str, password: &str) {
    let hash = tracestamp::auth::hash_password(password).unwrap();
    diesel::update(account::table.filter(account::username.eq(username)))
        .set(account::password_hash.eq(hash))
        .execute(&mut *app.conn())
        .unwrap();
}

fn account_id(app: &TestApp, username: &str) -> String {
    account::table
        .filter(account::username.eq(username))
        .select(account::id)
        .get_result(&mut *app.conn())
        .unwrap()
}

/// Logs in through the API; the session secret when it succeeds.
async fn login(app: &TestApp, username: &str, password: &str) -> Option<String> {
    let answer = app
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": username, "password": password})),
        )
        .await;
    if answer.status.as_u16() != 200 {
        assert_eq!(answer.status.as_u16(), 401, "{}", answer.text);
        return None;
    }
    Some(cookie_value(&answer, "tracestamp_session").expect("a session cookie"))
}

/// The value an answer sets for a cookie (empty when it removes it).
fn cookie_value(answer: &Answer, name: &str) -> Option<String> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let pair = v.split(';').next()?;
            let (n, value) = pair.split_once('=')?;
            (n == name).then(|| value.to_owned())
        })
}

fn location(answer: &Answer) -> &str {
    answer
        .headers
        .get(header::LOCATION)
        .expect("a redirect")
        .to_str()
        .unwrap()
}

/// Posts the account page's password form.
async fn change(
    app: &TestApp,
    session: &str,
    csrf: &str,
    current: &str,
    new: &str,
    confirm: &str,
) -> Answer {
    submit(
        app,
        "/account/password",
        session,
        &[
            ("csrf", csrf),
            ("current_password", current),
            ("new_password", new),
            ("confirm_password", confirm),
        ],
    )
    .await
}

#[actix_web::test]
async fn a_password_change_on_the_page_revokes_every_token_and_session() {
    let app = TestApp::new();
    let token = app.account("grower", "regulator", None, Some("Vĩnh Long"));
    set_password(&app, "grower", "the old password");
    let session = login(&app, "grower", "the old password").await.unwrap();

    let shown = page(&app, "/account", Some(&session)).await.expect(200);
    assert!(shown.text.contains("Đổi mật khẩu"));
    assert!(
        shown.text.contains("href=\"/account\""),
        "linked from the menu"
    );
    assert!(shown.text.contains("phiên này"), "this session is marked");
    assert!(shown.text.contains("Mã truy cập API"));
    let csrf = csrf_of(&shown.text);
    let mismatched = change(
        &app,
        &session,
        &csrf,
        "the old password",
        "a new password",
        "a new passwort",
    )
    .await
    .expect(422);
    assert!(mismatched
        .text
        .contains("hai lần nhập mật khẩu mới không giống nhau"));
    assert!(
        !mismatched.text.contains("the old password") && !mismatched.text.contains("a new pass"),
        "passwords are never written back into the page"
    );
    let wrong = change(
        &app,
        &session,
        &csrf,
        "not it at all",
        "a new password",
        "a new password",
    )
    .await
    .expect(422);
    assert!(wrong.text.contains("mật khẩu hiện tại không đúng"));
    let short = change(&app, &session, &csrf, "the old password", "short", "short")
        .await
        .expect(422);
    assert!(short.text.contains("mật khẩu phải có ít nhất 8 ký tự"));
    // Refused changes revoked nothing.
    app.get("/api/v1/me", &token).await.expect(200);
    page(&app, "/account", Some(&session)).await.expect(200);
    // Without the form token: refused, nothing changed.
    submit(
        &app,
        "/account/password",
        &session,
        &[
            ("current_password", "the old password"),
            ("new_password", "a new password"),
            ("confirm_password", "a new password"),
        ],
    )
    .await
    .expect(403);
    assert!(login(&app, "grower", "the old password").await.is_some());

    let changed = change(
        &app,
        &session,
        &csrf,
        "the old password",
        "a new password",
        "a new password",
    )
    .await
    .expect(303);
    assert_eq!(location(&changed), "/login?notice=password");
    assert_eq!(
        cookie_value(&changed, "tracestamp_session").as_deref(),
        Some(""),
        "the session cookie is dropped"
    );
    app.get("/api/v1/me", &token).await.expect(401);
    let old_session = page(&app, "/account", Some(&session)).await.expect(303);
    assert_eq!(location(&old_session), "/login");
    let notice = page(&app, "/login?notice=password", None).await.expect(200);
    assert!(notice
        .text
        .contains("vui lòng đăng nhập lại bằng mật khẩu mới"));
    let notice_en = page(&app, "/login?notice=password&lang=en", None)
        .await
        .expect(200);
    assert!(notice_en
        .text
        .contains("please log in again with the new password"));
    assert!(login(&app, "grower", "the old password").await.is_none());
    assert!(login(&app, "grower", "a new password").await.is_some());
}

#[actix_web::test]
async fn the_token_list_revokes_only_ones_own_tokens() {
    let app = TestApp::new();
    let first = app.account("first", "regulator", None, Some("Vĩnh Long"));
    let second = app.account("second", "regulator", None, Some("Cần Thơ"));
    let made = app
        .post("/api/v1/tokens", &first, json!({"name": "erp-sync"}))
        .await
        .expect(201);
    let (erp_id, erp) = (made.id(), made.body["token"].as_str().unwrap().to_owned());
    let theirs = app
        .post("/api/v1/tokens", &second, json!({"name": "their-erp"}))
        .await
        .expect(201);
    let (their_id, their_token) = (
        theirs.id(),
        theirs.body["token"].as_str().unwrap().to_owned(),
    );

    let listed = page(&app, "/account", Some(&first)).await.expect(200);
    assert!(listed.text.contains("erp-sync"));
    assert!(listed
        .text
        .contains(&format!("action=\"/account/tokens/{erp_id}/revoke\"")));
    assert!(!listed.text.contains("their-erp"), "another's token shows");
    assert!(!listed.text.contains(&erp), "a secret is shown");
    let csrf = csrf_of(&listed.text);

    // Another account's token: not theirs to revoke, and nothing changes.
    let before = app.snapshot();
    let refused = submit(
        &app,
        &format!("/account/tokens/{their_id}/revoke"),
        &first,
        &[("csrf", &csrf)],
    )
    .await
    .expect(404);
    assert!(refused.text.contains("token not found"));
    assert_eq!(app.snapshot(), before);
    app.get("/api/v1/me", &their_token).await.expect(200);
    submit(
        &app,
        "/account/tokens/not-an-id/revoke",
        &first,
        &[("csrf", &csrf)],
    )
    .await
    .expect(404);
    // Without the form token: refused.
    submit(
        &app,
        &format!("/account/tokens/{erp_id}/revoke"),
        &first,
        &[],
    )
    .await
    .expect(403);
    app.get("/api/v1/me", &erp).await.expect(200);

    let revoked = submit(
        &app,
        &format!("/account/tokens/{erp_id}/revoke"),
        &first,
        &[("csrf", &csrf)],
    )
    .await
    .expect(303);
    assert_eq!(location(&revoked), "/account?notice=revoked");
    app.get("/api/v1/me", &erp).await.expect(401);
    let after = page(&app, "/account?notice=revoked", Some(&first))
        .await
        .expect(200);
    assert!(after.text.contains("Đã thu hồi."));
    assert!(!after.text.contains("erp-sync"));

    // Revoking the session in use logs out.
    set_password(&app, "second", "second's password");
    let session = login(&app, "second", "second's password").await.unwrap();
    let own = page(&app, "/account?lang=en", Some(&session))
        .await
        .expect(200);
    for english in [
        "<html lang=\"en\">",
        "My account",
        "Change the password",
        "Login sessions and API tokens",
        "this session",
        "Revoke and log out",
        "their-erp",
    ] {
        assert!(
            own.text.contains(english),
            "the English page lacks {english:?}"
        );
    }
    let session_id: String = {
        use tracestamp::db::schema::api_token;
        api_token::table
            .filter(api_token::token_hash.eq(tracestamp::auth::token_hash(&session)))
            .select(api_token::id)
            .get_result(&mut *app.conn())
            .unwrap()
    };
    let out = submit(
        &app,
        &format!("/account/tokens/{session_id}/revoke"),
        &session,
        &[("csrf", &csrf_of(&own.text))],
    )
    .await
    .expect(303);
    assert_eq!(location(&out), "/login?notice=signed_out");
    assert_eq!(
        cookie_value(&out, "tracestamp_session").as_deref(),
        Some("")
    );
    page(&app, "/account", Some(&session)).await.expect(303);
    app.get("/api/v1/me", &their_token).await.expect(200);
}

#[actix_web::test]
async fn an_admin_disables_and_enables_an_account_on_its_page() {
    let app = TestApp::new();
    let admin = app.account("boss", "admin", None, None);
    let grower_token = app.account("grower", "regulator", None, Some("Vĩnh Long"));
    set_password(&app, "grower", "the password");
    let grower = account_id(&app, "grower");
    let boss = account_id(&app, "boss");
    let path = format!("/admin/accounts/{grower}");

    // Not an admin: no admin page, no admin action.
    let own = page(&app, "/account", Some(&grower_token))
        .await
        .expect(200);
    let grower_csrf = csrf_of(&own.text);
    page(&app, &path, Some(&grower_token)).await.expect(403);
    for action in ["disable", "enable", "reset-link"] {
        submit(
            &app,
            &format!("{path}/{action}"),
            &grower_token,
            &[("csrf", &grower_csrf), ("confirm", "yes")],
        )
        .await
        .expect(403);
    }
    app.get("/api/v1/me", &grower_token).await.expect(200);

    let list = page(&app, "/admin/accounts", Some(&admin))
        .await
        .expect(200);
    assert!(list.text.contains(&format!("href=\"{path}\"")));
    let shown = page(&app, &path, Some(&admin)).await.expect(200);
    assert!(shown.text.contains("grower") && shown.text.contains("Đang hoạt động"));
    let csrf = csrf_of(&shown.text);

    // The confirmation box unticked: nothing happens.
    let unticked = submit(&app, &format!("{path}/disable"), &admin, &[("csrf", &csrf)])
        .await
        .expect(400);
    assert!(unticked.text.contains("hãy đánh dấu ô xác nhận"));
    app.get("/api/v1/me", &grower_token).await.expect(200);

    let disabled = submit(
        &app,
        &format!("{path}/disable"),
        &admin,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await
    .expect(303);
    assert_eq!(location(&disabled), format!("{path}?notice=disabled"));
    app.get("/api/v1/me", &grower_token).await.expect(401);
    assert!(login(&app, "grower", "the password").await.is_none());
    let shown = page(&app, &format!("{path}?notice=disabled"), Some(&admin))
        .await
        .expect(200);
    assert!(shown.text.contains("Đã khóa tài khoản"));
    assert!(shown.text.contains("Mở khóa"));

    // An admin cannot lock themselves out: the reason is shown.
    let myself = submit(
        &app,
        &format!("/admin/accounts/{boss}/disable"),
        &admin,
        &[("csrf", &csrf), ("confirm", "yes")],
    )
    .await
    .expect(409);
    assert!(myself
        .text
        .contains("quản trị viên không thể tự khóa tài khoản của chính mình"));
    app.get("/api/v1/me", &admin).await.expect(200);
    let myself_en = TestRequest::default()
        .method(Method::POST)
        .uri(&format!("/admin/accounts/{boss}/disable?lang=en"))
        .cookie(Cookie::new("tracestamp_session", admin.clone()))
        .set_form(vec![("csrf", csrf.as_str()), ("confirm", "yes")]);
    let myself_en = app.send_request(myself_en).await.expect(409);
    assert!(myself_en
        .text
        .contains("an admin cannot disable their own account"));

    let enabled = submit(&app, &format!("{path}/enable"), &admin, &[("csrf", &csrf)])
        .await
        .expect(303);
    assert_eq!(location(&enabled), format!("{path}?notice=enabled"));
    assert!(login(&app, "grower", "the password").await.is_some());
    page(&app, "/admin/accounts/not-an-id", Some(&admin))
        .await
        .expect(404);
}

/// The reset page's form: its token and the cookie it is checked against.
async fn reset_form(app: &TestApp, path: &str) -> (Answer, String, Cookie<'static>) {
    let form = page(app, path, None).await.expect(200);
    let token = csrf_of(&form.text);
    let value = cookie_value(&form, "tracestamp_reset_csrf").expect("the form sets its cookie");
    (form, token, Cookie::new("tracestamp_reset_csrf", value))
}

fn reset_post(cookie: Option<&Cookie<'static>>, fields: &[(&str, &str)]) -> TestRequest {
    let mut req = TestRequest::default()
        .method(Method::POST)
        .uri("/reset")
        .set_form(fields.to_vec());
    if let Some(c) = cookie {
        req = req.cookie(c.clone());
    }
    req
}

#[actix_web::test]
async fn a_reset_link_is_shown_once_and_works_once() {
    let app = TestApp::new();
    let admin = app.account("boss", "admin", None, None);
    let grower_token = app.account("grower", "regulator", None, Some("Vĩnh Long"));
    set_password(&app, "grower", "the forgotten one");
    let path = format!("/admin/accounts/{}", account_id(&app, "grower"));
    let shown = page(&app, &path, Some(&admin)).await.expect(200);
    let csrf = csrf_of(&shown.text);

    let made = submit(
        &app,
        &format!("{path}/reset-link"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await
    .expect(200);
    let prefix = format!("{}/reset?secret=", app.state().config.base_url());
    let start = made.text.find(&prefix).expect("the link is shown") + prefix.len();
    let secret: String = made.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    assert!(secret.starts_with("ts_") && secret.len() > 60, "{secret}");
    assert!(made.text.contains("Liên kết chỉ hiện lần này"));
    // Shown once: the account's page does not show it again.
    let again = page(&app, &path, Some(&admin)).await.expect(200);
    assert!(!again.text.contains(&secret));
    // A reset secret is no session.
    page(&app, "/account", Some(&secret)).await.expect(303);

    let link = format!("/reset?secret={secret}");
    let (form, token, cookie) = reset_form(&app, &link).await;
    assert!(form.text.contains("grower"));
    assert!(form.text.contains("Đặt mật khẩu mới"));
    let english = page(&app, &format!("{link}&lang=en"), None)
        .await
        .expect(200);
    assert!(
        english.text.contains("Set a new password")
            && english.text.contains("This link works once")
    );

    // A post from elsewhere (no form cookie) is refused and uses nothing.
    let forged = app
        .send_request(reset_post(
            None,
            &[
                ("csrf", &token),
                ("secret", &secret),
                ("password", "chosen by another"),
                ("confirm_password", "chosen by another"),
            ],
        ))
        .await
        .expect(403);
    assert!(forged.text.contains("Biểu mẫu đã hết hạn"));
    let mismatched = app
        .send_request(reset_post(
            Some(&cookie),
            &[
                ("csrf", &token),
                ("secret", &secret),
                ("password", "a reset password"),
                ("confirm_password", "a reset passwort"),
            ],
        ))
        .await
        .expect(422);
    assert!(mismatched
        .text
        .contains("hai lần nhập mật khẩu mới không giống nhau"));
    assert!(!mismatched.text.contains("a reset pass"));
    let short = app
        .send_request(reset_post(
            Some(&cookie),
            &[
                ("csrf", &token),
                ("secret", &secret),
                ("password", "short"),
                ("confirm_password", "short"),
            ],
        ))
        .await
        .expect(422);
    assert!(short.text.contains("mật khẩu phải có ít nhất 8 ký tự"));
    app.get("/api/v1/me", &grower_token).await.expect(200);

    let used = app
        .send_request(reset_post(
            Some(&cookie),
            &[
                ("csrf", &token),
                ("secret", &secret),
                ("password", "a reset password"),
                ("confirm_password", "a reset password"),
            ],
        ))
        .await
        .expect(303);
    assert_eq!(location(&used), "/login?notice=reset");
    assert!(page(&app, "/login?notice=reset", None)
        .await
        .text
        .contains("Đã đặt mật khẩu mới"));
    app.get("/api/v1/me", &grower_token).await.expect(401);
    assert!(login(&app, "grower", "the forgotten one").await.is_none());
    assert!(login(&app, "grower", "a reset password").await.is_some());

    // Works once: a second use is refused with the reason, and changes nothing.
    let second = app
        .send_request(reset_post(
            Some(&cookie),
            &[
                ("csrf", &token),
                ("secret", &secret),
                ("password", "yet another one"),
                ("confirm_password", "yet another one"),
            ],
        ))
        .await
        .expect(404);
    assert!(second.text.contains("đã được dùng"));
    assert!(login(&app, "grower", "yet another one").await.is_none());
    let reopened = page(&app, &format!("{link}&lang=en"), None)
        .await
        .expect(404);
    assert!(reopened
        .text
        .contains("it was used already, replaced by a newer one"));
    assert!(
        !reopened.text.contains("name=\"password\""),
        "no form for a dead link"
    );
    page(&app, "/reset?secret=ts_nothing", None)
        .await
        .expect(404);
    page(&app, "/reset", None).await.expect(404);

    // A newer link replaces an unused older one.
    let first = submit(
        &app,
        &format!("{path}/reset-link"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await
    .expect(200);
    submit(
        &app,
        &format!("{path}/reset-link"),
        &admin,
        &[("csrf", &csrf)],
    )
    .await
    .expect(200);
    let start = first.text.find(&prefix).unwrap() + prefix.len();
    let replaced: String = first.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    page(&app, &format!("/reset?secret={replaced}"), None)
        .await
        .expect(404);
}

#[actix_web::test]
async fn reset_guesses_share_the_apis_login_throttle() {
    let mut app = TestApp::new();
    // Two a minute: a loaded machine's slow requests cannot outlast the
    // refill (at ten a minute, one every six seconds, they did).
    app.state_mut().config.login_rate_per_minute = 2;
    app.state_mut().limits =
        std::sync::Arc::new(tracestamp::limits::Limits::new(&app.state().config));
    let (_, token, cookie) = {
        // The form of a live link, for its token and cookie.
        let admin = app.account("boss", "admin", None, None);
        let secret = app
            .post(
                &format!("/api/v1/accounts/{}/reset-link", account_id(&app, "boss")),
                &admin,
                json!({}),
            )
            .await
            .expect(201)
            .body["token"]
            .as_str()
            .unwrap()
            .to_owned();
        reset_form(&app, &format!("/reset?secret={secret}")).await
    };
    // The limit refills as time passes: guess until it answers, rather
    // than a fixed twelve times that a busy machine can outlast.
    let mut last = None;
    for n in 0..60 {
        let guess = format!("ts_guess{n}");
        let answer = app
            .send_request(reset_post(
                Some(&cookie),
                &[
                    ("csrf", &token),
                    ("secret", &guess),
                    ("password", "a guessed one"),
                    ("confirm_password", "a guessed one"),
                ],
            ))
            .await;
        assert!(
            [404, 429].contains(&answer.status.as_u16()),
            "{}",
            answer.text
        );
        let limited = answer.status.as_u16() == 429;
        last = Some(answer);
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
    assert!(last.text.contains("Quá nhiều lần thử"));
    // The API's reset is held back by the same count.
    app.send_request(
        TestRequest::default()
            .method(Method::POST)
            .uri("/api/v1/auth/reset")
            .set_json(json!({"token": "ts_guess", "password": "a guessed one"})),
    )
    .await
    .expect(429);
}
