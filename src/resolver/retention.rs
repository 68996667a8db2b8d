//! Keeping raw scans: on PostgreSQL the scan table is partitioned by month
//! of `scanned_at` (partitions named `scan_YYYY_MM`), each node creates
//! partitions ahead (at start, hourly, and for any month a flush needs),
//! and months older than `SCAN_RETENTION_MONTHS` are dropped whole; on
//! SQLite such scans are deleted in batches. Summaries and the daily rollup
//! are kept: a stamp's count and first scan stay true after its scans go.

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use crate::db::DbConnection;

/// Months created ahead of the current one.
pub const MONTHS_AHEAD: u32 = 3;
/// Scans deleted per statement on SQLite: short enough that a flush never
/// waits long behind one.
const DELETE_BATCH: i64 = 10_000;
/// The advisory lock key under which nodes create partitions, one at a time.
const PARTITION_LOCK: i64 = 0x7472_6163_6573_7470;

/// The first day of `at`'s month.
pub fn month_of(at: NaiveDateTime) -> NaiveDate {
    at.date().with_day(1).unwrap_or(at.date())
}

fn next_month(month: NaiveDate) -> NaiveDate {
    month.checked_add_months(Months::new(1)).unwrap_or(month)
}

fn partition_name(month: NaiveDate) -> String {
    format!("scan_{:04}_{:02}", month.year(), month.month())
}

/// The month a partition's name stands for.
fn partition_month(name: &str) -> Option<NaiveDate> {
    let rest = name.strip_prefix("scan_")?;
    let (year, month) = rest.split_once('_')?;
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, 1)
}

/// Months this node knows have a partition, so that a flush checks the
/// database only for a month it has not seen.
#[derive(Debug, Default)]
pub struct Partitions {
    known: Mutex<BTreeSet<NaiveDate>>,
}

impl Partitions {
    fn known(&self) -> MutexGuard<'_, BTreeSet<NaiveDate>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Creates the partitions of these months that are missing (PostgreSQL
    /// only), in a transaction of its own under an advisory lock, so that
    /// nodes creating the same month do not collide.
    pub fn ensure(
        &self,
        conn: &mut DbConnection,
        months: impl IntoIterator<Item = NaiveDate>,
    ) -> QueryResult<()> {
        let DbConnection::Postgres(c) = conn else {
            return Ok(());
        };
        let missing: BTreeSet<NaiveDate> = {
            let known = self.known();
            months.into_iter().filter(|m| !known.contains(m)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        c.transaction(|c| {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<BigInt, _>(PARTITION_LOCK)
                .execute(c)?;
            let mut statements = String::new();
            for &month in &missing {
                statements.push_str(&format!(
                    "CREATE TABLE IF NOT EXISTS {} PARTITION OF scan \
                     FOR VALUES FROM ('{month}') TO ('{}');",
                    partition_name(month),
                    next_month(month)
                ));
            }
            c.batch_execute(&statements)
        })?;
        self.known().extend(missing);
        Ok(())
    }

    /// Forgets what is known (after a failed flush: another node may have
    /// dropped a month this node thought was there).
    pub fn forget(&self) {
        self.known().clear();
    }

    /// Creates the current month's partition and `MONTHS_AHEAD` more.
    pub fn ahead(&self, conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<()> {
        let months = std::iter::successors(Some(month_of(now)), |m| Some(next_month(*m)))
            .take(MONTHS_AHEAD as usize + 1);
        self.ensure(conn, months)
    }

    /// Removes the scans of the months before the current one and the
    /// `keep` before it (`SCAN_RETENTION_MONTHS`; 0 keeps everything): on
    /// PostgreSQL by dropping their partitions, on SQLite by deleting in
    /// batches. Answers how many partitions or rows went.
    pub fn drop_old(
        &self,
        conn: &mut DbConnection,
        keep: u32,
        now: NaiveDateTime,
    ) -> QueryResult<u64> {
        if keep == 0 {
            return Ok(0);
        }
        let Some(cutoff) = month_of(now).checked_sub_months(Months::new(keep)) else {
            return Ok(0);
        };
        match conn {
            DbConnection::Postgres(c) => {
                #[derive(QueryableByName)]
                struct Partition {
                    #[diesel(sql_type = Text)]
                    relname: String,
                }
                let partitions: Vec<Partition> = diesel::sql_query(
                    "SELECT CAST(c.relname AS TEXT) AS relname FROM pg_inherits i \
                     JOIN pg_class c ON c.oid = i.inhrelid \
                     WHERE i.inhparent = CAST('scan' AS regclass)",
                )
                .load(c)?;
                let old: Vec<(String, NaiveDate)> = partitions
                    .into_iter()
                    .filter_map(|p| Some((partition_month(&p.relname)?, p.relname)))
                    .filter(|(month, _)| next_month(*month) <= cutoff)
                    .map(|(month, name)| (name, month))
                    .collect();
                for (name, _) in &old {
                    c.batch_execute(&format!("DROP TABLE IF EXISTS {name}"))?;
                }
                let mut known = self.known();
                for (_, month) in &old {
                    known.remove(month);
                }
                Ok(old.len() as u64)
            }
            DbConnection::Sqlite(c) => {
                let before = cutoff.and_hms_opt(0, 0, 0).unwrap_or_default();
                let mut deleted = 0u64;
                loop {
                    let n = diesel::sql_query(
                        "DELETE FROM scan WHERE id IN \
                         (SELECT id FROM scan WHERE scanned_at < ? LIMIT ?)",
                    )
                    .bind::<Timestamp, _>(before)
                    .bind::<BigInt, _>(DELETE_BATCH)
                    .execute(c)?;
                    deleted += n as u64;
                    if (n as i64) < DELETE_BATCH {
                        return Ok(deleted);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_read_back() {
        let month = NaiveDate::from_ymd_opt(2027, 1, 1).expect("a date");
        assert_eq!(partition_name(month), "scan_2027_01");
        assert_eq!(partition_month("scan_2027_01"), Some(month));
        assert_eq!(partition_month("scan_whole"), None);
        assert_eq!(next_month(month).month(), 2);
    }
}
