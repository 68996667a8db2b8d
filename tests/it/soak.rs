//! A soak of the real server over loopback: for `SOAK_SECONDS` (default 20)
//! consumers resolve stamps while a producer issues rolls and records events,
//! all at once. Then: no request failed, every acknowledged write is stored,
//! and the scans buffered in memory reach the database within the flush
//! window (the flusher writes every second) with the server still running.

use diesel::prelude::*;
use rand::Rng;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::server::{audit_intact, Client, Database, Server};
use tracestamp::db::schema::{event, scan, stamp_roll};

/// How long the load runs.
fn soak_time() -> Duration {
    let seconds = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    Duration::from_secs(seconds)
}

/// How long buffered scans may take to be written: the flusher's period
/// (1 s) plus room for a slow flush on a busy machine.
const FLUSH_WINDOW: Duration = Duration::from_secs(5);

/// What one worker did.
#[derive(Default)]
struct Tally {
    requests: u64,
    errors: Vec<String>,
    /// Ids of acknowledged writes.
    written: Vec<String>,
}

fn worker(
    stop: &Arc<AtomicBool>,
    mut step: impl FnMut(&mut Tally) + Send + 'static,
) -> std::thread::JoinHandle<Tally> {
    let stop = Arc::clone(stop);
    std::thread::spawn(move || {
        let mut tally = Tally::default();
        while !stop.load(Ordering::Relaxed) && tally.errors.len() < 10 {
            step(&mut tally);
            tally.requests += 1;
        }
        tally
    })
}

fn write(client: Client, token: &str, path: &str, body: &str, tally: &mut Tally) {
    match client.try_request("POST", path, Some(token), Some(body)) {
        Ok(r) if r.status == 201 => tally.written.push(r.json()["id"].as_str().unwrap().into()),
        Ok(r) => tally
            .errors
            .push(format!("POST {path}: {} {}", r.status, r.body)),
        Err(e) => tally.errors.push(format!("POST {path}: {e}")),
    }
}

#[test]
fn concurrent_resolves_and_writes_lose_nothing() {
    let db = Database::fresh();
    let server = Server::start(&db.url, &["--demo"]);
    let token = server.demo_token("producer1");
    let batch = server.active_batch(&token);
    let (batch_id, facility) = (
        batch["id"].as_str().unwrap().to_owned(),
        batch["facility_id"].as_str().unwrap().to_owned(),
    );
    let rolls_path = format!("/api/v1/batches/{batch_id}/stamp-rolls");
    let roll = server
        .request(
            "POST",
            &rolls_path,
            Some(&token),
            Some(r#"{"count": 1000}"#),
        )
        .json();
    let roll_id = roll["id"].as_str().unwrap().to_owned();
    let serials: Vec<String> = server
        .request(
            "GET",
            &format!("/api/v1/stamp-rolls/{roll_id}/serials?format=json&count=300"),
            Some(&token),
            None,
        )
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["serial"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(serials.len(), 300);
    let serials = Arc::new(serials);

    let stop = Arc::new(AtomicBool::new(false));
    let client = *server;
    let mut resolvers = Vec::new();
    for _ in 0..3 {
        let serials = Arc::clone(&serials);
        resolvers.push(worker(&stop, move |tally| {
            let serial = &serials[rand::thread_rng().gen_range(0..serials.len())];
            let path = format!("/s/{serial}");
            match client.try_request("GET", &path, None, None) {
                Ok(r) if r.status == 200 && r.body.contains("\"verdict\"") => {}
                Ok(r) => tally
                    .errors
                    .push(format!("GET {path}: {} {}", r.status, r.body)),
                Err(e) => tally.errors.push(format!("GET {path}: {e}")),
            }
        }));
    }
    let roll_writer = {
        let (token, path) = (token.clone(), rolls_path.clone());
        worker(&stop, move |tally| {
            let count = rand::thread_rng().gen_range(1..=100_000);
            write(
                client,
                &token,
                &path,
                &format!(r#"{{"count": {count}}}"#),
                tally,
            );
        })
    };
    let event_writer = {
        let token = token.clone();
        let path = format!("/api/v1/batches/{batch_id}/events");
        let body =
            serde_json::json!({"kind": "cooling", "occurred_at": "2026-11-03T05:00:00+07:00",
            "facility_id": facility, "details": {"temperature_c": 8}})
            .to_string();
        worker(&stop, move |tally| {
            write(client, &token, &path, &body, tally)
        })
    };

    std::thread::sleep(soak_time());
    stop.store(true, Ordering::Relaxed);
    let resolved: Vec<Tally> = resolvers.into_iter().map(|r| r.join().unwrap()).collect();
    let rolls = roll_writer.join().unwrap();
    let events = event_writer.join().unwrap();
    let resolutions: u64 = resolved.iter().map(|t| t.requests).sum();
    let errors: Vec<&String> = resolved
        .iter()
        .chain([&rolls, &events])
        .flat_map(|t| &t.errors)
        .collect();
    assert!(errors.is_empty(), "failed requests: {errors:#?}");
    eprintln!(
        "soak {:?}: {resolutions} resolutions, {} rolls, {} events",
        soak_time(),
        rolls.written.len(),
        events.written.len()
    );
    assert!(resolutions > 100 && rolls.written.len() > 5 && events.written.len() > 5);

    // With the server still running, the periodic flusher alone must write
    // every scan within the window.
    let mut conn = db.connect();
    let roll_number: i64 = stamp_roll::table
        .find(&roll_id)
        .select(stamp_roll::number)
        .first(&mut conn)
        .unwrap();
    let stopped_at = Instant::now();
    let scans = loop {
        let n: i64 = scan::table
            .filter(scan::roll_number.eq(roll_number))
            .count()
            .get_result(&mut conn)
            .unwrap();
        if n as u64 >= resolutions || stopped_at.elapsed() > FLUSH_WINDOW {
            break n as u64;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(scans, resolutions, "scans written within {FLUSH_WINDOW:?}");

    let stored_rolls: HashSet<String> = stamp_roll::table
        .select(stamp_roll::id)
        .load::<String>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    let stored_events: HashSet<String> = event::table
        .select(event::id)
        .load::<String>(&mut conn)
        .unwrap()
        .into_iter()
        .collect();
    for id in &rolls.written {
        assert!(stored_rolls.contains(id), "acknowledged roll {id} missing");
    }
    for id in &events.written {
        assert!(
            stored_events.contains(id),
            "acknowledged event {id} missing"
        );
    }
    drop(conn);
    server.stop();
    let entries = audit_intact(&db.url);
    assert!(entries as usize > rolls.written.len() + events.written.len());
}
