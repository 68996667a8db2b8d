//! What regulators do: inspect facilities, suspend and reinstate them,
//! recall batches (and everything made from them), trace lot genealogy.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::domain::kinds::{FacilityStatus, InspectionResult};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::facility::Facility;
use crate::models::genealogy::{self, Direction};
use crate::models::inspection::{self, InspectionFields, InspectionFilter};
use crate::models::page::Page;
use crate::service::oversight::{self as service, Reason, RecallAnswer};
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
    .route(
        "/batches/{id}/recall-preview",
        web::get().to(recall_preview),
    )
    .route("/batches/{id}/trace", web::get().to(trace));
}

fn today() -> chrono::NaiveDate {
    crate::time::now().date()
}

async fn inspect(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<InspectionFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let row = state
        .db(move |conn| service::inspect(conn, &caller, &path, fields))
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
            let target = crate::service::access::visible_facility(conn, &caller, &path)?;
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

async fn set_facility_status(
    caller: Caller,
    state: web::Data<AppState>,
    id: Id,
    body: Reason,
    status: FacilityStatus,
) -> AppResult<web::Json<Facility>> {
    let row = state
        .db(move |conn| service::set_facility_status(conn, &caller, &id, body, status))
        .await?;
    Ok(web::Json(row))
}

async fn suspend(
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

async fn reinstate(
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

async fn recall(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Reason>,
) -> AppResult<web::Json<RecallAnswer>> {
    let body = body.into_inner();
    let answer = state
        .db(move |conn| service::recall(conn, &caller, &path, body))
        .await?;
    Ok(web::Json(answer))
}

async fn unrecall(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Reason>,
) -> AppResult<web::Json<RecallAnswer>> {
    let body = body.into_inner();
    let answer = state
        .db(move |conn| service::unrecall(conn, &caller, &path, body))
        .await?;
    Ok(web::Json(answer))
}

async fn recall_preview(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<service::RecallPreview>> {
    let answer = state
        .db(move |conn| service::recall_preview(conn, &caller, &path))
        .await?;
    Ok(web::Json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TraceQuery {
    direction: Option<String>,
    format: Option<String>,
}

async fn trace(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<TraceQuery>,
) -> AppResult<HttpResponse> {
    let direction = match query.direction.as_deref() {
        None | Some("backward") => Direction::Backward,
        Some("forward") => Direction::Forward,
        Some(other) => {
            return Err(AppError::invalid(
                "direction",
                format!("{other:?} is not backward or forward"),
            ))
        }
    };
    let csv = super::export::wants_csv(query.format.as_deref())?;
    let (trace, events) = state
        .db(move |conn| service::trace(conn, &caller, &path, direction, csv))
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
