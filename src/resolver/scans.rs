//! Scans are recorded without making the reader wait: the resolver pushes
//! them into an in-memory buffer (a short lock, no I/O) and a flusher writes
//! them in batches at least every second, and once more at shutdown.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Mutex;

use crate::db::schema::scan;
use crate::db::DbConnection;

/// Rows per multi-row insert: 8 bound values each, under SQLite's 32,766
/// and PostgreSQL's 65,535 per statement.
const FLUSH_ROWS: usize = 1000;

#[derive(Debug, Clone)]
pub struct NewScan {
    pub roll_id: Option<String>,
    pub stamp_index: Option<i64>,
    pub serial: String,
    pub scanned_at: NaiveDateTime,
    pub origin_hash: Option<String>,
    pub origin_region: Option<String>,
    pub client_class: String,
    pub verdict: String,
}

#[derive(Debug, Default)]
pub struct ScanBuffer {
    pending: Mutex<Vec<NewScan>>,
}

impl ScanBuffer {
    pub fn push(&self, scan: NewScan) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.push(scan);
        }
    }

    /// Takes what is buffered, leaving room for as many again, so a busy
    /// resolver's pushes do not regrow the buffer from empty every flush.
    fn take(&self) -> Vec<NewScan> {
        self.pending
            .lock()
            .map(|mut p| {
                let room = p.len();
                std::mem::replace(&mut *p, Vec::with_capacity(room))
            })
            .unwrap_or_default()
    }

    /// Writes what is buffered in one transaction; on failure the scans are
    /// put back to be tried again at the next flush.
    pub fn flush(&self, conn: &mut DbConnection) -> QueryResult<usize> {
        let batch = self.take();
        if batch.is_empty() {
            return Ok(0);
        }
        let written = conn.transaction(|conn| {
            // A few multi-row inserts instead of a statement per scan: on
            // PostgreSQL each statement is a round trip, on SQLite each is
            // built and bound anew. Every column is bound, NULLs too, since
            // SQLite's multi-row VALUES cannot say DEFAULT. Chunks are of
            // `FLUSH_ROWS` or a power of two, so that the prepared-statement
            // cache holds a dozen shapes, not one per batch size.
            let mut rest = &batch[..];
            while !rest.is_empty() {
                let size = if rest.len() >= FLUSH_ROWS {
                    FLUSH_ROWS
                } else {
                    1 << rest.len().ilog2()
                };
                let (rows, after) = rest.split_at(size);
                rest = after;
                let values: Vec<_> = rows
                    .iter()
                    .map(|r| {
                        (
                            scan::roll_id.eq(r.roll_id.as_deref()),
                            scan::stamp_index.eq(r.stamp_index),
                            scan::serial.eq(&r.serial),
                            scan::scanned_at.eq(r.scanned_at),
                            scan::origin_hash.eq(r.origin_hash.as_deref()),
                            scan::origin_region.eq(r.origin_region.as_deref()),
                            scan::client_class.eq(&r.client_class),
                            scan::verdict.eq(&r.verdict),
                        )
                    })
                    .collect();
                match conn {
                    DbConnection::Sqlite(c) => {
                        diesel::insert_into(scan::table).values(values).execute(c)?
                    }
                    DbConnection::Postgres(c) => {
                        diesel::insert_into(scan::table).values(values).execute(c)?
                    }
                };
            }
            Ok(batch.len())
        });
        if written.is_err() {
            if let Ok(mut pending) = self.pending.lock() {
                pending.extend(batch);
            }
        }
        written
    }
}

/// Coarse origins of a client address, hashed with a secret salt so the
/// stored values identify neither a person nor an address: the /24 (IPv4)
/// or /48 (IPv6) network, and the coarser /16 or /32 "region" used to tell
/// far-apart scans.
pub fn origins(ip: IpAddr, salt: &[u8]) -> (String, String) {
    let (fine, coarse) = match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            (
                format!("{}.{}.{}", o[0], o[1], o[2]),
                format!("{}.{}", o[0], o[1]),
            )
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            (
                format!("{:x}:{:x}:{:x}", s[0], s[1], s[2]),
                format!("{:x}:{:x}", s[0], s[1]),
            )
        }
    };
    let hash = |text: &str| {
        let mut h = Sha256::new();
        h.update(salt);
        h.update(text.as_bytes());
        hex::encode(&h.finalize()[..8])
    };
    (hash(&fine), hash(&coarse))
}

/// What kind of client scanned, from its User-Agent.
pub fn client_class(user_agent: &str) -> &'static str {
    let ua = user_agent.to_ascii_lowercase();
    if ua.is_empty() {
        "unknown"
    } else if ["bot", "spider", "crawl", "curl", "wget", "python", "http"]
        .iter()
        .any(|b| ua.contains(b))
    {
        "tool"
    } else if ["mobile", "android", "iphone", "zalo"]
        .iter()
        .any(|m| ua.contains(m))
    {
        "mobile"
    } else {
        "desktop"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_coarse_and_salted() {
        let a = origins("203.113.5.7".parse().unwrap(), b"salt");
        let b = origins("203.113.5.200".parse().unwrap(), b"salt");
        let c = origins("203.113.90.1".parse().unwrap(), b"salt");
        assert_eq!(a, b);
        assert_ne!(a.0, c.0);
        assert_eq!(a.1, c.1);
        assert_ne!(a, origins("203.113.5.7".parse().unwrap(), b"other"));
        assert!(!a.0.contains("203"));
    }

    #[test]
    fn classes() {
        assert_eq!(
            client_class("Mozilla/5.0 (Linux; Android 14) Mobile Safari"),
            "mobile"
        );
        assert_eq!(client_class("curl/8.0"), "tool");
        assert_eq!(client_class("Mozilla/5.0 (X11; Linux x86_64)"), "desktop");
        assert_eq!(client_class(""), "unknown");
    }
}
