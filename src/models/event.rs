//! Critical tracking events on a batch. Each kind maps to one EPCIS 2.0
//! event: harvesting → ObjectEvent ADD, packing → AggregationEvent,
//! shipping/receiving → ObjectEvent with source/destination,
//! transformation → TransformationEvent (its inputs in `event_input`), the
//! rest → ObjectEvent OBSERVE with `details` as extension fields.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::db::schema::{event, event_input};
use crate::db::DbConnection;
use crate::domain::id::Id;
use crate::domain::kinds::EventKind;
use crate::domain::validate::{self as v, Checked};
use crate::error::AppResult;
use crate::models::page::{List, Page};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = event, treat_none_as_null = true)]
pub struct EventRow {
    pub id: String,
    pub batch_id: String,
    pub kind: String,
    pub occurred_at: NaiveDateTime,
    pub facility_id: String,
    /// A JSON object, as text (portable across both backends).
    pub details: String,
    pub recorded_by: Option<String>,
    pub created_at: NaiveDateTime,
    /// Last change of any kind (the EPCIS mirror's record time).
    pub updated_at: NaiveDateTime,
    /// Set when its producer retracts it: the event stays, marked.
    pub retracted_at: Option<NaiveDateTime>,
    pub retraction_reason: Option<String>,
    pub retracted_by: Option<String>,
    /// Last correction of its time, facility or details.
    pub corrected_at: Option<NaiveDateTime>,
    /// The traceability lot code this event assigned (§1.1320: initial
    /// packing, first land-based receiving, transformation); its facility
    /// is the lot-code source.
    pub assigned_lot_code: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, PartialEq)]
#[diesel(table_name = event_input)]
pub struct EventInput {
    #[serde(skip_deserializing, skip_serializing)]
    pub event_id: String,
    pub batch_id: String,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
}

/// An event as the API shows it: details as JSON, inputs inline.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: String,
    pub batch_id: String,
    pub kind: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub occurred_at: NaiveDateTime,
    pub facility_id: String,
    pub details: Value,
    pub inputs: Vec<EventInput>,
    pub recorded_by: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub retracted_at: Option<NaiveDateTime>,
    pub retraction_reason: Option<String>,
    pub retracted_by: Option<String>,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub corrected_at: Option<NaiveDateTime>,
    pub assigned_lot_code: Option<String>,
}

impl Event {
    fn from_row(row: EventRow, inputs: Vec<EventInput>) -> Self {
        Event {
            details: serde_json::from_str(&row.details).unwrap_or(Value::Null),
            id: row.id,
            batch_id: row.batch_id,
            kind: row.kind,
            occurred_at: row.occurred_at,
            facility_id: row.facility_id,
            inputs,
            recorded_by: row.recorded_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            retracted_at: row.retracted_at,
            retraction_reason: row.retraction_reason,
            retracted_by: row.retracted_by,
            corrected_at: row.corrected_at,
            assigned_lot_code: row.assigned_lot_code,
        }
    }
}

/// Largest `details` object accepted, serialised.
pub const MAX_DETAILS_BYTES: usize = 16 * 1024;

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFields {
    pub kind: Option<String>,
    /// RFC 3339 with offset.
    pub occurred_at: Option<String>,
    pub facility_id: Option<Id>,
    pub details: Option<Value>,
    /// Input batches of a transformation or a packing.
    pub inputs: Option<Vec<EventInputFields>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInputFields {
    pub batch_id: Id,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
}

/// A validated event, ready to store.
#[derive(Debug)]
pub struct NewEvent {
    pub row: EventRow,
    pub inputs: Vec<EventInput>,
}

impl EventFields {
    pub fn create(
        self,
        id: String,
        batch_id: String,
        recorded_by: Option<String>,
        now: NaiveDateTime,
    ) -> AppResult<NewEvent> {
        let kind = v::choice("kind", &v::need("kind", self.kind)?, EventKind::parse)?;
        let occurred_at = instant(&v::need("occurred_at", self.occurred_at)?)?;
        let facility_id = v::need("facility_id", self.facility_id)?.into_string();
        let inputs = inputs(kind, &id, &batch_id, self.inputs.unwrap_or_default())?;
        let details = details(self.details.unwrap_or_else(|| Value::Object(Map::new())))?;
        Ok(NewEvent {
            row: EventRow {
                id,
                batch_id,
                kind: kind.as_str().to_owned(),
                occurred_at,
                facility_id,
                details,
                recorded_by,
                created_at: now,
                updated_at: now,
                retracted_at: None,
                retraction_reason: None,
                retracted_by: None,
                corrected_at: None,
                assigned_lot_code: None,
            },
            inputs,
        })
    }

    /// PATCH may correct the time, the facility and the details; the kind and
    /// the inputs define what happened and are fixed (record a new event).
    pub fn update(self, mut row: EventRow, now: NaiveDateTime) -> AppResult<EventRow> {
        if self.kind.is_some() {
            return Err(v::field_error("kind", "cannot be changed; record a new event").into());
        }
        if self.inputs.is_some() {
            return Err(v::field_error("inputs", "cannot be changed; record a new event").into());
        }
        if let Some(t) = self.occurred_at {
            row.occurred_at = instant(&t)?;
        }
        if let Some(f) = self.facility_id {
            row.facility_id = f.into_string();
        }
        if let Some(d) = self.details {
            // A merge patch: the keys given replace the stored ones, a null
            // removes one, the others stay.
            let Value::Object(given) = d else {
                return Err(v::field_error("details", "must be a JSON object").into());
            };
            let mut merged: Map<String, Value> =
                serde_json::from_str(&row.details).unwrap_or_default();
            for (key, value) in given {
                match value {
                    Value::Null => merged.remove(&key),
                    value => merged.insert(key, value),
                };
            }
            row.details = details(Value::Object(merged))?;
        }
        row.updated_at = now;
        row.corrected_at = Some(now);
        Ok(row)
    }
}

/// The event's time; how far ahead of now it may be is a rule of its own
/// (`service::batches::not_ahead`).
fn instant(text: &str) -> Checked<NaiveDateTime> {
    let t = crate::time::parse_instant(text).map_err(|e| v::field_error("occurred_at", e))?;
    v::date("occurred_at", t.date()).map(|_| t)
}

/// Details are a JSON object of bounded size. Whether they hold the
/// kind's key data elements is [`check_details`]'s question, asked by the
/// service after the rules that name the request's other fields.
fn details(value: Value) -> AppResult<String> {
    let Value::Object(map) = value else {
        return Err(v::field_error("details", "must be a JSON object").into());
    };
    let text = Value::Object(map).to_string();
    if text.len() > MAX_DETAILS_BYTES {
        return Err(v::field_error(
            "details",
            format!(
                "is {} bytes; at most {MAX_DETAILS_BYTES} are allowed",
                text.len()
            ),
        )
        .into());
    }
    Ok(text)
}

/// Holds a new or corrected event's details to its kind's key data
/// elements (`domain::kde`), every refused one reported at once, and
/// stores them cleaned.
pub fn check_details(row: &mut EventRow) -> AppResult<()> {
    let kind = v::choice("kind", &row.kind, EventKind::parse)?;
    let map = serde_json::from_str::<Map<String, Value>>(&row.details).unwrap_or_default();
    let clean = crate::domain::kde::check(kind, map)?;
    row.details = Value::Object(clean).to_string();
    Ok(())
}

fn inputs(
    kind: EventKind,
    event_id: &str,
    batch_id: &str,
    given: Vec<EventInputFields>,
) -> Checked<Vec<EventInput>> {
    // Initial packing of received lots into the packer's own new lot takes
    // inputs too (README, "Supply chain"); a transformation needs them.
    if !matches!(kind, EventKind::Transformation | EventKind::Packing) {
        return match given.is_empty() {
            true => Ok(Vec::new()),
            false => Err(v::field_error(
                "inputs",
                "only a transformation or a packing has input batches",
            )),
        };
    }
    if given.is_empty() && kind == EventKind::Transformation {
        return Err(v::field_error(
            "inputs",
            "a transformation needs at least one input batch",
        ));
    }
    if given.len() > 100 {
        return Err(v::field_error("inputs", "at most 100 input batches"));
    }
    let mut out: Vec<EventInput> = Vec::with_capacity(given.len());
    for input in given {
        if &*input.batch_id == batch_id {
            return Err(v::field_error(
                "inputs",
                "a batch cannot be made from itself",
            ));
        }
        if out.iter().any(|i| i.batch_id == *input.batch_id) {
            return Err(v::field_error("inputs", "an input batch is listed twice"));
        }
        let quantity = input
            .quantity
            .map(|q| v::positive("inputs.quantity", q))
            .transpose()?;
        let unit = input
            .unit
            .map(|u| v::choice("inputs.unit", &u, crate::domain::kinds::Unit::parse))
            .transpose()?
            .map(|u| u.as_str().to_owned());
        out.push(EventInput {
            event_id: event_id.to_owned(),
            batch_id: input.batch_id.into_string(),
            quantity,
            unit,
        });
    }
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventFilter {
    pub kind: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

fn inputs_of(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<EventInput>> {
    event_input::table
        .filter(event_input::event_id.eq_any(ids))
        .order((event_input::event_id, event_input::batch_id))
        .select(EventInput::as_select())
        .load(conn)
}

fn with_inputs(conn: &mut DbConnection, rows: Vec<EventRow>) -> QueryResult<Vec<Event>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let mut inputs = inputs_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (mine, rest) = inputs.drain(..).partition(|i| i.event_id == row.id);
            inputs = rest;
            Event::from_row(row, mine)
        })
        .collect())
}

/// The timeline of a batch, oldest first.
pub fn list_for_batch(
    conn: &mut DbConnection,
    batch_id: &str,
    kind: Option<EventKind>,
    page: Page,
) -> QueryResult<List<Event>> {
    let query = || {
        let mut q = event::table
            .filter(event::batch_id.eq(batch_id.to_owned()))
            .into_boxed();
        if let Some(k) = kind {
            q = q.filter(event::kind.eq(k.as_str()));
        }
        q
    };
    let total = query().count().get_result(conn)?;
    let rows = query()
        .order((event::occurred_at, event::id))
        .limit(page.per_page)
        .offset(page.offset())
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(page.of(with_inputs(conn, rows)?, total))
}

/// Every event of a batch, retracted ones included, with its facility's
/// name, oldest first: the history its producer and regulators see.
pub fn history(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<(EventRow, String)>> {
    event::table
        .inner_join(crate::db::schema::facility::table)
        .filter(event::batch_id.eq(batch_id))
        .order((event::occurred_at, event::id))
        .select((EventRow::as_select(), crate::db::schema::facility::name))
        .load(conn)
}

/// The lot's input applications still standing (not retracted): the
/// pre-harvest intervals they set.
pub fn applications(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<EventRow>> {
    event::table
        .filter(event::batch_id.eq(batch_id))
        .filter(event::kind.eq(EventKind::InputApplication.as_str()))
        .filter(event::retracted_at.is_null())
        .select(EventRow::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<EventRow>> {
    event::table
        .find(id)
        .select(EventRow::as_select())
        .get_result(conn)
        .optional()
}

pub fn view(conn: &mut DbConnection, row: EventRow) -> QueryResult<Event> {
    let inputs = inputs_of(conn, &[row.id.as_str()])?;
    Ok(Event::from_row(row, inputs))
}

pub fn insert(conn: &mut DbConnection, new: &NewEvent) -> QueryResult<()> {
    diesel::insert_into(event::table)
        .values(&new.row)
        .execute(conn)?;
    for input in &new.inputs {
        diesel::insert_into(event_input::table)
            .values(input)
            .execute(conn)?;
    }
    Ok(())
}

pub fn save(conn: &mut DbConnection, row: &EventRow) -> QueryResult<usize> {
    diesel::update(event::table.find(&row.id))
        .set(row)
        .execute(conn)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(event_input::table.filter(event_input::event_id.eq(id))).execute(conn)?;
    diesel::delete(event::table.find(id)).execute(conn)
}

/// Events recorded on any of `batch_ids` or taking one of them as an input:
/// those whose EPCIS copies name the batches' lots.
pub fn ids_naming(conn: &mut DbConnection, batch_ids: &[String]) -> QueryResult<Vec<String>> {
    let mut ids: Vec<String> = event::table
        .filter(event::batch_id.eq_any(batch_ids))
        .select(event::id)
        .load(conn)?;
    ids.extend(
        event_input::table
            .filter(event_input::batch_id.eq_any(batch_ids))
            .select(event_input::event_id)
            .load::<String>(conn)?,
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}
