//! Circular 02/2024/TT-BKHCN over `/api/v1`: what a product's or a batch's
//! record still lacks, and a batch's record exported in the documented JSON
//! or CSV mapping (`service::circular02`).

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::Caller;
use crate::domain::circular02::Report;
use crate::domain::id::Id;
use crate::error::AppResult;
use crate::service::circular02 as service;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/products/{id}/circular-02", web::get().to(product))
        .route("/batches/{id}/circular-02", web::get().to(batch))
        .route("/batches/{id}/circular-02/export", web::get().to(export));
}

async fn product(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Report>> {
    let report = state
        .db(move |conn| service::product_report(conn, &caller, &path))
        .await?;
    Ok(web::Json(report))
}

async fn batch(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Report>> {
    let record = state
        .db(move |conn| service::batch_record(conn, &caller, &path))
        .await?;
    Ok(web::Json(record.completeness))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
}

async fn export(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    let csv = super::export::wants_csv(query.format.as_deref())?;
    let record = state
        .db(move |conn| service::batch_record(conn, &caller, &path))
        .await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(record));
    }
    let name = format!("circular-02-{}.csv", record.batch.lot_code);
    Ok(super::export::csv_response(
        &name,
        &service::CSV_COLUMNS,
        service::csv_rows(&record).into_iter().map(Vec::from),
    ))
}
