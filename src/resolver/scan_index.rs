//! What this node knows of stamps' scans, so that most scans need no count
//! from the database: one bit per stamp of a roll telling whether it was
//! ever scanned (the first scan of a stamp, by far the most common, needs
//! nothing more: its count is zero), and for recently scanned stamps their
//! history (count, first scan, its checkers: `domain::checkers`).
//!
//! A roll's bits are read from the database (its stamps' summaries, never
//! their scans) the first time one of its stamps is looked up; a history,
//! from the stamp's summary (`summary`), when a scanned stamp is looked up. After that this
//! node applies its own scans as it buffers them, and every check of the
//! change counter folds in the scans any node wrote since (by increasing scan
//! id): a row this node did not write drops the stamp's history, to be read
//! again, so other nodes' scans count within the flush window and the check
//! interval. Bits are also set for a margin of ids already seen, because
//! PostgreSQL may commit ids out of order (setting a bit twice is harmless).
//! A history read while this node's own scans of the stamp wait in the buffer
//! misses those: it expects none of them back (`History::echoes`), so the
//! first to come back drops it, and histories read from the database are
//! also read again after `HISTORY_TTL_SECS`. A history this node began with
//! the stamp's first scan is whole and is kept until another node's scan
//! drops it: were it read again too, every stamp of a busy hour would be
//! re-read in the same minute five minutes later (measured: the load
//! script's throughput fell to a quarter during that minute, p99 266 ms).

use chrono::NaiveDateTime;
use diesel::dsl::max;
use diesel::prelude::*;
use foldhash::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Instant;

use crate::db::schema::{scan, scan_summary};
use crate::db::DbConnection;
use crate::domain::checkers::{Checker, Checkers, CloneRule};
use crate::domain::places::Place;
use crate::resolver::record::ScanStats;
use crate::resolver::summary::Summary;

/// Stamps covered by bits at most, over all rolls (one bit each: 8 MB); past
/// it the index starts over and rolls are read again as they are scanned.
const MAX_STAMPS: usize = 64 * 1024 * 1024;
/// Histories kept at most (80 bytes each with their key); past it the expired ones
/// go, and if that is not enough, all of them.
const MAX_HISTORIES: usize = 250_000;
/// How long a history is trusted before it is read again, in seconds.
const HISTORY_TTL_SECS: u32 = 300;
/// Stamps' scan rows read per query when catching up.
const TAIL_PAGE: i64 = 50_000;
/// Rows folded in per hold of the index's lock.
const TAIL_SLICE: usize = 1024;
/// Rows re-read behind the last id seen, for ids committed out of order.
const TAIL_MARGIN: i64 = 1_000;
/// Pages read in one check at most; further behind, the index starts over.
const TAIL_PAGES: usize = 10;

/// One stamp's scans as far as this node knows. A hundred thousand stamps
/// scanned in a busy minute are a hundred thousand of these, so its fields
/// are as small as they can be: the count saturates at four billion, and
/// the time it was read is in seconds since the index began.
#[derive(Debug, Clone)]
pub struct History {
    count: u32,
    first_at: Option<NaiveDateTime>,
    first_place: Option<Place>,
    checkers: Checkers,
    /// When it was read or begun (`ScanIndex::clock`).
    read_at: u32,
    /// Begun by this node with the stamp's first scan: nothing of it can be
    /// in the buffer unseen, so `HISTORY_TTL_SECS` does not apply.
    whole: bool,
    /// This node's scans of the stamp counted here and not yet seen coming
    /// back from the database (`ScanIndex::tail`): a row found there beyond
    /// them is another node's, or one this history was read without, and
    /// drops it. Kept with the history rather than in a map of their own:
    /// without a history there is nothing for a row to correct, and a second
    /// map cost every scan one more lookup among a hundred thousand stamps.
    /// A byte keeps the history at 72 bytes; past 255 scans here between two
    /// checks the rows beyond drop it, to be read again.
    echoes: u8,
}

impl History {
    fn first(who: Option<Checker>, place: Option<Place>, at: NaiveDateTime, now: u32) -> Self {
        let mut history = History {
            count: 0,
            first_at: None,
            first_place: None,
            checkers: Checkers::default(),
            read_at: now,
            whole: true,
            echoes: 0,
        };
        history.add(who, place, at);
        history
    }

    /// Notes a scan at `at` from `place` (its checker `who`, if it names one).
    fn add(&mut self, who: Option<Checker>, place: Option<Place>, at: NaiveDateTime) {
        self.count = self.count.saturating_add(1);
        if self.first_at.is_none_or(|first| at < first) {
            self.first_at = Some(at);
            self.first_place = place;
        }
        if let Some(who) = who {
            self.checkers.add(who, at);
        }
    }

    /// The stats for a check by `who` at `now`.
    pub fn stats(&self, who: Option<Checker>, now: NaiveDateTime, rule: &CloneRule) -> ScanStats {
        ScanStats {
            count: i64::from(self.count),
            first_at: self.first_at,
            first_place: self.first_place,
            evidence: self.checkers.evidence(who, now, rule),
        }
    }

    /// Reads a stamp's history as written so far (the buffer aside), from
    /// its summary (`summary`): one row however many scans it has. Its time
    /// is set when it is kept (`ScanIndex::remember`).
    pub fn read(conn: &mut DbConnection, roll: i64, index: i64) -> QueryResult<Self> {
        let summary = Summary::read(conn, roll, index)?;
        Ok(History {
            count: u32::try_from(summary.scans).unwrap_or(u32::MAX),
            first_at: summary.first_at,
            first_place: summary.first_place,
            checkers: summary.checkers(),
            read_at: 0,
            whole: false,
            echoes: 0,
        })
    }
}

pub struct ScanIndex {
    inner: Mutex<Scanned>,
    /// Held while scans are folded in (`tail`), which runs outside the
    /// cache's check: a second check due meanwhile (a write on this node
    /// asks for one at once) leaves the rows to the fold under way.
    tailing: Mutex<()>,
    /// When the index began: histories keep their time as seconds since.
    began: Instant,
}

impl Default for ScanIndex {
    fn default() -> Self {
        ScanIndex {
            inner: Mutex::default(),
            tailing: Mutex::default(),
            began: Instant::now(),
        }
    }
}

#[derive(Default)]
struct Scanned {
    /// The highest scan id folded in; `None` until the first check.
    last_id: Option<i64>,
    /// Per roll (by number), a bit per stamp: ever scanned.
    rolls: HashMap<i64, Vec<u64>>,
    stamps: usize,
    histories: HashMap<u64, History>,
}

/// A stamp's key in `histories`: roll numbers and stamp
/// indices are both 32-bit (they are what a serial encodes).
fn stamp_key(roll: i64, index: usize) -> u64 {
    ((roll as u64) << 32) | (index as u64 & 0xFFFF_FFFF)
}

impl Scanned {
    /// Sets the stamp's bit; its key and whether the bit was set before.
    fn set(&mut self, roll: i64, index: i64) -> Option<(u64, bool)> {
        let bits = self.rolls.get_mut(&roll)?;
        let i = usize::try_from(index).ok()?;
        let word = bits.get_mut(i / 64)?;
        let was = *word & (1 << (i % 64)) != 0;
        *word |= 1 << (i % 64);
        Some((stamp_key(roll, i), was))
    }

    /// Keeps the histories under their bound: the oldest read or begun go
    /// first, whole or not (a dropped history is read again when needed).
    fn make_room(&mut self, now: u32) {
        if self.histories.len() >= MAX_HISTORIES {
            self.histories
                .retain(|_, h| now.saturating_sub(h.read_at) < HISTORY_TTL_SECS);
        }
        if self.histories.len() >= MAX_HISTORIES {
            self.histories.clear();
        }
    }

    /// A stamp's scan row read back from the database: one of this node's
    /// own while its history expects one; otherwise another node's, or one
    /// the history was read without, and the history is read again.
    fn came_back(&mut self, key: u64) {
        if let Entry::Occupied(mut history) = self.histories.entry(key) {
            if history.get().echoes == 0 {
                history.remove();
            } else {
                history.get_mut().echoes -= 1;
            }
        }
    }

    fn forget(&mut self) {
        self.rolls.clear();
        self.histories.clear();
        self.stamps = 0;
    }
}

impl ScanIndex {
    /// Seconds since the index began: the time histories keep.
    fn clock(&self) -> u32 {
        u32::try_from(self.began.elapsed().as_secs()).unwrap_or(u32::MAX)
    }

    fn inner(&self) -> MutexGuard<'_, Scanned> {
        // A cache: a panic elsewhere while holding it leaves nothing
        // half-done that reading could make worse.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The stamp's stats from memory, when known, for a check by `who` at
    /// `now`.
    pub fn known(
        &self,
        roll: i64,
        index: i64,
        who: Option<Checker>,
        now: NaiveDateTime,
        rule: &CloneRule,
    ) -> Option<ScanStats> {
        let inner = self.inner();
        let bits = inner.rolls.get(&roll)?;
        let i = usize::try_from(index).ok()?;
        let word = bits.get(i / 64)?;
        if word & (1 << (i % 64)) == 0 {
            return Some(ScanStats::unscanned(who.is_some()));
        }
        inner
            .histories
            .get(&stamp_key(roll, i))
            .filter(|h| h.whole || self.clock().saturating_sub(h.read_at) < HISTORY_TTL_SECS)
            .map(|h| h.stats(who, now, rule))
    }

    /// Keeps a history just read from the database.
    pub fn remember(&self, roll: i64, index: i64, mut history: History) {
        let now = self.clock();
        history.read_at = now;
        let mut inner = self.inner();
        let Ok(i) = usize::try_from(index) else {
            return;
        };
        if !inner.rolls.contains_key(&roll) {
            return;
        }
        let key = stamp_key(roll, i);
        inner.make_room(now);
        inner.histories.insert(key, history);
    }

    /// Notes a scan this node has just buffered.
    pub fn record(
        &self,
        roll: i64,
        index: i64,
        who: Option<Checker>,
        place: Option<Place>,
        at: NaiveDateTime,
    ) {
        let mut inner = self.inner();
        let Some((key, was_scanned)) = inner.set(roll, index) else {
            return;
        };
        if !was_scanned {
            let now = self.clock();
            inner.make_room(now);
            let mut history = History::first(who, place, at, now);
            history.echoes = 1;
            inner.histories.insert(key, history);
        } else if let Some(history) = inner.histories.get_mut(&key) {
            history.add(who, place, at);
            history.echoes = history.echoes.saturating_add(1);
        }
    }

    /// Reads the roll's scanned stamps unless already known.
    pub fn load(&self, conn: &mut DbConnection, roll: i64, count: i64) -> QueryResult<()> {
        if self.inner().rolls.contains_key(&roll) {
            return Ok(());
        }
        let count = usize::try_from(count).unwrap_or(0);
        let mut bits = vec![0u64; count.div_ceil(64)];
        let scanned: Vec<i64> = scan_summary::table
            .filter(scan_summary::roll_number.eq(roll))
            .select(scan_summary::stamp_index)
            .load(conn)?;
        for i in scanned.into_iter().filter_map(|i| usize::try_from(i).ok()) {
            if let Some(word) = bits.get_mut(i / 64) {
                *word |= 1 << (i % 64);
            }
        }
        let mut inner = self.inner();
        if inner.stamps + count > MAX_STAMPS {
            inner.forget();
        }
        if !inner.rolls.contains_key(&roll) {
            inner.stamps += count;
            inner.rolls.insert(roll, bits);
        }
        Ok(())
    }

    /// Folds in the scans written since the last call, by any node. Only
    /// stamps' scans are read: a flood of forged codes, however long, costs
    /// one pass over the new ids and never makes the index start over.
    pub fn tail(&self, conn: &mut DbConnection) -> QueryResult<()> {
        // One fold at a time; a panic in an earlier one left nothing of
        // this lock's own to mend.
        let _tailing = match self.tailing.try_lock() {
            Ok(held) => held,
            Err(TryLockError::Poisoned(held)) => held.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        let top: i64 = scan::table
            .select(max(scan::id))
            .get_result::<Option<i64>>(conn)?
            .unwrap_or(0);
        let Some(last) = self.inner().last_id else {
            self.inner().last_id.get_or_insert(top);
            return Ok(());
        };
        let mut from = last.saturating_sub(TAIL_MARGIN);
        for _ in 0..TAIL_PAGES {
            let rows: Vec<(i64, Option<i64>, Option<i64>)> = scan::table
                .filter(scan::id.gt(from))
                .filter(scan::id.le(top))
                .filter(scan::roll_number.is_not_null())
                .order(scan::id)
                .select((scan::id, scan::roll_number, scan::stamp_index))
                .limit(TAIL_PAGE)
                .load(conn)?;
            let full = rows.len() as i64 == TAIL_PAGE;
            let seen = self.inner().last_id.unwrap_or(0);
            // A slice at a time: the workers answering scans take this lock
            // for every scan, and a page held it for milliseconds.
            for slice in rows.chunks(TAIL_SLICE) {
                let mut inner = self.inner();
                for &(id, roll, index) in slice {
                    from = from.max(id);
                    let (Some(roll), Some(index)) = (roll, index) else {
                        continue;
                    };
                    let Some((key, _)) = inner.set(roll, index) else {
                        continue;
                    };
                    if id <= seen {
                        continue;
                    }
                    inner.came_back(key);
                }
            }
            let mut inner = self.inner();
            if !full {
                inner.last_id = Some(seen.max(top));
                return Ok(());
            }
            inner.last_id = Some(seen.max(from));
        }
        // Too far behind to catch up cheaply: start over from the database.
        let mut inner = self.inner();
        inner.forget();
        inner.last_id = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// An index begun longer ago than the TTL: a history given time 0 was
    /// read that long ago.
    fn begun_long_ago() -> ScanIndex {
        ScanIndex {
            began: Instant::now()
                .checked_sub(Duration::from_secs(u64::from(HISTORY_TTL_SECS) + 1))
                .expect("the clock is past the TTL"),
            ..ScanIndex::default()
        }
    }

    /// A hundred thousand stamps scanned in a busy minute are a hundred
    /// thousand histories: their size is most of the server's growth under
    /// load (README, "Figures").
    #[test]
    fn a_history_with_its_one_checker_takes_72_bytes() {
        assert_eq!(std::mem::size_of::<History>(), 72);
    }

    #[test]
    fn a_history_begun_here_outlives_the_ttl_and_one_read_does_not() {
        let index = begun_long_ago();
        index.inner().rolls.insert(7, vec![0; 2]);
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .expect("a date");
        let rule = CloneRule::default();
        let who = |network| {
            Some(Checker {
                network,
                device: None,
                place: None,
            })
        };
        index.record(7, 5, who(1), None, at);
        index.record(7, 5, who(2), None, at);
        for h in index.inner().histories.values_mut() {
            h.read_at = 0;
        }
        let stats = index.known(7, 5, who(2), at, &rule).expect("still known");
        assert_eq!((stats.count, stats.evidence.checkers), (2, 2));

        let mut read = History::first(who(1), None, at, 0);
        read.whole = false;
        index.inner().set(7, 9);
        index.remember(7, 9, read);
        assert!(index.known(7, 9, None, at, &rule).is_some(), "just read");
        for h in index.inner().histories.values_mut() {
            h.read_at = 0;
        }
        assert!(index.known(7, 9, None, at, &rule).is_none(), "read again");
    }

    #[test]
    fn own_scans_coming_back_keep_a_history_and_any_other_row_drops_it() {
        let index = ScanIndex::default();
        index.inner().rolls.insert(7, vec![0; 2]);
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.and_hms_opt(8, 0, 0))
            .expect("a date");
        let rule = CloneRule::default();
        let count = |i| index.known(7, i, None, at, &rule).map(|s| s.count);
        let back = |i| index.inner().came_back(stamp_key(7, i as usize));

        // Two scans here: both rows come back and the history stays; a
        // third row is another node's.
        index.record(7, 5, None, None, at);
        index.record(7, 5, None, None, at);
        back(5);
        back(5);
        assert_eq!(count(5), Some(2));
        back(5);
        assert_eq!(count(5), None, "another node's scan: read again");

        // A scan here of a stamp whose history was not kept, the history
        // then read without it: its row drops what was read.
        index.inner().set(7, 9);
        index.record(7, 9, None, None, at);
        let mut read = History::first(None, None, at, 0);
        read.whole = false;
        index.remember(7, 9, read);
        assert_eq!(count(9), Some(1));
        back(9);
        assert_eq!(count(9), None, "read without this node's scan");

        // Past 255 scans between two checks, the rows beyond drop it.
        for _ in 0..300 {
            index.record(7, 11, None, None, at);
        }
        for _ in 0..255 {
            back(11);
        }
        assert_eq!(count(11), Some(300));
        back(11);
        assert_eq!(count(11), None);
    }
}
