//! A batch's timeline in the reader's language: the consumer page and the
//! producer's batch page show the same lines.

use serde_json::Value;

use super::i18n::Lang;
use crate::public::record::BatchRecord;

/// One line of the batch's timeline, ready to show.
pub struct TimelineEntry {
    pub iso: String,
    pub when: String,
    pub kind: String,
    pub facility: String,
    pub details: Vec<(String, String)>,
    /// "Corrected on …": the event was changed after it was recorded.
    pub corrected: Option<String>,
}

/// The marker of a corrected event, on every view of it.
pub fn corrected(l: Lang, at: &Option<chrono::NaiveDateTime>) -> Option<String> {
    at.map(|t| format!("{} {}", l.t("Đã sửa ngày", "Corrected on"), l.day(&t)))
}

pub fn timeline(record: &BatchRecord, l: Lang) -> Vec<TimelineEntry> {
    record
        .events
        .iter()
        .map(|e| TimelineEntry {
            iso: crate::time::rfc3339(&e.occurred_at),
            when: l.time(&e.occurred_at),
            kind: l.event_kind(&e.kind),
            facility: e.facility.clone(),
            details: detail_pairs(&e.details),
            corrected: corrected(l, &e.corrected_at),
        })
        .collect()
}

/// The plain facts of an event's details (text, numbers, yes/no), at most
/// six: enough to tell the story without dumping the producer's notes.
pub fn detail_pairs(details: &Value) -> Vec<(String, String)> {
    let Some(map) = details.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(key, value)| {
            let shown = match value {
                Value::String(s) if !s.is_empty() => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return None,
            };
            Some((key.replace('_', " "), shown))
        })
        .take(6)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn details_show_plain_facts_only() {
        let pairs = detail_pairs(&json!({
            "vehicle": "51C-123.45",
            "temperature_c": 6,
            "nested": {"a": 1},
            "empty": ""
        }));
        assert_eq!(
            pairs,
            vec![
                ("temperature c".to_owned(), "6".to_owned()),
                ("vehicle".to_owned(), "51C-123.45".to_owned())
            ]
        );
    }
}
