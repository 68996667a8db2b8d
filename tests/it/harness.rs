//! The one test harness: a fresh database per test (a SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set), the real app built by
//! `tracestamp::configure`, and helpers to call it as a client would.

use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{test, App};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use tracestamp::config::Config;
use tracestamp::models::account::{self, NewAccount, NewToken, TOKEN_API};
use tracestamp::AppState;

pub struct TestApp {
    state: AppState,
    /// The app built on `state`, once: building it compiles every route's
    /// pattern, which in a debug build cost more than most requests did.
    /// `state_mut` drops it, so the next request sees the change.
    app: std::cell::OnceCell<Call>,
    /// Where the database is, for a server process run on it.
    pub database_url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// The built app, as one call from a request to its answer.
type Call = Box<
    dyn Fn(
        test::TestRequest,
    ) -> LocalBoxFuture<'static, Result<ServiceResponse<BoxBody>, actix_web::Error>>,
>;

/// One HTTP answer, body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl TestApp {
    pub fn new() -> Self {
        // The OpenAPI contract every answer is checked against compiles on
        // first use (most of a second in a debug build); here, not inside
        // the first request, which a test may be timing.
        crate::conformance::contract();
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Self::postgres(&url),
            _ => Self::sqlite(),
        }
    }

    fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("test.db");
        let state = AppState::open(Config::for_database(path.to_str().expect("utf-8 path")))
            .expect("open sqlite");
        TestApp {
            state,
            app: std::cell::OnceCell::new(),
            database_url: path.to_str().expect("utf-8 path").to_owned(),
            _dir: Some(dir),
            pg: None,
        }
    }

    fn postgres(admin_url: &str) -> Self {
        let name = format!("ts_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::establish(admin_url).expect("TEST_DATABASE_URL answers");
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        let (base, query) = admin_url
            .split_once('?')
            .map_or((admin_url, None), |(b, q)| (b, Some(q)));
        let root = &base[..base.rfind('/').expect("URL with a database name")];
        let url = match query {
            Some(q) => format!("{root}/{name}?{q}"),
            None => format!("{root}/{name}"),
        };
        let state = AppState::open(Config::for_database(&url)).expect("open postgres");
        TestApp {
            state,
            app: std::cell::OnceCell::new(),
            database_url: url,
            _dir: None,
            pg: Some((admin_url.to_owned(), name)),
        }
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The state to change (a limit, a cache): the app is built again on
    /// it for the next request.
    pub fn state_mut(&mut self) -> &mut AppState {
        self.app.take();
        &mut self.state
    }

    /// The app on the current state, built on first use.
    async fn app(&self) -> &Call {
        if self.app.get().is_none() {
            let app =
                test::init_service(App::new().configure(tracestamp::configure(self.state.clone())))
                    .await;
            let call: Call = Box::new(move |req| {
                let answer = app.call(req.to_request());
                Box::pin(async move { answer.await.map(ServiceResponse::map_into_boxed_body) })
            });
            let _ = self.app.set(call);
        }
        self.app.get().expect("built above")
    }

    /// The PostgreSQL admin URL and this test's database name, when on
    /// PostgreSQL (for tests that must act on the database server itself).
    pub fn postgres_admin(&self) -> Option<(&str, &str)> {
        self.pg
            .as_ref()
            .map(|(url, name)| (url.as_str(), name.as_str()))
    }

    pub fn conn(&self) -> tracestamp::db::PooledConnection {
        self.state.pool.get().expect("pooled connection")
    }

    /// An account with an API token, made directly in the database (no
    /// password hashing, so tests stay fast). Returns the bearer token.
    pub fn account(
        &self,
        username: &str,
        role: &str,
        enterprise_id: Option<&str>,
        province: Option<&str>,
    ) -> String {
        let mut conn = self.conn();
        let id = uuid::Uuid::now_v7().to_string();
        account::insert(
            &mut conn,
            &NewAccount {
                id: id.clone(),
                username: username.into(),
                password_hash: "!".into(),
                role: role.into(),
                enterprise_id: enterprise_id.map(str::to_owned),
                province: province.map(str::to_owned),
                disabled: false,
                created_at: tracestamp::time::now(),
            },
        )
        .expect("insert account");
        let secret = tracestamp::auth::new_token_secret();
        account::insert_token(
            &mut conn,
            &NewToken {
                id: uuid::Uuid::now_v7().to_string(),
                account_id: id,
                name: "test".into(),
                kind: TOKEN_API.into(),
                token_hash: tracestamp::auth::token_hash(&secret),
                created_at: tracestamp::time::now(),
                expires_at: None,
            },
        )
        .expect("insert token");
        secret
    }

    /// Sends one request to the real app.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = test::TestRequest::default().method(method).uri(path);
        if let Some(t) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
        }
        if let Some(b) = body {
            req = req.set_json(b);
        }
        self.send_request(req).await
    }

    /// Sends one request to the real app. An answer under `/api/v1` must
    /// be one the OpenAPI document describes (`conformance`): a test fails
    /// on any that is not, whatever it asserts itself.
    pub async fn send_request(&self, req: test::TestRequest) -> Answer {
        let resp = self.app().await(req).await.expect("the app answers");
        let (method, uri) = (
            resp.request().method().to_string(),
            resp.request().uri().to_string(),
        );
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = test::read_body(resp).await;
        crate::conformance::assert_conforms(
            &method,
            &uri,
            status.as_u16(),
            headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            &bytes,
        );
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Answer {
        self.send(Method::DELETE, path, Some(token), None).await
    }

    /// Row counts of every registry table plus the audit log: a request
    /// that was refused must leave all of them as they were.
    pub fn snapshot(&self) -> Vec<(String, i64)> {
        use tracestamp::db::schema::*;
        let mut c = self.conn();
        let c = &mut *c;
        let n = |r: QueryResult<i64>| r.expect("count");
        vec![
            (
                "enterprise".into(),
                n(enterprise::table.count().get_result(c)),
            ),
            ("facility".into(), n(facility::table.count().get_result(c))),
            (
                "certification".into(),
                n(certification::table.count().get_result(c)),
            ),
            ("product".into(), n(product::table.count().get_result(c))),
            ("batch".into(), n(batch::table.count().get_result(c))),
            ("event".into(), n(event::table.count().get_result(c))),
            (
                "event_input".into(),
                n(event_input::table.count().get_result(c)),
            ),
            (
                "api_token".into(),
                n(api_token::table.count().get_result(c)),
            ),
            (
                "audit_log".into(),
                n(audit_log::table.count().get_result(c)),
            ),
            ("nfc_tag".into(), n(nfc_tag::table.count().get_result(c))),
            ("party".into(), n(party::table.count().get_result(c))),
            ("handover".into(), n(handover::table.count().get_result(c))),
        ]
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            if let Ok(mut admin) = PgConnection::establish(&admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

impl Answer {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        self
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("body has an id").to_owned()
    }

    /// Whether the answer is a page (its Content-Type is HTML).
    pub fn is_html(&self) -> bool {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|t| t.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
    }
}
