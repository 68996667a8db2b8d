//! Which stamps of a roll were ever scanned: one bit per stamp, so that the
//! first scan of a stamp — by far the most common — needs no count from the
//! database (it is zero). Only stamps with a bit set read their history.
//!
//! A roll's bits are read from the database the first time one of its stamps
//! is looked up; after that this node sets bits for its own scans as it
//! buffers them, and every check of the change counter folds in the scans any
//! node wrote since (by increasing scan id, re-reading a margin because
//! PostgreSQL may commit ids out of order; setting a bit twice is harmless).

use diesel::dsl::max;
use diesel::prelude::*;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::db::schema::scan;
use crate::db::DbConnection;

/// Stamps covered at most, over all rolls (one bit each: 8 MB); past it the
/// index starts over and rolls are read again as they are scanned.
const MAX_STAMPS: usize = 64 * 1024 * 1024;
/// Scan rows read per query when catching up.
const TAIL_PAGE: i64 = 50_000;
/// Rows re-read behind the last id seen, for ids committed out of order.
const TAIL_MARGIN: i64 = 1_000;
/// Pages read in one check at most; further behind, the index starts over.
const TAIL_PAGES: usize = 10;

#[derive(Default)]
pub struct ScanIndex {
    inner: Mutex<Scanned>,
}

#[derive(Default)]
struct Scanned {
    /// The highest scan id folded in; `None` until the first check.
    last_id: Option<i64>,
    rolls: HashMap<String, Vec<u64>>,
    stamps: usize,
}

impl Scanned {
    fn set(&mut self, roll_id: &str, index: i64) {
        if let (Some(bits), Ok(i)) = (self.rolls.get_mut(roll_id), usize::try_from(index)) {
            if let Some(word) = bits.get_mut(i / 64) {
                *word |= 1 << (i % 64);
            }
        }
    }

    fn forget(&mut self) {
        self.rolls.clear();
        self.stamps = 0;
    }
}

impl ScanIndex {
    fn inner(&self) -> MutexGuard<'_, Scanned> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(scanned)` when the roll's bits are known, `None` when not.
    pub fn was_scanned(&self, roll_id: &str, index: i64) -> Option<bool> {
        let inner = self.inner();
        let bits = inner.rolls.get(roll_id)?;
        let i = usize::try_from(index).ok()?;
        Some(
            bits.get(i / 64)
                .is_none_or(|word| word & (1 << (i % 64)) != 0),
        )
    }

    /// Notes a scan this node has just buffered.
    pub fn mark(&self, roll_id: &str, index: i64) {
        self.inner().set(roll_id, index);
    }

    /// Reads the roll's scanned stamps unless already known.
    pub fn load(&self, conn: &mut DbConnection, roll_id: &str, count: i64) -> QueryResult<()> {
        if self.inner().rolls.contains_key(roll_id) {
            return Ok(());
        }
        let count = usize::try_from(count).unwrap_or(0);
        let mut bits = vec![0u64; count.div_ceil(64)];
        let scanned: Vec<Option<i64>> = scan::table
            .filter(scan::roll_id.eq(roll_id))
            .select(scan::stamp_index)
            .distinct()
            .load(conn)?;
        for i in scanned
            .into_iter()
            .flatten()
            .filter_map(|i| usize::try_from(i).ok())
        {
            if let Some(word) = bits.get_mut(i / 64) {
                *word |= 1 << (i % 64);
            }
        }
        let mut inner = self.inner();
        if inner.stamps + count > MAX_STAMPS {
            inner.forget();
        }
        if !inner.rolls.contains_key(roll_id) {
            inner.stamps += count;
            inner.rolls.insert(roll_id.to_owned(), bits);
        }
        Ok(())
    }

    /// Folds in the scans written since the last call, by any node.
    pub fn tail(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let Some(last) = self.inner().last_id else {
            let top: Option<i64> = scan::table.select(max(scan::id)).get_result(conn)?;
            self.inner().last_id.get_or_insert(top.unwrap_or(0));
            return Ok(());
        };
        let mut from = last.saturating_sub(TAIL_MARGIN);
        for _ in 0..TAIL_PAGES {
            let rows: Vec<(i64, Option<String>, Option<i64>)> = scan::table
                .filter(scan::id.gt(from))
                .order(scan::id)
                .select((scan::id, scan::roll_id, scan::stamp_index))
                .limit(TAIL_PAGE)
                .load(conn)?;
            let full = rows.len() as i64 == TAIL_PAGE;
            let mut inner = self.inner();
            for (id, roll_id, index) in rows {
                if let (Some(roll_id), Some(index)) = (roll_id, index) {
                    inner.set(&roll_id, index);
                }
                from = from.max(id);
            }
            inner.last_id = Some(inner.last_id.unwrap_or(0).max(from));
            if !full {
                return Ok(());
            }
        }
        // Too far behind to catch up cheaply: start over from the database.
        let mut inner = self.inner();
        inner.forget();
        inner.last_id = None;
        Ok(())
    }
}
