//! Reports of suspected fakes, for those who follow them up: a regulator
//! reads their province's, a producer those naming its own stamps, an admin
//! all (`service::reports`). The photo is served to regulators and admins.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::error::AppResult;
use crate::models::fake_report::ReportFilter;
use crate::models::page::Page;
use crate::service::reports;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/fake-reports", web::get().to(list_reports))
        .route("/fake-reports/{id}/photo", web::get().to(photo));
}

async fn list_reports(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ReportFilter>,
) -> AppResult<HttpResponse> {
    let filter = query.into_inner();
    let page = Page::new(filter.page, filter.per_page)?;
    let list = state
        .db(move |conn| reports::list(conn, &caller, filter.code.as_deref(), page))
        .await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The cleaned JPEG; private, since it is shown only to whoever may see it.
async fn photo(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let jpeg = state
        .db(move |conn| reports::photo(conn, &caller, &path))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/jpeg"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(jpeg))
}
