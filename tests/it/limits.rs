//! Rate limits: login per client and per username, the resolver per client;
//! 429 with Retry-After, in the AppError shape (or the error page for browsers).

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::json;
use std::sync::Arc;

use crate::harness::{Answer, TestApp};
use crate::world::World;
use tracestamp::limits::Limits;

async fn login_from(app: &TestApp, ip: &str, username: &str, password: &str) -> Answer {
    app.send_request(
        TestRequest::default()
            .method(Method::POST)
            .uri("/api/v1/auth/login")
            .peer_addr(format!("{ip}:5000").parse().unwrap())
            .set_json(json!({"username": username, "password": password})),
    )
    .await
}

fn assert_limited(answer: &Answer) {
    assert_eq!(answer.status, 429, "{}", answer.text);
    let wait: u64 = answer
        .headers
        .get(header::RETRY_AFTER)
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
}

/// Gives an account made by the harness a real password.
fn set_password(app: &TestApp, username: &str, password: &str) {
    use diesel::prelude::*;
    use tracestamp::db::schema::account;
    let hash = tracestamp::auth::hash_password(password).unwrap();
    diesel::update(account::table.filter(account::username.eq(username)))
        .set(account::password_hash.eq(hash))
        .execute(&mut *app.conn())
        .unwrap();
}

#[actix_web::test]
async fn the_eleventh_login_of_a_minute_from_one_client_is_429() {
    let app = TestApp::new();
    let config = &app.state().config;
    assert_eq!(config.login_rate_per_minute, 10, "the default");
    app.account("producer", "admin", None, None);
    // One client trying many usernames.
    for n in 0..10 {
        login_from(&app, "198.51.100.7", &format!("guess{n}"), "wrong")
            .await
            .expect(401);
    }
    let refused = login_from(&app, "198.51.100.7", "producer", "wrong").await;
    assert_limited(&refused);
    assert_eq!(refused.body["error"]["code"], "too_many_requests");
    assert!(refused.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("try again"));
    // Others are not affected.
    login_from(&app, "192.0.2.1", "someone", "wrong")
        .await
        .expect(401);
}

#[actix_web::test]
async fn a_stranger_cannot_lock_the_owner_out() {
    let app = TestApp::new();
    app.account("owner", "admin", None, None);
    set_password(&app, "owner", "the owner's password");
    // A stranger guesses from one address: five failures are free, then
    // the pair (owner, stranger) backs off.
    for _ in 0..tracestamp::limits::FREE_LOGIN_FAILURES + 1 {
        login_from(&app, "203.0.113.66", "owner", "guess")
            .await
            .expect(401);
    }
    let refused = login_from(&app, "203.0.113.66", "OWNER", "the owner's password").await;
    assert_limited(&refused);
    // Many strangers, each a few guesses, case folded.
    for n in 0..20 {
        let name = if n % 2 == 0 { "owner" } else { "Owner" };
        login_from(&app, &format!("198.51.100.{n}"), name, "guess")
            .await
            .expect(401);
    }
    // The owner, from their own address, logs in at once, and their
    // success clears nothing of the stranger's back-off.
    let me = login_from(&app, "192.0.2.10", "owner", "the owner's password")
        .await
        .expect(200);
    assert_eq!(me.body["username"], "owner");
    // Its 1 s wait may have passed while the others guessed: its next
    // failure blocks it again (2 s), whatever the owner did.
    let next = login_from(&app, "203.0.113.66", "owner", "guess").await;
    assert!(next.status == 401 || next.status == 429, "{}", next.text);
    assert_limited(&login_from(&app, "203.0.113.66", "owner", "guess").await);
}

#[actix_web::test]
async fn the_back_off_grows_and_a_success_clears_it() {
    let app = TestApp::new();
    app.account("owner", "admin", None, None);
    set_password(&app, "owner", "right");
    for _ in 0..tracestamp::limits::FREE_LOGIN_FAILURES {
        login_from(&app, "192.0.2.20", "owner", "wrong")
            .await
            .expect(401);
    }
    // The sixth failure blocks for 1 s; after it, the right password works
    // and clears the count.
    login_from(&app, "192.0.2.20", "owner", "wrong")
        .await
        .expect(401);
    assert_limited(&login_from(&app, "192.0.2.20", "owner", "right").await);
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    login_from(&app, "192.0.2.20", "owner", "right")
        .await
        .expect(200);
    login_from(&app, "192.0.2.20", "owner", "wrong")
        .await
        .expect(401);
}

/// A login sent through `peer` with the given forwarding headers.
fn login_via(peer: &str, headers: &[(&str, &str)], username: &str) -> TestRequest {
    let mut req = TestRequest::default()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{peer}:5000").parse().unwrap())
        .set_json(json!({"username": username, "password": "wrong"}));
    for (name, value) in headers {
        req = req.insert_header((name.to_string(), value.to_string()));
    }
    req
}

/// Trusts `cidrs` as proxies, and lowers the per-client login rate to two
/// a minute (one back every 30 s), so that no slow machine refills a
/// client's allowance in the middle of a test.
fn behind_proxy(app: &mut TestApp, cidrs: &[&str]) {
    let nets: Vec<ipnet::IpNet> = cidrs.iter().map(|c| c.parse().unwrap()).collect();
    app.state_mut().config.trusted_proxies = nets.clone();
    app.state_mut().clients = Arc::new(tracestamp::client::ClientAddresses::new(&nets));
    app.state_mut().config.login_rate_per_minute = 2;
    app.state_mut().limits = Arc::new(Limits::new(&app.state().config));
}

#[actix_web::test]
async fn a_client_cannot_choose_its_address() {
    // No trusted proxy: rotating X-Forwarded-For changes nothing.
    let mut app = TestApp::new();
    behind_proxy(&mut app, &[]);
    for n in 0..2 {
        let spoof = format!("10.9.8.{n}");
        app.send_request(login_via(
            "198.51.100.7",
            &[("x-forwarded-for", &spoof)],
            &format!("u{n}"),
        ))
        .await
        .expect(401);
    }
    assert_limited(
        &app.send_request(login_via(
            "198.51.100.7",
            &[("x-forwarded-for", "10.0.0.99")],
            "x",
        ))
        .await,
    );

    // Behind a trusted proxy: the client's own entries (left of the one the
    // proxy appended) change nothing either.
    let mut app = TestApp::new();
    behind_proxy(&mut app, &["10.0.0.0/8"]);
    for n in 0..2 {
        let chain = format!("1.2.3.{n}, 203.0.113.5");
        app.send_request(login_via(
            "10.0.0.2",
            &[("x-forwarded-for", &chain)],
            &format!("u{n}"),
        ))
        .await
        .expect(401);
    }
    assert_limited(
        &app.send_request(login_via(
            "10.0.0.2",
            &[("x-forwarded-for", "9.9.9.9, 203.0.113.5, 10.0.0.7")],
            "x",
        ))
        .await,
    );
    // Another client behind the same proxy is its own key.
    app.send_request(login_via(
        "10.0.0.2",
        &[("x-forwarded-for", "203.0.113.6")],
        "x",
    ))
    .await
    .expect(401);
    // So is one named by `Forwarded`.
    app.send_request(login_via(
        "10.0.0.2",
        &[("forwarded", "for=203.0.113.5, for=\"[2001:db8::1]:443\"")],
        "x",
    ))
    .await
    .expect(401);
}

#[actix_web::test]
async fn missing_or_garbage_forwarding_headers_are_keyed_by_the_peer() {
    let mut app = TestApp::new();
    behind_proxy(&mut app, &["10.0.0.0/8"]);
    // Missing, `unknown`, garbage: each is the proxy's own key, never a
    // free pass. Two of them use up its allowance; then each is refused.
    let kinds: [&[(&str, &str)]; 4] = [
        &[],
        &[("x-forwarded-for", "unknown")],
        &[("x-forwarded-for", "not-an-address")],
        &[("forwarded", "for=_hidden")],
    ];
    for (n, kind) in kinds.iter().take(2).enumerate() {
        app.send_request(login_via("10.0.0.2", kind, &format!("u{n}")))
            .await
            .expect(401);
    }
    for kind in kinds {
        assert_limited(&app.send_request(login_via("10.0.0.2", kind, "y")).await);
    }
    // A real client behind the proxy is not affected.
    app.send_request(login_via(
        "10.0.0.2",
        &[("x-forwarded-for", "203.0.113.8")],
        "y",
    ))
    .await
    .expect(401);
}

fn resolve_from(ip: &str, path: &str, accept: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::ACCEPT, accept.to_owned()))
        .peer_addr(format!("{ip}:6000").parse().unwrap())
}

#[actix_web::test]
async fn the_resolver_is_limited_per_client_with_a_low_configured_value() {
    let mut w = World::build().await;
    assert_eq!(
        w.app.state().config.resolver_rate_per_minute,
        600,
        "the default"
    );
    w.app.state_mut().config.resolver_rate_per_minute = 3;
    w.app.state_mut().config.resolver_rate_burst = 3;
    w.app.state_mut().limits = Arc::new(Limits::new(&w.app.state().config));
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 10}),
        )
        .await
        .expect(201)
        .body;
    let serial = roll["first_serial"].as_str().unwrap();
    let json = "application/json";
    for path in [
        format!("/s/{serial}"),
        format!("/S/{serial}"),
        format!("/s/{serial}/qr.svg"),
    ] {
        w.app
            .send_request(resolve_from("198.51.100.9", &path, json))
            .await
            .expect(200);
    }
    let refused = w
        .app
        .send_request(resolve_from("198.51.100.9", &format!("/s/{serial}"), json))
        .await;
    assert_limited(&refused);
    assert_eq!(refused.body["error"]["code"], "too_many_requests");
    // Forged codes count too: the limit comes before the lookup.
    assert_limited(
        &w.app
            .send_request(resolve_from(
                "198.51.100.9",
                "/s/7K3QM9XTMA0B1C2D3E4F",
                json,
            ))
            .await,
    );
    let page = w
        .app
        .send_request(resolve_from(
            "198.51.100.9",
            &format!("/s/{serial}"),
            "text/html",
        ))
        .await;
    assert_limited(&page);
    // A browser's 429 is the error page, in both languages, with the
    // request id to quote.
    assert!(page.is_html(), "{:?}", page.headers);
    let id = page.headers.get("x-request-id").unwrap().to_str().unwrap();
    for said in [
        "Quá nhiều lượt tra cứu",
        "Too many look-ups",
        "thử lại sau",
        &format!("<code>{id}</code>"),
    ] {
        assert!(page.text.contains(said), "{said}: {}", page.text);
    }
    // Another client, and the rest of the service, are not affected.
    w.app
        .send_request(resolve_from("198.51.100.10", &format!("/s/{serial}"), json))
        .await
        .expect(200);
    // The load script's baseline, a serial as its query: never limited.
    let baseline = w
        .app
        .send_request(resolve_from(
            "198.51.100.9",
            &format!("/healthz/baseline?{serial}"),
            json,
        ))
        .await
        .expect(200);
    assert_eq!(baseline.body["verdict"], "genuine");
    w.app
        .send_request(resolve_from("198.51.100.9", "/", "text/html"))
        .await
        .expect(200);
}
