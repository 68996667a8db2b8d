//! The real `tracestamp serve` process for tests that need what an in-process
//! app cannot give: a `kill -9` in the middle of a write, a restart, traffic
//! over loopback. Each gets a fresh database — a SQLite file, or a new
//! PostgreSQL database when `TEST_DATABASE_URL` is set.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A database of its own for one test, dropped with it.
pub struct Database {
    pub url: String,
    _dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl Database {
    pub fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("ts_proc_{}", uuid::Uuid::new_v4().simple());
                PgConnection::establish(&admin_url)
                    .expect("TEST_DATABASE_URL answers")
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create database");
                let root = &admin_url[..admin_url.rfind('/').expect("URL with a database")];
                Database {
                    url: format!("{root}/{name}"),
                    _dir: dir,
                    pg: Some((admin_url, name)),
                }
            }
            _ => Database {
                url: format!("sqlite://{}", dir.path().join("server.db").display()),
                _dir: dir,
                pg: None,
            },
        }
    }

    pub fn is_sqlite(&self) -> bool {
        self.pg.is_none()
    }

    /// A scratch directory beside the database that lives as long as it.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A direct connection, for checking rows behind the service's back.
    pub fn connect(&self) -> tracestamp::db::DbConnection {
        use tracestamp::db::{DbConnection, DbTarget};
        match DbTarget::parse(&self.url).expect("url") {
            DbTarget::Sqlite(path) => {
                DbConnection::Sqlite(SqliteConnection::establish(&path).expect("open sqlite"))
            }
            DbTarget::Postgres(url) => {
                DbConnection::Postgres(PgConnection::establish(&url).expect("open postgres"))
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            if let Ok(mut admin) = PgConnection::establish(&admin_url) {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// One running `tracestamp serve`; derefs to a client of it.
pub struct Server {
    child: Child,
    client: Client,
}

/// Talks HTTP/1.1 to the server on `port`, one connection per request.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub port: u16,
}

impl std::ops::Deref for Server {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

impl Server {
    /// Starts the server on `database_url` with extra `serve` arguments and waits until
    /// it accepts connections.
    pub fn start(database_url: &str, args: &[&str]) -> Self {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_tracestamp"))
            .args(["serve", "--bind", &bind])
            .args(args)
            .env("DATABASE_URL", database_url)
            .env("RUST_LOG", "error")
            // Every request of these tests comes from one loopback client.
            .env("RESOLVER_RATE_PER_MINUTE", "10000000")
            .env("RESOLVER_RATE_BURST", "1000000")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tracestamp serve");
        let mut server = Server {
            child,
            client: Client { port },
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("tracestamp serve exited at start: {status}");
            }
            assert!(started.elapsed().as_secs() < 120, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// `kill -9`: no graceful stop, no final flush.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// SIGTERM and wait for a clean exit.
    pub fn stop(mut self) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        assert!(self.child.wait().expect("exit").success(), "clean exit");
    }
}

impl Client {
    /// One request on a fresh connection. `Err` when the connection failed
    /// or was cut (as it is when the server is killed mid-request).
    pub fn try_request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        let body = body.unwrap_or("");
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nAccept: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(120)))?;
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no complete answer")
            })?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let body = &raw[split + 4..];
        let (status_line, headers) = head.split_once("\r\n").unwrap_or((&head, ""));
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
        let headers = headers.to_ascii_lowercase();
        let body = if headers.contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_vec()
        };
        let content_type = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-type:"))
            .map(str::trim);
        crate::conformance::assert_conforms(method, path, status, content_type, &body);
        let body = String::from_utf8_lossy(&body).into_owned();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// A request that must get an answer.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&str>,
    ) -> Reply {
        self.try_request(method, path, token, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// The first active batch the token's account sees, as the API lists it.
    pub fn active_batch(&self, token: &str) -> serde_json::Value {
        let batches = self
            .request(
                "GET",
                "/api/v1/batches?per_page=1&status=active",
                Some(token),
                None,
            )
            .json();
        batches["items"][0].clone()
    }

    /// Issues a roll of `count` stamps on `batch`; the roll as created.
    pub fn issue_roll(&self, token: &str, batch: &str, count: u32) -> serde_json::Value {
        let roll = self.request(
            "POST",
            &format!("/api/v1/batches/{batch}/stamp-rolls"),
            Some(token),
            Some(&format!(r#"{{"count": {count}}}"#)),
        );
        assert_eq!(roll.status, 201, "{}", roll.body);
        roll.json()
    }

    /// Logs in as a demo account and returns a fresh API token for it.
    pub fn demo_token(&self, username: &str) -> String {
        let login = self.request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(&format!(
                r#"{{"username":"{username}","password":"{}"}}"#,
                tracestamp::demo::DEMO_PASSWORD
            )),
        );
        assert_eq!(login.status, 200, "{}", login.body);
        let cookie = login
            .headers
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .and_then(|c| c.split(';').next())
            .expect("session cookie")
            .to_owned();
        let body = r#"{"name":"test"}"#;
        let request = format!(
            "POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
             Cookie: {cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        stream.write_all(request.as_bytes()).expect("send");
        let mut raw = String::new();
        stream.read_to_string(&mut raw).expect("read");
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let head = head.to_ascii_lowercase();
        let content_type = head
            .lines()
            .find_map(|l| l.strip_prefix("content-type:"))
            .map(str::trim);
        crate::conformance::assert_conforms(
            "POST",
            "/api/v1/tokens",
            status,
            content_type,
            body.as_bytes(),
        );
        let created: serde_json::Value = serde_json::from_str(body).expect("token JSON");
        created["token"].as_str().expect("token").to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Undoes `Transfer-Encoding: chunked`.
fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = String::from_utf8_lossy(&rest[..eol]);
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let data = &rest[eol + 2..];
        if n == 0 || data.len() < n {
            break;
        }
        out.extend_from_slice(&data[..n]);
        rest = data[n..].strip_prefix(b"\r\n").unwrap_or(&data[n..]);
    }
    out
}

/// `tracestamp audit verify` on `database_url` passes; returns how many
/// entries it checked.
pub fn audit_intact(database_url: &str) -> u64 {
    let out = crate::cli::tracestamp(database_url, &["audit", "verify"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "audit verify failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .trim()
        .strip_prefix("audit log intact: ")
        .and_then(|s| s.strip_suffix(" entries"))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("unexpected audit verify output {stdout:?}"))
}
