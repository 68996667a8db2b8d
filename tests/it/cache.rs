//! The resolver's cache: served from memory, yet a recall made on this node
//! shows at the next scan, one made behind its back (another node, a tool)
//! once the change counter is checked, and scans written by another node
//! count.

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::App;
use diesel::prelude::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

use tracestamp::db::schema::batch;
use tracestamp::resolver::cache::ResolverCache;
use tracestamp::AppState;

use crate::world::World;

/// The world with a cache that checks the database only every `interval`.
async fn world_with_cache(interval: Duration) -> World {
    let mut w = World::build().await;
    w.app.state_mut().resolver = Arc::new(ResolverCache::new(interval));
    w
}

async fn first_serial(w: &World) -> String {
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 100}),
        )
        .await
        .expect(201)
        .body;
    roll["first_serial"].as_str().unwrap().to_owned()
}

fn scan_request(serial: &str) -> TestRequest {
    TestRequest::get()
        .uri(&format!("/s/{serial}"))
        .insert_header((header::ACCEPT, "application/json"))
        .peer_addr("203.113.5.7:4000".parse().unwrap())
}

async fn scan(w: &World, serial: &str) -> Value {
    w.app
        .send_request(scan_request(serial))
        .await
        .expect(200)
        .body
}

/// One scan answered by another node: its own state on the same database.
async fn scan_on(node: &AppState, serial: &str) -> Value {
    let app = test::init_service(App::new().configure(tracestamp::configure(node.clone()))).await;
    let answer = test::call_service(&app, scan_request(serial).to_request()).await;
    assert_eq!(answer.status(), 200);
    test::read_body_json(answer).await
}

/// The serial of the stamp after `serial` in its roll.
fn next_serial(w: &World, serial: &str) -> String {
    let stamp = w.app.state().codec.decode(serial).unwrap();
    w.app
        .state()
        .codec
        .encode(stamp.roll, stamp.index + 1)
        .unwrap()
}

#[actix_web::test]
async fn a_first_scan_from_the_cache_runs_no_query_and_later_scans_count() {
    let w = world_with_cache(Duration::from_secs(60)).await;
    let serial = first_serial(&w).await;
    assert_eq!(scan(&w, &serial).await["scan_count"], 1);
    // The roll is cached now, and the next stamp was never scanned.
    let other = next_serial(&w, &serial);
    let before = w.app.state().queries_run();
    let first = scan(&w, &other).await;
    assert_eq!(first["verdict"], "genuine");
    assert_eq!(first["scan_count"], 1);
    assert_eq!(w.app.state().queries_run(), before, "answered from memory");
    w.app.state().flush_scans().unwrap();
    let second = scan(&w, &other).await;
    assert_eq!(second["scan_count"], 2);
    assert_eq!(second["first_scanned_at"], first["first_scanned_at"]);
}

#[actix_web::test]
async fn a_recall_on_this_node_shows_at_once_one_behind_its_back_after_the_check() {
    // An interval long enough that the scans below, on a loaded machine,
    // all fall within it.
    let w = world_with_cache(Duration::from_millis(4000)).await;
    let serial = first_serial(&w).await;
    assert_eq!(scan(&w, &serial).await["verdict"], "genuine");

    // Through this node's API: the very next scan.
    w.app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.regulator,
            json!({"reason": "Dư lượng thuốc bảo vệ thực vật vượt ngưỡng"}),
        )
        .await
        .expect(200);
    assert_eq!(scan(&w, &serial).await["verdict"], "recalled");

    // Behind its back (as another node would): served from the cache until
    // the change counter is read again, then shown.
    diesel::update(batch::table.find(&w.a.batch))
        .set((
            batch::status.eq("active"),
            batch::recall_reason.eq(None::<String>),
        ))
        .execute(&mut *w.app.conn())
        .unwrap();
    assert_eq!(scan(&w, &serial).await["verdict"], "recalled");
    actix_web::rt::time::sleep(Duration::from_millis(4100)).await;
    assert_eq!(scan(&w, &serial).await["verdict"], "genuine");
}

#[actix_web::test]
async fn scans_written_by_another_node_count_after_the_check() {
    let w = world_with_cache(Duration::from_millis(300)).await;
    let serial = first_serial(&w).await;
    assert_eq!(scan(&w, &serial).await["scan_count"], 1);
    w.app.state().flush_scans().unwrap();

    let mut config = w.app.state().config.clone();
    config.resolver_cache_ms = 300;
    let node = AppState::open(config).unwrap();
    assert_eq!(scan_on(&node, &serial).await["scan_count"], 2);
    node.flush_scans().unwrap();
    // A stamp first scanned here, then on the other node once it checked.
    let fresh = next_serial(&w, &serial);
    assert_eq!(scan(&w, &fresh).await["scan_count"], 1);
    w.app.state().flush_scans().unwrap();

    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(scan(&w, &serial).await["scan_count"], 3);
    assert_eq!(scan_on(&node, &fresh).await["scan_count"], 2);
}

/// A tool's scan of forged code number `n`, from a network of its own, so
/// that no flush folds it with others.
fn forged_scan(n: u64) -> tracestamp::resolver::scans::NewScan {
    use tracestamp::domain::verdict::Verdict;
    use tracestamp::resolver::scans::{ClientClass, NewScan, Origin};
    NewScan {
        stamp: None,
        serial: format!("FORGED{n:014}").as_str().into(),
        scanned_at: tracestamp::time::now(),
        origin: Some(Origin {
            network: 0x00ff_00ff_0000_0000 | n,
            region: 0x00ff,
            place: None,
        }),
        device: None,
        client_class: ClientClass::Tool,
        verdict: Verdict::Unknown,
    }
}

#[actix_web::test]
async fn a_busy_seconds_scans_are_all_written_in_chunks() {
    use tracestamp::db::schema::scan;
    let app = crate::harness::TestApp::new();
    // 2,345 = 2 × 1,000 + 256 + 64 + 16 + 8 + 1: every chunk size at once.
    for n in 0..2_345 {
        let mut scan = forged_scan(n);
        // In Cần Thơ; the second without an origin; every other with a device.
        if let Some(origin) = &mut scan.origin {
            origin.place = tracestamp::domain::places::Place::named("Cần Thơ");
        }
        if n == 1 {
            scan.origin = None;
        }
        scan.device = (n % 2 == 0).then_some(n);
        app.state().scans.push(scan);
    }
    assert_eq!(app.state().flush_scans().unwrap(), 2_345);
    let written: i64 = scan::table.count().get_result(&mut *app.conn()).unwrap();
    assert_eq!(written, 2_345);
    let last: String = scan::table
        .order(scan::id.desc())
        .select(scan::serial)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(last, "FORGED00000000002344");
    let origins: Vec<(Option<String>, Option<String>, Option<String>)> = scan::table
        .order(scan::id)
        .select((scan::origin_hash, scan::origin_region, scan::place))
        .limit(2)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(
        origins,
        [
            (
                Some("00ff00ff00000000".to_owned()),
                Some("00000000000000ff".to_owned()),
                Some("Cần Thơ".to_owned())
            ),
            (None, None, None)
        ]
    );
}

/// A backlog larger than a flush batch is written a batch per transaction,
/// oldest first: one flush writes one batch and leaves the rest, and
/// `flush_scans` writes all that waited when it was called.
#[actix_web::test]
async fn a_backlog_is_written_batch_by_batch_oldest_first() {
    use tracestamp::db::schema::scan;
    use tracestamp::resolver::scans::FLUSH_BATCH;
    let app = crate::harness::TestApp::new();
    let backlog = FLUSH_BATCH * 2 + 345;
    for n in 0..backlog as u64 {
        app.state().scans.push(forged_scan(n));
    }
    let written = |app: &crate::harness::TestApp| -> i64 {
        scan::table.count().get_result(&mut *app.conn()).unwrap()
    };
    assert_eq!(
        app.state().scans.flush(&mut app.conn()).unwrap(),
        FLUSH_BATCH
    );
    assert_eq!(written(&app), FLUSH_BATCH as i64);
    assert_eq!(app.state().scans.depth(), backlog - FLUSH_BATCH);
    assert_eq!(app.state().flush_scans().unwrap(), backlog - FLUSH_BATCH);
    assert_eq!(written(&app), backlog as i64);
    assert_eq!(app.state().scans.depth(), 0);
    let serials: Vec<String> = scan::table
        .order(scan::id)
        .select(scan::serial)
        .load(&mut *app.conn())
        .unwrap();
    let expected: Vec<String> = (0..backlog).map(|n| format!("FORGED{n:014}")).collect();
    assert!(serials == expected, "every scan once, in the order it came");
}

#[actix_web::test]
async fn scans_of_one_stamp_are_written_in_the_order_they_came() {
    use tracestamp::db::schema::scan;
    use tracestamp::domain::verdict::Verdict;
    use tracestamp::resolver::scans::{ClientClass, NewScan, Origin};
    let app = crate::harness::TestApp::new();
    // Seven stamps taking turns, forged codes between them, over three
    // chunks: SQLite writes them in stamp order, and each stamp's scans must
    // keep theirs (ids follow time within a stamp).
    let start = tracestamp::time::now();
    for n in 0..3_000i64 {
        app.state().scans.push(NewScan {
            stamp: (n % 5 != 0).then_some((9, (n * 3) % 7)),
            serial: format!("CODE{n:016}").as_str().into(),
            scanned_at: start + chrono::Duration::milliseconds(n),
            // Each forged code from an origin of its own: none is folded.
            origin: (n % 5 == 0).then_some(Origin {
                network: n as u64,
                region: 0,
                place: None,
            }),
            device: None,
            client_class: ClientClass::Mobile,
            verdict: Verdict::Genuine,
        });
    }
    assert_eq!(app.state().flush_scans().unwrap(), 3_000);
    let rows: Vec<(Option<i64>, chrono::NaiveDateTime)> = scan::table
        .order(scan::id)
        .select((scan::stamp_index, scan::scanned_at))
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(rows.len(), 3_000);
    for stamp in (0..7).map(Some).chain([None]) {
        let times: Vec<_> = rows.iter().filter(|r| r.0 == stamp).map(|r| r.1).collect();
        assert!(times.len() > 300, "stamp {stamp:?}: {} scans", times.len());
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "stamp {stamp:?}: scans written out of their order"
        );
    }
}
