//! The FDA's request under 21 CFR 1.1455(c)(3)(ii): within 24 hours, a
//! sortable spreadsheet of the key data elements of every critical
//! tracking event for specific foods and date ranges or lot-code ranges.
//! The lots the request names are traced backward and forward through
//! transformations; each CTE of each traced lot within the caller's reach
//! is one row (one per input lot for a transformation), each KDE in its own
//! column (README, "FSMA 204"). Reach is the trace's
//! (`service::oversight::trace`): a producer's own enterprise, a
//! regulator's province.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::db::DbConnection;
use crate::domain::access::{Caller, Scope};
use crate::domain::kde;
use crate::domain::kinds::EventKind;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::event::EventRow;
use crate::models::fsma::{self as model, Lot, Place};
use crate::models::genealogy::{self, Direction};

/// The columns of the spreadsheet, in order.
pub const COLUMNS: &[&str] = &[
    "cte",
    "cfr_section",
    "event_date",
    "event_time",
    "traceability_lot_code",
    "tlc_source_business_name",
    "tlc_source_location_name",
    "tlc_source_phone",
    "tlc_source_street",
    "tlc_source_province",
    "tlc_source_country",
    "product_description",
    "commodity",
    "variety",
    "packaging",
    "gtin",
    "quantity",
    "unit_of_measure",
    "location_business_name",
    "location_name",
    "location_phone",
    "location_street",
    "location_province",
    "location_country",
    "location_gln",
    "ship_to_business_name",
    "ship_to_phone",
    "ship_to_street",
    "ship_to_province",
    "ship_to_country",
    "ship_to_gln",
    "ship_to_fda_registration",
    "previous_source_business_name",
    "previous_source_phone",
    "previous_source_street",
    "previous_source_province",
    "previous_source_country",
    "previous_source_gln",
    "previous_source_fda_registration",
    "harvest_farm_business_name",
    "harvest_farm_name",
    "harvest_farm_phone",
    "harvest_farm_street",
    "harvest_farm_province",
    "harvest_farm_country",
    "field_or_container",
    "harvester_name",
    "harvester_phone",
    "cooler_business_name",
    "cooler_location",
    "cooler_street",
    "cooler_province",
    "cooling_temperature_c",
    "vessel",
    "catch_area",
    "species",
    "landing_date",
    "packages",
    "sscc",
    "input_traceability_lot_code",
    "input_product_description",
    "input_quantity",
    "input_unit_of_measure",
    "reference_document_type",
    "reference_document_number",
    "event_id",
];

/// The spreadsheet's file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

/// A request as typed (`GET /api/v1/fsma204?…`, the pages' forms).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// Product ids, separated by commas.
    pub product: Option<String>,
    /// First and last day (Vietnam's calendar), `YYYY-MM-DD`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// First and last traceability lot code (inclusive, in text order).
    pub lot_from: Option<String>,
    pub lot_to: Option<String>,
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// A checked request.
#[derive(Debug, Clone)]
pub struct Request {
    pub products: Vec<String>,
    pub during: Option<(NaiveDateTime, NaiveDateTime)>,
    pub lot_from: Option<String>,
    pub lot_to: Option<String>,
    pub format: Format,
}

/// A malformed request names its parameter, as every query of the API.
fn bad(field: &str, en: &str) -> AppError {
    AppError::invalid(field, en)
}

impl RequestQuery {
    /// Checks the request's shape (422 naming the parameter); whether the
    /// products exist within reach is [`export`]'s question.
    pub fn check(self) -> AppResult<Request> {
        let blank = |s: &Option<String>| {
            s.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let format = match blank(&self.format).as_deref() {
            None | Some("csv") => Format::Csv,
            Some("xlsx") => Format::Xlsx,
            Some(other) => return Err(bad("format", &format!("{other:?} is not csv or xlsx"))),
        };
        let day = |name: &str, s: Option<String>| -> AppResult<Option<NaiveDate>> {
            s.map(|s| v::date_text(name, &s).map_err(|e| bad(name, &e.message)))
                .transpose()
        };
        let from = day("from", blank(&self.from))?;
        let to = day("to", blank(&self.to))?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(bad("to", "must not be before from"));
            }
        }
        // Days in Vietnam: from 00:00 +07:00 of the first to 24:00 of the last.
        let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight") - Duration::hours(7);
        let during = match (from, to) {
            (None, None) => None,
            (f, t) => Some((
                start(f.unwrap_or(NaiveDate::MIN)),
                start(t.unwrap_or(NaiveDate::MAX - Duration::days(1)) + Duration::days(1)),
            )),
        };
        let lot = |name: &str, s: Option<String>| -> AppResult<Option<String>> {
            s.map(|s| v::lot_code(name, &s).map_err(|e| bad(name, &e.message)))
                .transpose()
        };
        let lot_from = lot("lot_from", blank(&self.lot_from))?;
        let lot_to = lot("lot_to", blank(&self.lot_to))?;
        if let (Some(f), Some(t)) = (&lot_from, &lot_to) {
            if f > t {
                return Err(bad("lot_to", "must not come before lot_from"));
            }
        }
        let products: Vec<String> = blank(&self.product)
            .map(|p| {
                p.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if products.len() > 100 {
            return Err(bad("product", "at most 100 products"));
        }
        Ok(Request {
            products,
            during,
            lot_from,
            lot_to,
            format,
        })
    }
}

/// Lots in the caller's reach (a producer's enterprise, a regulator's
/// province): the trace's rule.
fn within(scope: &Scope, lot: &Lot) -> bool {
    scope.reaches(&lot.enterprise_id, &lot.province)
}

/// The rows answering a request: its lots traced both ways.
pub fn export(
    conn: &mut DbConnection,
    caller: &Caller,
    request: &Request,
) -> AppResult<Vec<Vec<String>>> {
    let scope = caller.scope();
    for id in &request.products {
        if crate::models::product::find(conn, &scope, id)?.is_none() {
            return Err(bad("product", &format!("no such product {id:?}")));
        }
    }
    let seeds = model::seeds(
        conn,
        &scope,
        &request.products,
        (request.lot_from.as_deref(), request.lot_to.as_deref()),
        request.during,
    )?;
    let mut traced: BTreeSet<String> = BTreeSet::new();
    for seed in &seeds {
        if traced.contains(seed) {
            continue;
        }
        for direction in [Direction::Backward, Direction::Forward] {
            let (depths, _) = genealogy::walk(conn, seed, direction)?;
            traced.extend(depths.into_keys());
        }
    }
    rows(conn, &scope, traced.into_iter().collect())
}

/// The rows of one lot's trace in one direction (`?direction=` with
/// `format=csv` on a batch's trace).
pub fn trace_rows(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    direction: Direction,
) -> AppResult<Vec<Vec<String>>> {
    let root = super::access::visible_batch(conn, caller, id)?;
    let (depths, _) = genealogy::walk(conn, &root.id, direction)?;
    rows(conn, &caller.scope(), depths.into_keys().collect())
}

fn rows(conn: &mut DbConnection, scope: &Scope, ids: Vec<String>) -> AppResult<Vec<Vec<String>>> {
    let all: Vec<Lot> = model::lots(conn, &ids)?;
    let lots: BTreeMap<String, Lot> = all
        .into_iter()
        .filter(|l| within(scope, l))
        .map(|l| (l.id.clone(), l))
        .collect();
    let reached: Vec<String> = lots.keys().cloned().collect();
    let events = model::ctes(conn, &reached)?;
    let event_ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let inputs = model::inputs(conn, &event_ids)?;
    let input_ids: Vec<String> = inputs.iter().map(|i| i.batch_id.clone()).collect();
    // An input lot outside reach stays as opaque as in the trace: its row
    // is kept, its lot code and product left blank.
    let input_lots: HashMap<String, Lot> = model::lots(conn, &input_ids)?
        .into_iter()
        .filter(|l| within(scope, l))
        .map(|l| (l.id.clone(), l))
        .collect();
    let mut facility_ids: Vec<String> = events.iter().map(|e| e.facility_id.clone()).collect();
    facility_ids.extend(lots.values().map(|l| l.facility_id.clone()));
    facility_ids.sort();
    facility_ids.dedup();
    let places = model::places(conn, &facility_ids)?;
    let details: HashMap<&str, Value> = events
        .iter()
        .map(|e| {
            (
                e.id.as_str(),
                serde_json::from_str(&e.details).unwrap_or(Value::Null),
            )
        })
        .collect();
    let mut out = Vec::new();
    for e in &events {
        let Some(lot) = lots.get(&e.batch_id) else {
            continue;
        };
        let Ok(kind) = EventKind::parse(&e.kind) else {
            continue;
        };
        let d = &details[e.id.as_str()];
        let of_lot = |k: EventKind| {
            events
                .iter()
                .find(|x| x.batch_id == e.batch_id && x.kind == k.as_str())
        };
        // The lot-code source: where the lot's code was assigned.
        let source = events
            .iter()
            .find(|x| x.batch_id == e.batch_id && x.assigned_lot_code.is_some())
            .and_then(|x| places.get(&x.facility_id));
        let harvest = of_lot(EventKind::Harvesting);
        let packaging = of_lot(EventKind::Packing)
            .and_then(|p| details[p.id.as_str()].get("packaging"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let ctx = Context {
            event: e,
            kind,
            details: d,
            lot,
            location: places.get(&e.facility_id),
            source,
            farm: match kind {
                EventKind::Harvesting | EventKind::Cooling => harvest
                    .map(|h| &h.facility_id)
                    .or(Some(&lot.facility_id))
                    .and_then(|f| places.get(f)),
                _ => None,
            },
            harvest_details: harvest.map(|h| &details[h.id.as_str()]),
            packaging,
        };
        let mine: Vec<_> = inputs.iter().filter(|i| i.event_id == e.id).collect();
        if kind == EventKind::Transformation && !mine.is_empty() {
            for input in mine {
                let input_lot = input_lots.get(&input.batch_id);
                out.push(ctx.row(Some((input_lot, input.quantity, input.unit.as_deref()))));
            }
        } else {
            out.push(ctx.row(None));
        }
    }
    Ok(out)
}

struct Context<'a> {
    event: &'a EventRow,
    kind: EventKind,
    details: &'a Value,
    lot: &'a Lot,
    location: Option<&'a Place>,
    source: Option<&'a Place>,
    farm: Option<&'a Place>,
    harvest_details: Option<&'a Value>,
    packaging: &'a str,
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// A place as five columns: business name, its name, phone, street,
/// province, country (and GLN when asked).
fn place(p: Option<&Place>) -> [String; 6] {
    match p {
        Some(p) => [
            p.business_name.clone(),
            p.facility_name.clone(),
            p.phone
                .clone()
                .or(p.contact_phone.clone())
                .unwrap_or_default(),
            p.street.clone(),
            p.province.clone(),
            "VN".to_owned(),
        ],
        None => Default::default(),
    }
}

/// A trading party's columns: business name, phone, street, province,
/// country, GLN, FDA registration.
fn party(v: Option<&Value>) -> [String; 7] {
    let get = |k: &str| text(v.and_then(|p| p.get(k)));
    match v {
        Some(Value::Object(_)) => [
            get("business_name"),
            get("phone"),
            get("street"),
            get("province"),
            get("country"),
            get("gln"),
            get("fda_registration"),
        ],
        // An event stored before the KDE rule named its party as text.
        Some(Value::String(name)) => [
            name.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ],
        _ => Default::default(),
    }
}

impl Context<'_> {
    fn row(&self, input: Option<(Option<&Lot>, Option<f64>, Option<&str>)>) -> Vec<String> {
        let d = self.details;
        let get = |k: &str| text(d.get(k));
        let e = self.event;
        let lot = self.lot;
        let cte = match self.kind {
            EventKind::Packing => "initial_packing",
            EventKind::FirstLandReceiving => "first_land_based_receiving",
            other => other.as_str(),
        };
        let location = place(self.location);
        let source = place(self.source);
        let farm = place(self.farm);
        let ship_to = party(d.get("ship_to").or(d.get("destination")));
        let previous = party(d.get("previous_source").or(d.get("source")));
        let harvest = |k: &str| match self.kind {
            EventKind::Harvesting => get(k),
            EventKind::Cooling => text(self.harvest_details.and_then(|h| h.get(k))),
            _ => String::new(),
        };
        let cooling = self.kind == EventKind::Cooling;
        let document = d.get("reference_document");
        let (doc_type, doc_number) = match document {
            Some(Value::Object(m)) => (text(m.get("type")), text(m.get("number"))),
            _ => (String::new(), text(d.get("document"))),
        };
        let (input_lot, input_product, input_quantity, input_unit) = match input {
            Some((l, q, u)) => (
                l.map(|l| l.lot_code.clone()).unwrap_or_default(),
                l.map(description).unwrap_or_default(),
                q.map(|q| q.to_string()).unwrap_or_default(),
                u.unwrap_or("").to_owned(),
            ),
            None => Default::default(),
        };
        let local = crate::time::vietnam_rfc3339(&e.occurred_at);
        let mut row = vec![
            cte.to_owned(),
            kde::cte_section(self.kind).unwrap_or("").to_owned(),
            local.get(..10).unwrap_or("").to_owned(),
            local,
            lot.lot_code.clone(),
        ];
        row.extend([
            source[0].clone(),
            source[1].clone(),
            source[2].clone(),
            source[3].clone(),
            source[4].clone(),
            source[5].clone(),
        ]);
        row.extend([
            format!("{} / {}", lot.product_name_vi, lot.product_name_en),
            lot.category.clone(),
            lot.variety.clone().unwrap_or_default(),
            match get("packaging") {
                p if !p.is_empty() => p,
                _ => self.packaging.to_owned(),
            },
            lot.gtin.clone().unwrap_or_default(),
            get("quantity"),
            get("unit"),
        ]);
        row.extend(location.iter().cloned());
        row.push(
            self.location
                .and_then(|p| p.gln.clone())
                .unwrap_or_default(),
        );
        row.extend(ship_to);
        row.extend(previous);
        row.extend(farm.iter().cloned());
        row.extend([
            harvest("field"),
            harvest("harvester_name"),
            harvest("harvester_phone"),
        ]);
        if cooling {
            row.extend([
                location[0].clone(),
                get("cooler_location"),
                location[3].clone(),
                location[4].clone(),
                get("temperature_c"),
            ]);
        } else {
            row.extend(std::iter::repeat_n(String::new(), 5));
        }
        row.extend([
            get("vessel"),
            get("catch_area"),
            get("species"),
            get("landing_date"),
        ]);
        row.extend([get("packages"), get("sscc")]);
        row.extend([input_lot, input_product, input_quantity, input_unit]);
        row.extend([doc_type, doc_number, e.id.clone()]);
        row
    }
}

fn description(l: &Lot) -> String {
    format!("{} / {}", l.product_name_vi, l.product_name_en)
}

/// The spreadsheet as an XLSX workbook: one sheet, a bold header row,
/// frozen, with an autofilter so it sorts as §1.1455 asks.
pub fn xlsx(rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    use rust_xlsxwriter::{Format as Style, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("FSMA 204").map_err(fail)?;
    let bold = Style::new().set_bold();
    let names = COLUMNS;
    for (c, name) in names.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *name, &bold)
            .map_err(fail)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if !cell.is_empty() {
                sheet
                    .write_string(r as u32 + 1, c as u16, cell)
                    .map_err(fail)?;
            }
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    sheet
        .autofilter(0, 0, rows.len() as u32, names.len() as u16 - 1)
        .map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}
