//! A stamp's JSON answer as a client reads it off a real server: the
//! resolver sends it in pieces (this scan's fields, then the record's as the
//! cache keeps them), and the client must still get one JSON object with its
//! length announced, never a chunked body.

use crate::server::{Database, Reply, Server};

/// The announced length, checked against the body received.
fn announced_length(reply: &Reply) -> usize {
    assert!(
        !reply.headers.contains("transfer-encoding"),
        "a known length, not chunks: {}",
        reply.headers
    );
    reply
        .headers
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length: {}", reply.headers))
}

#[test]
fn a_stamps_json_answer_is_one_object_of_announced_length() {
    let db = Database::fresh();
    let server = Server::start(&db.url, &["--demo"]);
    let token = server.demo_token("producer1");
    let batch = server.active_batch(&token);
    let roll = server.issue_roll(&token, batch["id"].as_str().unwrap(), 2);
    let (id, serial) = (
        roll["id"].as_str().unwrap().to_owned(),
        roll["first_serial"].as_str().unwrap().to_owned(),
    );

    // A genuine stamp: this scan's fields and the record's, in one object.
    let path = format!("/s/{serial}");
    let genuine = server.request("GET", &path, None, None);
    assert_eq!(genuine.status, 200, "{}", genuine.body);
    assert_eq!(announced_length(&genuine), genuine.body.len());
    let answer = genuine.json();
    assert_eq!(answer["verdict"], "genuine", "{}", genuine.body);
    assert_eq!(answer["serial"], serial.as_str());
    assert!(answer["scan_count"].as_i64().is_some(), "{}", genuine.body);
    assert!(
        answer["product"]["name_vi"]
            .as_str()
            .is_some_and(|n| !n.is_empty()),
        "the record's members follow: {}",
        genuine.body
    );
    assert_eq!(answer["batch"]["lot_code"], batch["lot_code"]);

    // HEAD: the same length announced, no body.
    let head = server.request("HEAD", &path, None, None);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "{}", head.body);
    assert!(
        announced_length(&head).abs_diff(genuine.body.len()) < 8,
        "HEAD announces the answer's length: {} against {}",
        head.headers,
        genuine.body.len()
    );

    // A voided stamp vouches for nothing: its object closes after its own
    // fields.
    let void = server.request(
        "POST",
        &format!("/api/v1/stamp-rolls/{id}/void"),
        Some(&token),
        Some(&format!(
            r#"{{"serials": ["{serial}"], "reason": "Tem in lỗi"}}"#
        )),
    );
    assert_eq!(void.status, 200, "{}", void.body);
    // The cache sees the void within its interval.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let voided = loop {
        let reply = server.request("GET", &path, None, None);
        if reply.json()["verdict"] == "voided" || std::time::Instant::now() > deadline {
            break reply;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(announced_length(&voided), voided.body.len());
    let answer = voided.json();
    assert_eq!(answer["verdict"], "voided", "{}", voided.body);
    assert!(answer.get("product").is_none(), "{}", voided.body);
    assert!(answer["void"].is_object(), "{}", voided.body);
    server.stop();
}
