//! Our batch events as EPCIS 2.0 events, so that `/epcis/events` answers
//! for them as for captured ones. Each is mirrored into `epcis_event` when
//! it is written through `/api/v1` (same transaction), and at start-up any
//! event without an up-to-date mirror (older data, the demo loader) is
//! mirrored. The mirror is deleted with its event (foreign key cascade);
//! a retracted event's mirror carries an `errorDeclaration`.
//!
//! harvesting → ObjectEvent ADD creating the lot class, with `ilmd` lot
//! data; packing → AggregationEvent ADD; shipping / receiving → ObjectEvent
//! OBSERVE with source and destination lists; transformation →
//! TransformationEvent from the input lots to this one; the other kinds →
//! ObjectEvent OBSERVE. Every event keeps its `details` as extension fields
//! in the `tracestamp:` namespace.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Map, Value};

use crate::db::schema::{batch, epcis_event, event, event_input, product};
use crate::db::DbConnection;
use crate::domain::kinds::EventKind;
use crate::epcis::capture::stored_event;
use crate::epcis::identifiers::{facility_location, lot_class, party};
use crate::epcis::indexed::{with_record_time, IndexedEvent};
use crate::models::batch::Batch;
use crate::models::epcis_event::{self as store};
use crate::models::event::{EventInput, EventRow};
use crate::models::product::Product;

/// Vietnam's offset, all year: our events happen there.
const VIETNAM_OFFSET: &str = "+07:00";

/// Characters escaped in extension field names (`tracestamp:{key}`), so
/// any `details` key makes a valid URI.
const NAME: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The namespace of our extension fields and of our own business steps.
pub fn namespace(base: &str) -> String {
    format!("{}/epcis/ns/", base.trim_end_matches('/'))
}

/// A lot as EPCIS names it, with what its quantities need.
struct Lot {
    class: String,
    quantity: f64,
    uom: Option<&'static str>,
}

impl Lot {
    fn quantity_element(&self, quantity: Option<f64>, unit: Option<&str>) -> Value {
        let mut element = json!({"epcClass": self.class});
        let (quantity, uom) = match quantity {
            Some(q) => (q, unit.and_then(uom)),
            None => (self.quantity, self.uom),
        };
        element["quantity"] = json!(quantity);
        if let Some(uom) = uom {
            element["uom"] = json!(uom);
        }
        element
    }
}

/// UN/ECE Recommendation 20 codes for our weight units; counts of boxes,
/// bags or pieces have no unit in EPCIS (a quantity of instances).
fn uom(unit: &str) -> Option<&'static str> {
    match unit {
        "kg" => Some("KGM"),
        "tonne" => Some("TNE"),
        _ => None,
    }
}

fn lot_of(base: &str, b: &Batch, p: &Product) -> Lot {
    Lot {
        class: lot_class(base, p.gtin.as_deref(), &b.lot_code, &b.id),
        quantity: b.quantity,
        uom: uom(&b.unit),
    }
}

/// Writes (or rewrites) the mirror of one of our events.
pub fn mirror(conn: &mut DbConnection, base: &str, event_id: &str) -> QueryResult<()> {
    store::delete_mirror(conn, event_id)?;
    let row: EventRow = event::table
        .find(event_id)
        .select(EventRow::as_select())
        .get_result(conn)?;
    let (b, p): (Batch, Product) = batch::table
        .inner_join(product::table)
        .filter(batch::id.eq(&row.batch_id))
        .select((Batch::as_select(), Product::as_select()))
        .get_result(conn)?;
    let inputs: Vec<(EventInput, Batch, Product)> = event_input::table
        .inner_join(batch::table.on(batch::id.eq(event_input::batch_id)))
        .inner_join(product::table.on(product::id.eq(batch::product_id)))
        .filter(event_input::event_id.eq(event_id))
        .order(event_input::batch_id)
        .select((
            EventInput::as_select(),
            Batch::as_select(),
            Product::as_select(),
        ))
        .load(conn)?;
    let input_lots: Vec<(EventInput, Lot)> = inputs
        .into_iter()
        .map(|(input, ib, ip)| {
            let lot = lot_of(base, &ib, &ip);
            (input, lot)
        })
        .collect();
    let body = epcis_event(base, &row, &b, &p, &input_lots);
    let indexed = IndexedEvent::of(&body).map_err(|e| {
        diesel::result::Error::DeserializationError(
            format!("mirroring event {event_id}: {e}").into(),
        )
    })?;
    let body = with_record_time(declared(body, &row), &row.updated_at);
    let context = Value::Array(vec![json!({"tracestamp": namespace(base)})]).to_string();
    let mut stored = stored_event(
        crate::domain::id::new_id(),
        &p.enterprise_id,
        indexed,
        &body,
        row.updated_at,
        Some(context),
        vec![b.id.clone()],
    );
    stored.row.source_event_id = Some(row.id.clone());
    stored.row.retracted = row.retracted_at.is_some();
    store::insert_all(conn, &[stored.row], &stored.identifiers)
}

/// A retracted event's mirror is the same event with an EPCIS 2.0
/// `errorDeclaration` (as a captured event is retracted), the producer's
/// reason kept as an extension field.
fn declared(mut body: Value, row: &EventRow) -> Value {
    if let (Some(at), Some(object)) = (row.retracted_at, body.as_object_mut()) {
        object.insert(
            "errorDeclaration".into(),
            json!({
                "declarationTime": crate::time::rfc3339(&at),
                "reason": "https://ref.gs1.org/cbv/ER-incorrect_data",
                "tracestamp:reason": row.retraction_reason,
            }),
        );
    }
    body
}

/// Mirrors every event that has no mirror or an outdated one (its
/// `updated_at` differs from the mirror's record time). Returns how many.
pub fn backfill(conn: &mut DbConnection, base: &str) -> QueryResult<usize> {
    let stale: Vec<String> = event::table
        .left_join(epcis_event::table.on(epcis_event::source_event_id.eq(event::id.nullable())))
        .filter(
            epcis_event::id.is_null().or(epcis_event::record_time
                .nullable()
                .ne(event::updated_at.nullable())),
        )
        .select(event::id)
        .load(conn)?;
    conn.transaction(|conn| {
        for id in &stale {
            mirror(conn, base, id)?;
        }
        Ok(stale.len())
    })
}

/// The EPCIS form of one of our events (without `recordTime`).
fn epcis_event(
    base: &str,
    row: &EventRow,
    b: &Batch,
    p: &Product,
    inputs: &[(EventInput, Lot)],
) -> Value {
    let kind = EventKind::parse(&row.kind).ok();
    let lot = lot_of(base, b, p);
    let place = facility_location(base, &row.facility_id);
    let details: Map<String, Value> = serde_json::from_str(&row.details).unwrap_or_default();
    // The trading party by its business name (`domain::kde`'s party), or
    // the free text an event stored before the KDE rule holds.
    let party_name = |key: &str, former: &str| {
        details
            .get(key)
            .and_then(|p| p.get("business_name"))
            .or_else(|| details.get(former))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let own_quantity = || {
        lot.quantity_element(
            details.get("quantity").and_then(Value::as_f64),
            details.get("unit").and_then(Value::as_str),
        )
    };
    let mut event = json!({
        "eventID": format!("urn:uuid:{}", row.id),
        "eventTime": local_time(&row.occurred_at),
        "eventTimeZoneOffset": VIETNAM_OFFSET,
        "readPoint": {"id": place},
        "bizLocation": {"id": place},
    });
    let fields = match kind {
        Some(EventKind::Harvesting) => json!({
            "type": "ObjectEvent", "action": "ADD", "bizStep": "creating_class_instance",
            "disposition": "active", "quantityList": [own_quantity()], "ilmd": lot_data(b),
        }),
        Some(EventKind::Packing) => json!({
            "type": "AggregationEvent", "action": "ADD", "bizStep": "packing",
            "parentID": format!("{}/packing/{}", base.trim_end_matches('/'), row.id),
            "childQuantityList": [own_quantity()],
        }),
        Some(EventKind::Shipping) => json!({
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
            "disposition": "in_transit", "quantityList": [own_quantity()],
            "sourceList": [{"type": "location", "source": place}],
            "destinationList": [{"type": "location", "destination": party(base, &party_name("ship_to", "destination"))}],
        }),
        Some(EventKind::Receiving) => json!({
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "receiving",
            "disposition": "in_progress", "quantityList": [own_quantity()],
            "sourceList": [{"type": "location", "source": party(base, &party_name("previous_source", "source"))}],
            "destinationList": [{"type": "location", "destination": place}],
        }),
        Some(EventKind::Transformation) => json!({
            "type": "TransformationEvent", "bizStep": "creating_class_instance",
            "inputQuantityList": inputs.iter()
                .map(|(input, lot)| lot.quantity_element(input.quantity, input.unit.as_deref()))
                .collect::<Vec<_>>(),
            "outputQuantityList": [lot.quantity_element(None, None)],
            "ilmd": lot_data(b),
        }),
        Some(EventKind::Inspection) => json!({
            "type": "ObjectEvent", "action": "OBSERVE", "bizStep": "inspecting",
            "quantityList": [lot.quantity_element(None, None)],
        }),
        // Planting, input application, cooling and anything newer: no CBV
        // step says exactly this, so the step is ours.
        _ => json!({
            "type": "ObjectEvent", "action": "OBSERVE",
            "bizStep": format!("{}BizStep-{}", namespace(base), row.kind),
            "quantityList": [lot.quantity_element(None, None)],
        }),
    };
    if let (Value::Object(event), Value::Object(fields)) = (&mut event, fields) {
        event.extend(fields);
        event.insert("tracestamp:kind".into(), Value::String(row.kind.clone()));
        for (key, value) in details {
            let name = format!("tracestamp:{}", utf8_percent_encode(&key, NAME));
            event.insert(name, value);
        }
    }
    event
}

/// Instance/lot master data of a lot, in CBV master data attributes.
fn lot_data(b: &Batch) -> Value {
    let mut ilmd = json!({
        "cbvmda:lotNumber": b.lot_code,
        "cbvmda:harvestStartDate": b.produced_on.to_string(),
        "cbvmda:countryOfOrigin": "VN",
    });
    if let Some(expiry) = b.expires_on {
        ilmd["cbvmda:itemExpirationDate"] = json!(expiry.to_string());
    }
    ilmd
}

/// A stored UTC time written in Vietnam's offset, as EPCIS prefers a
/// time in the zone where the event happened.
fn local_time(t: &NaiveDateTime) -> String {
    crate::time::vietnam_rfc3339(t)
}
