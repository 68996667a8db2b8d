//! `kill -9` of the real server in the middle of writes: large stamp rolls
//! issued in a loop and transformation events (each with input rows) written
//! concurrently. After the crash every acknowledged write is there, no write
//! is there in part (a roll or event without its audit entry, an event
//! without its inputs), the audit chain verifies, and a restarted server
//! serves and writes again.

use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::server::{audit_intact, Client, Database, Server};
use tracestamp::db::schema::{audit_log, event, event_input, stamp_roll};

/// The largest roll the API issues: one row however many stamps it holds.
const BIG_ROLL: i64 = 10_000_000;

/// Three batches of one producer: the target and two inputs, with the
/// target's facility.
struct Batches {
    target: String,
    facility: String,
    inputs: [String; 2],
}

fn producer_batches(server: &Server, token: &str) -> Batches {
    let list = server
        .request(
            "GET",
            "/api/v1/batches?per_page=3&status=active",
            Some(token),
            None,
        )
        .json();
    let items = list["items"].as_array().expect("items");
    assert!(items.len() >= 3, "the demo gives a producer ≥ 3 batches");
    let id = |i: usize| items[i]["id"].as_str().unwrap().to_owned();
    Batches {
        target: id(0),
        facility: items[0]["facility_id"].as_str().unwrap().to_owned(),
        inputs: [id(1), id(2)],
    }
}

/// Sends `body` to `path` until told to stop or the server goes away;
/// returns the ids of the writes that were acknowledged with a 201.
fn write_loop(
    server: Client,
    token: String,
    path: String,
    body: String,
    stop: Arc<AtomicBool>,
    acked: Arc<AtomicUsize>,
) -> std::thread::JoinHandle<Vec<String>> {
    std::thread::spawn(move || {
        let mut ids = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            match server.try_request("POST", &path, Some(&token), Some(&body)) {
                Ok(reply) if reply.status == 201 => {
                    ids.push(reply.json()["id"].as_str().unwrap().to_owned());
                    acked.fetch_add(1, Ordering::Relaxed);
                }
                Ok(reply) => panic!("{path}: {} {}", reply.status, reply.body),
                // The server was killed mid-request: whatever it did not
                // acknowledge may or may not have landed.
                Err(_) => break,
            }
        }
        ids
    })
}

fn ids(conn: &mut tracestamp::db::DbConnection, entity: &str) -> HashSet<String> {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::action.eq("create"))
        .select(audit_log::entity_id)
        .load::<String>(conn)
        .expect("audit entries")
        .into_iter()
        .collect()
}

#[test]
fn kill_9_during_roll_issues_and_event_writes_loses_nothing_acknowledged() {
    let db = Database::fresh();
    let server = Server::start(&db.url, &["--demo"]);
    let token = server.demo_token("producer1");
    let batches = producer_batches(&server, &token);
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(AtomicUsize::new(0));

    let roll_body = json!({ "count": BIG_ROLL }).to_string();
    let event_body = json!({
        "kind": "transformation",
        "occurred_at": "2026-11-05T08:00:00+07:00",
        "facility_id": batches.facility,
        "details": {"note": "sorted and packed", "quantity": 10.0, "unit": "kg"},
        "inputs": [{"batch_id": batches.inputs[0], "quantity": 10.0, "unit": "kg"},
                   {"batch_id": batches.inputs[1]}],
    })
    .to_string();
    let rolls_path = format!("/api/v1/batches/{}/stamp-rolls", batches.target);
    let events_path = format!("/api/v1/batches/{}/events", batches.target);
    let writer = |path: &str, body: &str| {
        write_loop(
            *server,
            token.clone(),
            path.to_owned(),
            body.to_owned(),
            Arc::clone(&stop),
            Arc::clone(&acked),
        )
    };
    let roll_writers = [
        writer(&rolls_path, &roll_body),
        writer(&rolls_path, &roll_body),
    ];
    let event_writers = [
        writer(&events_path, &event_body),
        writer(&events_path, &event_body),
    ];
    // Let writes pile up, then kill while all four writers are mid-flight.
    let started = Instant::now();
    while acked.load(Ordering::Relaxed) < 40 && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        acked.load(Ordering::Relaxed) >= 40,
        "writes are acknowledged"
    );
    server.kill9();
    stop.store(true, Ordering::Relaxed);
    let join = |ws: [std::thread::JoinHandle<Vec<String>>; 2]| -> Vec<String> {
        ws.into_iter().flat_map(|w| w.join().unwrap()).collect()
    };
    let acked_rolls = join(roll_writers);
    let acked_events = join(event_writers);
    assert!(!acked_rolls.is_empty() && !acked_events.is_empty());

    let mut conn = db.connect();
    let rolls: HashSet<String> = stamp_roll::table
        .select(stamp_roll::id)
        .load::<String>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let events: HashSet<String> = event::table
        .filter(event::kind.eq("transformation"))
        .select(event::id)
        .load::<String>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    for id in &acked_rolls {
        assert!(rolls.contains(id), "acknowledged roll {id} is missing");
    }
    for id in &acked_events {
        assert!(events.contains(id), "acknowledged event {id} is missing");
    }
    assert_eq!(
        rolls,
        ids(&mut conn, "stamp_roll"),
        "every roll audited, no more"
    );
    let audited_events = ids(&mut conn, "event");
    for id in &events {
        assert!(audited_events.contains(id), "event {id} has no audit entry");
        let inputs: i64 = event_input::table
            .filter(event_input::event_id.eq(id))
            .count()
            .get_result(&mut conn)
            .unwrap();
        assert_eq!(inputs, 2, "event {id} lost its inputs");
    }
    // The demo set's own small rolls aside.
    let big: i64 = stamp_roll::table
        .filter(stamp_roll::created_by.ne("demo"))
        .filter(stamp_roll::count.ne(BIG_ROLL))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(big, 0, "every roll holds all its stamps");
    drop(conn);
    audit_intact(&db.url);

    // The restarted service serves the stamps and takes writes again.
    let server = Server::start(&db.url, &[]);
    let roll = server.request(
        "GET",
        &format!("/api/v1/stamp-rolls/{}", acked_rolls[0]),
        Some(&token),
        None,
    );
    assert_eq!(roll.status, 200, "{}", roll.body);
    let serial = roll.json()["first_serial"].as_str().unwrap().to_owned();
    let resolved: Value = server
        .request("GET", &format!("/s/{serial}"), None, None)
        .json();
    assert_eq!(resolved["verdict"], "genuine", "{resolved}");
    let again = server.request("POST", &rolls_path, Some(&token), Some(&roll_body));
    assert_eq!(again.status, 201, "{}", again.body);
    server.stop();
    audit_intact(&db.url);
}
