//! Hand-overs between trading parties (README, "Supply chain"): one step
//! forward (a shipment names its receiver as a party) and one step back (a
//! receipt names its supplier). A shipment to another enterprise of the
//! service waits for the receiver; accepting it records the receiving
//! event at the receiver's facility and lets the receiver pack or
//! transform the supplier's lot, up to the quantity received. The
//! receiver sees the lot's identity, never the supplier's other records.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::audit::{self, Actor};
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role, Scope};
use crate::domain::id::Id;
use crate::domain::kde;
use crate::domain::kinds::{BatchStatus, Unit};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::batch::{self, BatchFields};
use crate::models::event::{self, Event, EventFields, EventInput};
use crate::models::handover::{self, Handover, HandoverView, ACCEPTED, PENDING, REFUSED};
use crate::models::party::Party;
use crate::models::product;

use super::access::{editable_batch, usable_facility};
use super::batches::not_ahead;
use super::oversight::Reason;
use super::parties;

/// A shipment of a lot to a party (`POST /api/v1/batches/{id}/shipments`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shipment {
    pub to_party_id: Option<Id>,
    /// The shipping facility.
    pub facility_id: Option<Id>,
    /// RFC 3339 with offset.
    pub occurred_at: Option<String>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    /// More details of the shipping event (carrier, document…).
    pub details: Option<Value>,
}

/// A shipping event and, when the receiver is an enterprise of the
/// service, the receipt waiting on its side.
#[derive(Debug, serde::Serialize)]
pub struct Shipped {
    pub event: Event,
    pub handover: Option<HandoverView>,
}

/// A lot received from a party outside the service
/// (`POST /api/v1/external-lots`): recorded as a lot of the receiver.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExternalLot {
    pub party_id: Option<Id>,
    /// The receiver's product the lot is recorded as.
    pub product_id: Option<Id>,
    /// The receiving facility.
    pub facility_id: Option<Id>,
    /// The supplier's own lot code.
    pub lot_code: Option<String>,
    /// The product as the supplier describes it.
    pub product_description: Option<String>,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
    pub reference_type: Option<String>,
    pub reference_number: Option<String>,
    /// RFC 3339 with offset.
    pub occurred_at: Option<String>,
    /// More details of the receiving event (its KDEs: README, "FSMA 204").
    pub details: Option<Value>,
}

/// The receiver's acceptance of a pending receipt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub quantity: Option<f64>,
    /// The receiving facility.
    pub facility_id: Option<Id>,
    pub reference_type: Option<String>,
    pub reference_number: Option<String>,
    /// RFC 3339 with offset; now if absent.
    pub occurred_at: Option<String>,
}

fn view(conn: &mut DbConnection, row: Handover) -> AppResult<HandoverView> {
    Ok(handover::views(conn, vec![row])?.remove(0))
}

fn quantity_and_unit(quantity: Option<f64>, unit: Option<String>) -> AppResult<(f64, String)> {
    let quantity = v::positive("quantity", v::need("quantity", quantity)?)?;
    let unit = v::choice("unit", &v::need("unit", unit)?, Unit::parse)?;
    Ok((quantity, unit.as_str().to_owned()))
}

/// The receiver's own document for a receipt (a delivery note, an invoice…).
fn reference(kind: Option<String>, number: Option<String>) -> AppResult<(String, String)> {
    let kind = v::need("reference_type", kind)?;
    if !kde::DOCUMENT_TYPES.iter().any(|(code, _, _)| *code == kind) {
        let allowed: Vec<&str> = kde::DOCUMENT_TYPES.iter().map(|t| t.0).collect();
        return Err(AppError::invalid(
            "reference_type",
            format!("{kind:?} is not one of {}", allowed.join(", ")),
        ));
    }
    let number = v::text(
        "reference_number",
        &v::need("reference_number", number)?,
        100,
    )?;
    Ok((kind, number))
}

/// The caller's extra details of an event: a JSON object, or none.
fn details_object(given: Option<Value>) -> AppResult<serde_json::Map<String, Value>> {
    match given {
        None => Ok(serde_json::Map::new()),
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(AppError::invalid("details", "must be a JSON object")),
    }
}

fn producer_enterprise(caller: &Caller) -> AppResult<Option<&str>> {
    match &caller.role {
        Role::Producer { enterprise_id } => Ok(Some(enterprise_id)),
        Role::Admin => Ok(None),
        Role::Regulator { .. } => Err(AppError::Forbidden(
            "regulators do not record hand-overs".into(),
        )),
    }
}

/// Ships a lot to a party: the shipping event carries the party's
/// snapshot in `details.ship_to`; a receiver in the service gets a
/// pending receipt.
pub fn ship(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    batch_id: &str,
    shipment: Shipment,
) -> AppResult<Shipped> {
    producer_enterprise(caller)?;
    let (quantity, unit) = quantity_and_unit(shipment.quantity, shipment.unit)?;
    let to_party_id = v::need("to_party_id", shipment.to_party_id)?.into_string();
    let extra = details_object(shipment.details)?;
    audit::write_transaction(conn, |conn| {
        let lot = editable_batch(conn, caller, batch_id)?;
        let owner = product::find(conn, &Scope::All, &lot.product_id)?
            .ok_or_else(|| AppError::not_found("product"))?;
        let to = parties::visible(conn, caller, &to_party_id)
            .map_err(|_| AppError::invalid("to_party_id", "no such party"))?;
        if to.enterprise_id.as_deref() == Some(owner.enterprise_id.as_str()) {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("to_party_id"),
                "a shipment to one's own enterprise is not a hand-over: record a move \
                 between facilities instead",
                "không thể giao hàng cho chính doanh nghiệp mình: hãy ghi chuyển hàng giữa \
                 các cơ sở",
            ));
        }
        let mut details = extra;
        details.insert("ship_to".into(), json!(to.snapshot()));
        details.insert("quantity".into(), json!(quantity));
        details.insert("unit".into(), json!(unit));
        let fields = EventFields {
            kind: Some("shipping".into()),
            occurred_at: shipment.occurred_at,
            facility_id: shipment.facility_id,
            details: Some(Value::Object(details)),
            inputs: None,
        };
        let event = super::batches::record_event(conn, caller, config, &lot.id, fields)?;
        let handover = match &to.enterprise_id {
            Some(receiver) => {
                let now = crate::time::now();
                let row = Handover {
                    id: crate::domain::id::new_id(),
                    batch_id: lot.id.clone(),
                    shipping_event_id: Some(event.id.clone()),
                    from_enterprise_id: Some(owner.enterprise_id.clone()),
                    from_facility_id: Some(event.facility_id.clone()),
                    from_party_id: None,
                    to_enterprise_id: receiver.clone(),
                    to_party_id: to.id.clone(),
                    quantity_shipped: quantity,
                    unit: unit.clone(),
                    status: PENDING.into(),
                    quantity_received: None,
                    reference_type: None,
                    reference_number: None,
                    received_facility_id: None,
                    accepted_at: None,
                    accepted_by: None,
                    receiving_event_id: None,
                    refusal_reason: None,
                    supplier_lot_code: None,
                    product_description: None,
                    created_at: now,
                    updated_at: now,
                };
                handover::insert(conn, &row)?;
                audit::created(conn, &Actor::from(caller), "handover", &row.id, &row)?;
                Some(view(conn, row)?)
            }
            None => None,
        };
        Ok(Shipped { event, handover })
    })
}

/// Hand-overs in reach: a producer's own, both ways; a regulator's
/// province's, either side.
pub fn list(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<HandoverView>> {
    let rows = handover::list(conn, &caller.scope(), None)?;
    Ok(handover::views(conn, rows)?)
}

/// Receipts waiting for the caller's enterprise.
pub fn pending(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<HandoverView>> {
    let Role::Producer { enterprise_id } = &caller.role else {
        return Ok(Vec::new());
    };
    let rows = handover::list(conn, &caller.scope(), Some(enterprise_id))?;
    Ok(handover::views(conn, rows)?)
}

pub fn visible(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<HandoverView> {
    let row = handover::find(conn, &caller.scope(), id)?
        .ok_or_else(|| AppError::not_found("hand-over"))?;
    view(conn, row)
}

/// A pending receipt the caller may answer: its receiver's (admins any).
fn answerable(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Handover> {
    let own = producer_enterprise(caller)?;
    let row = handover::find(conn, &caller.scope(), id)?
        .ok_or_else(|| AppError::not_found("hand-over"))?;
    if own.is_some_and(|e| e != row.to_enterprise_id) {
        return Err(AppError::rule(
            RuleKind::Forbidden,
            None,
            "only the receiving enterprise accepts or refuses a receipt",
            "chỉ doanh nghiệp nhận hàng mới được xác nhận hoặc từ chối",
        ));
    }
    if row.status != PENDING {
        let (en, vi) = match row.status.as_str() {
            ACCEPTED => ("accepted", "xác nhận"),
            _ => ("refused", "từ chối"),
        };
        return Err(AppError::rule(
            RuleKind::Conflict,
            None,
            format!("this receipt was already {en}"),
            format!("phiếu nhận hàng này đã được {vi}"),
        ));
    }
    Ok(row)
}

/// The supplier of a hand-over as a party snapshot (`previous_source`).
fn supplier(conn: &mut DbConnection, caller: &Caller, row: &Handover) -> AppResult<Party> {
    match (&row.from_enterprise_id, &row.from_party_id) {
        (Some(e), _) => parties::of_enterprise(conn, caller, e),
        (None, Some(p)) => crate::models::party::find(conn, &Scope::All, p)?
            .ok_or_else(|| AppError::not_found("party")),
        (None, None) => Err(AppError::Internal("a hand-over without a supplier".into())),
    }
}

/// Records the receiving event at the receiver's facility, about the lot
/// received, naming the supplier as `previous_source`. The receiver does
/// not own the supplier's lot, so the event is stored here rather than
/// through `batches::record_event`.
#[allow(clippy::too_many_arguments)]
fn record_receiving(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    batch_id: &str,
    facility_id: Id,
    occurred_at: Option<String>,
    from: &Party,
    quantity: f64,
    unit: &str,
    document: &(String, String),
    extra: serde_json::Map<String, Value>,
) -> AppResult<Event> {
    let now = crate::time::now();
    let occurred_at = occurred_at.unwrap_or_else(|| now.and_utc().to_rfc3339());
    let mut details = extra;
    details.insert("previous_source".into(), json!(from.snapshot()));
    details.insert("quantity".into(), json!(quantity));
    details.insert("unit".into(), json!(unit));
    details.insert(
        "reference_document".into(),
        json!({"type": document.0, "number": document.1}),
    );
    let fields = EventFields {
        kind: Some("receiving".into()),
        occurred_at: Some(occurred_at),
        facility_id: Some(facility_id),
        details: Some(Value::Object(details)),
        inputs: None,
    };
    let new = fields.create(
        crate::domain::id::new_id(),
        batch_id.to_owned(),
        Some(caller.username.clone()),
        now,
    )?;
    not_ahead(config, new.row.occurred_at, now)?;
    event::insert(conn, &new)?;
    crate::epcis::mapping::mirror(conn, config.base_url(), &new.row.id)?;
    let view = event::view(conn, new.row)?;
    audit::created(conn, &Actor::from(caller), "event", &view.id, &view)?;
    Ok(view)
}

/// Accepts a pending receipt: at most the quantity shipped, under the
/// receiver's own reference document, at one of its facilities.
pub fn accept(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    id: &str,
    body: Acceptance,
) -> AppResult<HandoverView> {
    let quantity = v::positive("quantity", v::need("quantity", body.quantity)?)?;
    let document = reference(body.reference_type, body.reference_number)?;
    let facility_id = v::need("facility_id", body.facility_id)?;
    audit::write_transaction(conn, |conn| {
        let before = answerable(conn, caller, id)?;
        if quantity > before.quantity_shipped {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("quantity"),
                format!(
                    "is more than was shipped ({} {}): a receipt cannot exceed its shipment",
                    before.quantity_shipped, before.unit
                ),
                format!(
                    "lớn hơn lượng đã giao ({} {}): lượng nhận không được vượt lượng giao",
                    before.quantity_shipped, before.unit
                ),
            ));
        }
        usable_facility(
            conn,
            caller,
            "facility_id",
            &facility_id,
            &before.to_enterprise_id,
        )?;
        let lot = batch::find(conn, &Scope::All, &before.batch_id)?
            .ok_or_else(|| AppError::not_found("batch"))?;
        if lot.status == BatchStatus::Recalled.as_str() {
            return Err(AppError::rule(
                RuleKind::Conflict,
                None,
                format!("lot {} is recalled: refuse the receipt", lot.lot_code),
                format!("Lô {} đã bị thu hồi: hãy từ chối nhận hàng", lot.lot_code),
            ));
        }
        let from = supplier(conn, caller, &before)?;
        let received_at = facility_id.to_string();
        let event = record_receiving(
            conn,
            caller,
            config,
            &lot.id,
            facility_id,
            body.occurred_at,
            &from,
            quantity,
            &before.unit,
            &document,
            serde_json::Map::new(),
        )?;
        let now = crate::time::now();
        let after = Handover {
            status: ACCEPTED.into(),
            quantity_received: Some(quantity),
            reference_type: Some(document.0),
            reference_number: Some(document.1),
            received_facility_id: Some(received_at),
            accepted_at: Some(now),
            accepted_by: Some(caller.username.clone()),
            receiving_event_id: Some(event.id),
            updated_at: now,
            ..before.clone()
        };
        handover::save(conn, &after)?;
        audit::acted(
            conn,
            &Actor::from(caller),
            "accept",
            "handover",
            &after.id,
            &before,
            &after,
        )?;
        view(conn, after)
    })
}

/// Refuses a pending receipt, with the receiver's reason.
pub fn refuse(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Reason,
) -> AppResult<HandoverView> {
    let reason = v::text("reason", &body.reason, 1000)?;
    audit::write_transaction(conn, |conn| {
        let before = answerable(conn, caller, id)?;
        let after = Handover {
            status: REFUSED.into(),
            refusal_reason: Some(reason),
            updated_at: crate::time::now(),
            ..before.clone()
        };
        handover::save(conn, &after)?;
        audit::acted(
            conn,
            &Actor::from(caller),
            "refuse",
            "handover",
            &after.id,
            &before,
            &after,
        )?;
        view(conn, after)
    })
}

/// Records a lot received from a party outside the service as a lot of
/// the receiver (under the supplier's lot code), with its receiving event
/// and an accepted hand-over naming the supplier.
pub fn record_external(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    body: ExternalLot,
) -> AppResult<HandoverView> {
    let Some(own) = producer_enterprise(caller)? else {
        return Err(AppError::Forbidden(
            "an external lot is recorded by the receiving producer".into(),
        ));
    };
    let own = own.to_owned();
    let (quantity, unit) = quantity_and_unit(body.quantity, body.unit)?;
    let document = reference(body.reference_type, body.reference_number)?;
    let description = v::text(
        "product_description",
        &v::need("product_description", body.product_description)?,
        300,
    )?;
    let extra = details_object(body.details)?;
    let party_id = v::need("party_id", body.party_id)?.into_string();
    let facility_id = v::need("facility_id", body.facility_id)?;
    let occurred_at = v::need("occurred_at", body.occurred_at)?;
    let received_on = crate::time::parse_instant(&occurred_at)
        .map_err(|e| v::field_error("occurred_at", e))?
        .date();
    audit::write_transaction(conn, |conn| {
        let from = parties::visible(conn, caller, &party_id)
            .map_err(|_| AppError::invalid("party_id", "no such party"))?;
        if from.enterprise_id.is_some() {
            return Err(AppError::invalid(
                "party_id",
                "is an enterprise of the service: its lots arrive as shipments to accept",
            ));
        }
        let lot = super::batches::create(
            conn,
            caller,
            BatchFields {
                product_id: body.product_id,
                facility_id: Some(facility_id.clone()),
                lot_code: body.lot_code.clone(),
                produced_on: Some(received_on.to_string()),
                quantity: Some(quantity),
                unit: Some(unit.clone()),
                expires_on: None,
                market: None,
            },
        )?;
        let received_at = facility_id.to_string();
        let event = record_receiving(
            conn,
            caller,
            config,
            &lot.batch.id,
            facility_id,
            Some(occurred_at),
            &from,
            quantity,
            &unit,
            &document,
            extra,
        )?;
        let own_party = parties::of_enterprise(conn, caller, &own)?;
        let now = crate::time::now();
        let row = Handover {
            id: crate::domain::id::new_id(),
            batch_id: lot.batch.id.clone(),
            shipping_event_id: None,
            from_enterprise_id: None,
            from_facility_id: None,
            from_party_id: Some(from.id.clone()),
            to_enterprise_id: own,
            to_party_id: own_party.id,
            quantity_shipped: quantity,
            unit,
            status: ACCEPTED.into(),
            quantity_received: Some(quantity),
            reference_type: Some(document.0),
            reference_number: Some(document.1),
            received_facility_id: Some(received_at),
            accepted_at: Some(now),
            accepted_by: Some(caller.username.clone()),
            receiving_event_id: Some(event.id),
            refusal_reason: None,
            supplier_lot_code: Some(lot.batch.lot_code.clone()),
            product_description: Some(description),
            created_at: now,
            updated_at: now,
        };
        handover::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "handover", &row.id, &row)?;
        view(conn, row)
    })
}

/// The inputs of an event on `enterprise_id`'s lot: its own lots, or lots
/// it received from another enterprise (accepted hand-over), of which it
/// may use no more than it received, over all its events.
pub fn usable_inputs(
    conn: &mut DbConnection,
    caller: &Caller,
    enterprise_id: &str,
    inputs: &[EventInput],
) -> AppResult<()> {
    for input in inputs {
        let Some(lot) = batch::find(conn, &Scope::All, &input.batch_id)? else {
            return Err(AppError::invalid(
                "inputs",
                format!("no such batch {:?}", input.batch_id),
            ));
        };
        let lot_owner = product::find(conn, &Scope::All, &lot.product_id)?
            .ok_or_else(|| AppError::not_found("product"))?;
        if lot_owner.enterprise_id == enterprise_id {
            continue;
        }
        let received = handover::received(conn, enterprise_id, &lot.id)?;
        let Some((received, unit)) = received else {
            // Out of reach and not received: the same answer as no lot.
            if batch::find(conn, &caller.scope(), &lot.id)?.is_none()
                && !handover::offered(conn, enterprise_id, &lot.id)?
            {
                return Err(AppError::invalid(
                    "inputs",
                    format!("no such batch {:?}", input.batch_id),
                ));
            }
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("inputs"),
                format!(
                    "lot {} belongs to another enterprise and was not received by yours: \
                     accept its shipment first",
                    lot.lot_code
                ),
                format!(
                    "lô {} thuộc doanh nghiệp khác và chưa được doanh nghiệp của bạn nhận: \
                     hãy xác nhận nhận hàng trước",
                    lot.lot_code
                ),
            ));
        };
        let Some(quantity) = input.quantity else {
            return Err(AppError::invalid(
                "inputs.quantity",
                format!(
                    "is required for lot {}, received from another enterprise",
                    lot.lot_code
                ),
            ));
        };
        if input.unit.as_deref().is_some_and(|u| u != unit) {
            return Err(AppError::invalid(
                "inputs.unit",
                format!(
                    "must be {unit}, the unit lot {} was received in",
                    lot.lot_code
                ),
            ));
        }
        let used = handover::used(conn, enterprise_id, &lot.id)?;
        if used + quantity > received + 1e-9 {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("inputs.quantity"),
                format!(
                    "uses more of lot {} than was received: {received} {unit} received, \
                     {used} {unit} already used",
                    lot.lot_code
                ),
                format!(
                    "dùng lô {} nhiều hơn lượng đã nhận: đã nhận {received} {unit}, \
                     đã dùng {used} {unit}",
                    lot.lot_code
                ),
            ));
        }
    }
    Ok(())
}
