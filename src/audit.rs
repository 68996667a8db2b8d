//! Writing the audit log. Every change to the registry goes through
//! `write_transaction` and records an entry with `record`, in the same
//! transaction as the change: both land or neither does.

use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{audit_head, audit_log};
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::audit_chain::{entry_hash, EntryFields};
use crate::error::{AppError, AppResult};

/// Who made a change: an account, or the command line.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<String>,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Self {
        Actor {
            id: None,
            name: name.to_owned(),
        }
    }
}

impl From<&Caller> for Actor {
    fn from(caller: &Caller) -> Self {
        Actor {
            id: (!caller.account_id.is_empty()).then(|| caller.account_id.clone()),
            name: caller.actor(),
        }
    }
}

/// Runs `change` in a transaction that first takes the audit chain's head row.
/// Taking it first serialises writers (a row lock on PostgreSQL, the write
/// lock on SQLite, so no SQLite transaction ever has to upgrade a read lock
/// and fail with SQLITE_BUSY) and lets each entry chain onto the one before.
pub fn write_transaction<T, F>(conn: &mut DbConnection, change: F) -> AppResult<T>
where
    F: FnOnce(&mut DbConnection) -> AppResult<T>,
{
    conn.transaction::<T, AppError, _>(|conn| {
        diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
            .set(audit_head::seq.eq(audit_head::seq))
            .execute(conn)?;
        change(conn)
    })
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct NewEntry<'a> {
    seq: i64,
    occurred_at: chrono::NaiveDateTime,
    actor_id: Option<&'a str>,
    actor: &'a str,
    action: &'a str,
    entity: &'a str,
    entity_id: &'a str,
    before_state: Option<String>,
    after_state: Option<String>,
    prev_hash: String,
    hash: String,
}

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(format!("audit encoding: {e}")))
}

/// Records that `entity` `id` was created as `row`.
pub fn created<T: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    entity: &str,
    id: &str,
    row: &T,
) -> AppResult<()> {
    append(conn, actor, "create", entity, id, None, Some(to_json(row)?))
}

/// Records that `entity` `id` changed from `before` to `after`.
pub fn updated<T: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    entity: &str,
    id: &str,
    before: &T,
    after: &T,
) -> AppResult<()> {
    acted(conn, actor, "update", entity, id, before, after)
}

/// Records a named act (recall, suspend…) that changed `entity` `id`.
pub fn acted<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    id: &str,
    before: &B,
    after: &A,
) -> AppResult<()> {
    let (before, after) = (to_json(before)?, to_json(after)?);
    append(conn, actor, action, entity, id, Some(before), Some(after))
}

/// Records that `entity` `id`, last seen as `row`, was deleted.
pub fn deleted<T: Serialize>(
    conn: &mut DbConnection,
    actor: &Actor,
    entity: &str,
    id: &str,
    row: &T,
) -> AppResult<()> {
    append(conn, actor, "delete", entity, id, Some(to_json(row)?), None)
}

/// Appends one entry. Call only inside `write_transaction`.
fn append(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<String>,
    after: Option<String>,
) -> AppResult<()> {
    let (head_seq, prev_hash): (i64, String) = audit_head::table
        .filter(audit_head::id.eq(1))
        .select((audit_head::seq, audit_head::hash))
        .get_result(conn)?;
    let seq = head_seq + 1;
    let occurred_at = crate::time::now();
    let occurred_text = crate::time::rfc3339(&occurred_at);
    let hash = entry_hash(
        &prev_hash,
        &EntryFields {
            seq,
            occurred_at: &occurred_text,
            actor_id: actor.id.as_deref(),
            actor: &actor.name,
            action,
            entity,
            entity_id,
            before: before.as_deref(),
            after: after.as_deref(),
        },
    );
    diesel::insert_into(audit_log::table)
        .values(NewEntry {
            seq,
            occurred_at,
            actor_id: actor.id.as_deref(),
            actor: &actor.name,
            action,
            entity,
            entity_id,
            before_state: before,
            after_state: after,
            prev_hash,
            hash: hash.clone(),
        })
        .execute(conn)?;
    diesel::update(audit_head::table.filter(audit_head::id.eq(1)))
        .set((audit_head::seq.eq(seq), audit_head::hash.eq(hash)))
        .execute(conn)?;
    Ok(())
}
