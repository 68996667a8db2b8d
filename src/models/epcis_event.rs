//! EPCIS events as stored: the event's JSON-LD text plus the columns the
//! standard's query parameters filter on, and the identifiers it names (by
//! role) in `epcis_event_epc`. Captured events and the mirrors of our own
//! batch events live here alike, so one query answers for both.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashSet;

use crate::db::schema::{epcis_event, epcis_event_epc};
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = epcis_event, treat_none_as_default_value = false)]
pub struct EpcisEventRow {
    pub id: String,
    pub enterprise_id: String,
    pub event_key: String,
    pub event_id: Option<String>,
    pub event_type: String,
    pub action: Option<String>,
    pub event_time: NaiveDateTime,
    pub record_time: NaiveDateTime,
    pub biz_step: Option<String>,
    pub disposition: Option<String>,
    pub read_point: Option<String>,
    pub biz_location: Option<String>,
    pub source_event_id: Option<String>,
    pub capture_id: Option<String>,
    /// The event as JSON-LD, `recordTime` included.
    pub body: String,
    /// JSON array of the capturing document's extra `@context` entries.
    pub context: Option<String>,
    /// Retracted by its enterprise with an errorDeclaration.
    pub retracted: bool,
}

/// One identifier an event names, or (role `batch`) a batch it belongs to.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, PartialEq, Eq, Hash)]
#[diesel(table_name = epcis_event_epc)]
pub struct EpcisEventEpc {
    pub event_id: String,
    pub role: String,
    pub value: String,
    /// The event's enterprise, repeated here so that a MATCH_ lookup stays
    /// within the caller's enterprises on an index (issue 16).
    pub enterprise_id: String,
}

/// Rows per multi-row INSERT: 16 columns × 1,000 (and 4 × 5,000 for
/// identifiers) stays well under both
/// backends' limits on bound parameters (SQLite 32,766, PostgreSQL 65,535).
const EVENT_CHUNK: usize = 1_000;
const EPC_CHUNK: usize = 5_000;
/// Keys per `IN (...)` lookup.
const KEY_CHUNK: usize = 500;

/// Which of `keys` the enterprise already holds: re-captured events are
/// skipped, which makes capture idempotent.
pub fn existing_keys(
    conn: &mut DbConnection,
    enterprise_id: &str,
    keys: &[&str],
) -> QueryResult<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(KEY_CHUNK) {
        let held: Vec<String> = epcis_event::table
            .filter(epcis_event::enterprise_id.eq(enterprise_id))
            .filter(epcis_event::event_key.eq_any(chunk))
            .select(epcis_event::event_key)
            .load(conn)?;
        found.extend(held);
    }
    Ok(found)
}

/// Inserts events and their identifiers with multi-row INSERTs, which the
/// connection enum cannot express, so they are matched per backend here.
pub fn insert_all(
    conn: &mut DbConnection,
    events: &[EpcisEventRow],
    epcs: &[EpcisEventEpc],
) -> QueryResult<()> {
    for chunk in events.chunks(EVENT_CHUNK) {
        let insert = diesel::insert_into(epcis_event::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    for chunk in epcs.chunks(EPC_CHUNK) {
        let insert = diesel::insert_into(epcis_event_epc::table).values(chunk);
        match conn {
            DbConnection::Sqlite(c) => insert.execute(c)?,
            DbConnection::Postgres(c) => insert.execute(c)?,
        };
    }
    Ok(())
}

/// Removes the mirror of one of our batch events (before it is rebuilt).
pub fn delete_mirror(conn: &mut DbConnection, source_event_id: &str) -> QueryResult<usize> {
    diesel::delete(epcis_event::table.filter(epcis_event::source_event_id.eq(source_event_id)))
        .execute(conn)
}

/// Captured events (not mirrors) attached to a batch, oldest first.
pub fn captured_for_batch(
    conn: &mut DbConnection,
    batch_id: &str,
) -> QueryResult<Vec<EpcisEventRow>> {
    let attached = epcis_event_epc::table
        .filter(epcis_event_epc::role.eq(role::BATCH))
        .filter(epcis_event_epc::value.eq(batch_id.to_owned()))
        .select(epcis_event_epc::event_id);
    epcis_event::table
        .filter(epcis_event::id.eq_any(attached))
        .filter(epcis_event::source_event_id.is_null())
        .filter(epcis_event::retracted.eq(false))
        .order((epcis_event::event_time, epcis_event::id))
        .select(EpcisEventRow::as_select())
        .load(conn)
}

/// Which enterprises hold events with these eventIDs: an eventID names one
/// event, so another enterprise may not capture it again.
pub fn holders_of(
    conn: &mut DbConnection,
    event_ids: &[&str],
) -> QueryResult<Vec<(String, String)>> {
    let mut found = Vec::new();
    for chunk in event_ids.chunks(KEY_CHUNK) {
        found.extend(
            epcis_event::table
                .filter(epcis_event::event_id.eq_any(chunk))
                .select((
                    epcis_event::event_id.assume_not_null(),
                    epcis_event::enterprise_id,
                ))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(found)
}

/// The stored event an enterprise holds under `key`: its row id and, for a
/// mirror of our batch events, the batch event it copies.
pub fn held(
    conn: &mut DbConnection,
    enterprise_id: &str,
    key: &str,
) -> QueryResult<Option<(String, Option<String>)>> {
    epcis_event::table
        .filter(epcis_event::enterprise_id.eq(enterprise_id))
        .filter(epcis_event::event_key.eq(key))
        .select((epcis_event::id, epcis_event::source_event_id))
        .get_result(conn)
        .optional()
}

/// Replaces a stored event by its error declaration (EPCIS 2.0: the same
/// event with `errorDeclaration`), which takes it off the consumer timeline.
pub fn retract(
    conn: &mut DbConnection,
    id: &str,
    body: &str,
    record_time: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(epcis_event::table.find(id))
        .set((
            epcis_event::body.eq(body),
            epcis_event::record_time.eq(record_time),
            epcis_event::retracted.eq(true),
        ))
        .execute(conn)
}

/// The roles under which an event names an identifier.
pub mod role {
    pub const EPC: &str = "epc";
    pub const PARENT: &str = "parent";
    pub const CHILD: &str = "child";
    pub const INPUT: &str = "input";
    pub const OUTPUT: &str = "output";
    pub const CLASS: &str = "class";
    pub const INPUT_CLASS: &str = "input_class";
    pub const OUTPUT_CLASS: &str = "output_class";
    /// A batch of ours the event is attached to (its value is the batch id).
    pub const BATCH: &str = "batch";
}
