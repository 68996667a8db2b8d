//! Scans are recorded without making the reader wait: the resolver pushes
//! them into an in-memory buffer (a short lock, no I/O) and a flusher writes
//! them in batches at least every second, and once more at shutdown.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::db::schema::scan;
use crate::db::DbConnection;
use crate::domain::checkers::Hex;
use crate::domain::places::Place;
use crate::domain::verdict::Verdict;
use crate::resolver::retention::{month_of, Partitions};
use crate::resolver::summary;
use crate::time::StoredText;

/// Rows per multi-row insert on PostgreSQL: 10 bound values each, under its
/// 65,535 per statement.
const FLUSH_ROWS: usize = 1000;

/// A scan waiting to be written. Nothing of it lives on the heap unless the
/// code is longer than a serial: at full load tens of thousands wait each
/// second, allocated by the workers and freed by the flusher, and such
/// allocations left glibc's malloc holding about twice the memory in use.
#[derive(Debug, Clone)]
pub struct NewScan {
    /// The roll's number and the stamp's index; `None` for a code that names
    /// no issued stamp.
    pub stamp: Option<(i64, i64)>,
    pub serial: ScannedCode,
    pub scanned_at: NaiveDateTime,
    pub origin: Option<Origin>,
    /// The salted hash of the device token in our cookie, when sent.
    pub device: Option<u64>,
    pub client_class: ClientClass,
    pub verdict: Verdict,
}

/// A code as scanned (upper-cased; at most 64 characters are kept).
#[derive(Debug, Clone)]
pub struct ScannedCode(SmallVec<[u8; 24]>);

impl ScannedCode {
    pub fn as_str(&self) -> &str {
        // Always UTF-8: it is only ever made from a `&str`.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl From<&str> for ScannedCode {
    fn from(code: &str) -> Self {
        ScannedCode(SmallVec::from_slice(code.as_bytes()))
    }
}

/// A client's coarse origins as salted hashes (see `origins`): kept as
/// numbers, stored as 16 hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// The /24 (IPv4) or /48 (IPv6) network.
    pub network: u64,
    /// The /16 or /32 "region", for regulators' counts of scans by origin.
    pub region: u64,
    /// The province the address is in (`domain::places`), stored as its
    /// name: coarse enough to tell a consumer.
    pub place: Option<Place>,
}

/// An origin hash as stored (`Hex`).
pub fn origin_hex(hash: u64) -> String {
    Hex::of(hash).as_str().to_owned()
}

/// The SQLite flush binds hashes as they are stored, with no string per
/// scan.
impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for Hex {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
    ) -> diesel::serialize::Result {
        out.set_value(self.as_str());
        Ok(diesel::serialize::IsNull::No)
    }
}

/// Codes naming no stamp written one by one per origin network and flush;
/// the rest from that origin in that flush are counted on the last one kept
/// (its `tally`). A client spraying invented codes, tens of thousands a
/// second, otherwise grows the scan table by a row a request and makes the
/// flusher the busiest thread on the machine; regulators still see every
/// code of a burst's beginning and its full count.
const UNKNOWN_KEPT_PER_ORIGIN: i32 = 64;

/// Scans per chunk of the buffer. A busy second buffers tens of thousands,
/// and a burst the flusher is behind on, hundreds of thousands: in chunks,
/// what is buffered is never copied to grow, and a backlog costs its own
/// size rather than a doubled vector kept after it.
const CHUNK: usize = 1024;

/// Scans a flush writes in one transaction at most, and the depth at which
/// the buffer wakes the flusher before its second is up. Waiting out the
/// second, whatever the load, held a busy second's scans in memory twice (the
/// one being written and the next arriving): 170,000 scans, 19 MB, at
/// 87,000 scans a second (the load script's peak RSS: 84 MB; 72 MB so).
/// Smaller batches cost the flusher more, as each rewrites the stamps'
/// summary pages it touches: about 0.3 µs a scan more at this size, 0.7 at
/// half of it (README, "Figures").
pub const FLUSH_BATCH: usize = 32 * CHUNK;

/// Scans answered but not yet written. Bounded: while the database is
/// unreachable the flusher puts every failed flush back, and scans keep
/// arriving; past `capacity` new scans are refused and counted (`dropped`,
/// exported as `tracestamp_scans_dropped_total`), so that an outage costs
/// at most `capacity` scans' memory (112 bytes each) rather than the
/// node. What was accepted is never dropped: a failed flush goes back whole.
#[derive(Debug)]
pub struct ScanBuffer {
    pending: Mutex<Pending>,
    /// Signalled when `FLUSH_BATCH` scans wait, and when the buffer closes.
    ready: Condvar,
    /// The scan table's months known to be there (PostgreSQL).
    pub partitions: Partitions,
    capacity: usize,
    dropped: AtomicU64,
}

#[derive(Debug, Default)]
struct Pending {
    chunks: Vec<Vec<NewScan>>,
    /// Scans in `chunks`.
    held: usize,
    /// The server has stopped: the flusher writes what is left and ends.
    closed: bool,
}

impl ScanBuffer {
    /// A buffer holding at most `capacity` scans (`SCAN_BUFFER_MAX`).
    pub fn new(capacity: usize) -> Self {
        ScanBuffer {
            pending: Mutex::new(Pending::default()),
            ready: Condvar::new(),
            partitions: Partitions::default(),
            capacity,
            dropped: AtomicU64::new(0),
        }
    }

    /// The buffer. A panic while it was held (none is expected: only pushes
    /// and moves of whole chunks happen under it) leaves it consistent, so
    /// it is used on rather than every later scan silently lost.
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Buffers a scan; `false` when the buffer is full and the scan was
    /// dropped (counted).
    pub fn push(&self, scan: NewScan) -> bool {
        let mut pending = self.lock();
        if pending.held >= self.capacity {
            drop(pending);
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        pending.held += 1;
        match pending.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(scan),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(scan);
                pending.chunks.push(chunk);
            }
        }
        if pending.held == FLUSH_BATCH {
            self.ready.notify_one();
        }
        true
    }

    /// Waits until a batch's worth of scans is buffered, the buffer is
    /// closed or `timeout` has passed; answers whether it is closed.
    pub fn wait_for_batch(&self, timeout: Duration) -> bool {
        self.wait_while(timeout, |p| p.held < FLUSH_BATCH)
    }

    /// Waits until the buffer is closed or `timeout` has passed, however
    /// many scans wait: after a failed flush, so that a database outage
    /// with a backlog is retried each second, not in a busy loop.
    pub fn wait_out(&self, timeout: Duration) -> bool {
        self.wait_while(timeout, |_| true)
    }

    fn wait_while(&self, timeout: Duration, waiting: impl Fn(&Pending) -> bool) -> bool {
        let pending = self.lock();
        let waited = self
            .ready
            .wait_timeout_while(pending, timeout, |p| waiting(p) && !p.closed);
        let (pending, _) = waited.unwrap_or_else(|p| p.into_inner());
        pending.closed
    }

    /// Ends the flusher's waiting for good (the server has stopped).
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// Scans waiting to be written (read at a scrape of `/metrics`).
    pub fn depth(&self) -> usize {
        self.lock().held
    }

    /// Scans refused since start because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The oldest `FLUSH_BATCH` scans at most, in whole chunks.
    fn take(&self) -> Vec<Vec<NewScan>> {
        let mut pending = self.lock();
        let batch = pending.chunks.len().min(FLUSH_BATCH / CHUNK);
        let rest = pending.chunks.split_off(batch);
        let taken = std::mem::replace(&mut pending.chunks, rest);
        pending.held -= taken.iter().map(Vec::len).sum::<usize>();
        taken
    }

    /// Puts a flush that failed back, ahead of what arrived meanwhile, so
    /// that scans keep their order.
    fn put_back(&self, mut chunks: Vec<Vec<NewScan>>) {
        let mut pending = self.lock();
        pending.held += chunks.iter().map(Vec::len).sum::<usize>();
        chunks.append(&mut pending.chunks);
        pending.chunks = chunks;
    }

    /// Writes the oldest `FLUSH_BATCH` scans at most in one transaction,
    /// with the stamps' summaries and daily rollup (`summary`); on failure
    /// the scans are put back to be tried again at the next flush.
    pub fn flush(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let chunks = self.take();
        let scans: usize = chunks.iter().map(Vec::len).sum();
        if scans == 0 {
            return Ok(0);
        }
        let batch = fold_unknown_floods(chunks.iter().flatten(), scans);
        let row = |&(r, tally): &(&NewScan, i32)| {
            (
                scan::roll_number.eq(r.stamp.map(|(roll, _)| roll)),
                scan::stamp_index.eq(r.stamp.map(|(_, index)| index)),
                scan::serial.eq(r.serial.as_str().to_owned()),
                scan::scanned_at.eq(r.scanned_at),
                scan::origin_hash.eq(r.origin.map(|o| origin_hex(o.network))),
                scan::origin_region.eq(r.origin.map(|o| origin_hex(o.region))),
                scan::device.eq(r.device.map(origin_hex)),
                scan::place.eq(r.origin.and_then(|o| o.place).map(Place::name)),
                scan::client_class.eq(r.client_class.as_str()),
                scan::verdict.eq(r.verdict.as_str()),
                scan::tally.eq(tally),
            )
        };
        let months: BTreeSet<NaiveDate> =
            batch.iter().map(|(r, _)| month_of(r.scanned_at)).collect();
        let written = self.partitions.ensure(conn, months).and_then(|()| {
            conn.transaction(|conn| {
                match conn {
                    // SQLite: one statement per scan, prepared once and kept in
                    // the statement cache (`ScanInsert`); a multi-row insert
                    // would be parsed anew each flush and need a statement
                    // journal. In
                    // the order they came: ids follow time, and each lands at
                    // the end of its roll's range of the `scan_roll` index.
                    DbConnection::Sqlite(c) => {
                        for &(r, tally) in &batch {
                            ScanInsert::of(r, tally).execute(c)?;
                        }
                    }
                    // PostgreSQL: each statement is a round trip, so a few
                    // multi-row inserts. Chunks are of `FLUSH_ROWS` or a power of
                    // two, so that the prepared-statement cache holds a dozen
                    // shapes, not one per batch size.
                    DbConnection::Postgres(c) => {
                        let mut rest = &batch[..];
                        while !rest.is_empty() {
                            let size = if rest.len() >= FLUSH_ROWS {
                                FLUSH_ROWS
                            } else {
                                1 << rest.len().ilog2()
                            };
                            let (rows, after) = rest.split_at(size);
                            rest = after;
                            let values: Vec<_> = rows.iter().map(row).collect();
                            diesel::insert_into(scan::table).values(values).execute(c)?;
                        }
                    }
                }
                summary::write(conn, &batch)?;
                Ok(scans)
            })
        });
        if written.is_err() {
            self.partitions.forget();
            self.put_back(chunks);
        }
        written
    }
}

/// A scan's row as the SQLite flush inserts it, bound as diesel's builder
/// binds it but with the time written by `time::StoredText` and the
/// hashes as hex on the stack: diesel parsed its time format string and
/// walked an eleven-column tuple for every scan.
struct ScanInsert<'a> {
    scan: &'a NewScan,
    roll: Option<i64>,
    index: Option<i64>,
    scanned_at: StoredText,
    /// The origin's network and region, and the device.
    hashes: [Option<Hex>; 3],
    place: Option<&'static str>,
    tally: i32,
}

impl<'a> ScanInsert<'a> {
    fn of(scan: &'a NewScan, tally: i32) -> Self {
        ScanInsert {
            scan,
            roll: scan.stamp.map(|(roll, _)| roll),
            index: scan.stamp.map(|(_, index)| index),
            scanned_at: StoredText::of(&scan.scanned_at),
            hashes: [
                scan.origin.map(|o| Hex::of(o.network)),
                scan.origin.map(|o| Hex::of(o.region)),
                scan.device.map(Hex::of),
            ],
            place: scan.origin.and_then(|o| o.place).map(Place::name),
            tally,
        }
    }
}

impl diesel::query_builder::QueryId for ScanInsert<'_> {
    type QueryId = ScanInsert<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl diesel::query_builder::QueryFragment<diesel::sqlite::Sqlite> for ScanInsert<'_> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::sqlite::Sqlite>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Integer, Nullable, Text};
        let s = self.scan;
        out.push_sql(
            "INSERT INTO scan (roll_number, stamp_index, serial, scanned_at, origin_hash, \
             origin_region, device, place, client_class, verdict, tally) VALUES (",
        );
        out.push_bind_param::<Nullable<BigInt>, _>(&self.roll)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&self.index)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(s.serial.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.scanned_at.as_str())?;
        for hash in &self.hashes {
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(hash)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.place)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(s.client_class.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(s.verdict.as_str())?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.tally)?;
        out.push_sql(")");
        Ok(())
    }
}

impl RunQueryDsl<diesel::sqlite::SqliteConnection> for ScanInsert<'_> {}

/// The rows to write for these scans, each with the number of scans it
/// stands for: every scan of a stamp as its own row, and codes that name no
/// stamp folded per origin network past `UNKNOWN_KEPT_PER_ORIGIN`.
fn fold_unknown_floods<'a>(
    scans: impl Iterator<Item = &'a NewScan>,
    count: usize,
) -> Vec<(&'a NewScan, i32)> {
    let mut rows: Vec<(&NewScan, i32)> = Vec::with_capacity(count);
    // Per origin network: the row of its last kept code, and how many kept.
    let mut kept: HashMap<Option<u64>, (usize, i32)> = HashMap::new();
    for scan in scans {
        if scan.stamp.is_some() {
            rows.push((scan, 1));
            continue;
        }
        let (last, count) = kept.entry(scan.origin.map(|o| o.network)).or_insert((0, 0));
        if *count < UNKNOWN_KEPT_PER_ORIGIN {
            rows.push((scan, 1));
            *last = rows.len() - 1;
            *count += 1;
        } else {
            rows[*last].1 += 1;
        }
    }
    rows
}

/// A device token (`resolver::DEVICE_COOKIE`) as kept: salted and hashed
/// like an origin, so that no stored value is the cookie itself.
pub fn device_hash(token: &str, salt: &[u8]) -> u64 {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(b"device:");
    h.update(token.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Coarse origins of a client address, hashed with a secret salt so the
/// stored values identify neither a person nor an address, and its
/// province (`place`, looked up by the caller).
pub fn origins(ip: IpAddr, salt: &[u8], place: Option<Place>) -> Origin {
    // The hashed text is the prefix as people write it ("203.113.5",
    // "2001:db8:1"), as it always was, so stored hashes stay comparable; it
    // is written straight into the hash, with no string made per scan.
    let hash = |prefix: std::fmt::Arguments| {
        let mut h = Sha256::new();
        h.update(salt);
        // Writing into a hash cannot fail.
        let _ = h.write_fmt(prefix);
        let digest = h.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_be_bytes(first)
    };
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            Origin {
                network: hash(format_args!("{}.{}.{}", o[0], o[1], o[2])),
                region: hash(format_args!("{}.{}", o[0], o[1])),
                place,
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Origin {
                network: hash(format_args!("{:x}:{:x}:{:x}", s[0], s[1], s[2])),
                region: hash(format_args!("{:x}:{:x}", s[0], s[1])),
                place,
            }
        }
    }
}

/// What kind of client scanned, from its User-Agent: stored by name
/// (`as_str`), kept in a buffered scan as one byte rather than a name's
/// 16-byte reference (tens of thousands of scans wait each second).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientClass {
    Mobile,
    Desktop,
    /// Programs (crawlers, link previews, HTTP libraries): their loads are
    /// recorded but name no checker.
    Tool,
    /// No User-Agent at all.
    Unknown,
}

impl ClientClass {
    pub fn of(user_agent: &str) -> Self {
        let ua = user_agent.to_ascii_lowercase();
        if ua.is_empty() {
            ClientClass::Unknown
        } else if ["bot", "spider", "crawl", "curl", "wget", "python", "http"]
            .iter()
            .any(|b| ua.contains(b))
        {
            ClientClass::Tool
        } else if ["mobile", "android", "iphone", "zalo"]
            .iter()
            .any(|m| ua.contains(m))
        {
            ClientClass::Mobile
        } else {
            ClientClass::Desktop
        }
    }

    /// The class as stored in `scan.client_class`.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientClass::Mobile => "mobile",
            ClientClass::Desktop => "desktop",
            ClientClass::Tool => "tool",
            ClientClass::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_coarse_and_salted() {
        let a = origins("203.113.5.7".parse().unwrap(), b"salt", None);
        let b = origins("203.113.5.200".parse().unwrap(), b"salt", None);
        let c = origins("203.113.90.1".parse().unwrap(), b"salt", None);
        assert_eq!(a, b);
        assert_ne!(a.network, c.network);
        assert_eq!(a.region, c.region);
        assert_ne!(a, origins("203.113.5.7".parse().unwrap(), b"other", None));
        let stored = origin_hex(a.network);
        assert_eq!(stored.len(), 16);
        assert_eq!(Hex::number(&stored), Some(a.network));
    }

    #[test]
    fn hashes_are_bound_as_stored() {
        for hash in [0, 9, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            assert_eq!(Hex::of(hash).as_str(), format!("{hash:016x}"));
        }
    }

    #[test]
    fn classes() {
        let class = |ua| ClientClass::of(ua).as_str();
        assert_eq!(
            class("Mozilla/5.0 (Linux; Android 14) Mobile Safari"),
            "mobile"
        );
        assert_eq!(class("curl/8.0"), "tool");
        assert_eq!(class("Mozilla/5.0 (X11; Linux x86_64)"), "desktop");
        assert_eq!(class(""), "unknown");
    }

    fn forged(n: usize) -> NewScan {
        NewScan {
            stamp: None,
            serial: format!("FORGED{n:014}").as_str().into(),
            scanned_at: crate::time::now(),
            origin: None,
            device: None,
            client_class: ClientClass::Tool,
            verdict: Verdict::Unknown,
        }
    }

    /// The flusher, waiting out its second, is woken by the push that fills
    /// a batch, and not by the pushes before it.
    #[test]
    fn a_full_batch_wakes_the_flusher_before_its_second_is_up() {
        let buffer = std::sync::Arc::new(ScanBuffer::new(FLUSH_BATCH * 2));
        for n in 0..FLUSH_BATCH - 1 {
            assert!(buffer.push(forged(n)));
        }
        let started = std::time::Instant::now();
        assert!(
            !buffer.wait_for_batch(Duration::from_millis(50)),
            "not closed"
        );
        assert!(
            started.elapsed() >= Duration::from_millis(50),
            "one short of a batch: no wake"
        );

        let waiter = std::sync::Arc::clone(&buffer);
        let flusher = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            (
                waiter.wait_for_batch(Duration::from_secs(60)),
                started.elapsed(),
            )
        });
        std::thread::sleep(Duration::from_millis(20));
        buffer.push(forged(FLUSH_BATCH));
        let (closed, waited) = flusher.join().unwrap();
        assert!(!closed);
        assert!(
            waited < Duration::from_secs(30),
            "woken by the push: {waited:?}"
        );
        // Still behind: the next wait returns at once.
        assert!(!buffer.wait_for_batch(Duration::from_secs(60)));
        // After a failed flush the full batch does not cut the wait short.
        let started = std::time::Instant::now();
        assert!(!buffer.wait_out(Duration::from_millis(50)));
        assert!(started.elapsed() >= Duration::from_millis(50));
    }

    /// Stopping the server ends the flusher's wait at once, and every later
    /// one, so that it writes what is left and ends.
    #[test]
    fn closing_ends_the_wait() {
        let buffer = std::sync::Arc::new(ScanBuffer::new(1_000));
        let waiter = std::sync::Arc::clone(&buffer);
        let flusher = std::thread::spawn(move || waiter.wait_out(Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(20));
        buffer.close();
        assert!(flusher.join().unwrap(), "closed");
        assert!(buffer.wait_for_batch(Duration::from_secs(60)));
        assert!(buffer.wait_out(Duration::from_secs(60)));
    }

    /// A flush takes the oldest batch, in order, and leaves the rest.
    #[test]
    fn a_flush_takes_one_batch_at_most_oldest_first() {
        let buffer = ScanBuffer::new(FLUSH_BATCH * 3);
        for n in 0..FLUSH_BATCH * 2 + 7 {
            assert!(buffer.push(forged(n)));
        }
        let first = buffer.take();
        assert_eq!(first.iter().map(Vec::len).sum::<usize>(), FLUSH_BATCH);
        assert_eq!(first[0][0].serial.as_str(), "FORGED00000000000000");
        assert_eq!(buffer.depth(), FLUSH_BATCH + 7);
        let second = buffer.take();
        assert_eq!(
            second[0][0].serial.as_str(),
            format!("FORGED{FLUSH_BATCH:014}")
        );
        // A failed batch goes back ahead of the rest.
        buffer.put_back(second);
        assert_eq!(buffer.depth(), FLUSH_BATCH + 7);
        assert_eq!(
            buffer.take()[0][0].serial.as_str(),
            format!("FORGED{FLUSH_BATCH:014}")
        );
        assert_eq!(buffer.depth(), 7);
        assert_eq!(buffer.take().iter().map(Vec::len).sum::<usize>(), 7);
        assert_eq!(buffer.depth(), 0);
    }

    /// A buffered scan's size: a node holds about two flush batches of them
    /// under load (`FLUSH_BATCH`), 7 MB.
    #[test]
    fn a_buffered_scan_is_112_bytes() {
        assert_eq!(std::mem::size_of::<NewScan>(), 112);
    }
}
