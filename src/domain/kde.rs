//! Key data elements (KDEs) of each event kind, as 21 CFR Part 1 Subpart S
//! names them for its critical tracking events (CTEs): what a new event's
//! `details` must and may hold, with units. The one place for the rule:
//! the API, the portal's forms, the demo, the timelines and the FSMA 204
//! export all read these descriptions.
//!
//! Strict when writing (unknown keys, missing or malformed KDEs refused,
//! every problem at once), lenient when reading: rows stored before this
//! rule may hold free keys, and are shown as they are.

use serde_json::{Map, Value};

use super::kinds::{EventKind, Unit};
use super::validate as v;

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Free text of at most this many characters.
    Text(usize),
    /// A positive number, in the unit named by the label.
    Amount,
    /// Any number within the bounds (a temperature, a pH).
    Measure(f64, f64),
    /// A whole number from 0 to the bound.
    Whole(u64),
    /// A quantity's unit: one of `kinds::Unit`.
    QuantityUnit,
    /// One of fixed choices: (value, Vietnamese, English).
    Choice(&'static [(&'static str, &'static str, &'static str)]),
    /// A calendar date `YYYY-MM-DD`.
    Date,
    /// A telephone number.
    Phone,
    /// An SSCC (AI 00): 18 digits with its check digit.
    Sscc,
    /// A trading party: exactly [`PARTY_KEYS`].
    Party,
    /// A reference document: `{type, number}`.
    Document,
}

/// One key data element of an event kind.
#[derive(Debug, Clone, Copy)]
pub struct Kde {
    pub key: &'static str,
    pub vi: &'static str,
    pub en: &'static str,
    /// Shown after the value ("°C", "ngày"): (Vietnamese, English).
    pub suffix: (&'static str, &'static str),
    pub shape: Shape,
    pub required: bool,
}

const fn kde(key: &'static str, vi: &'static str, en: &'static str, shape: Shape) -> Kde {
    Kde {
        key,
        vi,
        en,
        suffix: ("", ""),
        shape,
        required: false,
    }
}

impl Kde {
    const fn needed(mut self) -> Kde {
        self.required = true;
        self
    }

    const fn unit(mut self, vi: &'static str, en: &'static str) -> Kde {
        self.suffix = (vi, en);
        self
    }
}

/// The keys of a trading party (a shipment's `ship_to`, a receipt's
/// `previous_source`), shared with the hand-overs between enterprises.
pub const PARTY_KEYS: [&str; 8] = [
    "party_id",
    "business_name",
    "phone",
    "street",
    "province",
    "country",
    "gln",
    "fda_registration",
];

/// The kinds of reference document (§1.1310: the document's type and
/// number identify a shipment or a receipt).
pub const DOCUMENT_TYPES: &[(&str, &str, &str)] = &[
    ("bill_of_lading", "Vận đơn", "Bill of lading"),
    ("invoice", "Hóa đơn", "Invoice"),
    ("packing_list", "Phiếu đóng gói", "Packing list"),
    ("delivery_note", "Phiếu giao hàng", "Delivery note"),
    ("purchase_order", "Đơn đặt hàng", "Purchase order"),
    ("other", "Chứng từ khác", "Other document"),
];

const UNITS: Shape = Shape::QuantityUnit;

const INPUT_KINDS: &[(&str, &str, &str)] = &[
    ("fertiliser", "Phân bón", "Fertiliser"),
    ("pesticide", "Thuốc bảo vệ thực vật", "Pesticide"),
    ("herbicide", "Thuốc trừ cỏ", "Herbicide"),
    ("fungicide", "Thuốc trừ nấm", "Fungicide"),
    ("biological", "Chế phẩm sinh học", "Biological product"),
    ("feed", "Thức ăn thủy sản", "Feed"),
    ("veterinary_drug", "Thuốc thú y", "Veterinary drug"),
    ("water_treatment", "Xử lý nước", "Water treatment"),
];

const DOSE_UNITS: &[(&str, &str, &str)] = &[
    ("kg_per_ha", "kg/ha", "kg/ha"),
    ("kg_per_plant", "kg/gốc", "kg per plant"),
    ("l_per_ha", "lít/ha", "l/ha"),
    ("ml_per_l", "ml/lít nước", "ml per litre of water"),
    ("g_per_l", "g/lít nước", "g per litre of water"),
    ("kg", "kg", "kg"),
    ("g", "g", "g"),
    ("l", "lít", "l"),
    ("ml", "ml", "ml"),
];

const NOTE: Kde = kde("note", "Ghi chú", "Note", Shape::Text(500));
const QUANTITY: Kde = kde("quantity", "Số lượng", "Quantity", Shape::Amount);
const UNIT: Kde = kde("unit", "Đơn vị", "Unit", UNITS);
const DOCUMENT: Kde = kde(
    "reference_document",
    "Chứng từ",
    "Reference document",
    Shape::Document,
);
/// Water tests of a pond (aquaculture), with stocking or an input.
const WATER: [Kde; 4] = [
    kde("water_ph", "pH nước", "Water pH", Shape::Measure(0.0, 14.0)),
    kde(
        "water_temperature_c",
        "Nhiệt độ nước",
        "Water temperature",
        Shape::Measure(-5.0, 45.0),
    )
    .unit("°C", "°C"),
    kde(
        "dissolved_oxygen_mg_l",
        "Oxy hòa tan",
        "Dissolved oxygen",
        Shape::Measure(0.0, 50.0),
    )
    .unit("mg/l", "mg/l"),
    kde(
        "salinity_ppt",
        "Độ mặn",
        "Salinity",
        Shape::Measure(0.0, 60.0),
    )
    .unit("‰", "‰"),
];

const HARVESTING: &[Kde] = &[
    QUANTITY.needed(),
    UNIT.needed(),
    kde(
        "harvester_name",
        "Người / đơn vị thu hoạch",
        "Harvester",
        Shape::Text(200),
    ),
    kde(
        "harvester_phone",
        "Điện thoại người thu hoạch",
        "Harvester phone",
        Shape::Phone,
    ),
    kde(
        "field",
        "Thửa / ao / lồng",
        "Field or container",
        Shape::Text(200),
    ),
    DOCUMENT,
    NOTE,
];

const COOLING: &[Kde] = &[
    kde(
        "temperature_c",
        "Nhiệt độ",
        "Temperature",
        Shape::Measure(-40.0, 40.0),
    )
    .unit("°C", "°C")
    .needed(),
    kde(
        "cooler_location",
        "Nơi làm lạnh",
        "Cooler location",
        Shape::Text(200),
    ),
    QUANTITY,
    UNIT,
    kde("method", "Phương pháp", "Method", Shape::Text(200)),
    DOCUMENT,
    NOTE,
];

const PACKING: &[Kde] = &[
    QUANTITY.needed(),
    UNIT.needed(),
    kde("packages", "Số kiện", "Packages", Shape::Whole(100_000_000)),
    kde("packaging", "Bao bì", "Packaging", Shape::Text(200)),
    kde(
        "sscc",
        "Mã đơn vị logistic (SSCC)",
        "Logistic unit (SSCC)",
        Shape::Sscc,
    ),
    DOCUMENT,
    NOTE,
];

const FIRST_LAND_RECEIVING: &[Kde] = &[
    kde("vessel", "Tàu cá", "Vessel", Shape::Text(200)).needed(),
    kde(
        "catch_area",
        "Vùng khai thác",
        "Catch area",
        Shape::Text(200),
    )
    .needed(),
    kde("species", "Loài", "Species", Shape::Text(200)).needed(),
    kde("landing_date", "Ngày cập cảng", "Landing date", Shape::Date).needed(),
    QUANTITY.needed(),
    UNIT.needed(),
    DOCUMENT,
    NOTE,
];

const SHIPPING: &[Kde] = &[
    kde("ship_to", "Nơi nhận", "Ship to", Shape::Party).needed(),
    QUANTITY.needed(),
    UNIT.needed(),
    DOCUMENT.needed(),
    kde("vehicle", "Phương tiện", "Vehicle", Shape::Text(100)),
    NOTE,
];

const RECEIVING: &[Kde] = &[
    kde(
        "previous_source",
        "Nguồn gửi",
        "Previous source",
        Shape::Party,
    )
    .needed(),
    QUANTITY.needed(),
    UNIT.needed(),
    DOCUMENT.needed(),
    NOTE,
];

const TRANSFORMATION: &[Kde] = &[
    QUANTITY.needed(),
    UNIT.needed(),
    kde("process", "Quy trình", "Process", Shape::Text(200)),
    DOCUMENT,
    NOTE,
];

const INPUT_APPLICATION: &[Kde] = &[
    kde(
        "input_kind",
        "Loại vật tư",
        "Input kind",
        Shape::Choice(INPUT_KINDS),
    ),
    kde("product", "Tên vật tư", "Product", Shape::Text(200)).needed(),
    kde(
        "active_ingredient",
        "Hoạt chất",
        "Active ingredient",
        Shape::Text(200),
    ),
    kde("dose", "Liều lượng", "Dose", Shape::Amount).needed(),
    kde(
        "dose_unit",
        "Đơn vị liều lượng",
        "Dose unit",
        Shape::Choice(DOSE_UNITS),
    )
    .needed(),
    kde(
        "pre_harvest_interval_days",
        "Thời gian cách ly trước thu hoạch",
        "Pre-harvest interval",
        Shape::Whole(365),
    )
    .unit("ngày", "days"),
    WATER[0],
    WATER[1],
    WATER[2],
    WATER[3],
    NOTE,
];

const PLANTING: &[Kde] = &[
    kde("seed", "Giống", "Seed or stock", Shape::Text(200)),
    kde("area_m2", "Diện tích", "Area", Shape::Amount).unit("m²", "m²"),
    kde(
        "stocking_count",
        "Số con thả",
        "Stocking count",
        Shape::Whole(1_000_000_000),
    ),
    kde(
        "stocking_density_per_m2",
        "Mật độ thả",
        "Stocking density",
        Shape::Amount,
    )
    .unit("con/m²", "per m²"),
    WATER[0],
    WATER[1],
    WATER[2],
    WATER[3],
    NOTE,
];

const INSPECTION: &[Kde] = &[
    kde("result", "Kết quả", "Result", Shape::Text(200)),
    kde(
        "inspector_role",
        "Người kiểm tra",
        "Inspector",
        Shape::Text(200),
    ),
    NOTE,
];

/// The KDEs of an event kind, in the order forms and timelines show them.
pub fn fields(kind: EventKind) -> &'static [Kde] {
    match kind {
        EventKind::Planting => PLANTING,
        EventKind::InputApplication => INPUT_APPLICATION,
        EventKind::Harvesting => HARVESTING,
        EventKind::Cooling => COOLING,
        EventKind::Packing => PACKING,
        EventKind::FirstLandReceiving => FIRST_LAND_RECEIVING,
        EventKind::Shipping => SHIPPING,
        EventKind::Receiving => RECEIVING,
        EventKind::Transformation => TRANSFORMATION,
        EventKind::Inspection => INSPECTION,
    }
}

/// The CFR section of a critical tracking event; `None` for the events
/// kept in the journal that are not CTEs (planting, inputs, inspections).
pub fn cte_section(kind: EventKind) -> Option<&'static str> {
    match kind {
        EventKind::Harvesting | EventKind::Cooling => Some("§1.1325"),
        EventKind::Packing => Some("§1.1330"),
        EventKind::FirstLandReceiving => Some("§1.1335"),
        EventKind::Shipping => Some("§1.1340"),
        EventKind::Receiving => Some("§1.1345"),
        EventKind::Transformation => Some("§1.1350"),
        EventKind::Planting | EventKind::InputApplication | EventKind::Inspection => None,
    }
}

/// Whether this CTE assigns the traceability lot code (§1.1320: initial
/// packing, first land-based receiving and transformation do; the other
/// steps keep the code they were given).
pub fn assigns_lot_code(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Packing | EventKind::FirstLandReceiving | EventKind::Transformation
    )
}

/// One refused KDE, in English (the API's language) and Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub en: String,
    pub vi: String,
}

fn problem(field: &str, en: impl Into<String>, vi: impl Into<String>) -> Problem {
    Problem {
        field: format!("details.{field}"),
        en: en.into(),
        vi: vi.into(),
    }
}

/// Checks a new event's details against its kind's KDEs and gives them
/// back cleaned (text trimmed and NFC, parties with all their keys), or
/// every problem found.
pub fn check(
    kind: EventKind,
    details: Map<String, Value>,
) -> Result<Map<String, Value>, Vec<Problem>> {
    let spec = fields(kind);
    let mut problems = Vec::new();
    let mut clean = Map::new();
    for key in details.keys() {
        if !spec.iter().any(|k| k.key == key) {
            let allowed: Vec<&str> = spec.iter().map(|k| k.key).collect();
            problems.push(problem(
                key,
                format!(
                    "is not a detail of a {kind} event (allowed: {})",
                    allowed.join(", ")
                ),
                format!(
                    "không phải thông tin của sự kiện này (được phép: {})",
                    allowed.join(", ")
                ),
            ));
        }
    }
    for k in spec {
        match details.get(k.key) {
            None | Some(Value::Null) => {
                if k.required {
                    problems.push(problem(
                        k.key,
                        format!("is required for a {kind} event ({})", k.en),
                        format!("bắt buộc với sự kiện này ({})", k.vi),
                    ));
                }
            }
            Some(Value::String(s)) if s.trim().is_empty() && !k.required => {}
            Some(value) => match checked(k, value) {
                Ok(value) => {
                    clean.insert(k.key.to_owned(), value);
                }
                Err(mut found) => problems.append(&mut found),
            },
        }
    }
    // A quantity without its unit (or the reverse) cannot be read.
    let has = |key: &str| clean.contains_key(key) || details.get(key).is_some_and(|v| !v.is_null());
    if spec.iter().any(|k| k.key == "unit") && has("quantity") != has("unit") {
        let missing = if has("quantity") { "unit" } else { "quantity" };
        if !problems
            .iter()
            .any(|p| p.field == format!("details.{missing}"))
        {
            problems.push(problem(
                missing,
                "a quantity needs its unit, and a unit its quantity",
                "số lượng phải đi kèm đơn vị, và đơn vị kèm số lượng",
            ));
        }
    }
    if problems.is_empty() {
        Ok(clean)
    } else {
        Err(problems)
    }
}

fn checked(k: &Kde, value: &Value) -> Result<Value, Vec<Problem>> {
    let one = |en: &str, vi: &str| vec![problem(k.key, en, vi)];
    match k.shape {
        Shape::Text(max) => match value.as_str() {
            Some(s) => v::text(k.key, s, max)
                .map(Value::String)
                .map_err(|e| one(&e.message, &format!("không hợp lệ: {}", e.message))),
            None => Err(one("must be text", "phải là chữ")),
        },
        Shape::Amount => match value.as_f64() {
            Some(n) if n.is_finite() && n > 0.0 && n < 1e12 => Ok(value.clone()),
            _ => Err(one("must be a positive number", "phải là số dương")),
        },
        Shape::Measure(low, high) => match value.as_f64() {
            Some(n) if (low..=high).contains(&n) => Ok(value.clone()),
            _ => Err(one(
                &format!("must be a number from {low} to {high}"),
                &format!("phải là số từ {low} đến {high}"),
            )),
        },
        Shape::Whole(max) => match value.as_u64() {
            Some(n) if n <= max => Ok(Value::from(n)),
            _ => Err(one(
                &format!("must be a whole number from 0 to {max}"),
                &format!("phải là số nguyên từ 0 đến {max}"),
            )),
        },
        Shape::QuantityUnit => match value.as_str().map(|s| Unit::parse(s.trim())) {
            Some(Ok(u)) => Ok(Value::String(u.as_str().to_owned())),
            _ => {
                let all: Vec<&str> = Unit::ALL.iter().map(|u| u.as_str()).collect();
                Err(one(
                    &format!("must be one of {}", all.join(", ")),
                    &format!("phải là một trong: {}", all.join(", ")),
                ))
            }
        },
        Shape::Choice(choices) => match value
            .as_str()
            .and_then(|s| choices.iter().find(|c| c.0 == s.trim()))
        {
            Some(c) => Ok(Value::String(c.0.to_owned())),
            None => {
                let all: Vec<&str> = choices.iter().map(|c| c.0).collect();
                Err(one(
                    &format!("must be one of {}", all.join(", ")),
                    &format!("phải là một trong: {}", all.join(", ")),
                ))
            }
        },
        Shape::Date => match value.as_str().map(|s| v::date_text(k.key, s)) {
            Some(Ok(d)) => Ok(Value::String(d.to_string())),
            _ => Err(one(
                "must be a date written YYYY-MM-DD",
                "phải là ngày hợp lệ (năm-tháng-ngày)",
            )),
        },
        Shape::Phone => match value.as_str().map(|s| v::phone(k.key, s)) {
            Some(Ok(p)) => Ok(Value::String(p)),
            _ => Err(one("is not a telephone number", "không phải số điện thoại")),
        },
        Shape::Sscc => match value.as_str().map(str::trim) {
            Some(s) if crate::domain::gs1::check_value("00", s).is_ok() => {
                Ok(Value::String(s.to_owned()))
            }
            _ => Err(one(
                "must be an SSCC: 18 digits ending in the GS1 check digit",
                "phải là mã SSCC: 18 chữ số, chữ số cuối là số kiểm tra GS1",
            )),
        },
        Shape::Party => party(k.key, value),
        Shape::Document => document(k.key, value),
    }
}

/// A trading party: an object of [`PARTY_KEYS`] only, a business name
/// required, the others text or null; stored with every key.
fn party(field: &str, value: &Value) -> Result<Value, Vec<Problem>> {
    let Some(map) = value.as_object() else {
        return Err(vec![problem(
            field,
            format!("must be an object with the keys {}", PARTY_KEYS.join(", ")),
            format!(
                "phải là một đối tượng gồm các khóa {}",
                PARTY_KEYS.join(", ")
            ),
        )]);
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        if !PARTY_KEYS.contains(&key.as_str()) {
            problems.push(problem(
                &format!("{field}.{key}"),
                format!(
                    "is not a key of a party (allowed: {})",
                    PARTY_KEYS.join(", ")
                ),
                format!(
                    "không phải khóa của một bên (được phép: {})",
                    PARTY_KEYS.join(", ")
                ),
            ));
        }
    }
    let mut clean = Map::new();
    for key in PARTY_KEYS {
        let name = format!("{field}.{key}");
        let text = match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => match v::text(&name, s, 200) {
                Ok(t) => Some(t),
                Err(e) => {
                    problems.push(problem(
                        &name,
                        e.message.clone(),
                        format!("không hợp lệ: {}", e.message),
                    ));
                    None
                }
            },
            Some(_) => {
                problems.push(problem(
                    &name,
                    "must be text or null",
                    "phải là chữ hoặc để trống",
                ));
                None
            }
        };
        let text = match (key, text) {
            ("gln", Some(g)) => match crate::domain::gln::check(&name, Some(&g)) {
                Ok(g) => g,
                Err(e) => {
                    problems.push(problem(
                        &name,
                        e.message,
                        "không phải mã GLN hợp lệ (13 chữ số)",
                    ));
                    None
                }
            },
            ("phone", Some(p)) => match v::phone(&name, &p) {
                Ok(p) => Some(p),
                Err(_) => {
                    problems.push(problem(
                        &name,
                        "is not a telephone number",
                        "không phải số điện thoại",
                    ));
                    None
                }
            },
            (_, t) => t,
        };
        // A name given but refused already has its problem.
        let given = map
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty());
        if key == "business_name" && !given {
            problems.push(problem(
                &name,
                "is required: the party's business name",
                "bắt buộc: tên cơ sở, doanh nghiệp",
            ));
        }
        clean.insert(
            key.to_owned(),
            text.map(Value::String).unwrap_or(Value::Null),
        );
    }
    if problems.is_empty() {
        Ok(Value::Object(clean))
    } else {
        Err(problems)
    }
}

/// A reference document: `{type, number}`, the type from [`DOCUMENT_TYPES`].
fn document(field: &str, value: &Value) -> Result<Value, Vec<Problem>> {
    let Some(map) = value.as_object() else {
        return Err(vec![problem(
            field,
            "must be an object {\"type\", \"number\"}",
            "phải gồm loại chứng từ (type) và số chứng từ (number)",
        )]);
    };
    let mut problems = Vec::new();
    for key in map.keys() {
        if key != "type" && key != "number" {
            problems.push(problem(
                &format!("{field}.{key}"),
                "is not a key of a reference document (allowed: type, number)",
                "không phải khóa của chứng từ (được phép: type, number)",
            ));
        }
    }
    let kind = map.get("type").and_then(Value::as_str).map(str::trim);
    let types: Vec<&str> = DOCUMENT_TYPES.iter().map(|t| t.0).collect();
    if !kind.is_some_and(|t| types.contains(&t)) {
        problems.push(problem(
            &format!("{field}.type"),
            format!("must be one of {}", types.join(", ")),
            format!(
                "phải là một trong: {}",
                DOCUMENT_TYPES
                    .iter()
                    .map(|t| t.1)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let number = map
        .get("number")
        .and_then(Value::as_str)
        .map(|n| v::text(&format!("{field}.number"), n, 100));
    match &number {
        Some(Ok(_)) => {}
        _ => problems.push(problem(
            &format!("{field}.number"),
            "is required: the document's number (1 to 100 characters)",
            "bắt buộc: số chứng từ (1 đến 100 ký tự)",
        )),
    }
    match (kind, number) {
        (Some(kind), Some(Ok(number))) if problems.is_empty() => {
            Ok(serde_json::json!({"type": kind, "number": number}))
        }
        _ => Err(problems),
    }
}

/// The label of a detail key in the reader's language (Vietnamese when
/// `vi`), with its unit suffix; `None` for a key no kind describes (a
/// producer's own key on an event stored before this rule).
pub fn label(key: &str) -> Option<&'static Kde> {
    EventKind::ALL
        .iter()
        .flat_map(|k| fields(*k).iter())
        .find(|k| k.key == key)
}

/// The Vietnamese and English names of a choice value of a KDE (an input
/// kind, a dose unit, a document type).
pub fn choice_label(key: &str, value: &str) -> Option<(&'static str, &'static str)> {
    let choices = match label(key)?.shape {
        Shape::Choice(c) => c,
        Shape::Document => DOCUMENT_TYPES,
        _ => return None,
    };
    choices.iter().find(|c| c.0 == value).map(|c| (c.1, c.2))
}

/// The pre-harvest interval an input application sets, in days.
pub fn pre_harvest_interval_days(details: &Value) -> Option<u64> {
    details
        .get("pre_harvest_interval_days")
        .and_then(Value::as_u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = check(
            EventKind::Shipping,
            map(json!({"quantity": -1, "unit": "crate", "colour": "red",
                       "ship_to": {"business_name": "", "city": "x"}})),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.iter().map(|p| p.field.as_str()).collect();
        for f in [
            "details.colour",
            "details.quantity",
            "details.unit",
            "details.ship_to.city",
            "details.ship_to.business_name",
            "details.reference_document",
        ] {
            assert!(fields.contains(&f), "{f} missing in {fields:?}");
        }
        assert!(err.iter().all(|p| !p.vi.is_empty() && p.vi != p.en));
    }

    #[test]
    fn parties_are_stored_with_every_key() {
        let clean = check(
            EventKind::Receiving,
            map(json!({"quantity": 120, "unit": "box",
                "previous_source": {"business_name": " HTX Mỹ Hòa ", "phone": "0270 3822 123"},
                "reference_document": {"type": "invoice", "number": "HD-1"}})),
        )
        .unwrap();
        let party = clean["previous_source"].as_object().unwrap();
        assert_eq!(party.len(), PARTY_KEYS.len());
        assert_eq!(party["business_name"], "HTX Mỹ Hòa");
        assert_eq!(party["gln"], Value::Null);
    }

    #[test]
    fn a_quantity_needs_its_unit_and_documents_a_known_type() {
        let err = check(
            EventKind::Cooling,
            map(json!({"temperature_c": 2, "quantity": 5})),
        )
        .unwrap_err();
        assert_eq!(err[0].field, "details.unit");
        let err = check(
            EventKind::Packing,
            map(json!({"quantity": 5, "unit": "kg",
                "reference_document": {"type": "fax", "number": "1"}, "sscc": "123"})),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["details.sscc", "details.reference_document.type"]);
    }

    #[test]
    fn lot_codes_are_assigned_only_where_the_rule_says() {
        let assigning: Vec<EventKind> = EventKind::ALL
            .iter()
            .copied()
            .filter(|k| assigns_lot_code(*k))
            .collect();
        assert_eq!(
            assigning,
            [
                EventKind::Packing,
                EventKind::FirstLandReceiving,
                EventKind::Transformation
            ]
        );
        assert!(cte_section(EventKind::Planting).is_none());
    }
}
