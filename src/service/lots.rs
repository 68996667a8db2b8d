//! A new lot in one screen (issue 19): the lot — product, facility, a
//! suggested lot code, quantity — and its first event (usually the harvest,
//! with its kind's key data elements and photos) in one transaction, so a
//! farmer in the field never leaves a lot without the event that began it.
//!
//! The lot's date is its first event's (Vietnam time), and an event kind
//! that has a quantity takes the lot's when none is given: one number typed
//! once. Every problem the fields alone show is reported at once
//! ([`problems`]); what needs the database (owners, a lot code already
//! taken, the event's time) is the batch and event rules' own.

use chrono::{Duration, NaiveDate};
use serde_json::{Map, Value};

use crate::audit;
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::kde;
use crate::domain::kinds::EventKind;
use crate::domain::validate::FieldError;
use crate::error::{AppError, AppResult, Refusal, RuleKind};
use crate::models::batch::{self, BatchFields, BatchView};
use crate::models::event::{Event, EventFields};

use super::batches;
use super::photos::CleanPhoto;

/// The kinds that begin a lot: what a farm, a pond or a landing site
/// records first.
pub const FIRST_KINDS: &[EventKind] = &[
    EventKind::Harvesting,
    EventKind::Planting,
    EventKind::FirstLandReceiving,
];

/// A new lot and its first event, as the screen sends them.
#[derive(Debug, Default, Clone)]
pub struct NewLot {
    pub batch: BatchFields,
    pub event: EventFields,
}

/// Vietnam's date of an RFC 3339 time, if it is one.
fn local_date(occurred_at: Option<&str>) -> Option<NaiveDate> {
    let t = crate::time::parse_instant(occurred_at?).ok()?;
    Some((t + Duration::hours(7)).date())
}

/// The lot completed from its event: its date, and the event's quantity
/// from the lot's when the kind has one and none was given.
fn completed(mut lot: NewLot) -> NewLot {
    if lot.batch.produced_on.is_none() {
        lot.batch.produced_on =
            local_date(lot.event.occurred_at.as_deref()).map(|d| d.format("%Y-%m-%d").to_string());
    }
    let kind = lot
        .event
        .kind
        .as_deref()
        .and_then(|k| EventKind::parse(k).ok());
    if let Some(kind) = kind {
        let keys: Vec<&str> = kde::fields(kind).iter().map(|k| k.key).collect();
        let mut details = match lot.event.details.take() {
            Some(Value::Object(map)) => map,
            _ => Map::new(),
        };
        if keys.contains(&"quantity") && !details.contains_key("quantity") {
            if let Some(q) = lot.batch.quantity {
                details.insert("quantity".into(), Value::from(q));
            }
        }
        if keys.contains(&"unit") && !details.contains_key("unit") {
            if let Some(u) = &lot.batch.unit {
                details.insert("unit".into(), Value::from(u.clone()));
            }
        }
        lot.event.details = Some(Value::Object(details));
    }
    lot
}

fn refusal(field: &str, en: impl Into<String>, vi: impl Into<String>) -> Refusal {
    Refusal {
        kind: RuleKind::Invalid,
        field: Some(field.to_owned()),
        en: en.into(),
        vi: vi.into(),
    }
}

/// The first event's kind, if it is one that begins a lot.
fn first_kind(kind: Option<&str>) -> Result<EventKind, Refusal> {
    kind.and_then(|k| EventKind::parse(k).ok())
        .filter(|k| FIRST_KINDS.contains(k))
        .ok_or_else(|| {
            refusal(
                "kind",
                "choose what began the lot: harvest, planting or stocking, or first landing",
                "Chọn công việc bắt đầu lô: thu hoạch, gieo trồng / thả giống, hoặc tiếp nhận lên bờ",
            )
        })
}

/// Every problem the fields alone show, all at once: the lot's (in the
/// API's words, for the page to translate) and the event's (both
/// languages). Both empty when [`create`] may go on to the database.
pub fn problems(lot: &NewLot) -> (Vec<FieldError>, Vec<Refusal>) {
    let lot = completed(lot.clone());
    let mut event = Vec::new();
    let when = lot.event.occurred_at.as_deref().unwrap_or("").trim();
    let time_ok = !when.is_empty() && crate::time::parse_instant(when).is_ok();
    if !time_ok {
        event.push(refusal(
            "occurred_at",
            "give the date and time it happened",
            "Hãy nhập ngày giờ thực hiện",
        ));
    }
    match first_kind(lot.event.kind.as_deref()) {
        Err(r) => event.push(r),
        Ok(kind) => {
            let details = match &lot.event.details {
                Some(Value::Object(map)) => map.clone(),
                _ => Map::new(),
            };
            if let Err(found) = kde::check(kind, details) {
                event.extend(found.into_iter().map(|p| Refusal {
                    kind: RuleKind::Invalid,
                    field: Some(p.field),
                    en: p.en,
                    vi: p.vi,
                }));
            }
        }
    }
    let mut fields = lot.batch.create_problems();
    if !time_ok {
        // The lot's date is the event's: one problem, said there.
        fields.retain(|p| p.field != "produced_on");
    }
    // Said once, beside the lot's own quantity.
    event.retain(|r| {
        let f = r.field.as_deref().unwrap_or("");
        !(matches!(f, "details.quantity" | "details.unit")
            && fields.iter().any(|p| format!("details.{}", p.field) == f))
    });
    (fields, event)
}

/// Creates the lot and records its first event with its photos, in one
/// transaction: either both are kept or neither.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    lot: NewLot,
    pictures: Vec<CleanPhoto>,
) -> AppResult<(BatchView, Event)> {
    let lot = completed(lot);
    first_kind(lot.event.kind.as_deref()).map_err(|r| AppError::Rule(Box::new(r)))?;
    audit::write_transaction(conn, |conn| {
        let view = batches::create_in(conn, caller, lot.batch)?;
        let event = batches::record_in(conn, caller, config, &view.batch.id, lot.event)?;
        batches::keep_event_photos(conn, caller, &event, pictures)?;
        Ok((view, event))
    })
}

/// A lot code for a new lot of the caller's enterprise: `L` and the day
/// (`L261204-01`), numbered past the codes already used that day. The
/// farmer may change it until stamps carry it.
pub fn suggested_code(
    conn: &mut DbConnection,
    caller: &Caller,
    today: NaiveDate,
) -> AppResult<String> {
    let prefix = format!("L{}-", today.format("%y%m%d"));
    let taken = batch::lot_codes_starting(conn, &caller.scope(), &prefix)?;
    let n = (1..)
        .find(|n| !taken.contains(&format!("{prefix}{n:02}")))
        .unwrap_or(1);
    Ok(format!("{prefix}{n:02}"))
}
