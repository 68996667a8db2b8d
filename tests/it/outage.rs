//! Scans survive a database outage within a bound (README, "Scans during a
//! database outage"): answered from memory while the database is away, put
//! back whenever a flush fails, all written once it returns; past
//! `SCAN_BUFFER_MAX` new ones are dropped and counted, never the accepted.

use actix_web::http::header;
use actix_web::test::TestRequest;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tracestamp::db::schema::scan;
use tracestamp::resolver::cache::ResolverCache;
use tracestamp::resolver::scans::{ClientClass, NewScan, ScanBuffer};

use crate::world::World;

/// Longer than SQLite's busy timeout (10 s), so that a flush waiting on the
/// lock gives up before it ends.
const OUTAGE: Duration = Duration::from_secs(12);

/// Makes the test's database refuse writes for `OUTAGE`: on SQLite another
/// connection holds an exclusive lock; on PostgreSQL the database refuses
/// connections and the pool's are cut. Returns when the outage has begun;
/// the handle ends it.
fn outage(w: &World) -> std::thread::JoinHandle<()> {
    let (began, begun) = std::sync::mpsc::channel();
    let handle = match w.app.postgres_admin() {
        Some((admin_url, name)) => {
            let (admin_url, name) = (admin_url.to_owned(), name.to_owned());
            std::thread::spawn(move || {
                let mut admin = PgConnection::establish(&admin_url).expect("admin");
                admin
                    .batch_execute(&format!(
                        "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
                         SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                          WHERE datname = '{name}' AND pid <> pg_backend_pid();"
                    ))
                    .expect("cut the database off");
                began.send(()).expect("signal");
                std::thread::sleep(OUTAGE);
                admin
                    .batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
                    .expect("bring it back");
            })
        }
        None => {
            let path = w.app.database_url.clone();
            std::thread::spawn(move || {
                let mut lock = SqliteConnection::establish(&path).expect("second connection");
                lock.batch_execute("BEGIN EXCLUSIVE")
                    .expect("exclusive lock");
                began.send(()).expect("signal");
                std::thread::sleep(OUTAGE);
                lock.batch_execute("COMMIT").expect("release");
            })
        }
    };
    begun.recv().expect("the outage began");
    handle
}

fn scan_count(w: &World) -> i64 {
    scan::table
        .count()
        .get_result(&mut *w.app.conn())
        .expect("count")
}

#[actix_web::test]
async fn every_scan_answered_during_an_outage_is_written_when_the_database_returns() {
    let mut w = World::build().await;
    // A node whose cache is not due for a check during the outage.
    w.app.state_mut().resolver = Arc::new(ResolverCache::new(Duration::from_secs(600)));
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
    // From many clients: one alone would meet the resolver's rate limit.
    let scan_now = |n: usize| {
        TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "application/json"))
            .peer_addr(format!("203.113.{}.7:4000", n % 250).parse().unwrap())
    };
    assert_eq!(w.app.send_request(scan_now(0)).await.status, 200);
    assert_eq!(w.app.state().flush_scans().expect("flush"), 1);

    let started = Instant::now();
    let ending = outage(&w);
    let mut answered = 0;
    for n in 0..100 {
        let answer = w.app.send_request(scan_now(n)).await;
        assert_eq!(answer.status, 200, "answered from memory during the outage");
        answered += 1;
    }
    let state = w.app.state().clone();
    let failed = tokio::task::spawn_blocking(move || state.flush_scans())
        .await
        .expect("flush ran");
    assert!(failed.is_err(), "the database is away: {failed:?}");
    assert_eq!(
        w.app.state().scans.depth(),
        answered,
        "a failed flush is put back whole"
    );
    for n in 100..150 {
        assert_eq!(w.app.send_request(scan_now(n)).await.status, 200);
        answered += 1;
    }
    ending.join().expect("the outage ended");
    assert!(started.elapsed() >= OUTAGE);

    let state = w.app.state().clone();
    let written = tokio::task::spawn_blocking(move || {
        // The pool notices its cut connections on the first try.
        (0..5).find_map(|_| {
            state.flush_scans().ok().filter(|n| *n > 0).or_else(|| {
                std::thread::sleep(Duration::from_millis(500));
                None
            })
        })
    })
    .await
    .expect("flush ran");
    assert_eq!(written, Some(answered));
    assert_eq!(scan_count(&w), 1 + answered as i64);
    assert_eq!(w.app.state().scans.dropped(), 0);
}

#[test]
fn past_its_bound_the_buffer_drops_new_scans_and_counts_them() {
    let buffer = ScanBuffer::new(1_000);
    let scan = NewScan {
        stamp: Some((1, 2)),
        serial: "7K3QM9XTMA0B1C2D3E4F".into(),
        scanned_at: tracestamp::time::now(),
        origin: None,
        device: None,
        client_class: ClientClass::Mobile,
        verdict: tracestamp::domain::verdict::Verdict::Genuine,
    };
    for _ in 0..1_000 {
        assert!(buffer.push(scan.clone()));
    }
    for _ in 0..25 {
        assert!(!buffer.push(scan.clone()), "full");
    }
    assert_eq!((buffer.depth(), buffer.dropped()), (1_000, 25));
}
