//! The life of a credential: tokens expire and are listed and revoked by
//! their owner; a password change, a reset or disabling an account revokes
//! every secret issued under it; the CLI does the same.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::json;

use crate::cli::tracestamp;
use crate::harness::{Answer, TestApp};
use tracestamp::db::schema::{account, api_token};

fn set_password(app: &TestApp, username: &str, password: &str) {
    let hash = tracestamp::auth::hash_password(password).unwrap();
    diesel::update(account::table.filter(account::username.eq(username)))
        .set(account::password_hash.eq(hash))
        .execute(&mut *app.conn())
        .unwrap();
}

async fn login(app: &TestApp, username: &str, password: &str) -> Answer {
    app.send(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
}

/// The session secret of a successful login.
fn session_of(answer: &Answer) -> String {
    let cookie = answer
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap();
    cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

#[actix_web::test]
async fn tokens_expire_and_are_listed_and_revoked_by_their_owner() {
    let app = TestApp::new();
    let first = app.account("grower", "admin", None, None);
    let other = app.account("someone", "admin", None, None);
    let made = app
        .post("/api/v1/tokens", &first, json!({"name": "erp"}))
        .await
        .expect(201);
    let secret = made.body["token"].as_str().unwrap().to_owned();
    let id = made.body["id"].as_str().unwrap().to_owned();
    // The configured default: 90 days.
    let expires = chrono::NaiveDateTime::parse_from_str(
        made.body["expires_at"].as_str().unwrap(),
        "%Y-%m-%dT%H:%M:%S%.f",
    )
    .unwrap();
    let days = (expires - tracestamp::time::now()).num_hours() as f64 / 24.0;
    assert!((89.9..=90.0).contains(&days), "{days}");
    app.post(
        "/api/v1/tokens",
        &first,
        json!({"name": "long", "expires_in_days": 91}),
    )
    .await
    .expect(422);
    let short = app
        .post(
            "/api/v1/tokens",
            &first,
            json!({"name": "short", "expires_in_days": 1}),
        )
        .await
        .expect(201);

    let listed = app.get("/api/v1/tokens", &secret).await.expect(200);
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{}", listed.text);
    assert!(!listed.text.contains("hash") && !listed.text.contains("ts_"));
    let current: Vec<_> = items.iter().filter(|t| t["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], id.as_str());

    // Expired: refused.
    diesel::update(api_token::table.find(short.body["id"].as_str().unwrap()))
        .set(api_token::expires_at.eq(tracestamp::time::now() - chrono::Duration::seconds(1)))
        .execute(&mut *app.conn())
        .unwrap();
    app.get("/api/v1/me", short.body["token"].as_str().unwrap())
        .await
        .expect(401);
    assert_eq!(
        app.get("/api/v1/tokens", &secret).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Another account cannot revoke it; its owner can.
    app.delete(&format!("/api/v1/tokens/{id}"), &other)
        .await
        .expect(404);
    app.get("/api/v1/me", &secret).await.expect(200);
    app.delete(&format!("/api/v1/tokens/{id}"), &first)
        .await
        .expect(204);
    app.get("/api/v1/me", &secret).await.expect(401);
}

#[actix_web::test]
async fn a_password_change_revokes_every_token_and_session() {
    let app = TestApp::new();
    let token = app.account("grower", "admin", None, None);
    set_password(&app, "grower", "the old password");
    let session = session_of(&login(&app, "grower", "the old password").await.expect(200));
    // A session's logout does not take API tokens with it; a password
    // change does.
    let wrong = app
        .post(
            "/api/v1/auth/password",
            &session,
            json!({"current_password": "not it", "new_password": "a new password"}),
        )
        .await
        .expect(422);
    assert_eq!(wrong.body["error"]["field"], "current_password");
    app.post(
        "/api/v1/auth/password",
        &session,
        json!({"current_password": "the old password", "new_password": "short"}),
    )
    .await
    .expect(422);
    // The stated limit (256 characters), past it: refused, naming the field.
    let long = app
        .post(
            "/api/v1/auth/password",
            &session,
            json!({"current_password": "the old password", "new_password": "ư".repeat(257)}),
        )
        .await
        .expect(422);
    assert_eq!(long.body["error"]["field"], "new_password");
    let changed = app
        .post(
            "/api/v1/auth/password",
            &session,
            json!({"current_password": "the old password", "new_password": "a new password"}),
        )
        .await
        .expect(200);
    assert_eq!(changed.body["tokens_revoked"], 2);
    app.get("/api/v1/me", &token).await.expect(401);
    app.get("/api/v1/me", &session).await.expect(401);
    login(&app, "grower", "the old password").await.expect(401);
    login(&app, "grower", "a new password").await.expect(200);
}

#[actix_web::test]
async fn an_admin_disables_enables_and_issues_a_one_time_reset() {
    let app = TestApp::new();
    let admin = app.account("admin", "admin", None, None);
    let victim_token = app.account("grower", "regulator", None, Some("Vĩnh Long"));
    set_password(&app, "grower", "the password");
    let grower_id: String = account::table
        .filter(account::username.eq("grower"))
        .select(account::id)
        .get_result(&mut *app.conn())
        .unwrap();
    let admin_id: String = account::table
        .filter(account::username.eq("admin"))
        .select(account::id)
        .get_result(&mut *app.conn())
        .unwrap();
    let disable = format!("/api/v1/accounts/{grower_id}/disable");
    // Only admins, and not themselves.
    app.post(&disable, &victim_token, json!({}))
        .await
        .expect(403);
    app.post(
        &format!("/api/v1/accounts/{admin_id}/disable"),
        &admin,
        json!({}),
    )
    .await
    .expect(409);
    let disabled = app.post(&disable, &admin, json!({})).await.expect(200);
    assert_eq!(disabled.body["tokens_revoked"], 1);
    app.get("/api/v1/me", &victim_token).await.expect(401);
    login(&app, "grower", "the password").await.expect(401);
    app.post(
        &format!("/api/v1/accounts/{grower_id}/enable"),
        &admin,
        json!({}),
    )
    .await
    .expect(200);
    login(&app, "grower", "the password").await.expect(200);

    let reset = app
        .post(
            &format!("/api/v1/accounts/{grower_id}/reset-link"),
            &admin,
            json!({}),
        )
        .await
        .expect(201);
    let secret = reset.body["token"].as_str().unwrap().to_owned();
    // A reset secret is no bearer token.
    app.get("/api/v1/me", &secret).await.expect(401);
    let use_it = |password: &str| {
        TestRequest::default()
            .method(Method::POST)
            .uri("/api/v1/auth/reset")
            .set_json(json!({"token": secret, "password": password}))
    };
    app.send_request(use_it("short")).await.expect(422);
    app.send_request(use_it("a reset password"))
        .await
        .expect(204);
    app.send_request(use_it("another password"))
        .await
        .expect(404);
    login(&app, "grower", "the password").await.expect(401);
    login(&app, "grower", "a reset password").await.expect(200);
    let bogus = TestRequest::default()
        .method(Method::POST)
        .uri("/api/v1/auth/reset")
        .set_json(json!({"token": "ts_nothing", "password": "whatever long"}));
    app.send_request(bogus).await.expect(404);
}

#[test]
fn the_cli_changes_passwords_and_disables_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let run = |args: &[&str], stdin: &str| {
        let out = tracestamp(&url, args, stdin);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let (ok, text) = run(
        &["user", "add", "boss", "--role", "admin"],
        "first password\n",
    );
    assert!(ok, "{text}");
    let (ok, text) = run(&["user", "passwd", "boss"], "second password\n");
    assert!(ok && text.contains("password of boss changed"), "{text}");
    let (ok, text) = run(&["user", "disable", "boss"], "");
    assert!(ok && text.contains("account boss disabled"), "{text}");
    let (ok, text) = run(&["user", "enable", "boss"], "");
    assert!(ok && text.contains("account boss enabled"), "{text}");
    let (ok, text) = run(&["user", "disable", "nobody"], "");
    assert!(!ok && text.contains("not found"), "{text}");
    let (ok, text) = run(&["user", "passwd", "boss"], "short\n");
    assert!(!ok && text.contains("at least 8"), "{text}");
    // The audit chain holds every change.
    let (ok, text) = run(&["audit", "verify"], "");
    assert!(ok && text.contains("intact: 4 entries"), "{text}");
}
