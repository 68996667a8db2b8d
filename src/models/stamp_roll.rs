//! Stamp rolls: one row for N stamps. A stamp's serial encodes the roll's
//! `number` and its index, so issuing a million stamps writes one row; the
//! few stamps whose state differs (voided) are in `stamp_override`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{stamp_override, stamp_roll};
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = stamp_roll)]
pub struct StampRoll {
    pub id: String,
    /// The 32-bit roll number carried in every serial of the roll.
    pub number: i64,
    pub batch_id: String,
    pub count: i64,
    pub key_id: i32,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub voided_at: Option<NaiveDateTime>,
    pub void_reason: Option<String>,
    pub created_by: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
}

/// Largest roll: 10 million stamps (the serial's index field allows 16.7 million).
pub const MAX_ROLL: i64 = 10_000_000;

/// State of a single stamp that differs from its roll's.
pub const STAMP_VOIDED: &str = "voided";

pub fn insert(conn: &mut DbConnection, row: &StampRoll) -> QueryResult<usize> {
    diesel::insert_into(stamp_roll::table)
        .values(row)
        .execute(conn)
}

pub fn number_taken(conn: &mut DbConnection, number: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        stamp_roll::table.filter(stamp_roll::number.eq(number)),
    ))
    .get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<StampRoll>> {
    stamp_roll::table
        .find(id)
        .select(StampRoll::as_select())
        .get_result(conn)
        .optional()
}

pub fn by_number(conn: &mut DbConnection, number: i64) -> QueryResult<Option<StampRoll>> {
    stamp_roll::table
        .filter(stamp_roll::number.eq(number))
        .select(StampRoll::as_select())
        .get_result(conn)
        .optional()
}

pub fn for_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<StampRoll>> {
    stamp_roll::table
        .filter(stamp_roll::batch_id.eq(batch_id))
        .order(stamp_roll::created_at)
        .select(StampRoll::as_select())
        .load(conn)
}

/// The rolls of several batches in one query (a dashboard's page of batches).
pub fn for_batches(conn: &mut DbConnection, batch_ids: &[&str]) -> QueryResult<Vec<StampRoll>> {
    stamp_roll::table
        .filter(stamp_roll::batch_id.eq_any(batch_ids))
        .order(stamp_roll::created_at)
        .select(StampRoll::as_select())
        .load(conn)
}

pub fn void_roll(
    conn: &mut DbConnection,
    id: &str,
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(stamp_roll::table.find(id))
        .set((
            stamp_roll::voided_at.eq(Some(at)),
            stamp_roll::void_reason.eq(Some(reason)),
        ))
        .execute(conn)
}

/// Voids the given stamps of a roll; those already voided are left alone.
/// Returns how many were newly voided.
pub fn void_stamps(
    conn: &mut DbConnection,
    roll_id: &str,
    indices: &[i64],
    reason: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let already: Vec<i64> = stamp_override::table
        .filter(stamp_override::roll_id.eq(roll_id))
        .filter(stamp_override::stamp_index.eq_any(indices))
        .select(stamp_override::stamp_index)
        .load(conn)?;
    let mut voided = 0;
    for index in indices.iter().filter(|i| !already.contains(i)) {
        diesel::insert_into(stamp_override::table)
            .values((
                stamp_override::roll_id.eq(roll_id),
                stamp_override::stamp_index.eq(index),
                stamp_override::state.eq(STAMP_VOIDED),
                stamp_override::reason.eq(Some(reason)),
                stamp_override::created_at.eq(at),
            ))
            .execute(conn)?;
        voided += 1;
    }
    Ok(voided)
}

/// The state of one stamp where it differs from its roll's.
pub fn stamp_state(
    conn: &mut DbConnection,
    roll_id: &str,
    index: i64,
) -> QueryResult<Option<String>> {
    stamp_override::table
        .filter(stamp_override::roll_id.eq(roll_id))
        .filter(stamp_override::stamp_index.eq(index))
        .select(stamp_override::state)
        .get_result(conn)
        .optional()
}

/// Whether any stamp was issued for the batch: its printed identifiers are
/// then out in the world.
pub fn issued_for_batch(conn: &mut DbConnection, batch_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        stamp_roll::table.filter(stamp_roll::batch_id.eq(batch_id)),
    ))
    .get_result(conn)
}

/// Whether any stamp was issued for a batch of the product.
pub fn issued_for_product(conn: &mut DbConnection, product_id: &str) -> QueryResult<bool> {
    use crate::db::schema::batch;
    let batches = batch::table
        .filter(batch::product_id.eq(product_id))
        .select(batch::id);
    diesel::select(diesel::dsl::exists(
        stamp_roll::table.filter(stamp_roll::batch_id.eq_any(batches)),
    ))
    .get_result(conn)
}
