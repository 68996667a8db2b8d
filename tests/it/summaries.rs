//! Per-stamp scan summaries, the daily rollup and scan retention
//! (`resolver::summary`, `resolver::retention`): the flusher keeps them in
//! step with the raw scans across flushes and across nodes on one database;
//! the resolver answers from them what it answered from the raw scans; old
//! scans go by month and recent ones stay.

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::App;
use chrono::{Duration, NaiveDateTime};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

use tracestamp::db::schema::{scan, scan_day, scan_summary};
use tracestamp::domain::checkers::{Checker, Checkers, CloneRule, Hex};
use tracestamp::domain::places::Place;
use tracestamp::domain::verdict::Verdict;
use tracestamp::resolver::scans::{ClientClass, NewScan, Origin};
use tracestamp::AppState;

use crate::world::World;

/// A roll of `count` stamps of tenant A: its number and first serial.
async fn roll(w: &World, count: i64) -> (i64, String) {
    let roll = crate::stamps::issue(w, &w.a.batch, count).await;
    let serial = roll["first_serial"].as_str().expect("serial").to_owned();
    let stamp = w.app.state().codec.decode(&serial).expect("a serial");
    (i64::from(stamp.roll), serial)
}

fn serial_of(w: &World, roll: i64, index: i64) -> String {
    w.app
        .state()
        .codec
        .encode(roll as u32, index as u32)
        .expect("a serial")
}

/// A scan of stamp (roll, index) at `at` from network `network` (none:
/// unknown origin), its device, province and client class.
fn scan_of(
    stamp: (i64, i64),
    at: NaiveDateTime,
    network: Option<u64>,
    device: Option<u64>,
    place: &str,
    class: ClientClass,
) -> NewScan {
    NewScan {
        stamp: Some(stamp),
        serial: "SCRIPTED".into(),
        scanned_at: at,
        origin: network.map(|network| Origin {
            network,
            region: network >> 8,
            place: Place::named(place),
        }),
        device,
        client_class: class,
        verdict: Verdict::Genuine,
    }
}

/// The stamp's figures computed from its raw scans: count, first scan and
/// its place, and the checkers of the 64 most recently seen origin networks,
/// each with its last sighting's time and province and the device last seen
/// on it (`domain::checker_groups`), folded oldest first.
fn from_raw_scans(app: &AppState, (roll, index): (i64, i64)) -> (i64, NaiveDateTime, Checkers) {
    let mut conn = app.pool.get().expect("a connection");
    let of_stamp = || {
        scan::table
            .filter(scan::roll_number.eq(roll))
            .filter(scan::stamp_index.eq(index))
    };
    let (count, first): (i64, Option<NaiveDateTime>) = of_stamp()
        .select((count_star(), min(scan::scanned_at)))
        .get_result(&mut *conn)
        .expect("totals");
    let sightings = of_stamp()
        .filter(scan::origin_hash.is_not_null())
        .filter(scan::client_class.ne(ClientClass::Tool.as_str()))
        .select((
            scan::origin_hash,
            scan::device,
            scan::place,
            scan::scanned_at,
        ))
        .load::<(
            Option<String>,
            Option<String>,
            Option<String>,
            NaiveDateTime,
        )>(&mut *conn)
        .expect("sightings");
    // Per network: its latest sighting (time, province) and its latest
    // sighting with a device (time, device).
    type Network = ((NaiveDateTime, Option<Place>), Option<(NaiveDateTime, u64)>);
    let mut networks: BTreeMap<u64, Network> = BTreeMap::new();
    for (network, device, place, at) in sightings {
        let network = Hex::number(&network.expect("a network")).expect("hex");
        let seen = (at, place.as_deref().and_then(Place::named));
        let device = device.as_deref().and_then(Hex::number).map(|d| (at, d));
        let entry = networks.entry(network).or_insert((seen, device));
        entry.0 = entry.0.max(seen);
        entry.1 = entry.1.max(device);
    }
    let mut groups: Vec<(Checker, NaiveDateTime)> = networks
        .into_iter()
        .map(|(network, ((last, place), device))| {
            let who = Checker {
                network,
                device: device.map(|(_, d)| d),
                place,
            };
            (who, last)
        })
        .collect();
    groups.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
    groups.truncate(64);
    groups.sort_by_key(|(_, at)| *at);
    let mut checkers = Checkers::default();
    for (who, at) in groups {
        checkers.add(who, at);
    }
    (count, first.expect("scanned"), checkers)
}

fn summary_count(app: &AppState, stamp: (i64, i64)) -> i64 {
    scan_summary::table
        .find(stamp)
        .select(scan_summary::scans)
        .first(&mut *app.pool.get().expect("a connection"))
        .expect("a summary")
}

fn raw_count(app: &AppState, (roll, index): (i64, i64)) -> i64 {
    scan::table
        .filter(scan::roll_number.eq(roll))
        .filter(scan::stamp_index.eq(index))
        .count()
        .get_result(&mut *app.pool.get().expect("a connection"))
        .expect("count")
}

/// The stamp's JSON answer from a node that knows nothing of it yet (its
/// figures read from the database), to a phone on 203.113.5.7.
async fn fresh_answer(w: &World, serial: &str) -> Value {
    fresh_answer_to(w, serial, "203.113.5.7", None).await
}

/// The same, to a phone at `ip` sending device cookie `device`, if any.
async fn fresh_answer_to(w: &World, serial: &str, ip: &str, device: Option<&str>) -> Value {
    let mut state = w.app.state().clone();
    state.resolver = std::sync::Arc::new(tracestamp::resolver::cache::ResolverCache::new(
        std::time::Duration::ZERO,
    ));
    let app = test::init_service(App::new().configure(tracestamp::configure(state))).await;
    let mut req = TestRequest::get()
        .uri(&format!("/s/{serial}"))
        .insert_header((header::ACCEPT, "application/json"))
        .insert_header((header::USER_AGENT, "Mozilla/5.0 (Linux; Android 14) Mobile"))
        .peer_addr(format!("{ip}:4000").parse().expect("an address"));
    if let Some(token) = device {
        req = req.cookie(actix_web::cookie::Cookie::new(
            "ts_device",
            token.to_owned(),
        ));
    }
    let answer = test::call_service(&app, req.to_request()).await;
    assert_eq!(answer.status(), 200);
    test::read_body_json(answer).await
}

/// Page loads without our cookie are each a new device (the page gives it
/// one); a shop's Wi-Fi serving a hundred of them is one checker group in
/// the stamp's summary, not a hundred, and the device last seen there is the
/// one that links it to the network it checks from next.
#[actix_web::test]
async fn page_loads_without_our_cookie_keep_one_checker_group_a_network() {
    let w = World::build().await;
    let (number, _) = roll(&w, 3).await;
    let serial = serial_of(&w, number, 1);
    let app =
        test::init_service(App::new().configure(tracestamp::configure(w.app.state().clone())))
            .await;
    let mut last_device = None;
    for n in 0..100 {
        let req = TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "text/html"))
            .insert_header((header::USER_AGENT, "Mozilla/5.0 (Linux; Android 14) Mobile"))
            .peer_addr(
                format!("203.113.5.{}:4000", n + 1)
                    .parse()
                    .expect("an address"),
            );
        let page = test::call_service(&app, req.to_request()).await;
        assert_eq!(page.status(), 200);
        let device = page
            .response()
            .cookies()
            .find(|c| c.name() == "ts_device")
            .map(|c| c.value().to_owned());
        assert!(
            device.is_some() && device != last_device,
            "a new device each load"
        );
        last_device = device;
        if n % 10 == 9 {
            w.app.state().flush_scans().expect("flush");
        }
    }
    let stored: String = scan_summary::table
        .find((number, 1))
        .select(scan_summary::checkers)
        .first(&mut *w.app.state().pool.get().expect("a connection"))
        .expect("a summary");
    assert_eq!(stored.split(';').count(), 1, "{stored}");
    let (count, _, checkers) = from_raw_scans(w.app.state(), (number, 1));
    assert_eq!(count, 100);
    let now = tracestamp::time::now();
    assert_eq!(
        checkers.evidence(None, now, &CloneRule::default()).checkers,
        1
    );
    // The last buyer's phone, at home: the same checker, read from the
    // summary by a node that knows nothing of the stamp.
    let home = fresh_answer_to(&w, &serial, "198.51.100.7", last_device.as_deref()).await;
    assert_eq!(
        (home["checkers"].clone(), home["checked_before"].clone()),
        (json!(1), json!(true)),
        "{home}"
    );
    // A stranger there is the second.
    let stranger = fresh_answer_to(&w, &serial, "198.51.100.7", None).await;
    assert_eq!(stranger["checkers"], 2, "{stranger}");
}

#[actix_web::test]
async fn the_resolver_answers_from_summaries_what_the_scans_say() {
    let w = World::build().await;
    let (number, _) = roll(&w, 10).await;
    let start = tracestamp::time::now() - Duration::hours(30);
    let at = |minutes: i64| start + Duration::minutes(minutes);
    // Stamp 1: a shop, its reloads, a crawler, then the buyer's phone at
    // home and on 4G (one device), over two flushes.
    let quiet = (number, 1);
    let script = [
        scan_of(
            quiet,
            at(0),
            Some(0x11),
            None,
            "Vĩnh Long",
            ClientClass::Mobile,
        ),
        scan_of(
            quiet,
            at(1),
            Some(0x11),
            None,
            "Vĩnh Long",
            ClientClass::Mobile,
        ),
        scan_of(quiet, at(2), Some(0x99), None, "Hà Nội", ClientClass::Tool),
        scan_of(quiet, at(3), None, None, "", ClientClass::Mobile),
    ];
    for s in script {
        w.app.state().scans.push(s);
    }
    w.app.state().flush_scans().expect("flush");
    for s in [
        scan_of(
            quiet,
            at(60),
            Some(0x22),
            Some(7),
            "Vĩnh Long",
            ClientClass::Mobile,
        ),
        scan_of(
            quiet,
            at(400),
            Some(0x33),
            Some(7),
            "Vĩnh Long",
            ClientClass::Mobile,
        ),
    ] {
        w.app.state().scans.push(s);
    }
    w.app.state().flush_scans().expect("flush");
    // Stamp 2: a copied label, checked from far-apart provinces within the
    // hour; written before stamp 1's scans of the same flush in time.
    let copied = (number, 2);
    let places = ["Hà Nội", "Cần Thơ", "Hà Nội", "Cà Mau", "Cần Thơ", "Hà Nội"];
    for (n, place) in places.iter().enumerate() {
        let n = n as i64;
        w.app.state().scans.push(scan_of(
            copied,
            at(1700 + n),
            Some(0x100 + n as u64),
            None,
            place,
            ClientClass::Mobile,
        ));
    }
    w.app.state().flush_scans().expect("flush");

    let rule = CloneRule::default();
    let now = tracestamp::time::now();
    for (stamp, verdict) in [(quiet, "genuine"), (copied, "suspicious")] {
        let (count, first, checkers) = from_raw_scans(w.app.state(), stamp);
        let answer = fresh_answer(&w, &serial_of(&w, stamp.0, stamp.1)).await;
        assert_eq!(answer["scan_count"], count + 1, "{answer}");
        assert_eq!(
            answer["first_scanned_at"],
            tracestamp::time::rfc3339(&first),
            "{answer}"
        );
        // The phone checking now is a checker the stamp has not seen.
        let before = checkers.evidence(None, now, &rule);
        assert_eq!(answer["checkers"], before.checkers + 1, "{answer}");
        assert_eq!(answer["verdict"], verdict, "{answer}");
    }
    let quiet_answer = fresh_answer(&w, &serial_of(&w, quiet.0, quiet.1)).await;
    assert_eq!(quiet_answer["first_checked_in"], "Vĩnh Long");
    // Two checkers for stamp 1 (the shop; the phone on two networks), the
    // crawler and the unknown origin none.
    let (_, _, checkers) = from_raw_scans(w.app.state(), quiet);
    assert_eq!(checkers.evidence(None, now, &rule).checkers, 2);
}

/// The summary a flush merges into the stored row (SQLite merges in its
/// upsert, PostgreSQL after reading the row) is the one the scans make one
/// by one: an older scan flushed later moves the first scan and its place
/// back, and checker groups past the 64 kept go oldest first.
#[actix_web::test]
async fn a_later_flush_of_older_scans_merges_as_the_scans_would() {
    let w = World::build().await;
    let (number, _) = roll(&w, 5).await;
    let stamp = (number, 3);
    let start = tracestamp::time::now() - Duration::hours(5);
    let at = |seconds: i64| start + Duration::seconds(seconds);
    let flushes = [
        // 70 groups from 100 s on, in Vĩnh Long.
        (0..70)
            .map(|n| {
                scan_of(
                    stamp,
                    at(100 + n),
                    Some(n as u64 + 1),
                    None,
                    "Vĩnh Long",
                    ClientClass::Mobile,
                )
            })
            .collect::<Vec<_>>(),
        // An earlier scan from Cà Mau, groups seen again, and new ones.
        [scan_of(
            stamp,
            at(50),
            Some(500),
            None,
            "Cà Mau",
            ClientClass::Mobile,
        )]
        .into_iter()
        .chain((0..10).map(|n| {
            let network = Some(n as u64 * 7 + 1);
            scan_of(
                stamp,
                at(300 + n),
                network,
                None,
                "Vĩnh Long",
                ClientClass::Mobile,
            )
        }))
        .chain((0..5).map(|n| {
            scan_of(
                stamp,
                at(400 + n),
                Some(900 + n as u64),
                Some(4),
                "Cần Thơ",
                ClientClass::Mobile,
            )
        }))
        .collect(),
        // Nothing earlier: the first scan stays.
        vec![scan_of(
            stamp,
            at(60),
            None,
            None,
            "Hà Nội",
            ClientClass::Tool,
        )],
    ];
    let mut expected = tracestamp::resolver::summary::Summary::default();
    for flush in flushes {
        for scan in flush {
            let who = scan.origin.map(|o| Checker {
                network: o.network,
                device: scan.device,
                place: o.place,
            });
            let who = who.filter(|_| scan.client_class != ClientClass::Tool);
            expected.add(who, scan.origin.and_then(|o| o.place), scan.scanned_at);
            w.app.state().scans.push(scan);
        }
        w.app.state().flush_scans().expect("flush");
    }
    let stored = tracestamp::resolver::summary::Summary::read(
        &mut w.app.state().pool.get().expect("a connection"),
        stamp.0,
        stamp.1,
    )
    .expect("the summary");
    assert_eq!(stored.scans, 87);
    assert_eq!(stored.first_at, Some(at(50)));
    assert_eq!(stored.first_place, Place::named("Cà Mau"));
    assert_eq!(
        (stored.scans, stored.first_at, stored.first_place),
        (expected.scans, expected.first_at, expected.first_place)
    );
    let rule = CloneRule::default();
    let now = tracestamp::time::now();
    let (kept, whole) = (stored.checkers(), expected.checkers());
    assert_eq!(
        kept.evidence(None, now, &rule),
        whole.evidence(None, now, &rule)
    );
}

#[actix_web::test]
async fn two_nodes_flushing_at_once_keep_every_scan_in_the_summaries() {
    let w = World::build().await;
    let (number, serial) = roll(&w, 50).await;
    let other = AppState::open(w.app.state().config.clone()).expect("a second node");
    let nodes = [w.app.state().clone(), other];
    let now = tracestamp::time::now();
    // Each node buffers scans of the same twenty stamps, in opposite
    // orders, and the two flush at once, five times over.
    for round in 0..5u64 {
        for (n, node) in nodes.iter().enumerate() {
            for i in 0..20i64 {
                let index = if n == 0 { i } else { 19 - i };
                node.scans.push(scan_of(
                    (number, index),
                    now + Duration::milliseconds((round * 100 + i as u64) as i64),
                    Some(round * 10 + n as u64 + 1),
                    None,
                    "Cần Thơ",
                    ClientClass::Mobile,
                ));
            }
        }
        std::thread::scope(|s| {
            for node in &nodes {
                s.spawn(|| {
                    // A flush that loses a race is put back: try again.
                    for _ in 0..20 {
                        if node.flush_scans().is_ok() && node.scans.depth() == 0 {
                            return;
                        }
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                    panic!("the scans were never written");
                });
            }
        });
    }
    for index in 0..20 {
        let stamp = (number, index);
        assert_eq!(raw_count(&nodes[0], stamp), 10);
        assert_eq!(summary_count(&nodes[0], stamp), 10, "stamp {index}");
        let (_, first, checkers) = from_raw_scans(&nodes[0], stamp);
        let answer = fresh_answer(&w, &serial_of(&w, number, index)).await;
        assert_eq!(answer["scan_count"], 11);
        assert_eq!(
            answer["first_scanned_at"],
            tracestamp::time::rfc3339(&first)
        );
        let rule = CloneRule::default();
        let expected = checkers.evidence(None, tracestamp::time::now(), &rule);
        assert_eq!(expected.checkers, 10);
        assert_eq!(answer["checkers"], expected.checkers + 1);
    }
    assert_eq!(serial, serial_of(&w, number, 0));
}

#[actix_web::test]
async fn the_daily_rollup_matches_the_raw_counts_and_feeds_the_dashboard() {
    let w = World::build().await;
    let (number, serial) = roll(&w, 10).await;
    let today = tracestamp::time::now();
    let days = [today - Duration::days(2), today - Duration::days(1), today];
    // Scans over three days, from two provinces and with several
    // verdicts, in two flushes; and scans through the resolver itself.
    for (d, day) in days.iter().enumerate() {
        for n in 0..(d as i64 + 2) {
            let mut s = scan_of(
                (number, n),
                *day - Duration::minutes(n),
                Some(n as u64 + 1),
                None,
                if n % 2 == 0 {
                    "Vĩnh Long"
                } else {
                    "Hà Nội"
                },
                ClientClass::Mobile,
            );
            if n == 1 {
                s.verdict = Verdict::Suspicious;
            }
            w.app.state().scans.push(s);
        }
        w.app.state().flush_scans().expect("flush");
    }
    for _ in 0..3 {
        let req = TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "application/json"))
            .peer_addr("203.113.5.7:4000".parse().expect("an address"));
        w.app.send_request(req).await.expect(200);
    }
    w.app.state().flush_scans().expect("flush");

    // Per day, roll and province, the rollup holds the raw counts.
    let mut conn = w.app.conn();
    let raw: Vec<(Option<i64>, Option<String>, NaiveDateTime, String)> = scan::table
        .filter(scan::roll_number.is_not_null())
        .select((
            scan::roll_number,
            scan::place,
            scan::scanned_at,
            scan::verdict,
        ))
        .load(&mut *conn)
        .expect("scans");
    let mut expected: BTreeMap<(chrono::NaiveDate, i64, String), (i64, i64)> = BTreeMap::new();
    for (roll, place, at, verdict) in raw {
        let e = expected
            .entry((at.date(), roll.expect("a roll"), place.unwrap_or_default()))
            .or_default();
        e.0 += 1;
        e.1 += i64::from(verdict == "suspicious");
    }
    let rolled: BTreeMap<(chrono::NaiveDate, i64, String), (i64, i64)> = scan_day::table
        .select((
            scan_day::day,
            scan_day::roll_number,
            scan_day::place,
            scan_day::scans,
            scan_day::suspicious,
        ))
        .load::<(chrono::NaiveDate, i64, String, i64, i64)>(&mut *conn)
        .expect("rollup")
        .into_iter()
        .map(|(day, roll, place, scans, suspicious)| ((day, roll, place), (scans, suspicious)))
        .collect();
    drop(conn);
    assert_eq!(rolled, expected);
    assert!(rolled.len() >= 5, "{rolled:?}");

    // The dashboard's figures per day are the rollup's.
    let stats = w
        .app
        .get("/api/v1/stats", &w.a.token)
        .await
        .expect(200)
        .body;
    let mut per_day: BTreeMap<String, i64> = BTreeMap::new();
    for ((day, _, _), (scans, _)) in &expected {
        *per_day.entry(day.to_string()).or_default() += scans;
    }
    let charted: BTreeMap<String, i64> = stats["scans_per_day"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| {
            (
                d["day"].as_str().expect("a day").to_owned(),
                d["scans"].as_i64().expect("a count"),
            )
        })
        .collect();
    assert_eq!(charted, per_day, "{stats}");
    // Another enterprise sees none of them.
    let theirs = w
        .app
        .get("/api/v1/stats", &w.b.token)
        .await
        .expect(200)
        .body;
    assert_eq!(theirs["scans_per_day"], json!([]));
}

#[actix_web::test]
async fn retention_drops_old_months_and_keeps_recent_scans_and_summaries() {
    let mut w = World::build().await;
    let (number, _) = roll(&w, 10).await;
    let now = tracestamp::time::now();
    let stamp = (number, 4);
    let ages = [0i64, 20, 40, 400, 800];
    for (n, days) in ages.iter().enumerate() {
        w.app.state().scans.push(scan_of(
            stamp,
            now - Duration::days(*days),
            Some(n as u64 + 1),
            None,
            "Vĩnh Long",
            ClientClass::Mobile,
        ));
    }
    w.app.state().flush_scans().expect("flush");
    assert_eq!(raw_count(w.app.state(), stamp), 5);

    // Nothing goes while retention is off.
    assert_eq!(w.app.state().keep_scans().expect("kept"), 0);
    assert_eq!(raw_count(w.app.state(), stamp), 5);

    // Twelve whole months kept: the scans of 400 and 800 days ago go.
    w.app.state_mut().config.scan_retention_months = 12;
    assert!(w.app.state().keep_scans().expect("kept") >= 2);
    let left: Vec<NaiveDateTime> = scan::table
        .select(scan::scanned_at)
        .order(scan::scanned_at)
        .load(&mut *w.app.conn())
        .expect("scans");
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(left.iter().all(|at| *at >= now - Duration::days(40)));
    // The stamp's summary still counts every scan.
    assert_eq!(summary_count(w.app.state(), stamp), 5);

    let on_postgres = matches!(&*w.app.conn(), tracestamp::db::DbConnection::Postgres(_));
    if on_postgres {
        let partitions = |w: &World| -> Vec<String> {
            #[derive(QueryableByName)]
            struct Name {
                #[diesel(sql_type = diesel::sql_types::Text)]
                relname: String,
            }
            diesel::sql_query(
                "SELECT CAST(c.relname AS TEXT) AS relname FROM pg_inherits i \
                 JOIN pg_class c ON c.oid = i.inhrelid \
                 WHERE i.inhparent = CAST('scan' AS regclass) ORDER BY 1",
            )
            .load::<Name>(&mut *w.app.conn())
            .expect("partitions")
            .into_iter()
            .map(|n| n.relname)
            .collect()
        };
        let names = partitions(&w);
        let month = |t: NaiveDateTime| t.format("scan_%Y_%m").to_string();
        assert!(
            !names.contains(&month(now - Duration::days(400))),
            "{names:?}"
        );
        assert!(
            names.contains(&month(now - Duration::days(40))),
            "{names:?}"
        );
        // Three months ahead are there already.
        assert!(
            names.contains(&month(now + Duration::days(95))),
            "{names:?}"
        );
        // A scan of a month without a partition makes its own.
        w.app.state().scans.push(scan_of(
            stamp,
            now + Duration::days(400),
            Some(9),
            None,
            "",
            ClientClass::Mobile,
        ));
        w.app.state().flush_scans().expect("flush");
        assert!(partitions(&w).contains(&month(now + Duration::days(400))));
    }
}
