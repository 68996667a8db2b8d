//! Scratch-off PIN claims: one row per stamp that someone tried to claim,
//! holding its first claim, the later ones (clone evidence) and the wrong
//! PINs entered. Stamps nobody tried have no row, so a roll stays one row.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::stamp_claim;
use crate::db::DbConnection;
use crate::domain::pin::WrongPins;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stamp_claim)]
pub struct StampClaim {
    pub roll_number: i64,
    pub stamp_index: i64,
    pub claimed_at: Option<NaiveDateTime>,
    /// The salted hash of the first claimer's coarse region.
    pub origin: Option<String>,
    pub later_claims: i32,
    pub last_claimed_at: Option<NaiveDateTime>,
    pub wrong_attempts: i32,
    pub window_wrong: i32,
    pub window_started_at: Option<NaiveDateTime>,
}

impl StampClaim {
    /// A stamp nobody has tried to claim yet.
    pub fn untried(roll_number: i64, stamp_index: i64) -> Self {
        StampClaim {
            roll_number,
            stamp_index,
            claimed_at: None,
            origin: None,
            later_claims: 0,
            last_claimed_at: None,
            wrong_attempts: 0,
            window_wrong: 0,
            window_started_at: None,
        }
    }

    pub fn wrong_pins(&self) -> WrongPins {
        WrongPins {
            lifetime: self.wrong_attempts,
            in_window: self.window_wrong,
            window_started: self.window_started_at,
        }
    }
}

fn stamp(roll_number: i64, stamp_index: i64) -> (i64, i64) {
    (roll_number, stamp_index)
}

pub fn find(
    conn: &mut DbConnection,
    roll_number: i64,
    stamp_index: i64,
) -> QueryResult<Option<StampClaim>> {
    stamp_claim::table
        .find(stamp(roll_number, stamp_index))
        .select(StampClaim::as_select())
        .get_result(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &StampClaim) -> QueryResult<usize> {
    diesel::insert_into(stamp_claim::table)
        .values(row)
        .execute(conn)
}

/// Stores the wrong-PIN counts only, so that the resolver's change counter
/// (bumped on claims) does not move.
pub fn set_wrong_pins(
    conn: &mut DbConnection,
    roll_number: i64,
    stamp_index: i64,
    wrong: WrongPins,
) -> QueryResult<usize> {
    diesel::update(stamp_claim::table.find(stamp(roll_number, stamp_index)))
        .set((
            stamp_claim::wrong_attempts.eq(wrong.lifetime),
            stamp_claim::window_wrong.eq(wrong.in_window),
            stamp_claim::window_started_at.eq(wrong.window_started),
        ))
        .execute(conn)
}

pub fn set_first_claim(
    conn: &mut DbConnection,
    roll_number: i64,
    stamp_index: i64,
    at: NaiveDateTime,
    origin: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(stamp_claim::table.find(stamp(roll_number, stamp_index)))
        .set((
            stamp_claim::claimed_at.eq(Some(at)),
            stamp_claim::origin.eq(origin),
        ))
        .execute(conn)
}

pub fn set_later_claims(
    conn: &mut DbConnection,
    roll_number: i64,
    stamp_index: i64,
    later_claims: i32,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(stamp_claim::table.find(stamp(roll_number, stamp_index)))
        .set((
            stamp_claim::later_claims.eq(later_claims),
            stamp_claim::last_claimed_at.eq(Some(at)),
        ))
        .execute(conn)
}

/// The claimed stamps of a roll: index, first claim, later claims; sorted by
/// index for the resolver's binary search.
pub fn claimed_in_roll(
    conn: &mut DbConnection,
    roll_number: i64,
) -> QueryResult<Vec<(i64, NaiveDateTime, i32)>> {
    let rows: Vec<(i64, Option<NaiveDateTime>, i32)> = stamp_claim::table
        .filter(stamp_claim::roll_number.eq(roll_number))
        .filter(stamp_claim::claimed_at.is_not_null())
        .order(stamp_claim::stamp_index)
        .select((
            stamp_claim::stamp_index,
            stamp_claim::claimed_at,
            stamp_claim::later_claims,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(index, at, later)| at.map(|at| (index, at, later)))
        .collect())
}
