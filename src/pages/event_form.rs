//! The batch page's event form, kind by kind: the fields of the chosen
//! kind's key data elements (`domain::kde`), with their units, and a row of
//! links to choose another kind — no script needed. The posted fields are
//! turned into the API's `details`, so the form and the API share every
//! rule and every refusal lands beside its field.

use serde_json::{Map, Value};
use std::collections::HashMap;

use super::forms::{field, Field, FormBody, Input};
use super::i18n::Lang;
use crate::domain::kde::{self, Shape};
use crate::domain::kinds::EventKind;
use crate::error::AppError;

/// The kinds a producer records from the portal (a transformation needs
/// its input lots: the API's).
pub const KINDS: &[(&str, &str, &str)] = &[
    ("harvesting", "Thu hoạch", "Harvest"),
    ("packing", "Đóng gói", "Packing"),
    ("cooling", "Làm lạnh", "Cooling"),
    ("shipping", "Vận chuyển", "Shipping"),
    ("receiving", "Tiếp nhận", "Receiving"),
    (
        "input_application",
        "Bón phân, phun thuốc, cho ăn",
        "Inputs applied",
    ),
    ("planting", "Gieo trồng, thả giống", "Planting or stocking"),
    (
        "first_land_receiving",
        "Tiếp nhận lên bờ lần đầu",
        "First land-based receiving",
    ),
    ("inspection", "Tự kiểm tra", "Own inspection"),
];

pub const UNITS: &[(&str, &str, &str)] = &[
    ("kg", "kg", "kg"),
    ("tonne", "tấn", "tonnes"),
    ("box", "thùng", "boxes"),
    ("piece", "quả / cái", "pieces"),
    ("bag", "bao", "bags"),
    ("pack", "gói", "packs"),
];

/// The parts of a party, as form fields named `{key}.{part}`.
const SHIP_TO: [&str; 8] = [
    "ship_to.business_name",
    "ship_to.phone",
    "ship_to.street",
    "ship_to.province",
    "ship_to.country",
    "ship_to.gln",
    "ship_to.fda_registration",
    "ship_to.party_id",
];
const PREVIOUS_SOURCE: [&str; 8] = [
    "previous_source.business_name",
    "previous_source.phone",
    "previous_source.street",
    "previous_source.province",
    "previous_source.country",
    "previous_source.gln",
    "previous_source.fda_registration",
    "previous_source.party_id",
];
const PARTY_LABELS: [(&str, &str); 7] = [
    ("Tên cơ sở, doanh nghiệp", "Business name"),
    ("Điện thoại", "Phone"),
    ("Địa chỉ", "Street address"),
    ("Tỉnh / thành phố", "Province or city"),
    ("Quốc gia", "Country"),
    ("Mã GLN", "GLN"),
    ("Số đăng ký FDA", "FDA registration"),
];

/// The kind the form is for: the one asked for, if the portal records it.
pub fn chosen(asked: Option<&str>, likely: EventKind) -> EventKind {
    asked
        .and_then(|k| KINDS.iter().find(|c| c.0 == k))
        .and_then(|c| EventKind::parse(c.0).ok())
        .unwrap_or(likely)
}

/// The form's fields for `kind`: what, when, where, then its KDEs.
pub fn spec(kind: EventKind) -> Vec<Field> {
    let at = KINDS.iter().position(|c| c.0 == kind.as_str()).unwrap_or(0);
    let mut out = vec![
        field(
            "kind",
            "Công việc",
            "What happened",
            Input::Choice(&KINDS[at..=at]),
        ),
        field("occurred_at", "Thời gian", "When", Input::LocalTime),
        field("facility_id", "Tại cơ sở", "At facility", Input::Pick),
    ];
    for k in kde::fields(kind) {
        let text = |max| match k.required {
            true => Input::Text(max),
            false => Input::Optional(max),
        };
        match k.shape {
            Shape::Text(max) => out.push(field(k.key, k.vi, k.en, text(max))),
            Shape::Phone | Shape::Sscc => out.push(field(k.key, k.vi, k.en, text(32))),
            Shape::Amount | Shape::Measure(..) | Shape::Whole(_) => {
                out.push(field(k.key, k.vi, k.en, Input::Number))
            }
            Shape::QuantityUnit => out.push(field(k.key, k.vi, k.en, Input::Choice(UNITS))),
            Shape::Choice(choices) => out.push(field(k.key, k.vi, k.en, Input::Choice(choices))),
            Shape::Date => out.push(field(k.key, k.vi, k.en, Input::Date)),
            Shape::Party => {
                let names = if k.key == "ship_to" {
                    &SHIP_TO
                } else {
                    &PREVIOUS_SOURCE
                };
                for (i, (vi, en)) in PARTY_LABELS.iter().enumerate() {
                    let input = if i == 0 {
                        text(200)
                    } else {
                        Input::Optional(200)
                    };
                    out.push(field(names[i], vi, en, input));
                }
            }
            Shape::Document => {
                out.push(field(
                    "reference_document.type",
                    "Loại chứng từ",
                    "Document type",
                    Input::Choice(kde::DOCUMENT_TYPES),
                ));
                out.push(field(
                    "reference_document.number",
                    "Số chứng từ",
                    "Document number",
                    text(100),
                ));
            }
        }
    }
    out
}

/// Writes each KDE's unit after its label ("Nhiệt độ (°C)") and names a
/// party's fields after the party ("Nơi nhận: Điện thoại").
pub fn label_units(form: &mut FormBody, kind: EventKind, l: Lang) {
    for k in kde::fields(kind) {
        let suffix = l.t(k.suffix.0, k.suffix.1);
        for f in form.fields.iter_mut() {
            let part_of = f
                .name
                .split_once('.')
                .is_some_and(|(head, _)| head == k.key);
            if f.name == k.key && !suffix.is_empty() {
                f.label = format!("{} ({suffix})", f.label);
            } else if part_of && k.shape == Shape::Party {
                f.label = format!("{}: {}", l.t(k.vi, k.en), f.label);
            }
        }
    }
}

/// The posted KDE fields as the event's `details`; empty fields are left
/// out (an optional unit too, when its quantity is), a number that is not
/// one refused beside its field.
pub fn details(kind: EventKind, posted: &HashMap<String, String>) -> Result<Value, AppError> {
    let get = |name: &str| posted.get(name).map(|v| v.trim()).unwrap_or("");
    let mut out = Map::new();
    for k in kde::fields(kind) {
        let value = match k.shape {
            Shape::Amount | Shape::Measure(..) | Shape::Whole(_) => {
                let raw = get(k.key);
                if raw.is_empty() {
                    continue;
                }
                let n: f64 = raw
                    .replace(',', ".")
                    .parse()
                    .ok()
                    .filter(|n: &f64| n.is_finite())
                    .ok_or_else(|| AppError::invalid(k.key, "must be a number"))?;
                match k.shape {
                    Shape::Whole(_) if n.fract() == 0.0 && n >= 0.0 => Value::from(n as u64),
                    Shape::Whole(_) => {
                        return Err(AppError::invalid(k.key, "must be a whole number"))
                    }
                    _ => serde_json::Number::from_f64(n)
                        .map(Value::Number)
                        .unwrap_or(Value::Null),
                }
            }
            Shape::QuantityUnit if !k.required && get("quantity").is_empty() => continue,
            Shape::Party => {
                let mut party = Map::new();
                for key in kde::PARTY_KEYS {
                    let raw = get(&format!("{}.{key}", k.key));
                    let value = match raw {
                        "" => Value::Null,
                        text => Value::String(text.to_owned()),
                    };
                    party.insert(key.to_owned(), value);
                }
                if party.values().all(Value::is_null) {
                    continue;
                }
                Value::Object(party)
            }
            Shape::Document => {
                let number = get("reference_document.number");
                if number.is_empty() && !k.required {
                    continue;
                }
                serde_json::json!({"type": get("reference_document.type"), "number": number})
            }
            _ => match get(k.key) {
                "" => continue,
                text => Value::String(text.to_owned()),
            },
        };
        out.insert(k.key.to_owned(), value);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_the_portal_offers_has_a_form_that_fits_its_rule() {
        for (name, _, _) in KINDS {
            let kind = EventKind::parse(name).unwrap();
            let names: Vec<&str> = spec(kind).iter().map(|f| f.name).collect();
            for k in kde::fields(kind).iter().filter(|k| k.required) {
                assert!(
                    names.iter().any(|n| n.split('.').next() == Some(k.key)),
                    "{name}: {} has no field",
                    k.key
                );
            }
        }
    }

    #[test]
    fn posted_fields_become_details() {
        let posted: HashMap<String, String> = [
            ("quantity", "2,5"),
            ("unit", "kg"),
            ("ship_to.business_name", "Chợ Bình Điền"),
            ("reference_document.type", "invoice"),
            ("reference_document.number", "HD-7"),
            ("vehicle", ""),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let d = details(EventKind::Shipping, &posted).unwrap();
        assert_eq!(d["quantity"], 2.5);
        assert_eq!(d["ship_to"]["business_name"], "Chợ Bình Điền");
        assert_eq!(d["ship_to"]["phone"], Value::Null);
        assert_eq!(d["reference_document"]["number"], "HD-7");
        assert!(d.get("vehicle").is_none());
        let map = d.as_object().cloned().unwrap();
        assert!(kde::check(EventKind::Shipping, map).is_ok());
    }
}
