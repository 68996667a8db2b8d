//! Reading the audit log back to prove it unbroken. Entries are written by
//! `crate::audit`; here they are walked in `seq` order a page at a time, so
//! verifying a log of millions of entries holds only one page in memory.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::schema::{audit_head, audit_log};
use crate::db::DbConnection;
use crate::domain::audit_chain::{Break, ChainWalk, EntryFields};

/// Entries read per query.
const PAGE: i64 = 5_000;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct StoredEntry {
    seq: i64,
    occurred_at: NaiveDateTime,
    actor_id: Option<String>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    prev_hash: String,
    hash: String,
}

/// What walking the whole chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Ok { entries: i64 },
    Broken { first_broken: i64, reason: String },
}

/// Walks every entry and then the head, inside one read transaction so that
/// entries appended meanwhile by the running service are either all seen or
/// not at all: the head read last then agrees with the entries read before.
pub fn verify(conn: &mut DbConnection) -> QueryResult<Verification> {
    conn.transaction(|conn| {
        // PostgreSQL's default isolation takes a new snapshot per statement;
        // SQLite's read transaction already sees one snapshot throughout.
        if let DbConnection::Postgres(pg) = conn {
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        Ok(match walk(conn)? {
            Ok(entries) => Verification::Ok { entries },
            Err(b) => Verification::Broken {
                first_broken: b.seq,
                reason: b.reason,
            },
        })
    })
}

/// The chain's length, or its first break.
fn walk(conn: &mut DbConnection) -> QueryResult<Result<i64, Break>> {
    let mut walk = ChainWalk::default();
    let mut after: Option<i64> = None;
    loop {
        let mut query = audit_log::table
            .select(StoredEntry::as_select())
            .order(audit_log::seq)
            .limit(PAGE)
            .into_boxed();
        if let Some(seq) = after {
            query = query.filter(audit_log::seq.gt(seq));
        }
        let page = query.load(conn)?;
        for e in &page {
            let occurred_at = crate::time::rfc3339(&e.occurred_at);
            let fields = EntryFields {
                seq: e.seq,
                occurred_at: &occurred_at,
                actor_id: e.actor_id.as_deref(),
                actor: &e.actor,
                action: &e.action,
                entity: &e.entity,
                entity_id: &e.entity_id,
                before: e.before_state.as_deref(),
                after: e.after_state.as_deref(),
            };
            if let Err(b) = walk.check(&fields, &e.prev_hash, &e.hash) {
                return Ok(Err(b));
            }
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = Some(last.seq),
            _ => break,
        }
    }
    let (head_seq, head_hash): (i64, String) = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .get_result(conn)?;
    Ok(walk.finish(head_seq, &head_hash))
}

/// Entries in the log, as its head records them (one row read, not a
/// count over the log): the last entry's `seq`.
pub fn length(conn: &mut DbConnection) -> QueryResult<i64> {
    audit_head::table
        .filter(audit_head::id.eq(1))
        .select(audit_head::seq)
        .get_result(conn)
}

/// One entry about a record, as a history shows it.
#[derive(Debug, Clone, Queryable)]
pub struct EntityEntry {
    pub occurred_at: NaiveDateTime,
    pub actor: String,
    pub action: String,
    pub after_state: Option<String>,
}

/// The entries about one record, oldest first (at most 500).
pub fn of_entity(
    conn: &mut DbConnection,
    entity: &str,
    entity_id: &str,
) -> QueryResult<Vec<EntityEntry>> {
    audit_log::table
        .filter(audit_log::entity.eq(entity.to_owned()))
        .filter(audit_log::entity_id.eq(entity_id.to_owned()))
        .order(audit_log::seq.asc())
        .limit(500)
        .select((
            audit_log::occurred_at,
            audit_log::actor,
            audit_log::action,
            audit_log::after_state,
        ))
        .load(conn)
}
