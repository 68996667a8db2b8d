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
use crate::models::genealogy::Direction;
use crate::models::inspection::{self, InspectionFields, InspectionFilter};
use crate::models::page::Page;
use crate::service::fsma;
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
    .route("/batches/{id}/trace", web::get().to(trace))
    .route("/fsma204", web::get().to(fsma204));
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
    if super::export::wants_csv(query.format.as_deref())? {
        let id = path.to_string();
        let rows = state
            .db(move |conn| fsma::trace_rows(conn, &caller, &path, direction))
            .await?;
        return Ok(fsma_answer(&format!("trace-{id}"), fsma::Format::Csv, rows));
    }
    let trace = state
        .db(move |conn| service::trace(conn, &caller, &path, direction))
        .await?;
    Ok(HttpResponse::Ok().json(trace))
}

/// The FDA's request (21 CFR 1.1455(c)(3)(ii)): every CTE row of the
/// products, dates or lot codes asked for, traced both ways, as CSV or XLSX.
async fn fsma204(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<fsma::RequestQuery>,
) -> AppResult<HttpResponse> {
    let request = query.into_inner().check()?;
    let format = request.format;
    let rows = state
        .db(move |conn| fsma::export(conn, &caller, &request))
        .await?;
    Ok(fsma_answer("fsma204", format, rows))
}

/// Rows of CTEs as a download: CSV streamed in chunks of rows as they are
/// written, or one XLSX workbook.
pub fn fsma_answer(name: &str, format: fsma::Format, rows: Vec<Vec<String>>) -> HttpResponse {
    match format {
        fsma::Format::Xlsx => match fsma::xlsx(&rows) {
            Ok(bytes) => HttpResponse::Ok()
                .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                .insert_header(crate::headers::attachment(&format!("{name}.xlsx")))
                .body(bytes),
            Err(e) => actix_web::ResponseError::error_response(&e),
        },
        fsma::Format::Csv => {
            let header = std::iter::once(crate::csv::Csv::new(fsma::COLUMNS).into_string());
            let body = rows.chunks(500).map(|chunk| {
                let mut csv = crate::csv::Csv::bare();
                for row in chunk {
                    csv.row(row.iter().map(String::as_str));
                }
                csv.into_string()
            });
            let chunks: Vec<Result<actix_web::web::Bytes, actix_web::Error>> = header
                .chain(body)
                .map(|text| Ok(actix_web::web::Bytes::from(text)))
                .collect();
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header(crate::headers::attachment(&format!("{name}.csv")))
                .streaming(futures_util::stream::iter(chunks))
        }
    }
}
