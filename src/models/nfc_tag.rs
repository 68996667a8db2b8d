//! NFC tags bound to stamps: the last read counter a verified tap showed,
//! and how often a tap was replayed (a counter that did not rise).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::nfc_tag;
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = nfc_tag)]
pub struct NfcTag {
    /// 14 upper-case hex digits.
    pub uid: String,
    pub roll_number: i64,
    pub stamp_index: i64,
    /// -1 before the first verified tap.
    pub last_counter: i64,
    pub replays: i64,
    pub bound_by: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub bound_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub last_tap_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub last_replay_at: Option<NaiveDateTime>,
}

/// Rows per query when testing many UIDs at once: under SQLite's and
/// PostgreSQL's bound-parameter limits.
const CHUNK: usize = 1000;

pub fn insert(conn: &mut DbConnection, row: &NfcTag) -> QueryResult<usize> {
    diesel::insert_into(nfc_tag::table)
        .values(row)
        .execute(conn)
}

pub fn find(conn: &mut DbConnection, uid: &str) -> QueryResult<Option<NfcTag>> {
    nfc_tag::table
        .find(uid)
        .select(NfcTag::as_select())
        .get_result(conn)
        .optional()
}

/// Which of `uids` are bound already.
pub fn bound_uids(conn: &mut DbConnection, uids: &[&str]) -> QueryResult<Vec<String>> {
    let mut found = Vec::new();
    for chunk in uids.chunks(CHUNK) {
        found.extend(
            nfc_tag::table
                .filter(nfc_tag::uid.eq_any(chunk))
                .select(nfc_tag::uid)
                .load::<String>(conn)?,
        );
    }
    Ok(found)
}

/// The tags of a roll, in stamp order.
pub fn for_roll(conn: &mut DbConnection, roll_number: i64) -> QueryResult<Vec<NfcTag>> {
    nfc_tag::table
        .filter(nfc_tag::roll_number.eq(roll_number))
        .order(nfc_tag::stamp_index)
        .select(NfcTag::as_select())
        .load(conn)
}

/// Records a verified tap if its counter rises above the stored one, in one
/// statement, so that two taps racing with the same counter cannot both
/// pass. Returns whether it did.
pub fn advance(
    conn: &mut DbConnection,
    uid: &str,
    roll_number: i64,
    stamp_index: i64,
    counter: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let updated = diesel::update(
        nfc_tag::table
            .filter(nfc_tag::uid.eq(uid))
            .filter(nfc_tag::roll_number.eq(roll_number))
            .filter(nfc_tag::stamp_index.eq(stamp_index))
            .filter(nfc_tag::last_counter.lt(counter)),
    )
    .set((
        nfc_tag::last_counter.eq(counter),
        nfc_tag::last_tap_at.eq(Some(at)),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Counts a replayed tap on its tag.
pub fn count_replay(conn: &mut DbConnection, uid: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(nfc_tag::table.find(uid))
        .set((
            nfc_tag::replays.eq(nfc_tag::replays + 1),
            nfc_tag::last_replay_at.eq(Some(at)),
        ))
        .execute(conn)
}
