//! A batch's timeline in the reader's language: the consumer page and the
//! producer's batch page show the same lines.

use serde_json::Value;

use super::i18n::Lang;
use crate::domain::kde::{self, Kde, Shape};
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
    /// Its photos' ids (`/photos/{id}`).
    pub photos: Vec<String>,
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
            photos: e.photos.clone(),
        })
        .collect()
}

/// The facts of an event's details, at most eight: enough to tell the
/// story. Each key data element (`domain::kde`) is named in the reader's
/// language with its unit, numbers and dates written the reader's way
/// (2.500 kg, 10/11/2026), choices in words; a party by its name and
/// province, a document by its type and number. Keys of events stored
/// before the KDE rule are read leniently: the former ones named, a
/// producer's own shown as given.
pub fn detail_pairs(details: &Value, l: Lang) -> Vec<(String, String)> {
    let Some(map) = details.as_object() else {
        return Vec::new();
    };
    map.iter()
        .filter_map(|(key, value)| {
            if key == "unit" && map.get("quantity").is_some_and(Value::is_number) {
                // Shown with its quantity.
                return None;
            }
            if let Some(kde) = kde::label(key) {
                let shown = kde_value(l, kde, key, value, map)?;
                return Some((l.t(kde.vi, kde.en).to_owned(), shown));
            }
            let plain = plain(l, value)?;
            let (vi, en, shown) = match key.as_str() {
                "units" => ("Số đơn vị đóng gói", "Units packed", plain),
                "input_kind" => ("Loại vật tư", "Input kind", l.input_kind(&plain)),
                "input_name" => ("Vật tư", "Input", plain),
                "destination" => ("Nơi đến", "Destination", plain),
                "source" => ("Nguồn", "Source", plain),
                "document" => ("Chứng từ", "Document", plain),
                own => return Some((own.replace('_', " "), plain)),
            };
            Some((l.t(vi, en).to_owned(), shown))
        })
        .take(8)
        .collect()
}

/// Text, numbers and yes/no as the reader writes them; nothing for
/// nested values of unknown keys.
fn plain(l: Lang, value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => n.as_f64().map(|n| l.number(n)),
        Value::Bool(b) => Some(
            l.t(
                if *b { "có" } else { "không" },
                if *b { "yes" } else { "no" },
            )
            .to_owned(),
        ),
        _ => None,
    }
}

fn kde_value(
    l: Lang,
    kde: &Kde,
    key: &str,
    value: &Value,
    map: &serde_json::Map<String, Value>,
) -> Option<String> {
    let suffix = l.t(kde.suffix.0, kde.suffix.1);
    let with_suffix = |text: String| match suffix {
        "" => text,
        s => format!("{text} {s}"),
    };
    match kde.shape {
        Shape::Amount | Shape::Measure(..) | Shape::Whole(_) => {
            let n = value.as_f64()?;
            if key == "quantity" {
                let unit = map.get("unit").and_then(Value::as_str).map(|u| l.unit(u));
                return Some(match unit {
                    Some(unit) => format!("{} {unit}", l.number(n)),
                    None => l.number(n),
                });
            }
            if key == "dose" {
                let unit = map
                    .get("dose_unit")
                    .and_then(Value::as_str)
                    .and_then(|u| kde::choice_label("dose_unit", u))
                    .map(|(vi, en)| l.t(vi, en));
                return Some(match unit {
                    Some(unit) => format!("{} {unit}", l.number(n)),
                    None => l.number(n),
                });
            }
            Some(with_suffix(l.number(n)))
        }
        Shape::QuantityUnit => Some(l.unit(value.as_str()?)),
        Shape::Choice(_) if key == "dose_unit" && map.get("dose").is_some_and(Value::is_number) => {
            None
        }
        Shape::Choice(_) => {
            let code = value.as_str()?;
            Some(match kde::choice_label(key, code) {
                Some((vi, en)) => l.t(vi, en).to_owned(),
                None if key == "input_kind" => l.input_kind(code),
                None => code.to_owned(),
            })
        }
        Shape::Date => {
            let text = value.as_str()?;
            Some(
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .map(|d| l.date(&d))
                    .unwrap_or_else(|_| text.to_owned()),
            )
        }
        Shape::Party => {
            // A party; a former free-text one as given.
            if let Some(name) = value.as_str() {
                return Some(name.to_owned());
            }
            let name = value.get("business_name")?.as_str()?;
            Some(match value.get("province").and_then(Value::as_str) {
                Some(p) => format!("{name}, {p}"),
                None => name.to_owned(),
            })
        }
        Shape::Document => {
            if let Some(number) = value.as_str() {
                return Some(number.to_owned());
            }
            let number = value.get("number")?.as_str()?;
            let kind = value
                .get("type")
                .and_then(Value::as_str)
                .and_then(|t| kde::choice_label("reference_document", t))
                .map(|(vi, en)| l.t(vi, en));
            Some(match kind {
                Some(kind) => format!("{kind} {number}"),
                None => number.to_owned(),
            })
        }
        Shape::Text(_) | Shape::Phone | Shape::Sscc => plain(l, value).map(with_suffix),
    }
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
