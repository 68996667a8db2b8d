//! What the resolver keeps in memory so that a genuine stamp is answered
//! without touching the database: stamp rolls with their batch's public
//! record and voided stamps (here), and which stamps were ever scanned
//! (`scan_index`).
//!
//! Correctness comes from the database, not from this node: every write to a
//! table the public record shows bumps `public_change.seq` in the writer's own
//! transaction (triggers, so no write path can forget it), and each node reads
//! that counter at most every `RESOLVER_CACHE_MS`, dropping its records when
//! it moved. A write served by this node asks for the check at once
//! (`forget_on_write`), so a recall made here shows on the very next scan; one
//! made on another node or behind the service's back, within the interval.
//! No lock is held across a query: loads run unlocked and are kept only if no
//! drop happened meanwhile. A check stays due until it has read the counter
//! (not from the moment one thread takes it on), and a lookup that finds a
//! check due but taken by another thread reads the database rather than
//! memory: otherwise the scans answered while the counter is being read —
//! a database round trip, longer under load — could be the old record.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use foldhash::HashMap;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::db::schema::{public_change, stamp_override};
use crate::db::DbConnection;
use crate::domain::checkers::{Checker, CloneRule};
use crate::models::stamp_roll::{self, STAMP_VOIDED};
use crate::resolver::record::{PublicRecord, ScanStats};
use crate::resolver::scan_index::{History, ScanIndex};
use crate::AppState;

/// Rolls kept at most; past it the cache starts over (rolls are few: one per
/// print run, and a roll entry is small next to its shared batch record).
const MAX_ROLLS: usize = 20_000;

/// A stamp roll as the resolver needs it, with its batch's public record.
#[derive(Debug)]
pub struct RollFacts {
    pub roll_id: String,
    /// The number its serials encode; scans name the roll by it.
    pub number: i64,
    pub batch_id: String,
    count: i64,
    key_id: i32,
    /// Set when the whole roll was voided.
    roll_void: Option<VoidNote>,
    /// The roll's individually voided stamps, sorted by index.
    voided: Vec<(i64, VoidNote)>,
    /// The roll's claimed stamps (index, first claim, later claims), sorted
    /// by index. A claim bumps the change counter, so this stays current.
    claims: Vec<(i64, chrono::NaiveDateTime, i32)>,
    /// The roll's stamps whose NFC tap URL was opened by others than the
    /// tapper (index, copies), sorted by index; a copy bumps the change
    /// counter too.
    copied: Vec<(i64, i64)>,
    /// The batch's record, shared by the batch's rolls.
    pub public: Arc<PublicRecord>,
}

impl RollFacts {
    /// Whether a serial that passed its MAC names a stamp of this roll.
    fn issued(&self, index: i64, key_id: u8) -> bool {
        index < self.count && self.key_id == i32::from(key_id)
    }

    /// Why and when the stamp at `index` was voided, if it was.
    pub fn stamp_void(&self, index: i64) -> Option<&VoidNote> {
        self.roll_void.as_ref().or_else(|| {
            self.voided
                .binary_search_by_key(&index, |(i, _)| *i)
                .ok()
                .and_then(|at| self.voided.get(at))
                .map(|(_, note)| note)
        })
    }

    /// Copies of the stamp's NFC tap URL opened by others than its tapper.
    pub fn copied_taps(&self, index: i64) -> i64 {
        self.copied
            .binary_search_by_key(&index, |(i, _)| *i)
            .map_or(0, |at| self.copied[at].1)
    }

    /// The stamp's scratch-off PIN claim, if it was claimed.
    pub fn claim(&self, index: i64) -> Option<StampClaimed> {
        self.claims
            .binary_search_by_key(&index, |(i, _, _)| *i)
            .ok()
            .and_then(|at| self.claims.get(at))
            .map(|(_, claimed_at, later_claims)| StampClaimed {
                claimed_at: *claimed_at,
                later_claims: *later_claims,
            })
    }
}

/// When a stamp was first claimed with its PIN, and how many correct PINs
/// were entered after that (clone evidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StampClaimed {
    pub claimed_at: chrono::NaiveDateTime,
    pub later_claims: i32,
}

/// Why and when a stamp was taken out of circulation: what its page says
/// instead of the origin record, which no longer vouches for the product.
#[derive(Debug, Clone, Serialize)]
pub struct VoidNote {
    pub reason: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub voided_at: NaiveDateTime,
}

/// A stamp found: its roll and its scans so far.
pub struct Found {
    pub roll: Arc<RollFacts>,
    pub stats: ScanStats,
}

#[derive(Default)]
struct Records {
    /// The `public_change.seq` the entries were loaded at or after.
    seq: Option<i64>,
    /// Bumped at every drop, so that a load begun before it is not kept.
    generation: u64,
    rolls: HashMap<i64, Arc<RollFacts>>,
    batches: HashMap<String, Arc<PublicRecord>>,
}

/// Who is checking the change counter, and how many writes asked for a
/// check: a check that began before the latest ask leaves the next one due.
#[derive(Default)]
struct Checking {
    running: bool,
    asked: u64,
}

/// Whether memory may answer a lookup that goes on to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// No check was due, or this caller just made it.
    Current,
    /// A check is due and another thread is making it: memory may be older
    /// than a write this node has already answered.
    Checking,
}

pub struct ResolverCache {
    interval: Duration,
    epoch: Instant,
    /// Milliseconds since `epoch` from which the next check is due; it moves
    /// forward only when a check has read the counter.
    next_check: AtomicU64,
    checking: Mutex<Checking>,
    records: Mutex<Records>,
    pub scans: ScanIndex,
    /// Lookups answered from memory alone, and those that were not (for
    /// `/metrics`; one relaxed increment each).
    hits: AtomicU64,
    misses: AtomicU64,
}

impl ResolverCache {
    /// A cache that checks the database's change counter at most every `interval`.
    pub fn new(interval: Duration) -> Self {
        ResolverCache {
            interval,
            epoch: Instant::now(),
            next_check: AtomicU64::new(0),
            checking: Mutex::new(Checking::default()),
            records: Mutex::new(Records::default()),
            scans: ScanIndex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Stamp lookups answered from memory alone since start.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Stamp lookups that had to go to the database since start.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    fn records(&self) -> MutexGuard<'_, Records> {
        // The data is a cache: a panic elsewhere while holding it leaves
        // nothing half-done that reading could make worse.
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn checking(&self) -> MutexGuard<'_, Checking> {
        self.checking.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn due(&self) -> bool {
        self.now_ms() >= self.next_check.load(Ordering::Acquire)
    }

    /// Whether a check is due and this caller is the one to make it; if so,
    /// the number of asks it answers (see `finish_check`). Taken only when a
    /// check is due, so the lock is not on the path of a cached answer.
    fn claim_check(&self) -> Result<Option<u64>, Freshness> {
        if !self.due() {
            return Ok(None);
        }
        let mut checking = self.checking();
        if checking.running {
            return Err(Freshness::Checking);
        }
        checking.running = true;
        Ok(Some(checking.asked))
    }

    /// Ends the check that answered `asked` asks: the next one is due after
    /// the interval, unless it failed or a write asked again meanwhile (it
    /// may have been read before that write committed).
    fn finish_check(&self, asked: u64, read: bool) {
        let mut checking = self.checking();
        checking.running = false;
        if read && checking.asked == asked {
            let interval = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX);
            self.next_check
                .store(self.now_ms().saturating_add(interval), Ordering::Release);
        }
    }

    /// Makes the next lookup check the database first.
    pub fn check_now(&self) {
        let mut checking = self.checking();
        checking.asked = checking.asked.wrapping_add(1);
        self.next_check.store(0, Ordering::Release);
    }

    /// Reads the change counter, dropping every record if it moved.
    fn refresh(&self, conn: &mut DbConnection) -> QueryResult<()> {
        let seq: i64 = public_change::table
            .find(1)
            .select(public_change::seq)
            .get_result(conn)?;
        {
            let mut records = self.records();
            if records.seq != Some(seq) {
                records.rolls.clear();
                records.batches.clear();
                records.generation += 1;
                records.seq = Some(seq);
            }
        }
        Ok(())
    }

    /// Checks the change counter and folds in new scans if a check is due.
    /// Called by lookups and, after each flush, by the scan flusher: were it
    /// called by lookups alone, a node that served no stamp for a while (only
    /// forged codes, say, or nothing) would find more new scans than a check
    /// reads and start its index over, reading every busy stamp again at once
    /// (measured: the load script's JSON run after its forged run fell to
    /// 27k requests/s, p99 229 ms).
    pub fn check_if_due(&self, conn: &mut DbConnection) -> QueryResult<Freshness> {
        match self.claim_check() {
            Ok(Some(asked)) => {
                let read = self.refresh(conn);
                self.finish_check(asked, read.is_ok());
                read?;
                // The scans written since the last check are folded in once
                // the check is over: while a check runs every lookup reads
                // its record from the database, and the fold of a busy
                // second's scans took tens of milliseconds (the load
                // script's p99). Lookups meanwhile count from memory, as
                // they did before the check was due.
                self.scans.tail(conn)?;
                Ok(Freshness::Current)
            }
            Ok(None) => Ok(Freshness::Current),
            Err(checking) => Ok(checking),
        }
    }

    /// The stamp from memory alone, when everything needed is there and no
    /// check is due: its roll is cached and its scans are known.
    pub fn lookup_cached(
        &self,
        roll: u32,
        index: u32,
        key_id: u8,
        who: Option<Checker>,
        rule: &CloneRule,
    ) -> Option<Found> {
        let found = self.in_memory(roll, index, key_id, who, rule);
        let tally = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        tally.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn in_memory(
        &self,
        roll: u32,
        index: u32,
        key_id: u8,
        who: Option<Checker>,
        rule: &CloneRule,
    ) -> Option<Found> {
        if self.due() {
            return None;
        }
        let facts = self.records().rolls.get(&i64::from(roll)).cloned()?;
        let index = i64::from(index);
        if !facts.issued(index, key_id) {
            return None;
        }
        let stats = self
            .scans
            .known(facts.number, index, who, crate::time::now(), rule)?;
        Some(Found { roll: facts, stats })
    }

    /// The stamp, reading from the database what memory lacks (and checking
    /// the change counter first when due). `None`: never issued.
    pub fn lookup(
        &self,
        conn: &mut DbConnection,
        roll: u32,
        index: u32,
        key_id: u8,
        who: Option<Checker>,
        rule: &CloneRule,
    ) -> QueryResult<Option<Found>> {
        let fresh = self.check_if_due(conn)?;
        let cached = match fresh {
            Freshness::Current => self.records().rolls.get(&i64::from(roll)).cloned(),
            Freshness::Checking => None,
        };
        let facts = match cached {
            Some(facts) => facts,
            None => match self.load_roll(conn, i64::from(roll), fresh)? {
                Some(facts) => facts,
                None => return Ok(None),
            },
        };
        let index = i64::from(index);
        if !facts.issued(index, key_id) {
            return Ok(None);
        }
        self.scans.load(conn, facts.number, facts.count)?;
        let now = crate::time::now();
        let stats = match self.scans.known(facts.number, index, who, now, rule) {
            Some(stats) => stats,
            None => {
                let history = History::read(conn, facts.number, index)?;
                let stats = history.stats(who, now, rule);
                self.scans.remember(facts.number, index, history);
                stats
            }
        };
        Ok(Some(Found { roll: facts, stats }))
    }

    /// The roll and its batch's record from the database; the record shared
    /// with the batch's other rolls when memory is `Current`.
    fn load_roll(
        &self,
        conn: &mut DbConnection,
        number: i64,
        fresh: Freshness,
    ) -> QueryResult<Option<Arc<RollFacts>>> {
        let generation = self.records().generation;
        let Some(roll) = stamp_roll::by_number(conn, number)? else {
            return Ok(None);
        };
        let shared = match fresh {
            Freshness::Current => self.records().batches.get(&roll.batch_id).cloned(),
            Freshness::Checking => None,
        };
        let public = match shared {
            Some(shared) => shared,
            None => match crate::public::record::load(conn, &roll.batch_id)? {
                Some(record) => Arc::new(
                    PublicRecord::new(record)
                        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?,
                ),
                None => return Ok(None),
            },
        };
        let voided = stamp_override::table
            .filter(stamp_override::roll_id.eq(&roll.id))
            .filter(stamp_override::state.eq(STAMP_VOIDED))
            .order(stamp_override::stamp_index)
            .select((
                stamp_override::stamp_index,
                stamp_override::reason,
                stamp_override::created_at,
            ))
            .load::<(i64, Option<String>, NaiveDateTime)>(conn)?
            .into_iter()
            .map(|(index, reason, voided_at)| (index, VoidNote { reason, voided_at }))
            .collect();
        let claims = crate::models::stamp_claim::claimed_in_roll(conn, number)?;
        let copied = crate::models::nfc_tag::copied_in_roll(conn, number)?;
        let facts = Arc::new(RollFacts {
            claims,
            copied,
            roll_void: roll.voided_at.map(|voided_at| VoidNote {
                reason: roll.void_reason,
                voided_at,
            }),
            roll_id: roll.id,
            number,
            batch_id: roll.batch_id,
            count: roll.count,
            key_id: roll.key_id,
            voided,
            public,
        });
        let mut records = self.records();
        if records.generation == generation {
            if records.rolls.len() >= MAX_ROLLS {
                records.rolls.clear();
                records.batches.clear();
            }
            records.rolls.insert(number, Arc::clone(&facts));
            records
                .batches
                .insert(facts.batch_id.clone(), Arc::clone(&facts.public));
        }
        Ok(Some(facts))
    }
}

/// Middleware: after any request that may have written (not GET, HEAD or
/// OPTIONS), the next lookup on this node checks the change counter, so this
/// node's own recalls, voids and edits show at once.
pub async fn forget_on_write(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let state = writes
        .then(|| req.app_data::<web::Data<AppState>>().cloned())
        .flatten();
    let response = next.call(req).await;
    if let Some(state) = state {
        state.resolver.check_now();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_not_trusted_while_a_check_reads_the_counter() {
        let cache = ResolverCache::new(Duration::from_secs(60));
        // A check begins; it may read the counter before a write commits.
        let asked = cache.claim_check().expect("none running").expect("due");
        // Until it has read, the check stays due (no answer from memory) and
        // other lookups are told to read the database.
        assert!(cache.due());
        assert_eq!(cache.claim_check(), Err(Freshness::Checking));
        // A write is answered meanwhile: the check may have missed it, so
        // the next lookup checks again.
        cache.check_now();
        cache.finish_check(asked, true);
        assert!(cache.due());
        let asked = cache.claim_check().expect("none running").expect("due");
        cache.finish_check(asked, true);
        assert!(!cache.due());
        assert_eq!(cache.claim_check(), Ok(None));
    }

    #[test]
    fn a_failed_check_stays_due() {
        let cache = ResolverCache::new(Duration::from_secs(60));
        let asked = cache.claim_check().expect("none running").expect("due");
        cache.finish_check(asked, false);
        assert!(cache.due());
        assert!(matches!(cache.claim_check(), Ok(Some(_))));
    }
}
