//! NFC tags bound to stamps: the last read counter a verified tap showed
//! and who made that tap, and how often a tap was replayed (a counter that
//! did not rise) — by the tapper, or by someone else (a copy).

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
    /// Who made the last verified tap: salted hashes of its network and
    /// device (as scans store them), never shown.
    #[serde(skip)]
    pub last_tap_origin: Option<String>,
    #[serde(skip)]
    pub last_tap_device: Option<String>,
    /// Replays opened by someone other than the last tapper: copies.
    pub copied_taps: i64,
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

/// Records a verified tap by `tapper` (salted network and device hashes)
/// if its counter rises above the stored one, in one statement, so that two
/// taps racing with the same counter cannot both pass. Returns whether it
/// did.
pub fn advance(
    conn: &mut DbConnection,
    uid: &str,
    (roll_number, stamp_index): (i64, i64),
    counter: i64,
    tapper: &Tapper,
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
        nfc_tag::last_tap_origin.eq(tapper.network.as_deref()),
        nfc_tag::last_tap_device.eq(tapper.device.as_deref()),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Who taps: the salted hashes of the client's network and device, as
/// scans store them (`resolver::scans`); `None` where unknown.
#[derive(Debug, Clone, Default)]
pub struct Tapper {
    pub network: Option<String>,
    pub device: Option<String>,
}

/// Counts a replayed tap on its tag, and as a copy when `copied`.
pub fn count_replay(
    conn: &mut DbConnection,
    uid: &str,
    copied: bool,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let replays = diesel::update(nfc_tag::table.find(uid)).set((
        nfc_tag::replays.eq(nfc_tag::replays + 1),
        nfc_tag::last_replay_at.eq(Some(at)),
    ));
    if copied {
        // Only then the column the change counter watches: a reload by the
        // tapper changes nothing a page shows.
        diesel::update(nfc_tag::table.find(uid))
            .set(nfc_tag::copied_taps.eq(nfc_tag::copied_taps + 1))
            .execute(conn)?;
    }
    replays.execute(conn)
}

/// A roll's stamps whose tag URL was opened by others than its tapper
/// (index, copies), by index: what the resolver weighs in each verdict.
pub fn copied_in_roll(conn: &mut DbConnection, roll_number: i64) -> QueryResult<Vec<(i64, i64)>> {
    nfc_tag::table
        .filter(nfc_tag::roll_number.eq(roll_number))
        .filter(nfc_tag::copied_taps.gt(0))
        .order(nfc_tag::stamp_index)
        .select((nfc_tag::stamp_index, nfc_tag::copied_taps))
        .load(conn)
}
