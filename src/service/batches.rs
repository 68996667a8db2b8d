//! Batches (lots) and what happened to them. A batch joins a product and a
//! facility of one enterprise; only that enterprise records its events, and
//! not while the batch is recalled or its facility suspended. Once stamps
//! carry a lot code, a correction keeps the old code resolving to the batch.

use chrono::NaiveDateTime;

use crate::audit::{self, Actor};
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::kinds::EventKind;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::batch::{self, BatchFields, BatchView};
use crate::models::event::{self, Event, EventFields};
use crate::models::lot_alias;
use crate::models::product;
use crate::models::stamp_roll;

use super::access::{
    editable_batch, editable_product, open_batch, still_referenced, usable_facility,
};
use super::photos::{self, CleanPhoto, OwnerKind};

/// A lot code is one batch's, current or formerly printed.
fn printed_lot_taken() -> AppError {
    AppError::rule(
        RuleKind::Conflict,
        Some("lot_code"),
        "this product already has a batch printed with this lot code",
        "sản phẩm này đã có một lô mang mã lô này (kể cả mã đã in trên tem trước đây)",
    )
}

fn conflict_on_lot(err: diesel::result::Error) -> AppError {
    match AppError::from(err) {
        AppError::Conflict(_) => {
            AppError::Conflict("this product already has a batch with this lot code".into())
        }
        other => other,
    }
}

/// Events happen in the past: a time further ahead than the configured
/// allowance (clocks, time zones) is a typo, refused on every entry point.
pub fn not_ahead(config: &Config, at: NaiveDateTime, now: NaiveDateTime) -> AppResult<()> {
    if at > config.latest_event_time(now) {
        let hours = config.event_max_ahead_hours;
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("occurred_at"),
            format!("is in the future: events may be dated at most {hours} hours ahead"),
            format!(
                "không được ở tương lai: thời điểm chỉ được muộn hơn hiện tại tối đa {hours} giờ"
            ),
        ));
    }
    Ok(())
}

/// A harvest, or a stamp roll for the lot, is refused until the longest
/// pre-harvest interval set by the lot's input applications has passed:
/// produce sprayed on the 1st with a 7-day interval is neither harvested
/// nor labelled for sale before the 8th. The one rule for the API, the
/// portal and the demo.
pub fn outside_pre_harvest_interval(
    conn: &mut DbConnection,
    batch_id: &str,
    at: NaiveDateTime,
) -> AppResult<()> {
    let mut until: Option<(NaiveDateTime, u64)> = None;
    for row in event::applications(conn, batch_id)? {
        let details: serde_json::Value = serde_json::from_str(&row.details).unwrap_or_default();
        if let Some(days) = crate::domain::kde::pre_harvest_interval_days(&details) {
            let end = row.occurred_at + chrono::Duration::days(days as i64);
            if until.is_none_or(|(t, _)| end > t) {
                until = Some((end, days));
            }
        }
    }
    match until {
        Some((end, days)) if at < end => {
            let local = end + chrono::Duration::hours(7);
            Err(AppError::rule(
                RuleKind::Conflict,
                Some("occurred_at"),
                format!(
                    "the lot is inside its pre-harvest interval ({days} days after the last \
                     input application): no harvest or stamps before {} (Vietnam time)",
                    local.format("%Y-%m-%d %H:%M")
                ),
                format!(
                    "lô đang trong thời gian cách ly trước thu hoạch ({days} ngày sau lần bón \
                     phân, phun thuốc gần nhất): chưa được thu hoạch hay cấp tem trước {}",
                    local.format("%H:%M ngày %d/%m/%Y")
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Refreshes the EPCIS copies of every event naming these batches' lots
/// (their own events, and transformations taking them as inputs).
pub fn remirror(conn: &mut DbConnection, base: &str, batch_ids: &[String]) -> AppResult<()> {
    for id in event::ids_naming(conn, batch_ids)? {
        crate::epcis::mapping::mirror(conn, base, &id)?;
    }
    Ok(())
}

/// Every field a new batch would be refused for by its own rules (empty
/// when they all pass): the portal's form shows them all beside their
/// inputs at once, before [`create`] checks what needs the database.
pub fn create_problems(fields: BatchFields) -> Vec<crate::domain::validate::FieldError> {
    fields.create_problems()
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    fields: BatchFields,
) -> AppResult<BatchView> {
    audit::write_transaction(conn, |conn| create_in(conn, caller, fields))
}

/// [`create`]'s work, inside the caller's transaction.
pub(super) fn create_in(
    conn: &mut DbConnection,
    caller: &Caller,
    fields: BatchFields,
) -> AppResult<BatchView> {
    let row = fields.create(crate::domain::id::new_id(), crate::time::now())?;
    {
        let owner = match editable_product(conn, caller, &row.product_id) {
            Ok(p) => p,
            Err(AppError::NotFound(_)) => {
                return Err(AppError::invalid("product_id", "no such product"))
            }
            Err(e) => return Err(e),
        };
        usable_facility(
            conn,
            caller,
            "facility_id",
            &row.facility_id,
            &owner.enterprise_id,
        )?;
        if lot_alias::batch_named(conn, &row.product_id, &row.lot_code)?.is_some() {
            return Err(printed_lot_taken());
        }
        batch::insert(conn, &row).map_err(conflict_on_lot)?;
        audit::created(conn, &Actor::from(caller), "batch", &row.id, &row)?;
        Ok(batch::view(conn, row)?)
    }
}

/// Changes a batch. A lot code already printed on stamps may be corrected:
/// the old code is kept as the batch's former code (it still resolves, and
/// regulators see it on the batch and in the audit log as a correction).
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    id: &str,
    fields: BatchFields,
) -> AppResult<BatchView> {
    audit::write_transaction(conn, |conn| {
        let before = editable_batch(conn, caller, id)?;
        open_batch(conn, caller, &before)?;
        let now = crate::time::now();
        let after = fields.update(before.clone(), now)?;
        let relabelled = after.lot_code != before.lot_code;
        let printed = relabelled && stamp_roll::issued_for_batch(conn, &before.id)?;
        if relabelled {
            if let Some(other) = lot_alias::batch_named(conn, &after.product_id, &after.lot_code)? {
                if other != after.id {
                    return Err(printed_lot_taken());
                }
                // Back to a former code of its own: current again.
                lot_alias::remove(conn, &after.product_id, &after.lot_code)?;
            }
        }
        batch::save(conn, &after).map_err(conflict_on_lot)?;
        if after.market != before.market {
            super::export_codes::approved_for_market(conn, &after)?;
        }
        if printed {
            lot_alias::insert(conn, &before.product_id, &before.lot_code, &before.id, now)?;
        }
        if relabelled {
            remirror(conn, config.base_url(), std::slice::from_ref(&after.id))?;
        }
        let action = if printed { "correct_lot" } else { "update" };
        audit::acted(
            conn,
            &Actor::from(caller),
            action,
            "batch",
            &after.id,
            &before,
            &after,
        )?;
        Ok(batch::view(conn, after)?)
    })
}

pub fn delete(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        let row = editable_batch(conn, caller, id)?;
        open_batch(conn, caller, &row)?;
        batch::delete(conn, &row.id).map_err(|e| {
            still_referenced(
                e,
                "the batch still has events or stamp rolls, or is an input of another batch",
            )
        })?;
        audit::deleted(conn, &Actor::from(caller), "batch", &row.id, &row)
    })
}

/// Records what happened to a batch, and mirrors it as an EPCIS event.
pub fn record_event(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    batch_id: &str,
    fields: EventFields,
) -> AppResult<Event> {
    record_event_with_photos(conn, caller, config, batch_id, fields, Vec::new())
}

/// [`record_event`] with photos taken on the spot (already cleaned by
/// `service::photos::clean`), kept in the same transaction.
pub fn record_event_with_photos(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    batch_id: &str,
    fields: EventFields,
    pictures: Vec<CleanPhoto>,
) -> AppResult<Event> {
    audit::write_transaction(conn, |conn| {
        let event = record_in(conn, caller, config, batch_id, fields)?;
        keep_event_photos(conn, caller, &event, pictures)?;
        Ok(event)
    })
}

/// An event's photos, described for those who cannot see them.
pub(super) fn keep_event_photos(
    conn: &mut DbConnection,
    caller: &Caller,
    event: &Event,
    pictures: Vec<CleanPhoto>,
) -> AppResult<()> {
    if pictures.is_empty() {
        return Ok(());
    }
    // Pages describe a photo in their reader's language (its event's kind
    // and time); the stored text names the same for other readers.
    let alt = format!(
        "{} {}",
        event.kind,
        (event.occurred_at + chrono::Duration::hours(7)).format("%d/%m/%Y")
    );
    photos::keep(conn, caller, OwnerKind::Event, &event.id, &alt, pictures)?;
    Ok(())
}

/// [`record_event`]'s work, inside the caller's transaction.
pub(super) fn record_in(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    batch_id: &str,
    fields: EventFields,
) -> AppResult<Event> {
    {
        let target = editable_batch(conn, caller, batch_id)?;
        open_batch(conn, caller, &target)?;
        let now = crate::time::now();
        let mut new = fields.create(
            crate::domain::id::new_id(),
            target.id.clone(),
            Some(caller.username.clone()),
            now,
        )?;
        if EventKind::parse(&new.row.kind).is_ok_and(crate::domain::kde::assigns_lot_code) {
            new.row.assigned_lot_code = Some(target.lot_code.clone());
        }
        not_ahead(config, new.row.occurred_at, now)?;
        if new.row.kind == EventKind::Harvesting.as_str() {
            outside_pre_harvest_interval(conn, &target.id, new.row.occurred_at)?;
        }
        let owner = product::find(conn, &caller.scope(), &target.product_id)?
            .ok_or_else(|| AppError::not_found("product"))?;
        usable_facility(
            conn,
            caller,
            "facility_id",
            &new.row.facility_id,
            &owner.enterprise_id,
        )?;
        super::handovers::usable_inputs(conn, caller, &owner.enterprise_id, &new.inputs)?;
        event::check_details(&mut new.row)?;
        event::insert(conn, &new)?;
        crate::epcis::mapping::mirror(conn, config.base_url(), &new.row.id)?;
        let view = event::view(conn, new.row)?;
        audit::created(conn, &Actor::from(caller), "event", &view.id, &view)?;
        Ok(view)
    }
}

/// The event if its batch is within reach; `editable` also requires the
/// right to change it, and the batch to be open.
pub fn reachable_event(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    editable: bool,
) -> AppResult<event::EventRow> {
    let row = event::find(conn, id)?.ok_or_else(|| AppError::not_found("event"))?;
    let owner = batch::find(conn, &caller.scope(), &row.batch_id)?
        .ok_or_else(|| AppError::not_found("event"))?;
    if editable {
        editable_batch(conn, caller, &row.batch_id)?;
        open_batch(conn, caller, &owner)?;
    }
    Ok(row)
}

pub fn update_event(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    id: &str,
    fields: EventFields,
) -> AppResult<Event> {
    audit::write_transaction(conn, |conn| {
        let row = reachable_event(conn, caller, id, true)?;
        let before = event::view(conn, row.clone())?;
        let now = crate::time::now();
        not_retracted(&before.retracted_at)?;
        let mut after = fields.update(row, now)?;
        not_ahead(config, after.occurred_at, now)?;
        if after.kind == EventKind::Harvesting.as_str() {
            outside_pre_harvest_interval(conn, &after.batch_id, after.occurred_at)?;
        }
        if after.facility_id != before.facility_id {
            let target = batch::find(conn, &caller.scope(), &after.batch_id)?
                .ok_or_else(|| AppError::not_found("batch"))?;
            let owner = product::find(conn, &caller.scope(), &target.product_id)?
                .ok_or_else(|| AppError::not_found("product"))?;
            usable_facility(
                conn,
                caller,
                "facility_id",
                &after.facility_id,
                &owner.enterprise_id,
            )?;
        }
        event::check_details(&mut after)?;
        event::save(conn, &after)?;
        crate::epcis::mapping::mirror(conn, config.base_url(), &after.id)?;
        let view = event::view(conn, after)?;
        audit::updated(
            conn,
            &Actor::from(caller),
            "event",
            &view.id,
            &before,
            &view,
        )?;
        Ok(view)
    })
}

/// A retracted event is kept as it was retracted: neither corrected nor
/// retracted again.
fn not_retracted(retracted_at: &Option<NaiveDateTime>) -> AppResult<()> {
    if retracted_at.is_some() {
        return Err(AppError::rule(
            RuleKind::Conflict,
            None,
            "this event was retracted; record a new event instead",
            "sự kiện này đã bị rút lại; hãy ghi một sự kiện mới",
        ));
    }
    Ok(())
}

/// Longest retraction reason accepted.
pub const MAX_RETRACTION_REASON: usize = 500;

/// Why an event is retracted (`POST /api/v1/events/{id}/retract`).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retraction {
    pub reason: String,
}

/// Retracts an event recorded by mistake. It stays stored, marked with
/// when, why and by whom, so that regulators still see what was claimed;
/// it leaves the consumer's timeline and the genealogy, and its EPCIS
/// mirror becomes an errorDeclaration in the same transaction.
pub fn retract_event(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    id: &str,
    retraction: Retraction,
) -> AppResult<Event> {
    let reason = retraction.reason.trim();
    if reason.is_empty() {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("reason"),
            "is required: say why the event is retracted",
            "bắt buộc: hãy ghi lý do rút lại sự kiện",
        ));
    }
    if reason.chars().count() > MAX_RETRACTION_REASON {
        return Err(AppError::invalid(
            "reason",
            format!("is longer than {MAX_RETRACTION_REASON} characters"),
        ));
    }
    audit::write_transaction(conn, |conn| {
        let row = reachable_event(conn, caller, id, true)?;
        not_retracted(&row.retracted_at)?;
        let before = event::view(conn, row.clone())?;
        let now = crate::time::now();
        let mut after = row;
        after.retracted_at = Some(now);
        after.retraction_reason = Some(reason.to_owned());
        after.retracted_by = Some(caller.username.clone());
        after.updated_at = now;
        event::save(conn, &after)?;
        crate::epcis::mapping::mirror(conn, config.base_url(), &after.id)?;
        let view = event::view(conn, after)?;
        audit::acted(
            conn,
            &Actor::from(caller),
            "retract",
            "event",
            &view.id,
            &before,
            &view,
        )?;
        Ok(view)
    })
}

pub fn delete_event(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        let row = reachable_event(conn, caller, id, true)?;
        let before = event::view(conn, row)?;
        // Its EPCIS copy goes with it (ON DELETE CASCADE), its photos here.
        crate::models::photo::delete_of(conn, OwnerKind::Event.as_str(), &before.id)?;
        event::delete(conn, &before.id)?;
        audit::deleted(conn, &Actor::from(caller), "event", &before.id, &before)
    })
}
