//! What the query interface filters on, read out of one event's JSON: the
//! columns of `epcis_event` and the identifiers it names by role. Pure: no
//! I/O, so capture and the mirroring of our own events index alike.

use chrono::NaiveDateTime;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::epcis::cbv::{self, Vocabulary};
use crate::models::epcis_event::role;

/// An event ready to store, but for the columns only the caller knows
/// (row id, owner, capture, record time).
#[derive(Debug, Clone)]
pub struct IndexedEvent {
    /// The eventID, or `sha256:` and the canonical hash of an event
    /// without one: what makes re-capture idempotent.
    pub key: String,
    pub event_id: Option<String>,
    pub event_type: String,
    pub action: Option<String>,
    pub event_time: NaiveDateTime,
    pub biz_step: Option<String>,
    pub disposition: Option<String>,
    pub read_point: Option<String>,
    pub biz_location: Option<String>,
    /// (role, identifier), without repeats.
    pub identifiers: Vec<(&'static str, String)>,
}

/// Where each role's identifiers are in an event.
const EPC_LISTS: [(&str, &str); 4] = [
    ("epcList", role::EPC),
    ("childEPCs", role::CHILD),
    ("inputEPCList", role::INPUT),
    ("outputEPCList", role::OUTPUT),
];
const QUANTITY_LISTS: [(&str, &str); 4] = [
    ("quantityList", role::CLASS),
    ("childQuantityList", role::CLASS),
    ("inputQuantityList", role::INPUT_CLASS),
    ("outputQuantityList", role::OUTPUT_CLASS),
];

impl IndexedEvent {
    /// Indexes a validated event; the error names a field the rules should
    /// already have refused.
    pub fn of(event: &Value) -> Result<Self, String> {
        let text = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
        let event_time = text("eventTime")
            .ok_or("eventTime is missing")
            .and_then(|t| {
                crate::time::parse_instant(&t).map_err(|_| "eventTime is not RFC 3339")
            })?;
        let event_type = text("type").ok_or("type is missing")?;
        let event_id = text("eventID");
        let key = match &event_id {
            Some(id) => id.clone(),
            None => format!("sha256:{}", canonical_hash(event)),
        };
        let mut identifiers: Vec<(&'static str, String)> = Vec::new();
        let mut add = |role: &'static str, value: &str| {
            if !identifiers.iter().any(|(r, v)| *r == role && v == value) {
                identifiers.push((role, value.to_owned()));
            }
        };
        for (field, role) in EPC_LISTS {
            for epc in event
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(epc) = epc.as_str() {
                    add(role, epc);
                }
            }
        }
        for (field, role) in QUANTITY_LISTS {
            for element in event
                .get(field)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(class) = element.get("epcClass").and_then(Value::as_str) {
                    add(role, class);
                }
            }
        }
        if let Some(parent) = event.get("parentID").and_then(Value::as_str) {
            add(role::PARENT, parent);
        }
        Ok(IndexedEvent {
            key,
            event_id,
            event_type,
            action: text("action"),
            event_time,
            biz_step: text("bizStep").map(|v| Vocabulary::BizStep.expand(&v)),
            disposition: text("disposition").map(|v| Vocabulary::Disposition.expand(&v)),
            read_point: event
                .pointer("/readPoint/id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            biz_location: event
                .pointer("/bizLocation/id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            identifiers,
        })
    }
}

/// SHA-256 of the event with its CBV values expanded, without `eventID`
/// and `recordTime`, written with sorted keys and no spaces: the same event
/// hashes alike however a sender spells or orders it.
pub fn canonical_hash(event: &Value) -> String {
    let mut event = event.clone();
    if let Some(map) = event.as_object_mut() {
        map.remove("eventID");
        map.remove("recordTime");
    }
    cbv::expand_event(&mut event);
    let mut text = String::new();
    write_canonical(&mut text, &event);
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(out, &map[key]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The stored body: the event as sent, with the time the repository
/// recorded it, which EPCIS 2.0 says the repository sets.
pub fn with_record_time(event: Value, record_time: &NaiveDateTime) -> Value {
    let mut map = match event {
        Value::Object(map) => map,
        other => return other,
    };
    map.insert(
        "recordTime".into(),
        Value::String(crate::time::rfc3339(record_time)),
    );
    Value::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers_by_role_and_cbv_expanded() {
        let event = json!({"type": "AggregationEvent", "action": "ADD", "parentID": "urn:p",
            "childEPCs": ["urn:c1", "urn:c1", "urn:c2"], "bizStep": "packing",
            "eventTime": "2026-11-02T07:30:00+07:00", "eventTimeZoneOffset": "+07:00",
            "childQuantityList": [{"epcClass": "urn:k", "quantity": 2}],
            "readPoint": {"id": "urn:r"}});
        let indexed = IndexedEvent::of(&event).unwrap();
        assert_eq!(
            indexed.biz_step.as_deref(),
            Some("https://ref.gs1.org/cbv/BizStep-packing")
        );
        assert_eq!(indexed.read_point.as_deref(), Some("urn:r"));
        assert_eq!(
            indexed.identifiers,
            [
                (role::CHILD, "urn:c1".to_owned()),
                (role::CHILD, "urn:c2".to_owned()),
                (role::CLASS, "urn:k".to_owned()),
                (role::PARENT, "urn:p".to_owned())
            ]
        );
        assert!(indexed.key.starts_with("sha256:"));
        assert_eq!(
            crate::time::rfc3339(&indexed.event_time),
            "2026-11-02T00:30:00Z"
        );
    }

    #[test]
    fn the_hash_ignores_spelling_order_and_record_time() {
        let a = json!({"type": "ObjectEvent", "bizStep": "shipping", "action": "OBSERVE"});
        let b = json!({"action": "OBSERVE", "recordTime": "2026-01-01T00:00:00Z",
            "bizStep": "https://ref.gs1.org/cbv/BizStep-shipping", "type": "ObjectEvent"});
        let c = json!({"type": "ObjectEvent", "bizStep": "receiving", "action": "OBSERVE"});
        assert_eq!(canonical_hash(&a), canonical_hash(&b));
        assert_ne!(canonical_hash(&a), canonical_hash(&c));
    }
}
