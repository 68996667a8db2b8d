//! What regulators do: inspect facilities, suspend and reinstate them,
//! recall batches (and everything made from them), and trace lot genealogy
//! within the reader's reach.

use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role, Scope};
use crate::domain::kinds::{BatchStatus, FacilityStatus};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::batch::{self, Batch};
use crate::models::facility::{self, Facility};
use crate::models::genealogy::{self, Direction, Link, TracedBatch, TrackingEvent};
use crate::models::inspection::{self, Inspection, InspectionFields};

use super::access::{overseer, visible_batch, visible_facility};

pub fn inspect(
    conn: &mut DbConnection,
    caller: &Caller,
    facility_id: &str,
    fields: InspectionFields,
) -> AppResult<Inspection> {
    audit::write_transaction(conn, |conn| {
        let target = visible_facility(conn, caller, facility_id)?;
        if !matches!(caller.role, Role::Regulator { .. }) {
            return Err(AppError::Forbidden(
                "only a regulator of the facility's province records inspections".into(),
            ));
        }
        let now = crate::time::now();
        let row = fields.create(
            crate::domain::id::new_id(),
            target.id,
            caller.account_id.clone(),
            now.date(),
            now,
        )?;
        inspection::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "inspection", &row.id, &row)?;
        Ok(row)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

/// Suspends or reinstates a facility, with the regulator's reason.
pub fn set_facility_status(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Reason,
    status: FacilityStatus,
) -> AppResult<Facility> {
    let reason = v::text("reason", &body.reason, 1000)?;
    audit::write_transaction(conn, |conn| {
        let before = visible_facility(conn, caller, id)?;
        overseer(caller)?;
        if before.status == status.as_str() {
            return Err(AppError::Conflict(format!(
                "the facility is already {status}"
            )));
        }
        let mut after = before.clone();
        after.status = status.as_str().to_owned();
        after.status_reason = Some(reason);
        after.updated_at = crate::time::now();
        facility::save(conn, &after)?;
        let action = match status {
            FacilityStatus::Suspended => "suspend",
            FacilityStatus::Active => "reinstate",
        };
        audit::acted(
            conn,
            &Actor::from(caller),
            action,
            "facility",
            &after.id,
            &before,
            &after,
        )?;
        Ok(after)
    })
}

#[derive(Debug, Serialize)]
pub struct RecallAnswer {
    /// The batch itself first, then every batch made from it.
    pub batches: Vec<String>,
}

/// Marks `row` recalled (or active again) and records the act with the
/// regulator's reason; a recall keeps when and by whom, for the consumer.
fn set_batch_status(
    conn: &mut DbConnection,
    caller: &Caller,
    before: Batch,
    status: BatchStatus,
    reason: &str,
    because: Option<String>,
) -> AppResult<()> {
    let mut after = before.clone();
    after.status = status.as_str().to_owned();
    after.recall_reason = (status == BatchStatus::Recalled).then(|| reason.to_owned());
    after.recalled_because = because;
    let recalled = status == BatchStatus::Recalled;
    after.updated_at = crate::time::now();
    after.recalled_at = recalled.then_some(after.updated_at);
    after.recall_authority = recalled.then(|| authority(caller).to_owned());
    batch::save(conn, &after)?;
    let action = match status {
        BatchStatus::Recalled => "recall",
        BatchStatus::Active => "unrecall",
    };
    let recorded = serde_json::json!({"batch": after, "reason": reason});
    audit::acted(
        conn,
        &Actor::from(caller),
        action,
        "batch",
        &after.id,
        &before,
        &recorded,
    )
}

/// Who orders a recall, as the consumer page names it: the regulator's
/// province, or the national administration.
fn authority(caller: &Caller) -> &str {
    match &caller.role {
        Role::Regulator { province } => province,
        _ => crate::domain::kinds::NATIONAL_AUTHORITY,
    }
}

/// Recalls a batch and, for safety, every batch made from it wherever it is.
pub fn recall(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Reason,
) -> AppResult<RecallAnswer> {
    let reason = v::text("reason", &body.reason, 1000)?;
    audit::write_transaction(conn, |conn| {
        let root = visible_batch(conn, caller, id)?;
        overseer(caller)?;
        if root.status == BatchStatus::Recalled.as_str() {
            return Err(AppError::Conflict("the batch is already recalled".into()));
        }
        let (depths, _) = genealogy::walk(conn, &root.id, Direction::Forward)?;
        let mut recalled = vec![root.id.clone()];
        let derived_reason = format!(
            "Làm từ lô bị thu hồi {} / made from recalled lot {}: {reason}",
            root.lot_code, root.lot_code
        );
        for id in depths.keys().filter(|id| **id != root.id) {
            let Some(row) = batch::find(conn, &Scope::All, id)? else {
                continue;
            };
            if row.status == BatchStatus::Active.as_str() {
                set_batch_status(
                    conn,
                    caller,
                    row,
                    BatchStatus::Recalled,
                    &derived_reason,
                    Some(root.id.clone()),
                )?;
                recalled.push(id.clone());
            }
        }
        set_batch_status(conn, caller, root, BatchStatus::Recalled, &reason, None)?;
        Ok(RecallAnswer { batches: recalled })
    })
}

/// Lifts a recall, with the batches recalled because of it.
pub fn unrecall(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Reason,
) -> AppResult<RecallAnswer> {
    let reason = v::text("reason", &body.reason, 1000)?;
    audit::write_transaction(conn, |conn| {
        let root = visible_batch(conn, caller, id)?;
        overseer(caller)?;
        if root.status != BatchStatus::Recalled.as_str() {
            return Err(AppError::Conflict("the batch is not recalled".into()));
        }
        if let Some(cause) = &root.recalled_because {
            return Err(AppError::Conflict(format!(
                "this batch is recalled because of input batch {cause}; lift that recall instead"
            )));
        }
        let mut lifted = vec![root.id.clone()];
        for row in batch::recalled_because_of(conn, &root.id)? {
            lifted.push(row.id.clone());
            set_batch_status(conn, caller, row, BatchStatus::Active, &reason, None)?;
        }
        set_batch_status(conn, caller, root, BatchStatus::Active, &reason, None)?;
        Ok(RecallAnswer { batches: lifted })
    })
}

/// A batch of a trace: in full within the reader's reach; outside it, only
/// its place in the graph — no lot, names, address or events.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum TraceNode {
    Batch(Box<TracedBatch>),
    Outside {
        id: String,
        depth: usize,
        outside_reach: bool,
        note_vi: &'static str,
        note_en: &'static str,
    },
}

#[derive(Debug, Serialize)]
pub struct Trace {
    pub root: String,
    pub direction: &'static str,
    pub batches: Vec<TraceNode>,
    pub links: Vec<Link>,
}

fn within(scope: &Scope, b: &TracedBatch) -> bool {
    match scope {
        Scope::All => true,
        Scope::Enterprise(e) => &b.enterprise_id == e,
        Scope::Province(p) => &b.facility_province == p,
    }
}

/// Traces a batch's genealogy backward or forward. Batches outside the
/// reader's reach (another province for a regulator, another enterprise for
/// a producer) appear as opaque nodes; `with_events` also gives the
/// critical tracking events of the batches within reach (the FSMA CSV).
pub fn trace(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    direction: Direction,
    with_events: bool,
) -> AppResult<(Trace, Vec<TrackingEvent>)> {
    let root = visible_batch(conn, caller, id)?;
    let (depths, links) = genealogy::walk(conn, &root.id, direction)?;
    let scope = caller.scope();
    let (inside, outside): (Vec<TracedBatch>, Vec<TracedBatch>) =
        genealogy::describe(conn, &depths)?
            .into_iter()
            .partition(|b| within(&scope, b));
    let events = if with_events {
        genealogy::tracking_events(conn, &inside)?
    } else {
        Vec::new()
    };
    let mut batches: Vec<TraceNode> = inside
        .into_iter()
        .map(|b| TraceNode::Batch(Box::new(b)))
        .collect();
    batches.extend(outside.into_iter().map(|b| TraceNode::Outside {
        id: b.id,
        depth: b.depth,
        outside_reach: true,
        note_vi: "Lô hàng ngoài phạm vi của bạn",
        note_en: "A batch outside your reach",
    }));
    batches.sort_by_key(|n| match n {
        TraceNode::Batch(b) => b.depth,
        TraceNode::Outside { depth, .. } => *depth,
    });
    let direction = match direction {
        Direction::Backward => "backward",
        Direction::Forward => "forward",
    };
    Ok((
        Trace {
            root: root.id,
            direction,
            batches,
            links,
        },
        events,
    ))
}
