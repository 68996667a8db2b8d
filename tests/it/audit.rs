//! The audit log's hash chain, verified through the API and the CLI, and
//! tampered with as an attacker with direct database access would.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::{json, Value};

use tracestamp::db::schema::{audit_head, audit_log};
use tracestamp::db::DbConnection;
use tracestamp::domain::audit_chain::{entry_hash, EntryFields};
use tracestamp::models::audit_log::{verify, Verification};

use crate::cli::tracestamp;
use crate::harness::TestApp;
use crate::world::World;

/// What an attacker with the database's owner rights does first: lift the
/// triggers that keep the log append-only.
fn drop_append_only_guard(conn: &mut DbConnection) {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"
        }
        DbConnection::Postgres(_) => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;",
    };
    conn.batch_execute(sql)
        .expect("lift the audit_log triggers");
}

fn entries(app: &TestApp) -> i64 {
    audit_log::table
        .count()
        .get_result(&mut *app.conn())
        .expect("count")
}

async fn verified(w: &World) -> Value {
    w.app
        .get("/api/v1/audit/verify", &w.admin)
        .await
        .expect(200)
        .body
}

#[track_caller]
fn assert_broken_at(body: &Value, seq: i64, reason: &str) {
    assert_eq!(body["ok"], false, "{body}");
    assert_eq!(body["first_broken"], seq, "{body}");
    let said = body["reason"].as_str().expect("a reason");
    assert!(said.contains(reason), "{said:?} should say {reason:?}");
}

#[actix_web::test]
async fn an_untouched_log_verifies_for_admins_and_regulators_only() {
    let w = World::build().await;
    w.app
        .patch(
            &format!("/api/v1/products/{}", w.a.product),
            &w.a.token,
            json!({"name_en": "Năm Roi pomelo, grade 1"}),
        )
        .await
        .expect(200);
    let n = entries(&w.app);
    assert!(n > 10, "the world's changes were audited: {n}");

    assert_eq!(verified(&w).await, json!({"ok": true, "entries": n}));
    let regulator = w
        .app
        .get("/api/v1/audit/verify", &w.other_regulator)
        .await
        .expect(200);
    assert_eq!(regulator.body, json!({"ok": true, "entries": n}));
    w.app
        .get("/api/v1/audit/verify", &w.a.token)
        .await
        .expect(403);
    w.app
        .send(
            actix_web::http::Method::GET,
            "/api/v1/audit/verify",
            None,
            None,
        )
        .await
        .expect(401);
    assert_eq!(
        verify(&mut w.app.conn()).unwrap(),
        Verification::Ok { entries: n }
    );
}

#[actix_web::test]
async fn the_log_refuses_updates_and_deletes_while_its_triggers_stand() {
    let w = World::build().await;
    let mut conn = w.app.conn();
    let edited = diesel::update(audit_log::table.find(2))
        .set(audit_log::after_state.eq("{}"))
        .execute(&mut *conn);
    assert!(edited.is_err(), "an UPDATE of audit_log must fail");
    let removed = diesel::delete(audit_log::table.find(2)).execute(&mut *conn);
    assert!(removed.is_err(), "a DELETE from audit_log must fail");
    drop(conn);
    assert_eq!(verified(&w).await["ok"], true);
}

#[test]
fn a_log_longer_than_a_page_is_walked_to_its_end() {
    use tracestamp::audit::{self, Actor};
    // One page is 5,000 entries: cross its boundary.
    let app = TestApp::new();
    let cli = Actor::system("cli");
    audit::write_transaction(&mut app.conn(), |conn| {
        for i in 0..5_002 {
            audit::created(conn, &cli, "account", &i.to_string(), &json!({"n": i}))?;
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(
        verify(&mut app.conn()).unwrap(),
        Verification::Ok { entries: 5_002 }
    );
    let mut conn = app.conn();
    drop_append_only_guard(&mut conn);
    diesel::update(audit_log::table.find(5_001))
        .set(audit_log::entity_id.eq("forged"))
        .execute(&mut *conn)
        .unwrap();
    assert!(matches!(
        verify(&mut conn).unwrap(),
        Verification::Broken {
            first_broken: 5_001,
            ..
        }
    ));
}

#[actix_web::test]
async fn an_edited_entry_breaks_the_chain_at_that_entry() {
    let w = World::build().await;
    let middle = entries(&w.app) / 2;
    let mut conn = w.app.conn();
    drop_append_only_guard(&mut conn);
    diesel::update(audit_log::table.find(middle))
        .set(audit_log::after_state.eq(r#"{"name":"Hợp tác xã giả"}"#))
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    assert_broken_at(&verified(&w).await, middle, "edited");
}

#[actix_web::test]
async fn a_deleted_entry_breaks_the_chain_at_its_seq() {
    let w = World::build().await;
    let middle = entries(&w.app) / 2;
    let mut conn = w.app.conn();
    drop_append_only_guard(&mut conn);
    diesel::delete(audit_log::table.find(middle))
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    assert_broken_at(&verified(&w).await, middle, "missing");
}

#[actix_web::test]
async fn deleting_the_last_entries_is_caught_by_the_head() {
    let w = World::build().await;
    let n = entries(&w.app);
    let mut conn = w.app.conn();
    drop_append_only_guard(&mut conn);
    diesel::delete(audit_log::table.filter(audit_log::seq.ge(n - 1)))
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    assert_broken_at(&verified(&w).await, n - 1, "head");
}

/// Appends an entry behind the application's back: chained onto the real
/// last entry (what a careful forger does) or onto a made-up hash.
fn forge(conn: &mut DbConnection, seq: i64, prev_hash: &str) {
    let occurred_at = tracestamp::time::now();
    let text = tracestamp::time::rfc3339(&occurred_at);
    let after = r#"{"status":"active"}"#;
    let fields = EntryFields {
        seq,
        occurred_at: &text,
        actor_id: None,
        actor: "admin",
        action: "update",
        entity: "facility",
        entity_id: "0192f000-0000-7000-8000-000000000000",
        before: None,
        after: Some(after),
    };
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::seq.eq(seq),
            audit_log::occurred_at.eq(occurred_at),
            audit_log::actor.eq(fields.actor),
            audit_log::action.eq(fields.action),
            audit_log::entity.eq(fields.entity),
            audit_log::entity_id.eq(fields.entity_id),
            audit_log::after_state.eq(after),
            audit_log::prev_hash.eq(prev_hash),
            audit_log::hash.eq(entry_hash(prev_hash, &fields)),
        ))
        .execute(conn)
        .unwrap();
}

#[actix_web::test]
async fn a_forged_entry_chained_onto_the_last_is_caught_by_the_head() {
    // Inserting needs no trigger lifted: the log is append-only, not closed.
    let w = World::build().await;
    let n = entries(&w.app);
    let last_hash: String = audit_head::table
        .select(audit_head::hash)
        .get_result(&mut *w.app.conn())
        .unwrap();
    forge(&mut w.app.conn(), n + 1, &last_hash);
    assert_broken_at(&verified(&w).await, n + 1, "head");
}

#[actix_web::test]
async fn a_forged_entry_with_a_made_up_link_breaks_the_chain_at_that_entry() {
    let w = World::build().await;
    let n = entries(&w.app);
    forge(&mut w.app.conn(), n + 1, &"f".repeat(64));
    assert_broken_at(&verified(&w).await, n + 1, "does not chain");
}

#[actix_web::test]
async fn a_replaced_entry_is_caught_where_the_chain_no_longer_links() {
    // A replacement that is itself well chained can only show at the next
    // entry: a hash chain tells where a link broke, not which side lied.
    let w = World::build().await;
    let middle = entries(&w.app) / 2;
    let mut conn = w.app.conn();
    drop_append_only_guard(&mut conn);
    let before: String = audit_log::table
        .find(middle - 1)
        .select(audit_log::hash)
        .get_result(&mut *conn)
        .unwrap();
    diesel::delete(audit_log::table.find(middle))
        .execute(&mut *conn)
        .unwrap();
    forge(&mut conn, middle, &before);
    drop(conn);
    assert_broken_at(&verified(&w).await, middle + 1, "does not chain");
}

#[actix_web::test]
async fn the_verify_command_exits_non_zero_at_the_first_broken_entry() {
    let w = World::build().await;
    let n = entries(&w.app);
    let url = w.app.state().config.database_url.clone();

    let out = tracestamp(&url, &["audit", "verify"], "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("audit log intact: {n} entries")),
        "{stdout}"
    );

    let mut conn = w.app.conn();
    drop_append_only_guard(&mut conn);
    diesel::update(audit_log::table.find(3))
        .set(audit_log::actor.eq("someone else"))
        .execute(&mut *conn)
        .unwrap();
    drop(conn);
    let out = tracestamp(&url, &["audit", "verify"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a broken log exits non-zero");
    assert!(stderr.contains("broken at entry 3"), "{stderr}");
}
