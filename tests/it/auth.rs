//! Logins, sessions and API tokens.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;

use crate::harness::TestApp;

fn app_with_user() -> TestApp {
    let app = TestApp::new();
    let mut conn = app.conn();
    tracestamp::models::account::insert(
        &mut conn,
        &tracestamp::models::account::NewAccount {
            id: uuid::Uuid::now_v7().to_string(),
            username: "admin".into(),
            password_hash: tracestamp::auth::hash_password("correct horse").unwrap(),
            role: "admin".into(),
            enterprise_id: None,
            province: None,
            disabled: false,
            created_at: tracestamp::time::now(),
        },
    )
    .unwrap();
    drop(conn);
    app
}

fn session_of(answer: &crate::harness::Answer) -> String {
    let cookie = answer
        .headers
        .get(header::SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("tracestamp_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    cookie.split(';').next().unwrap().to_owned()
}

#[actix_web::test]
async fn login_sets_a_session_cookie_that_authenticates_until_logout() {
    let app = app_with_user();
    let login = app
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": "correct horse"})),
        )
        .await
        .expect(200);
    assert_eq!(login.body["role"], "admin");
    let cookie = session_of(&login);
    let with_cookie = |method: Method, path: &str| {
        TestRequest::default()
            .method(method)
            .uri(path)
            .insert_header((header::COOKIE, cookie.clone()))
    };
    let me = app
        .send_request(with_cookie(Method::GET, "/api/v1/me"))
        .await
        .expect(200);
    assert_eq!(me.body["username"], "admin");
    app.send_request(with_cookie(Method::POST, "/api/v1/auth/logout"))
        .await
        .expect(204);
    app.send_request(with_cookie(Method::GET, "/api/v1/me"))
        .await
        .expect(401);
}

#[actix_web::test]
async fn wrong_credentials_are_401_alike() {
    let app = app_with_user();
    for (username, password) in [
        ("admin", "wrong"),
        ("nobody", "correct horse"),
        ("admin", ""),
    ] {
        let answer = app
            .send(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": username, "password": password})),
            )
            .await
            .expect(401);
        assert!(answer.headers.get(header::SET_COOKIE).is_none());
        assert_eq!(answer.body["error"]["code"], "unauthenticated");
    }
    app.send(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"username": "admin"})),
    )
    .await
    .expect(400);
}

#[actix_web::test]
async fn tokens_are_shown_once_stored_hashed_and_revocable() {
    let app = app_with_user();
    let login = app
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": "correct horse"})),
        )
        .await
        .expect(200);
    let cookie = session_of(&login);
    let made = app
        .send_request(
            TestRequest::default()
                .method(Method::POST)
                .uri("/api/v1/tokens")
                .insert_header((header::COOKIE, cookie))
                .set_json(json!({"name": "ERP sync"})),
        )
        .await
        .expect(201);
    let token = made.body["token"].as_str().unwrap().to_owned();
    let id = made.id();
    assert!(token.starts_with("ts_"));
    let stored: Vec<String> = {
        use diesel::prelude::*;
        use tracestamp::db::schema::api_token;
        api_token::table
            .select(api_token::token_hash)
            .load(&mut *app.conn())
            .unwrap()
    };
    assert!(
        !stored.contains(&token),
        "the secret itself is never stored"
    );
    assert!(stored.contains(&tracestamp::auth::token_hash(&token)));
    app.get("/api/v1/me", &token).await.expect(200);
    let other = app.account("producer_x", "admin", None, None);
    app.delete(&format!("/api/v1/tokens/{id}"), &other)
        .await
        .expect(404);
    app.delete(&format!("/api/v1/tokens/{id}"), &token)
        .await
        .expect(204);
    app.get("/api/v1/me", &token).await.expect(401);
}
