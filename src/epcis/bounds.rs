//! How much work one captured document may cause, decided before the work.
//!
//! A JSON tree costs far more than its text: `[0,0,0,…]` is two bytes an
//! item on the wire and 32 bytes an item as a `serde_json::Value`, and a
//! schema error per item is hundreds more (a 4 MB list of 2,000,000 integers
//! once took the server from 434 MB to 3 GB). So the shape is counted by a
//! streaming pass that builds nothing — no array longer than
//! `MAX_ARRAY_ITEMS`, no more than `MAX_VALUES` values, no deeper than
//! `MAX_DEPTH` — and only then is the tree built; after it, identifiers per
//! event and per document are capped before the schema looks at them.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

use crate::epcis::capture::MAX_EVENTS;
use crate::epcis::problem::Problem;

/// Longest JSON array anywhere in a document: the event list's own cap.
pub const MAX_ARRAY_ITEMS: usize = MAX_EVENTS;
/// Most JSON values (scalars, arrays, objects and keys) in one document:
/// 10,000 events of 100 values each.
pub const MAX_VALUES: usize = 1_000_000;
/// Deepest nesting of arrays and objects (EPCIS events need about 8).
pub const MAX_DEPTH: usize = 32;
/// Most identifiers (EPCs, classes of quantity lists, parentID) one event
/// may name.
pub const MAX_IDENTIFIERS_PER_EVENT: usize = 10_000;
/// Most identifiers in one document.
pub const MAX_IDENTIFIERS_PER_DOCUMENT: usize = 500_000;

/// The lists of identifiers an event may carry.
const IDENTIFIER_LISTS: [&str; 8] = [
    "epcList",
    "childEPCs",
    "inputEPCList",
    "outputEPCList",
    "quantityList",
    "childQuantityList",
    "inputQuantityList",
    "outputQuantityList",
];

/// Counts the document's shape without building it. `Ok(())` also for
/// text that is not JSON: the parser that follows says what is wrong
/// with it; only a shape over a cap is refused here (413).
pub fn check_shape(bytes: &[u8]) -> Result<(), Problem> {
    let mut shape = Shape::default();
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let _ = (&mut shape).deserialize(&mut reader);
    match shape.exceeded {
        Some(why) => Err(Problem::capture_limit(format!(
            "{why}; the document was not read further"
        ))),
        None => Ok(()),
    }
}

/// Caps the identifiers of each event and of the document (413).
pub fn check_identifiers(events: &[Value]) -> Result<(), Problem> {
    let mut total = 0usize;
    for (index, event) in events.iter().enumerate() {
        let in_event = IDENTIFIER_LISTS
            .iter()
            .filter_map(|key| event.get(*key).and_then(Value::as_array))
            .map(Vec::len)
            .sum::<usize>()
            + usize::from(event.get("parentID").is_some());
        if in_event > MAX_IDENTIFIERS_PER_EVENT {
            return Err(Problem::capture_limit(format!(
                "event {index} names {in_event} identifiers; at most \
                 {MAX_IDENTIFIERS_PER_EVENT} are accepted per event"
            )));
        }
        total += in_event;
        if total > MAX_IDENTIFIERS_PER_DOCUMENT {
            return Err(Problem::capture_limit(format!(
                "the document names more than {MAX_IDENTIFIERS_PER_DOCUMENT} identifiers \
                 (reached at event {index}); split it into several captures"
            )));
        }
    }
    Ok(())
}

#[derive(Default)]
struct Shape {
    values: usize,
    depth: usize,
    exceeded: Option<String>,
}

impl Shape {
    /// Counts one value; the error stops the parser at once.
    fn count<E: de::Error>(&mut self) -> Result<(), E> {
        self.values += 1;
        if self.values > MAX_VALUES {
            return self.refuse(format!(
                "the document holds more than {MAX_VALUES} JSON values"
            ));
        }
        Ok(())
    }

    fn refuse<E: de::Error>(&mut self, why: String) -> Result<(), E> {
        let error = E::custom(&why);
        self.exceeded = Some(why);
        Err(error)
    }

    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.refuse(format!(
                "the document nests arrays and objects deeper than {MAX_DEPTH} levels"
            ));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &mut Shape {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut Shape {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.count()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.count()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.count()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.count()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.count()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.count()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.count()?;
        self.enter()?;
        let mut items = 0usize;
        while seq.next_element_seed(&mut *self)?.is_some() {
            items += 1;
            if items > MAX_ARRAY_ITEMS {
                return self.refuse(format!("an array holds more than {MAX_ARRAY_ITEMS} items"));
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.count()?;
        self.enter()?;
        let mut members = 0usize;
        while map.next_key::<IgnoredAny>()?.is_some() {
            self.count()?;
            map.next_value_seed(&mut *self)?;
            members += 1;
            if members > MAX_ARRAY_ITEMS {
                return self.refuse(format!(
                    "an object holds more than {MAX_ARRAY_ITEMS} members"
                ));
            }
        }
        self.depth -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_array_is_refused_before_any_tree() {
        let mut text = String::from(
            "{\"type\":\"EPCISDocument\",\"epcisBody\":{\"eventList\":[{\"epcList\":[",
        );
        text.push_str(&vec!["0"; 2_000_000].join(","));
        text.push_str("]}]}}");
        let started = std::time::Instant::now();
        let refused = check_shape(text.as_bytes()).unwrap_err();
        assert_eq!(refused.status, 413);
        assert!(refused.detail.contains("10000 items"), "{}", refused.detail);
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn too_many_values_or_too_deep_is_refused() {
        let events: Vec<Value> = (0..9_000).map(|_| json!({"a": vec![1; 120]})).collect();
        let text = json!({"epcisBody": {"eventList": events}}).to_string();
        assert!(check_shape(text.as_bytes())
            .unwrap_err()
            .detail
            .contains("JSON values"));
        let deep = format!("{}{}", "[".repeat(40), "]".repeat(40));
        assert!(check_shape(deep.as_bytes())
            .unwrap_err()
            .detail
            .contains("deeper"));
    }

    #[test]
    fn ordinary_documents_and_broken_json_pass_to_the_parser() {
        assert!(check_shape(
            br#"{"type": "EPCISDocument", "epcisBody": {"eventList": [{"epcList": ["urn:x"]}]}}"#
        )
        .is_ok());
        assert!(check_shape(b"{\"type\": ").is_ok());
    }

    #[test]
    fn identifiers_are_capped_per_event_and_per_document() {
        let fat = json!({"epcList": vec!["urn:x"; 6_000], "childEPCs": vec!["urn:y"; 4_001]});
        let refused = check_identifiers(&[fat]).unwrap_err();
        assert!(
            refused.detail.contains("event 0 names 10001"),
            "{}",
            refused.detail
        );
        let ok = json!({"epcList": vec!["urn:x"; 10_000]});
        let many: Vec<Value> = (0..51).map(|_| ok.clone()).collect();
        let refused = check_identifiers(&many).unwrap_err();
        assert!(refused.detail.contains("event 50"), "{}", refused.detail);
        assert!(check_identifiers(&many[..50]).is_ok());
    }
}
