//! Upgrades of a database that already holds data: a migration that
//! reshapes a table keeps every row, both up and down.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{FileBasedMigrations, MigrationHarness};

use tracestamp::db::schema::{epcis_event, epcis_event_epc, scan, stamp_roll};
use tracestamp::db::DbConnection;

use crate::world::World;

/// Undoes the newest migrations with their down.sql, newest first; `names`
/// are the versions expected, in that order.
fn revert(conn: &mut DbConnection, names: &[&str]) {
    for name in names {
        let reverted = match conn {
            DbConnection::Sqlite(c) => c.revert_last_migration(
                FileBasedMigrations::from_path("migrations/sqlite").expect("sqlite migrations"),
            ),
            DbConnection::Postgres(c) => c.revert_last_migration(
                FileBasedMigrations::from_path("migrations/postgres").expect("postgres migrations"),
            ),
        };
        assert_eq!(
            reverted.expect("reverts").to_string(),
            *name,
            "the newest migrations are the ones this test is about"
        );
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
    revert(
        &mut conn,
        &[
            "20261205110000",
            "20261204150000",
            "20261204140000",
            "20261204120000",
            "20261204110000",
            "20261204100000",
            "20261203140000",
            "20261203130000",
            "20261203120000",
            "20261203110000",
            "20261203100000",
            "20261202140000",
            "20261123000012",
            "20261123000011",
        ],
    );
    conn.batch_execute(&format!(
        "INSERT INTO scan (roll_id, stamp_index, serial, scanned_at, client_class, verdict)
         VALUES ('{roll_id}', 3, 'OLDSTAMP', '2026-11-01 08:00:00', 'mobile', 'genuine'),
                (NULL, NULL, 'FORGED', '2026-11-01 08:00:01', 'tool', 'unknown')"
    ))
    .expect("old-style scans");

    assert_eq!(tracestamp::db::migrate(&mut conn).expect("upgrades"), 14);
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
    revert(
        &mut conn,
        &[
            "20261205110000",
            "20261204150000",
            "20261204140000",
            "20261204120000",
            "20261204110000",
            "20261204100000",
        ],
    );
    assert_eq!(tracestamp::db::migrate(&mut conn).expect("upgrades"), 6);
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
