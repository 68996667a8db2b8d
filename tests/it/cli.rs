//! The `tracestamp` binary's commands, run as a person would run them.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs the binary on `database_url` with `stdin` piped in.
pub fn tracestamp(database_url: &str, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracestamp"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tracestamp");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_bad_roles() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let out = tracestamp(&url, &["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = tracestamp(
        &url,
        &[
            "user",
            "add",
            "thanhtra",
            "--role",
            "regulator",
            "--province",
            "Vĩnh Long",
        ],
        "mật khẩu dài\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tracestamp(
        &url,
        &[
            "user",
            "add",
            "thanhtra",
            "--role",
            "regulator",
            "--province",
            "Vĩnh Long",
        ],
        "mật khẩu dài\n",
    );
    assert!(
        !out.status.success(),
        "a second account with the same name is refused"
    );

    let out = tracestamp(
        &url,
        &[
            "user",
            "add",
            "x",
            "--role",
            "regulator",
            "--province",
            "Atlantis",
        ],
        "long enough\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("province"));
    let out = tracestamp(
        &url,
        &["user", "add", "y", "--role", "producer"],
        "long enough\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("a producer needs an enterprise"));
    let out = tracestamp(&url, &["user", "add", "z", "--role", "admin"], "short\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("8 characters"));
}

#[test]
fn an_unknown_database_scheme_is_named_in_the_error() {
    let out = tracestamp("mysql://root@localhost/test", &["migrate"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sqlite://") && err.contains("postgres://"),
        "{err}"
    );
}

/// One HTTP/1.1 exchange over a plain socket: (status line, headers, body).
fn http(port: u16, request: &str) -> (String, String, String) {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    let mut line = request.split(' ');
    let headers = headers.to_ascii_lowercase();
    crate::conformance::assert_conforms(
        line.next().unwrap_or(""),
        line.next().unwrap_or(""),
        status
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        headers
            .lines()
            .find_map(|l| l.strip_prefix("content-type:"))
            .map(str::trim),
        body.as_bytes(),
    );
    (status.to_owned(), headers, body.to_owned())
}

fn json_request(method: &str, path: &str, cookie: &str, body: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn serve_demo_answers_and_a_graceful_stop_writes_every_scan() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_tracestamp"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", db.to_str().unwrap())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed().as_secs() < 60, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, headers, _) = http(
        port,
        &json_request(
            "POST",
            "/api/v1/auth/login",
            "",
            r#"{"username":"producer1","password":"demo"}"#,
        ),
    );
    assert!(status.contains("200"), "{status}");
    let cookie = headers
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let (_, _, batches) = http(
        port,
        &json_request("GET", "/api/v1/batches?per_page=1", &cookie, ""),
    );
    let batches: serde_json::Value = serde_json::from_str(&batches).unwrap();
    let batch = batches["items"][0]["id"].as_str().unwrap();
    let (status, _, roll) = http(
        port,
        &json_request(
            "POST",
            &format!("/api/v1/batches/{batch}/stamp-rolls"),
            &cookie,
            r#"{"count":3}"#,
        ),
    );
    assert!(status.contains("201"), "{status} {roll}");
    let roll: serde_json::Value = serde_json::from_str(&roll).unwrap();
    let serial = roll["first_serial"].as_str().unwrap();
    for _ in 0..3 {
        let (status, _, body) = http(port, &json_request("GET", &format!("/s/{serial}"), "", ""));
        assert!(
            status.contains("200") && body.contains("genuine"),
            "{status} {body}"
        );
    }
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(server.wait().unwrap().success(), "a graceful stop exits 0");
    use diesel::prelude::*;
    let mut conn = diesel::SqliteConnection::establish(db.to_str().unwrap()).unwrap();
    let scans: i64 = tracestamp::db::schema::scan::table
        .filter(tracestamp::db::schema::scan::serial.eq(serial))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(scans, 3);
}
