//! What an operator sees: `/healthz`, `/readyz` (the database and the
//! migrations), `/metrics` read back by a Prometheus text-format parser, and
//! the request id on answers, in error bodies and on error pages.

use actix_web::http::header;
use actix_web::test::TestRequest;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::harness::TestApp;
use crate::world::World;

#[actix_web::test]
async fn healthz_answers_without_the_database() {
    let app = TestApp::new();
    let queries = app.state().queries_run();
    let answer = app.send_request(TestRequest::get().uri("/healthz")).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({"status": "ok"}));
    assert_eq!(
        app.state().queries_run(),
        queries,
        "healthz read the database"
    );
}

#[actix_web::test]
async fn readyz_is_ready_on_a_migrated_database_and_503_with_a_migration_pending() {
    let app = TestApp::new();
    let ready = app.send_request(TestRequest::get().uri("/readyz")).await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["database"]["ok"], true);
    assert_eq!(ready.body["migrations"]["ok"], true);

    // As if this node were newer than the database: its last migration
    // is not recorded as applied.
    app.conn()
        .batch_execute(
            "DELETE FROM __diesel_schema_migrations WHERE version = \
             (SELECT MAX(version) FROM __diesel_schema_migrations)",
        )
        .expect("forget the last migration");
    let pending = app.send_request(TestRequest::get().uri("/readyz")).await;
    assert_eq!(pending.status, 503, "{}", pending.text);
    assert_eq!(pending.body["status"], "not_ready");
    assert_eq!(pending.body["database"]["ok"], true);
    assert_eq!(pending.body["migrations"]["ok"], false);
    let reason = pending.body["migrations"]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("tracestamp migrate"), "{reason}");
}

/// The scrape parsed as Prometheus would, by `prometheus-parse`.
async fn scrape(app: &TestApp) -> prometheus_parse::Scrape {
    let answer = app.send_request(TestRequest::get().uri("/metrics")).await;
    assert_eq!(answer.status, 200);
    let content_type = answer.headers.get(header::CONTENT_TYPE).unwrap();
    assert!(
        content_type
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{content_type:?}"
    );
    let lines = answer.text.lines().map(|l| Ok(l.to_owned()));
    prometheus_parse::Scrape::parse(lines).expect("Prometheus text format")
}

/// The value of the sample `name` whose labels include `labels`.
fn value(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => *v,
            prometheus_parse::Value::Histogram(buckets) => {
                buckets.last().map_or(f64::NAN, |b| b.count)
            }
            prometheus_parse::Value::Summary(_) => f64::NAN,
        })
}

#[actix_web::test]
async fn metrics_count_requests_scans_the_cache_the_pool_and_the_audit_log() {
    let w = World::build().await;
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
    let serial = roll["first_serial"].as_str().unwrap().to_owned();
    let before = scrape(&w.app).await;

    let scan = || {
        TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "application/json"))
            .peer_addr("203.113.5.7:4000".parse().unwrap())
    };
    w.app.send_request(scan()).await.expect(200);
    w.app.send_request(scan()).await.expect(200);
    w.app
        .send(actix_web::http::Method::GET, "/api/v1/batches", None, None)
        .await
        .expect(401);

    let during = scrape(&w.app).await;
    assert_eq!(
        value(&during, "tracestamp_scan_buffer_depth", &[]),
        Some(2.0)
    );
    let requests = |s: &prometheus_parse::Scrape, class: &str, status: &str| {
        value(
            s,
            "tracestamp_http_requests_total",
            &[("class", class), ("status", status)],
        )
        .unwrap_or(0.0)
    };
    assert_eq!(
        requests(&during, "resolver", "200") - requests(&before, "resolver", "200"),
        2.0
    );
    assert_eq!(
        requests(&during, "api", "401") - requests(&before, "api", "401"),
        1.0
    );
    assert!(
        requests(&during, "api", "201") >= 5.0,
        "the world's creations"
    );
    assert!(requests(&during, "probe", "200") >= 1.0, "the first scrape");
    let latency_count = |s: &prometheus_parse::Scrape| {
        value(
            s,
            "tracestamp_http_request_duration_seconds",
            &[("class", "resolver")],
        )
        .unwrap_or(0.0)
    };
    assert_eq!(latency_count(&during) - latency_count(&before), 2.0);
    let lookups = value(&during, "tracestamp_resolver_cache_hits_total", &[]).unwrap()
        + value(&during, "tracestamp_resolver_cache_misses_total", &[]).unwrap();
    assert_eq!(lookups, 2.0);
    assert!(value(&during, "tracestamp_resolver_cache_misses_total", &[]).unwrap() >= 1.0);

    let written = w.app.state().flush_scans().expect("flush");
    assert_eq!(written, 2);
    let after = scrape(&w.app).await;
    assert_eq!(
        value(&after, "tracestamp_scan_buffer_depth", &[]),
        Some(0.0)
    );
    let scans_written = |s: &prometheus_parse::Scrape| {
        value(s, "tracestamp_scans_written_total", &[]).unwrap_or(0.0)
    };
    assert_eq!(scans_written(&after) - scans_written(&during), 2.0);
    assert_eq!(
        value(&after, "tracestamp_scans_dropped_total", &[]),
        Some(0.0),
        "none dropped, and the counter is exported"
    );
    let flush_count = |s: &prometheus_parse::Scrape| {
        value(s, "tracestamp_scan_flush_seconds", &[]).unwrap_or(0.0)
    };
    assert_eq!(flush_count(&after) - flush_count(&during), 1.0);

    let entries = tracestamp::models::audit_log::length(&mut w.app.conn()).expect("audit length");
    assert!(entries > 10, "the world wrote {entries} audit entries");
    assert_eq!(
        value(&after, "tracestamp_audit_log_entries", &[]),
        Some(entries as f64)
    );
    assert_eq!(value(&after, "tracestamp_database_up", &[]), Some(1.0));
    assert_eq!(
        value(&after, "tracestamp_db_pool_max_connections", &[]),
        Some(f64::from(w.app.state().config.pool_size()))
    );
    assert!(value(&after, "tracestamp_db_pool_connections", &[]).unwrap() >= 1.0);
}

#[actix_web::test]
async fn every_answer_carries_a_request_id_and_error_bodies_repeat_it() {
    let app = TestApp::new();
    let ok = app.send_request(TestRequest::get().uri("/healthz")).await;
    let id = ok
        .headers
        .get("x-request-id")
        .expect("X-Request-Id")
        .to_str()
        .unwrap();
    assert_eq!(id.len(), 16, "{id}");

    let refused = app
        .send(actix_web::http::Method::GET, "/api/v1/batches", None, None)
        .await
        .expect(401);
    let header_id = refused
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_eq!(refused.body["error"]["request_id"], header_id);
    assert_eq!(refused.body["error"]["code"], "unauthenticated");
    assert_ne!(header_id, id, "each request has its own id");

    // An extractor's refusal (malformed JSON) is answered inside the
    // request too.
    let token = app.account("admin", "admin", None, None);
    let malformed = app
        .send_request(
            TestRequest::post()
                .uri("/api/v1/enterprises")
                .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload("{not json"),
        )
        .await
        .expect(400);
    assert_eq!(
        malformed.body["error"]["request_id"],
        malformed
            .headers
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
    );
}

#[actix_web::test]
async fn a_proxys_request_id_is_kept_and_a_hostile_one_replaced() {
    let app = TestApp::new();
    let from_nginx = "6f1c0e2b9d8a47e3b5c4a1f0e9d8c7b6";
    let kept = app
        .send_request(
            TestRequest::get()
                .uri("/api/v1/batches")
                .insert_header(("x-request-id", from_nginx)),
        )
        .await
        .expect(401);
    assert_eq!(kept.headers.get("x-request-id").unwrap(), from_nginx);
    assert_eq!(kept.body["error"]["request_id"], from_nginx);

    let hostile = "<script>alert(1)</script>";
    let replaced = app
        .send_request(
            TestRequest::get()
                .uri("/api/v1/batches")
                .insert_header(("x-request-id", hostile)),
        )
        .await
        .expect(401);
    let id = replaced
        .headers
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap();
    assert_ne!(id, hostile);
    assert!(!replaced.text.contains("script"), "{}", replaced.text);
}

#[actix_web::test]
async fn an_error_page_shows_the_request_id() {
    let app = TestApp::new();
    let missing = app
        .send_request(
            TestRequest::get()
                .uri("/static/products/none.svg")
                .insert_header(("x-request-id", "page-error-2")),
        )
        .await
        .expect(404);
    assert!(missing.text.contains("Request id"), "{}", missing.text);
    assert!(
        missing.text.contains("<code>page-error-2</code>"),
        "{}",
        missing.text
    );
    assert_eq!(missing.headers.get("x-request-id").unwrap(), "page-error-2");
}

/// The rule, whichever part of the service answers: an error answer quotes
/// the request id it carries in `X-Request-Id`, so that a support request
/// can quote it. Covers a path no route takes (as a browser and as a
/// program, and with a method no route takes), the resolver's refusal of a
/// code, and an EPCIS problem.
#[actix_web::test]
async fn every_error_answer_quotes_its_request_id() {
    let app = TestApp::new();
    let get = |uri: &str, accept: &str, id: &str| {
        TestRequest::get()
            .uri(uri)
            .insert_header((header::ACCEPT, accept.to_owned()))
            .insert_header(("x-request-id", id.to_owned()))
    };
    let browser = "text/html,application/xhtml+xml,*/*;q=0.8";

    // A mistyped address: a page in both languages for a browser ...
    let page = app
        .send_request(get("/s/ABCD/oops", browser, "typo-page-1"))
        .await
        .expect(404);
    assert!(page.is_html(), "{:?}", page.headers);
    for said in [
        "Không tìm thấy",
        "Not found",
        "Không có trang nào ở địa chỉ này",
        "Nothing is at this address",
        "<code>typo-page-1</code>",
    ] {
        assert!(page.text.contains(said), "{said}: {}", page.text);
    }
    assert_eq!(page.headers.get("x-request-id").unwrap(), "typo-page-1");

    // ... the JSON error for any other client (curl's */* too).
    for accept in ["*/*", "application/json"] {
        let json = app
            .send_request(get("/no-such-thing", accept, "typo-json-1"))
            .await
            .expect(404);
        assert_eq!(json.body["error"]["code"], "not_found", "{}", json.text);
        assert_eq!(json.body["error"]["request_id"], "typo-json-1");
        let message = json.body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("kiểm tra") && message.contains("typo"),
            "{message}"
        );
    }

    // A method the address does not take: said so, with the method.
    let posted = app
        .send_request(
            TestRequest::delete()
                .uri("/login")
                .insert_header(("x-request-id", "method-1")),
        )
        .await
        .expect(404);
    assert_eq!(posted.body["error"]["request_id"], "method-1");
    let message = posted.body["error"]["message"].as_str().unwrap();
    assert!(message.contains("DELETE"), "{message}");

    // The resolver's refusal of a code that is no stamp.
    let forged = app
        .send_request(get(
            "/s/7K3QM9XTMA0B1C2D3E4F",
            "application/json",
            "forged-1",
        ))
        .await;
    assert!(
        [400, 404].contains(&forged.status.as_u16()),
        "{}",
        forged.text
    );
    assert_eq!(forged.body["verdict"], "unknown");
    assert_eq!(forged.body["error"]["request_id"], "forged-1");

    // An EPCIS problem (RFC 9457), as the extension member `requestId`.
    let problem = app
        .send_request(get(
            "/epcis/no-such-resource",
            "application/json",
            "epcis-1",
        ))
        .await;
    assert!(problem.status.is_client_error(), "{}", problem.text);
    assert!(
        problem.body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("epcisException:")),
        "{}",
        problem.text
    );
    assert_eq!(problem.body["requestId"], "epcis-1", "{}", problem.text);
}
