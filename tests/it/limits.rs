//! Rate limits: login per client and per username, the resolver per client;
//! 429 with Retry-After, in the AppError shape (or a short text for browsers).

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

#[actix_web::test]
async fn the_eleventh_login_of_a_minute_is_429_per_client_and_per_username() {
    let app = TestApp::new();
    let config = &app.state.config;
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
    // Many clients trying one username (case folded).
    for n in 0..10 {
        let name = if n % 2 == 0 { "target" } else { "TARGET" };
        login_from(&app, &format!("203.0.113.{n}"), name, "wrong")
            .await
            .expect(401);
    }
    assert_limited(&login_from(&app, "203.0.113.200", "target", "wrong").await);
    // Others are not affected.
    login_from(&app, "192.0.2.1", "someone", "wrong")
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
        w.app.state.config.resolver_rate_per_minute, 600,
        "the default"
    );
    w.app.state.config.resolver_rate_per_minute = 3;
    w.app.state.config.resolver_rate_burst = 3;
    w.app.state.limits = Arc::new(Limits::new(&w.app.state.config));
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
    assert!(
        page.text.contains("Quá nhiều") && page.text.contains("Too many"),
        "{}",
        page.text
    );
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
