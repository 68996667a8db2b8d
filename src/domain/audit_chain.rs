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
}
