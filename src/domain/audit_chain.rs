//! The audit log's hash chain: each entry's hash covers its own fields and the
//! previous entry's hash, so editing, deleting or inserting an entry behind
//! the application's back breaks every hash after it.

use sha2::{Digest, Sha256};

/// The hash the chain starts from, before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one entry, exactly as stored (times as RFC 3339 UTC text).
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    pub seq: i64,
    pub occurred_at: &'a str,
    pub actor_id: Option<&'a str>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// SHA-256 over a canonical encoding: a JSON array of the previous hash and
/// the fields in a fixed order. JSON escaping makes the encoding unambiguous
/// (no field can imitate a separator), and arrays have no key order to agree on.
pub fn entry_hash(prev_hash: &str, e: &EntryFields<'_>) -> String {
    let canonical = serde_json::json!([
        prev_hash,
        e.seq,
        e.occurred_at,
        e.actor_id,
        e.actor,
        e.action,
        e.entity,
        e.entity_id,
        e.before,
        e.after,
    ]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// The first place where a stored chain stops proving itself, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub seq: i64,
    pub reason: String,
}

/// Checks a stored chain one entry at a time, in `seq` order, so a log of
/// any length is verified in constant memory. Entries count from 1 and chain
/// from `GENESIS`; the head row, checked last, pins where the chain must end.
#[derive(Debug, Clone)]
pub struct ChainWalk {
    next_seq: i64,
    prev_hash: String,
}

impl Default for ChainWalk {
    fn default() -> Self {
        ChainWalk {
            next_seq: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }
}

impl ChainWalk {
    /// Checks the next stored entry: its seq follows the last one (else one
    /// was removed), its `prev_hash` is the last entry's hash (else this one
    /// was inserted, or the one before it replaced), and its own hash still
    /// covers its fields (else it was edited).
    pub fn check(&mut self, e: &EntryFields<'_>, prev_hash: &str, hash: &str) -> Result<(), Break> {
        let expected = self.next_seq;
        if e.seq > expected {
            return Err(Break {
                seq: expected,
                reason: format!(
                    "entry {expected} is missing: the next stored entry is {}",
                    e.seq
                ),
            });
        }
        if e.seq < expected {
            return Err(Break {
                seq: e.seq,
                reason: format!(
                    "entry {} is out of sequence: {expected} was expected",
                    e.seq
                ),
            });
        }
        if prev_hash != self.prev_hash {
            return Err(Break {
                seq: e.seq,
                reason: format!(
                    "entry {} does not chain onto the entry before it: its prev_hash is not that \
                     entry's hash (this entry was inserted, or the one before it replaced)",
                    e.seq
                ),
            });
        }
        if entry_hash(prev_hash, e) != hash {
            return Err(Break {
                seq: e.seq,
                reason: format!(
                    "entry {} was edited: its hash no longer matches its fields",
                    e.seq
                ),
            });
        }
        self.next_seq += 1;
        hash.clone_into(&mut self.prev_hash);
        Ok(())
    }

    /// Entries checked so far.
    fn entries(&self) -> i64 {
        self.next_seq - 1
    }

    /// Compares the head row with the last entry checked. Only the head
    /// notices entries removed from the end (the rest of the chain stays
    /// whole) and entries appended behind the application's back.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, Break> {
        let last = self.entries();
        if head_seq > last {
            return Err(Break {
                seq: last + 1,
                reason: format!(
                    "the log ends at entry {last} but its head records entry {head_seq}: \
                     the last entries were removed"
                ),
            });
        }
        if head_seq < last {
            return Err(Break {
                seq: head_seq + 1,
                reason: format!(
                    "the log holds entries up to {last} but its head records entry {head_seq}: \
                     entries were appended behind the application's back"
                ),
            });
        }
        if head_hash != self.prev_hash {
            return Err(Break {
                seq: last,
                reason: format!(
                    "entry {last} is not the one the head records: its hash differs from the head's"
                ),
            });
        }
        Ok(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(after: Option<&str>) -> EntryFields<'_> {
        EntryFields {
            seq: 1,
            occurred_at: "2026-11-23T10:00:00Z",
            actor_id: None,
            actor: "admin",
            action: "create",
            entity: "enterprise",
            entity_id: "e1",
            before: None,
            after,
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = entry_hash(GENESIS, &entry(Some("{\"name\":\"A\"}")));
        assert_eq!(base.len(), 64);
        assert_ne!(base, entry_hash(GENESIS, &entry(Some("{\"name\":\"B\"}"))));
        assert_ne!(base, entry_hash(&base, &entry(Some("{\"name\":\"A\"}"))));
        assert_ne!(
            entry_hash(GENESIS, &entry(None)),
            entry_hash(GENESIS, &entry(Some("null")))
        );
    }

    /// A stored chain of `n` valid entries: (fields' after, prev_hash, hash).
    fn chain(n: i64) -> Vec<(i64, String, String)> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let hash = entry_hash(&prev, &EntryFields { seq, ..entry(None) });
                let row = (seq, prev.clone(), hash.clone());
                prev = hash;
                row
            })
            .collect()
    }

    fn walk(rows: &[(i64, String, String)], head: (i64, &str)) -> Result<i64, Break> {
        let mut w = ChainWalk::default();
        for (seq, prev, hash) in rows {
            w.check(
                &EntryFields {
                    seq: *seq,
                    ..entry(None)
                },
                prev,
                hash,
            )?;
        }
        w.finish(head.0, head.1)
    }

    #[test]
    fn a_whole_chain_verifies_and_each_tampering_is_placed() {
        let rows = chain(5);
        let head = (5, rows[4].2.as_str());
        assert_eq!(walk(&rows, head), Ok(5));
        assert_eq!(walk(&[], (0, GENESIS)), Ok(0));

        let mut gap = rows.clone();
        gap.remove(2);
        assert_eq!(walk(&gap, head).unwrap_err().seq, 3);

        let mut edited = rows.clone();
        edited[1].2 = GENESIS.to_owned();
        assert_eq!(walk(&edited, head).unwrap_err().seq, 2);

        let mut relinked = rows.clone();
        relinked[3].1 = GENESIS.to_owned();
        assert_eq!(walk(&relinked, head).unwrap_err().seq, 4);

        assert_eq!(walk(&rows[..4], head).unwrap_err().seq, 5);
        assert_eq!(walk(&rows, (4, rows[3].2.as_str())).unwrap_err().seq, 5);
        assert_eq!(walk(&rows, (5, GENESIS)).unwrap_err().seq, 5);
    }
}
