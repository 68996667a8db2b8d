//! Per-stamp scan summaries and the daily rollup, kept by the scan flusher
//! in the transaction that writes the scans: the resolver reads a stamp's
//! summary row (count, first scan, its checkers), never its scans, so a
//! lookup costs the same with ten scans in the table or a billion; the
//! dashboards chart `scan_day` rather than counting scans.
//!
//! On PostgreSQL several nodes flush at once. A flush first upserts its
//! stamps' rows unchanged (`ON CONFLICT DO UPDATE` creates the missing ones
//! and locks all of them, returning what is stored), merges its scans into
//! what it read and writes the rows back; another node's flush of the same
//! stamp waits on the row lock and merges into the result. Stamps are
//! locked in key order, so two flushes never wait on each other in a
//! circle. SQLite has one writer: the flush's first insert takes the lock.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::upsert::excluded;
use std::collections::BTreeMap;

use crate::db::schema::{scan_day, scan_summary};
use crate::db::DbConnection;
use crate::domain::checker_groups::SeenGroups;
use crate::domain::checkers::{Checker, Checkers};
use crate::domain::places::Place;
use crate::domain::verdict::Verdict;
use crate::resolver::scans::NewScan;
use crate::time::StoredText;

/// What an upsert of a rollup row adds to the stored one (a macro rather
/// than a function: the expression's type would take a screen to spell).
macro_rules! day_sums {
    () => {
        (
            scan_day::scans.eq(scan_day::scans + excluded(scan_day::scans)),
            scan_day::genuine.eq(scan_day::genuine + excluded(scan_day::genuine)),
            scan_day::suspicious.eq(scan_day::suspicious + excluded(scan_day::suspicious)),
            scan_day::recalled.eq(scan_day::recalled + excluded(scan_day::recalled)),
            scan_day::voided.eq(scan_day::voided + excluded(scan_day::voided)),
            scan_day::facility_suspended
                .eq(scan_day::facility_suspended + excluded(scan_day::facility_suspended)),
            scan_day::expired.eq(scan_day::expired + excluded(scan_day::expired)),
        )
    };
}

/// What an upsert of a summary row writes over the stored one: the merged
/// row, computed from it (a macro, as `day_sums`).
macro_rules! summary_set {
    () => {
        (
            scan_summary::scans.eq(excluded(scan_summary::scans)),
            scan_summary::first_at.eq(excluded(scan_summary::first_at)),
            scan_summary::first_place.eq(excluded(scan_summary::first_place)),
            scan_summary::checkers.eq(excluded(scan_summary::checkers)),
        )
    };
}

/// Rows per multi-row statement on PostgreSQL (6 bound values each).
const ROWS_PER_STATEMENT: usize = 1000;

/// One stamp's scans as summarised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub scans: i64,
    pub first_at: Option<NaiveDateTime>,
    pub first_place: Option<Place>,
    /// Its checker groups (`domain::checker_groups`).
    seen: SeenGroups,
}

type Row = (i64, i64, i64, Option<NaiveDateTime>, Option<String>, String);

impl Summary {
    fn from_row(row: Row) -> Self {
        let (_, _, scans, first_at, first_place, checkers) = row;
        Summary {
            scans,
            first_at,
            first_place: first_place.as_deref().and_then(Place::named),
            seen: SeenGroups::parse(&checkers),
        }
    }

    /// The stored summary of a stamp; an empty one if it was never scanned.
    ///
    /// `get_result` rather than `first`: a key names one row, and the bundled
    /// SQLite compiled the `first()` query (its `LIMIT ?` bound anew each
    /// time) again at every run: `sqlite3Reprepare` took a quarter of the
    /// scan flusher's time when the flush read summaries so (README,
    /// "Figures"). We take the bound `LIMIT` for the cause; the profile
    /// shows the re-preparing and its end with `get_result`.
    pub fn read(conn: &mut DbConnection, roll: i64, index: i64) -> QueryResult<Self> {
        Ok(scan_summary::table
            .find((roll, index))
            .get_result::<Row>(conn)
            .optional()?
            .map(Summary::from_row)
            .unwrap_or_default())
    }

    /// Notes a scan at `at` from `place` (its checker `who`, if it names one).
    pub fn add(&mut self, who: Option<Checker>, place: Option<Place>, at: NaiveDateTime) {
        self.scans += 1;
        if self.first_at.is_none_or(|first| at < first) {
            self.first_at = Some(at);
            self.first_place = place;
        }
        if let Some(who) = who {
            self.seen.see(who, at);
        }
    }

    /// The checkers, folded oldest first as they were seen, so that the
    /// distinct count and the merging of devices come out as they did
    /// scan by scan.
    pub fn checkers(&self) -> Checkers {
        let mut checkers = Checkers::default();
        for (who, at) in self.seen.oldest_first() {
            checkers.add(who, at);
        }
        checkers
    }

    fn row(&self, (roll, index): (i64, i64)) -> Row {
        (
            roll,
            index,
            self.scans,
            self.first_at,
            self.first_place.map(|p| p.name().to_owned()),
            self.seen.stored(),
        )
    }
}

/// A flush's scans of stamps, each with its stamp's key.
type StampScan<'a> = ((i64, i64), &'a NewScan);

/// The stamps' scans of a flush, one stamp's after another in key order
/// (rows are locked in that order), each stamp's in the order they came
/// (a stable sort): one vector for the flush rather than a map with a
/// vector per stamp, tens of thousands of allocations a flush at full load.
fn by_stamp<'a>(scans: &[(&'a NewScan, i32)]) -> Vec<StampScan<'a>> {
    let mut stamps: Vec<StampScan> = scans
        .iter()
        .filter_map(|&(scan, _)| scan.stamp.map(|stamp| (stamp, scan)))
        .collect();
    stamps.sort_by_key(|&(stamp, _)| stamp);
    stamps
}

/// Each stamp's run of `by_stamp`, with its key.
fn stamp_runs<'s, 'a>(
    stamps: &'s [StampScan<'a>],
) -> impl Iterator<Item = ((i64, i64), &'s [StampScan<'a>])> {
    stamps
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| (run[0].0, run))
}

fn merge(summary: &mut Summary, scans: &[StampScan]) {
    for &(_, scan) in scans {
        let who = crate::resolver::checker(scan.client_class, scan.origin, scan.device);
        summary.add(who, scan.origin.and_then(|o| o.place), scan.scanned_at);
    }
}

/// Merges a flush's scans into their stamps' summaries and the daily
/// rollup; called inside the flush's transaction.
pub fn write(conn: &mut DbConnection, scans: &[(&NewScan, i32)]) -> QueryResult<()> {
    let stamps = by_stamp(scans);
    let days = by_day(scans);
    match conn {
        // The flush's own summary of each stamp, merged into the stored row
        // by the upsert itself (`sqlite::SummaryUpsert`): one statement a
        // stamp, no read of the row first.
        DbConnection::Sqlite(c) => {
            for ((roll, index), scans) in stamp_runs(&stamps) {
                let mut summary = Summary::default();
                merge(&mut summary, scans);
                let first_at = summary.first_at.map(|at| StoredText::of(&at));
                sqlite::SummaryUpsert {
                    roll,
                    index,
                    scans: summary.scans,
                    first_at: first_at.as_ref().map(StoredText::as_str),
                    first_place: summary.first_place.map(Place::name),
                    checkers: &summary.seen.stored(),
                }
                .execute(c)?;
            }
            for (&(day, roll, place), &counts) in &days {
                sqlite::DayUpsert {
                    day,
                    roll,
                    place,
                    counts,
                }
                .execute(c)?;
            }
        }
        DbConnection::Postgres(c) => {
            let runs: Vec<_> = stamp_runs(&stamps).collect();
            for chunk in runs.chunks(ROWS_PER_STATEMENT) {
                // Creates the missing rows and locks them all, in key order.
                let stored: Vec<Row> = diesel::insert_into(scan_summary::table)
                    .values(
                        chunk
                            .iter()
                            .map(|&((roll, index), _)| {
                                (
                                    scan_summary::roll_number.eq(roll),
                                    scan_summary::stamp_index.eq(index),
                                )
                            })
                            .collect::<Vec<_>>(),
                    )
                    .on_conflict((scan_summary::roll_number, scan_summary::stamp_index))
                    .do_update()
                    .set(scan_summary::scans.eq(scan_summary::scans))
                    .returning(scan_summary::all_columns)
                    .get_results(c)?;
                let rows: Vec<_> = stored
                    .into_iter()
                    .map(|row| {
                        let key = (row.0, row.1);
                        let mut summary = Summary::from_row(row);
                        if let Ok(at) = chunk.binary_search_by_key(&key, |&(key, _)| key) {
                            merge(&mut summary, chunk[at].1);
                        }
                        let (roll, index, count, first_at, first_place, checkers) =
                            summary.row(key);
                        (
                            scan_summary::roll_number.eq(roll),
                            scan_summary::stamp_index.eq(index),
                            scan_summary::scans.eq(count),
                            scan_summary::first_at.eq(first_at),
                            scan_summary::first_place.eq(first_place),
                            scan_summary::checkers.eq(checkers),
                        )
                    })
                    .collect();
                diesel::insert_into(scan_summary::table)
                    .values(rows)
                    .on_conflict((scan_summary::roll_number, scan_summary::stamp_index))
                    .do_update()
                    .set(summary_set!())
                    .execute(c)?;
            }
            let days: Vec<_> = days.iter().map(|(k, v)| day_row(k, v)).collect();
            for chunk in days.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(scan_day::table)
                    .values(chunk)
                    .on_conflict((scan_day::day, scan_day::roll_number, scan_day::place))
                    .do_update()
                    .set(day_sums!())
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// A rollup row's key: day, roll, province ('' when unknown).
type DayKey = (NaiveDate, i64, &'static str);

/// Verdicts counted per day, in `scan_day`'s column order.
const DAY_VERDICTS: [Verdict; 6] = [
    Verdict::Genuine,
    Verdict::Suspicious,
    Verdict::Recalled,
    Verdict::Voided,
    Verdict::FacilitySuspended,
    Verdict::Expired,
];

/// Scans, then each of `DAY_VERDICTS`.
type DayCounts = [i64; 7];

/// The stamps' scans of a flush per day, roll and province, in key order
/// (rows are locked in that order).
fn by_day(scans: &[(&NewScan, i32)]) -> BTreeMap<DayKey, DayCounts> {
    let mut days: BTreeMap<DayKey, DayCounts> = BTreeMap::new();
    for (scan, tally) in scans {
        let Some((roll, _)) = scan.stamp else {
            continue;
        };
        let place = scan.origin.and_then(|o| o.place).map(Place::name);
        let key = (scan.scanned_at.date(), roll, place.unwrap_or_default());
        let counts = days.entry(key).or_default();
        let tally = i64::from(*tally);
        counts[0] += tally;
        if let Some(i) = DAY_VERDICTS.iter().position(|v| *v == scan.verdict) {
            counts[i + 1] += tally;
        }
    }
    days
}

#[allow(clippy::type_complexity)]
fn day_row(
    &(day, roll, place): &DayKey,
    counts: &DayCounts,
) -> (
    diesel::dsl::Eq<scan_day::day, NaiveDate>,
    diesel::dsl::Eq<scan_day::roll_number, i64>,
    diesel::dsl::Eq<scan_day::place, &'static str>,
    diesel::dsl::Eq<scan_day::scans, i64>,
    diesel::dsl::Eq<scan_day::genuine, i64>,
    diesel::dsl::Eq<scan_day::suspicious, i64>,
    diesel::dsl::Eq<scan_day::recalled, i64>,
    diesel::dsl::Eq<scan_day::voided, i64>,
    diesel::dsl::Eq<scan_day::facility_suspended, i64>,
    diesel::dsl::Eq<scan_day::expired, i64>,
) {
    (
        scan_day::day.eq(day),
        scan_day::roll_number.eq(roll),
        scan_day::place.eq(place),
        scan_day::scans.eq(counts[0]),
        scan_day::genuine.eq(counts[1]),
        scan_day::suspicious.eq(counts[2]),
        scan_day::recalled.eq(counts[3]),
        scan_day::voided.eq(counts[4]),
        scan_day::facility_suspended.eq(counts[5]),
        scan_day::expired.eq(counts[6]),
    )
}

/// The SQLite flush's two upserts as statements of their own, so that
/// diesel keeps them prepared: it never caches an `ON CONFLICT … DO UPDATE`
/// it builds (its `DoUpdate` marks the statement unsafe to cache), and SQLite
/// parsed and compiled both again for every stamp of every flush (the
/// parser's functions were an eighth of the flusher's profile).
pub mod sqlite {
    use chrono::NaiveDate;
    use diesel::query_builder::{AstPass, QueryFragment, QueryId};
    use diesel::sql_types::{BigInt, Date, Nullable, Text};
    use diesel::sqlite::{Sqlite, SqliteConnection};
    use diesel::{QueryResult, RunQueryDsl};

    use super::DayCounts;

    /// A stamp's summary of one flush's scans: inserted, or merged into the
    /// stored row by the statement itself (no read of the row before).
    pub struct SummaryUpsert<'a> {
        pub roll: i64,
        pub index: i64,
        pub scans: i64,
        /// As stored (`time::STORED`): text of one shape compares as the
        /// times do.
        pub first_at: Option<&'a str>,
        pub first_place: Option<&'a str>,
        pub checkers: &'a str,
    }

    impl QueryId for SummaryUpsert<'_> {
        type QueryId = SummaryUpsert<'static>;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl QueryFragment<Sqlite> for SummaryUpsert<'_> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
            out.push_sql(
                "INSERT INTO scan_summary \
                 (roll_number, stamp_index, scans, first_at, first_place, checkers) VALUES (",
            );
            out.push_bind_param::<BigInt, _>(&self.roll)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&self.index)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&self.scans)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&self.first_at)?;
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(&self.first_place)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&self.checkers)?;
            // An upsert rewrites the row in place; `REPLACE` would delete it
            // and insert it again. Every expression reads the stored row as
            // it was: the first scan and its place change together.
            out.push_sql(
                ") ON CONFLICT (roll_number, stamp_index) DO UPDATE SET \
                 scans = scans + excluded.scans, \
                 first_at = CASE WHEN first_at IS NULL OR excluded.first_at < first_at \
                   THEN excluded.first_at ELSE first_at END, \
                 first_place = CASE WHEN first_at IS NULL OR excluded.first_at < first_at \
                   THEN excluded.first_place ELSE first_place END, checkers = ",
            );
            out.push_sql(crate::db::MERGE_CHECKERS);
            out.push_sql("(checkers, excluded.checkers)");
            Ok(())
        }
    }

    impl RunQueryDsl<SqliteConnection> for SummaryUpsert<'_> {}

    /// A day's counts for a roll and province, added to the stored ones.
    pub struct DayUpsert {
        pub day: NaiveDate,
        pub roll: i64,
        pub place: &'static str,
        pub counts: DayCounts,
    }

    impl QueryId for DayUpsert {
        type QueryId = DayUpsert;
        const HAS_STATIC_QUERY_ID: bool = true;
    }

    impl QueryFragment<Sqlite> for DayUpsert {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
            out.push_sql(
                "INSERT INTO scan_day (day, roll_number, place, scans, genuine, suspicious, \
                 recalled, voided, facility_suspended, expired) VALUES (",
            );
            out.push_bind_param::<Date, _>(&self.day)?;
            out.push_sql(", ");
            out.push_bind_param::<BigInt, _>(&self.roll)?;
            out.push_sql(", ");
            out.push_bind_param::<Text, _>(&self.place)?;
            for count in &self.counts {
                out.push_sql(", ");
                out.push_bind_param::<BigInt, _>(count)?;
            }
            out.push_sql(
                ") ON CONFLICT (day, roll_number, place) DO UPDATE SET \
                 scans = scans + excluded.scans, genuine = genuine + excluded.genuine, \
                 suspicious = suspicious + excluded.suspicious, \
                 recalled = recalled + excluded.recalled, voided = voided + excluded.voided, \
                 facility_suspended = facility_suspended + excluded.facility_suspended, \
                 expired = expired + excluded.expired",
            );
            Ok(())
        }
    }

    impl RunQueryDsl<SqliteConnection> for DayUpsert {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolver::scans::{ClientClass, ScannedCode};

    fn scan(stamp: Option<(i64, i64)>, second: u32) -> NewScan {
        NewScan {
            stamp,
            serial: ScannedCode::from("S"),
            scanned_at: NaiveDate::from_ymd_opt(2026, 12, 6)
                .and_then(|d| d.and_hms_opt(8, 0, second))
                .expect("a time"),
            origin: None,
            device: None,
            client_class: ClientClass::Mobile,
            verdict: Verdict::Genuine,
        }
    }

    /// Stamps come out in key order (the order rows are locked in), each
    /// stamp's scans in the order they came (checkers fold oldest first),
    /// and codes naming no stamp are left out.
    #[test]
    fn a_flush_is_grouped_by_stamp_in_key_order_keeping_each_stamps_order() {
        let scans = [
            scan(Some((2, 5)), 1),
            scan(Some((1, 9)), 2),
            scan(None, 3),
            scan(Some((2, 5)), 4),
            scan(Some((1, 9)), 5),
            scan(Some((2, 5)), 6),
        ];
        let batch: Vec<_> = scans.iter().map(|s| (s, 1)).collect();
        let stamps = by_stamp(&batch);
        let runs: Vec<((i64, i64), Vec<u32>)> = stamp_runs(&stamps)
            .map(|(key, run)| {
                (
                    key,
                    run.iter()
                        .map(|(_, s)| chrono::Timelike::second(&s.scanned_at))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(runs, [((1, 9), vec![2, 5]), ((2, 5), vec![1, 4, 6])]);
    }
}
