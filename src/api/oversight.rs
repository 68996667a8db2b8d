//! What regulators do: inspect facilities, suspend and reinstate them,
//! recall batches (and everything made from them), trace lot genealogy.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::auth::{Caller, Role, Scope};
use crate::db::DbConnection;
use crate::domain::id::Id;
use crate::domain::kinds::{BatchStatus, FacilityStatus, InspectionResult};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::batch::{self, Batch};
use crate::models::facility::{self, Facility};
use crate::models::genealogy::{self, Direction, Link, TracedBatch};
use crate::models::inspection::{self, InspectionFields, InspectionFilter};
use crate::models::page::Page;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/facilities/{id}/inspections")
            .route(web::get().to(list_facility_inspections))
            .route(web::post().to(inspect)),
    )
    .route("/inspections", web::get().to(list_inspections))
    .route("/facilities/{id}/suspend", web::post().to(suspend))
    .route("/facilities/{id}/reinstate", web::post().to(reinstate))
    .route("/batches/{id}/recall", web::post().to(recall))
    .route("/batches/{id}/unrecall", web::post().to(unrecall))
    .route("/batches/{id}/trace", web::get().to(trace));
}

/// Regulators act on their province; admins anywhere. Producers never.
fn overseer(caller: &Caller) -> AppResult<()> {
    match caller.role {
        Role::Admin | Role::Regulator { .. } => Ok(()),
        Role::Producer { .. } => Err(AppError::Forbidden(
            "only a regulator of the province does this".into(),
        )),
    }
}

fn visible_facility(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Facility> {
    facility::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("facility"))
}

fn visible_batch(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Batch> {
    batch::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("batch"))
}

fn today() -> chrono::NaiveDate {
    crate::time::now().date()
}

pub async fn inspect(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<InspectionFields>,
) -> AppResult<HttpResponse> {
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let target = visible_facility(conn, &caller, &path)?;
                if !matches!(caller.role, Role::Regulator { .. }) {
                    return Err(AppError::Forbidden(
                        "only a regulator of the facility's province records inspections".into(),
                    ));
                }
                let row = fields.create(
                    super::new_id(),
                    target.id,
                    caller.account_id.clone(),
                    today(),
                    crate::time::now(),
                )?;
                inspection::insert(conn, &row)?;
                audit::created(conn, &actor, "inspection", &row.id, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(super::created(
        format!("/api/v1/facilities/{}/inspections", row.facility_id),
        &row,
    ))
}

fn check_filter(filter: &InspectionFilter) -> AppResult<Page> {
    if let Some(r) = &filter.result {
        v::choice("result", r, InspectionResult::parse)?;
    }
    Ok(Page::new(filter.page, filter.per_page)?)
}

async fn list_facility_inspections(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<InspectionFilter>,
) -> AppResult<HttpResponse> {
    let filter = query.into_inner();
    let csv = super::export::wants_csv(filter.format.as_deref())?;
    let page = check_filter(&filter)?;
    let page = if csv { Page::export() } else { page };
    let list = state
        .db(move |conn| {
            let target = visible_facility(conn, &caller, &path)?;
            Ok(inspection::list(
                conn,
                &caller.scope(),
                Some(&target.id),
                &filter,
                today(),
                page,
            )?)
        })
        .await?;
    Ok(super::export::list_response(csv, "inspections.csv", list))
}

async fn list_inspections(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<InspectionFilter>,
) -> AppResult<HttpResponse> {
    let filter = query.into_inner();
    let csv = super::export::wants_csv(filter.format.as_deref())?;
    let page = check_filter(&filter)?;
    let page = if csv { Page::export() } else { page };
    let scope = caller.scope();
    let list = state
        .db(move |conn| {
            Ok(inspection::list(
                conn,
                &scope,
                None,
                &filter,
                today(),
                page,
            )?)
        })
        .await?;
    Ok(super::export::list_response(csv, "inspections.csv", list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    pub reason: String,
}

async fn set_facility_status(
    caller: Caller,
    state: web::Data<AppState>,
    id: Id,
    body: Reason,
    status: FacilityStatus,
) -> AppResult<web::Json<Facility>> {
    let reason = v::text("reason", &body.reason, 1000)?;
    let actor = Actor::from(&caller);
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let before = visible_facility(conn, &caller, &id)?;
                overseer(&caller)?;
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
                audit::acted(conn, &actor, action, "facility", &after.id, &before, &after)?;
                Ok(after)
            })
        })
        .await?;
    Ok(web::Json(row))
}

pub async fn suspend(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Reason>,
) -> AppResult<web::Json<Facility>> {
    set_facility_status(
        caller,
        state,
        path.into_inner(),
        body.into_inner(),
        FacilityStatus::Suspended,
    )
    .await
}

pub async fn reinstate(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Reason>,
) -> AppResult<web::Json<Facility>> {
    set_facility_status(
        caller,
        state,
        path.into_inner(),
        body.into_inner(),
        FacilityStatus::Active,
    )
    .await
}

#[derive(Serialize)]
pub struct RecallAnswer {
    /// The batch itself first, then every batch made from it.
    batches: Vec<String>,
}

/// Marks `row` recalled (or active again) and records the act with the
/// regulator's reason.
fn set_batch_status(
    conn: &mut DbConnection,
    actor: &Actor,
    before: Batch,
    status: BatchStatus,
    reason: &str,
    because: Option<String>,
) -> AppResult<()> {
    let mut after = before.clone();
    after.status = status.as_str().to_owned();
    after.recall_reason = (status == BatchStatus::Recalled).then(|| reason.to_owned());
    after.recalled_because = because;
    after.updated_at = crate::time::now();
    batch::save(conn, &after)?;
    let action = match status {
        BatchStatus::Recalled => "recall",
        BatchStatus::Active => "unrecall",
    };
    let recorded = serde_json::json!({"batch": after, "reason": reason});
    audit::acted(conn, actor, action, "batch", &after.id, &before, &recorded)
}

pub async fn recall(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Reason>,
) -> AppResult<web::Json<RecallAnswer>> {
    let reason = v::text("reason", &body.reason, 1000)?;
    let actor = Actor::from(&caller);
    let answer = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let root = visible_batch(conn, &caller, &path)?;
                overseer(&caller)?;
                if root.status == BatchStatus::Recalled.as_str() {
                    return Err(AppError::Conflict("the batch is already recalled".into()));
                }
                // Safety first: what was made from a recalled batch is
                // recalled too, wherever it went.
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
                            &actor,
                            row,
                            BatchStatus::Recalled,
                            &derived_reason,
                            Some(root.id.clone()),
                        )?;
                        recalled.push(id.clone());
                    }
                }
                set_batch_status(conn, &actor, root, BatchStatus::Recalled, &reason, None)?;
                Ok(RecallAnswer { batches: recalled })
            })
        })
        .await?;
    Ok(web::Json(answer))
}

async fn unrecall(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Reason>,
) -> AppResult<web::Json<RecallAnswer>> {
    let reason = v::text("reason", &body.reason, 1000)?;
    let actor = Actor::from(&caller);
    let answer = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let root = visible_batch(conn, &caller, &path)?;
                overseer(&caller)?;
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
                    set_batch_status(conn, &actor, row, BatchStatus::Active, &reason, None)?;
                }
                set_batch_status(conn, &actor, root, BatchStatus::Active, &reason, None)?;
                Ok(RecallAnswer { batches: lifted })
            })
        })
        .await?;
    Ok(web::Json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceQuery {
    direction: Option<String>,
    format: Option<String>,
}

#[derive(Serialize)]
struct Trace {
    root: String,
    direction: &'static str,
    batches: Vec<TracedBatch>,
    links: Vec<Link>,
}

async fn trace(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<TraceQuery>,
) -> AppResult<HttpResponse> {
    let (direction, name) = match query.direction.as_deref() {
        None | Some("backward") => (Direction::Backward, "backward"),
        Some("forward") => (Direction::Forward, "forward"),
        Some(other) => {
            return Err(AppError::invalid(
                "direction",
                format!("{other:?} is not backward or forward"),
            ))
        }
    };
    let csv = super::export::wants_csv(query.format.as_deref())?;
    let scope = caller.scope();
    let (trace, events) = state
        .db(move |conn| {
            let root = visible_batch(conn, &caller, &path)?;
            let (depths, links) = genealogy::walk(conn, &root.id, direction)?;
            let mut batches = genealogy::describe(conn, &depths)?;
            // A producer traces within its own enterprise only; regulators
            // and admins follow the chain wherever it goes.
            if let Scope::Enterprise(own) = &scope {
                batches.retain(|b| &b.enterprise_id == own);
            }
            let events = if csv {
                genealogy::tracking_events(conn, &batches)?
            } else {
                Vec::new()
            };
            Ok((
                Trace {
                    root: root.id,
                    direction: name,
                    batches,
                    links,
                },
                events,
            ))
        })
        .await?;
    if csv {
        return Ok(super::export::csv_response(
            &format!("trace-{}.csv", trace.root),
            &genealogy::FSMA_COLUMNS,
            events.iter().map(|e| e.row()),
        ));
    }
    Ok(HttpResponse::Ok().json(trace))
}
