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
            details: detail_pairs(&e.details, l),
            corrected: corrected(l, &e.corrected_at),
        })
        .collect()
}

/// The plain facts of an event's details (text, numbers, yes/no), at most
/// six: enough to tell the story without dumping the producer's notes.
/// The keys the registry, the portal's form and the demo write are named
/// in the reader's language and their codes and numbers written in words
/// (`fertiliser` as *Phân bón*, 2500 as *2.500*); a key of a producer's
/// own (sent through the API or EPCIS) is shown as it was given.
pub fn detail_pairs(details: &Value, l: Lang) -> Vec<(String, String)> {
    let Some(map) = details.as_object() else {
        return Vec::new();
    };
    let number = |value: &Value| value.as_f64().map(|n| l.number(n));
    map.iter()
        .filter_map(|(key, value)| {
            let plain = match value {
                Value::String(s) if !s.is_empty() => s.clone(),
                Value::Number(_) => number(value)?,
                Value::Bool(b) => l
                    .t(
                        if *b { "có" } else { "không" },
                        if *b { "yes" } else { "no" },
                    )
                    .to_owned(),
                _ => return None,
            };
            let (vi, en, shown) = match key.as_str() {
                // Shown with its quantity.
                "unit" if map.get("quantity").is_some_and(Value::is_number) => return None,
                "quantity" => {
                    let unit = map.get("unit").and_then(Value::as_str).map(|u| l.unit(u));
                    let shown = match unit {
                        Some(unit) => format!("{plain} {unit}"),
                        None => plain,
                    };
                    ("Số lượng", "Quantity", shown)
                }
                "unit" => ("Đơn vị", "Unit", l.unit(&plain)),
                "units" => ("Số đơn vị đóng gói", "Units packed", plain),
                "temperature_c" => ("Nhiệt độ", "Temperature", format!("{plain} °C")),
                "pre_harvest_interval_days" => (
                    "Thời gian cách ly trước thu hoạch",
                    "Pre-harvest interval",
                    format!("{plain} {}", l.t("ngày", "days")),
                ),
                "input_kind" => ("Loại vật tư", "Input kind", l.input_kind(&plain)),
                "input_name" => ("Vật tư", "Input", plain),
                "dose" => ("Liều lượng", "Dose", plain),
                "destination" => ("Nơi đến", "Destination", plain),
                "source" => ("Nguồn", "Source", plain),
                "document" => ("Chứng từ", "Document", plain),
                "vehicle" => ("Phương tiện", "Vehicle", plain),
                "packaging" => ("Bao bì", "Packaging", plain),
                "method" => ("Phương pháp", "Method", plain),
                "seed" => ("Giống", "Seed", plain),
                "result" => ("Kết quả", "Result", plain),
                "inspector_role" => ("Người kiểm tra", "Inspector", plain),
                "note" => ("Ghi chú", "Note", plain),
                own => return Some((own.replace('_', " "), plain)),
            };
            Some((l.t(vi, en).to_owned(), shown))
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
        let pairs = detail_pairs(
            &json!({
                "vehicle": "51C-123.45",
                "temperature_c": 6,
                "nested": {"a": 1},
                "empty": "",
                "own_key": "x"
            }),
            Lang::En,
        );
        assert_eq!(
            pairs,
            vec![
                ("own key".to_owned(), "x".to_owned()),
                ("Temperature".to_owned(), "6 °C".to_owned()),
                ("Vehicle".to_owned(), "51C-123.45".to_owned())
            ]
        );
    }

    #[test]
    fn details_are_named_and_written_in_vietnamese() {
        let pairs = detail_pairs(
            &json!({
                "input_kind": "fertiliser",
                "pre_harvest_interval_days": 7,
                "quantity": 2500.0,
                "unit": "kg"
            }),
            Lang::Vi,
        );
        assert_eq!(
            pairs,
            vec![
                ("Loại vật tư".to_owned(), "Phân bón".to_owned()),
                (
                    "Thời gian cách ly trước thu hoạch".to_owned(),
                    "7 ngày".to_owned()
                ),
                ("Số lượng".to_owned(), "2.500 kg".to_owned()),
            ]
        );
    }
}
