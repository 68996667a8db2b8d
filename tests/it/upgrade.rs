//! Upgrades of a database that already holds data: a migration that
//! reshapes a table keeps every row, both up and down.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

use tracestamp::db::schema::{epcis_event, epcis_event_epc, scan, stamp_roll};
use tracestamp::db::DbConnection;

use crate::world::World;

/// Undoes the newest migrations with their down.sql, newest first, down to
/// and including `oldest`, the migration the test is about; answers how many
/// were undone, which is what `migrate` must then run again. Newer
/// migrations are undone too without naming them, so adding one does not
/// touch this test.
fn revert_through(conn: &mut DbConnection, oldest: &str) -> usize {
    let mut undone = 0;
    loop {
        let reverted = match conn {
            DbConnection::Sqlite(c) => c.revert_last_migration(
                FileBasedMigrations::from_path("migrations/sqlite").expect("sqlite migrations"),
            ),
            DbConnection::Postgres(c) => c.revert_last_migration(
                FileBasedMigrations::from_path("migrations/postgres").expect("postgres migrations"),
            ),
        }
        .expect("reverts")
        .to_string();
        undone += 1;
        assert!(
            reverted.as_str() >= oldest,
            "reverted {reverted}, older than {oldest}"
        );
        if reverted == oldest {
            return undone;
        }
    }
}

#[actix_web::test]
async fn scans_keep_their_roll_when_rolls_are_named_by_number() {
    let w = World::build().await;
    let roll = crate::stamps::issue(&w, &w.a.batch, 10).await;
    let roll_id = roll["id"].as_str().expect("roll id").to_owned();
    let mut conn = w.app.conn();
    let number: i64 = stamp_roll::table
        .find(&roll_id)
        .select(stamp_roll::number)
        .first(&mut *conn)
        .expect("roll number");

    // Scans written by the schema before: the roll named by its id.
    let undone = revert_through(&mut conn, "20261123000011");
    conn.batch_execute(&format!(
        "INSERT INTO scan (roll_id, stamp_index, serial, scanned_at, client_class, verdict)
         VALUES ('{roll_id}', 3, 'OLDSTAMP', '2026-11-01 08:00:00', 'mobile', 'genuine'),
                (NULL, NULL, 'FORGED', '2026-11-01 08:00:01', 'tool', 'unknown')"
    ))
    .expect("old-style scans");

    assert_eq!(
        tracestamp::db::migrate(&mut conn).expect("upgrades"),
        undone
    );
    let rows: Vec<(Option<i64>, Option<i64>, String)> = scan::table
        .order(scan::id)
        .select((scan::roll_number, scan::stamp_index, scan::serial))
        .load(&mut *conn)
        .expect("scans");
    assert_eq!(
        rows,
        [
            (Some(number), Some(3), "OLDSTAMP".to_owned()),
            (None, None, "FORGED".to_owned())
        ]
    );
    drop(conn);

    // The API still names the scan's roll by id.
    let listed = w
        .app
        .get(&format!("/api/v1/scans?roll_id={roll_id}"), &w.a.token)
        .await
        .expect(200)
        .body;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["items"][0]["roll_id"], roll_id.as_str());
    assert_eq!(listed["items"][0]["stamp_index"], 3);
    // Written before scans had a tally: each counts once.
    assert_eq!(listed["items"][0]["tally"], 1);
}

#[actix_web::test]
async fn stored_identifiers_learn_their_events_enterprise() {
    let w = World::build().await;
    let mut conn = w.app.conn();
    let count = |conn: &mut DbConnection| -> i64 {
        epcis_event_epc::table
            .count()
            .get_result(conn)
            .expect("identifiers")
    };
    let before = count(&mut conn);
    assert!(before > 0, "the mirrored harvests name their lots");

    // Identifiers stored before they carried the enterprise (the newer
    // migrations undone first).
    let undone = revert_through(&mut conn, "20261204100000");
    assert_eq!(
        tracestamp::db::migrate(&mut conn).expect("upgrades"),
        undone
    );
    assert_eq!(count(&mut conn), before);
    let pairs: Vec<(String, String)> = epcis_event_epc::table
        .inner_join(epcis_event::table)
        .select((epcis_event_epc::enterprise_id, epcis_event::enterprise_id))
        .load(&mut *conn)
        .expect("identifiers and their events");
    assert_eq!(pairs.len() as i64, before);
    assert!(pairs.iter().all(|(own, event)| own == event), "{pairs:?}");
    for tenant in [&w.a, &w.b, &w.c] {
        assert!(pairs.iter().any(|(own, _)| *own == tenant.enterprise));
    }
}

#[actix_web::test]
async fn scans_written_before_summaries_are_summarised_and_rolled_up() {
    use tracestamp::db::schema::{scan_day, scan_summary};
    use tracestamp::resolver::summary::Summary;
    let w = World::build().await;
    let roll = crate::stamps::issue(&w, &w.a.batch, 10).await;
    let serial = roll["first_serial"].as_str().expect("serial").to_owned();
    let number = i64::from(w.app.state().codec.decode(&serial).expect("serial").roll);
    let mut conn = w.app.conn();
    let undone = revert_through(&mut conn, "20261205120000");
    conn.batch_execute(&format!(
        "INSERT INTO scan (roll_number, stamp_index, serial, scanned_at, origin_hash, device,
                           place, client_class, verdict)
         VALUES ({number}, 0, 'S', '2026-11-01 08:00:00', '0000000000000011', NULL,
                 'Vĩnh Long', 'mobile', 'genuine'),
                ({number}, 0, 'S', '2026-11-01 09:30:00.5', '0000000000000011', NULL,
                 'Vĩnh Long', 'mobile', 'genuine'),
                ({number}, 0, 'S', '2026-11-02 10:00:00', '0000000000000022',
                 '00000000000000aa', 'Hà Nội', 'mobile', 'suspicious'),
                ({number}, 0, 'S', '2026-11-02 10:05:00', '0000000000000099', NULL,
                 'Hà Nội', 'tool', 'genuine'),
                (NULL, NULL, 'FORGED', '2026-11-02 10:06:00', '0000000000000099', NULL,
                 NULL, 'tool', 'unknown')"
    ))
    .expect("scans written before summaries");
    assert_eq!(
        tracestamp::db::migrate(&mut conn).expect("upgrades"),
        undone
    );

    let at = |text: &str| {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").expect("a time")
    };
    let summary = Summary::read(&mut conn, number, 0).expect("a summary");
    assert_eq!(summary.scans, 4);
    assert_eq!(summary.first_at, Some(at("2026-11-01 08:00:00")));
    assert_eq!(summary.first_place.map(|p| p.name()), Some("Vĩnh Long"));
    // Two checkers: the crawler names none.
    let rule = tracestamp::domain::checkers::CloneRule::default();
    let evidence = summary
        .checkers()
        .evidence(None, at("2026-11-02 11:00:00"), &rule);
    assert_eq!(evidence.checkers, 2);
    let summaries: i64 = scan_summary::table
        .count()
        .get_result(&mut *conn)
        .expect("summaries");
    assert_eq!(summaries, 1, "forged codes have no summary");
    let days: Vec<(chrono::NaiveDate, String, i64, i64, i64)> = scan_day::table
        .filter(scan_day::roll_number.eq(number))
        .order(scan_day::day)
        .select((
            scan_day::day,
            scan_day::place,
            scan_day::scans,
            scan_day::genuine,
            scan_day::suspicious,
        ))
        .load(&mut *conn)
        .expect("rollup");
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("a day");
    assert_eq!(
        days,
        [
            (day(1), "Vĩnh Long".to_owned(), 2, 2, 0),
            (day(2), "Hà Nội".to_owned(), 2, 1, 1)
        ]
    );
    let old_top: i64 = scan::table
        .select(diesel::dsl::max(scan::id))
        .first::<Option<i64>>(&mut *conn)
        .expect("ids")
        .expect("an id");
    drop(conn);

    // The resolver counts on from the back-filled summary, and new scans
    // take ids after the old ones.
    let answer = w
        .app
        .send_request(
            actix_web::test::TestRequest::get()
                .uri(&format!("/s/{serial}"))
                .insert_header((actix_web::http::header::ACCEPT, "application/json")),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(answer["scan_count"], 5, "{answer}");
    assert_eq!(answer["first_scanned_at"], "2026-11-01T08:00:00Z");
    w.app.state().flush_scans().expect("flush");
    let mut conn = w.app.conn();
    let top: i64 = scan::table
        .select(diesel::dsl::max(scan::id))
        .first::<Option<i64>>(&mut *conn)
        .expect("ids")
        .expect("an id");
    assert!(top > old_top);

    // Down keeps every scan and drops the summaries; up again rebuilds them.
    let undone = revert_through(&mut conn, "20261205120000");
    let scans: i64 = scan::table.count().get_result(&mut *conn).expect("scans");
    assert_eq!(scans, 6);
    assert!(scan_summary::table
        .count()
        .get_result::<i64>(&mut *conn)
        .is_err());
    assert_eq!(
        tracestamp::db::migrate(&mut conn).expect("upgrades"),
        undone
    );
    let summary = Summary::read(&mut conn, number, 0).expect("a summary");
    assert_eq!(summary.scans, 5);
}
