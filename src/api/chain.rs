//! The supply chain under `/api/v1`: trading parties, shipments to a
//! party, the receipts waiting for the receiver (accept or refuse), and
//! lots received from outside the service (README, "Supply chain").

use actix_web::{web, HttpResponse};

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::error::AppResult;
use crate::models::handover::HandoverView;
use crate::models::page::{List, Page};
use crate::models::party::{Party, PartyFields};
use crate::service::handovers::{self, Acceptance, ExternalLot, Shipment, Shipped};
use crate::service::oversight::Reason;
use crate::service::parties;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/parties")
            .route(web::get().to(list_parties))
            .route(web::post().to(create_party)),
    )
    .service(
        web::resource("/parties/{id}")
            .route(web::get().to(get_party))
            .route(web::patch().to(update_party)),
    )
    .service(web::resource("/batches/{id}/shipments").route(web::post().to(ship)))
    .service(web::resource("/handovers").route(web::get().to(list_handovers)))
    .service(web::resource("/handovers/pending").route(web::get().to(pending)))
    .service(web::resource("/handovers/{id}").route(web::get().to(get_handover)))
    .service(web::resource("/handovers/{id}/accept").route(web::post().to(accept)))
    .service(web::resource("/handovers/{id}/refuse").route(web::post().to(refuse)))
    .service(web::resource("/external-lots").route(web::post().to(record_external)));
}

fn listed<T>(items: Vec<T>) -> List<T> {
    let total = items.len() as i64;
    Page::export().of(items, total)
}

async fn list_parties(
    caller: Caller,
    state: web::Data<AppState>,
) -> AppResult<web::Json<List<Party>>> {
    let rows = state.db(move |conn| parties::list(conn, &caller)).await?;
    Ok(web::Json(listed(rows)))
}

/// 201 with the party; registering an enterprise's party again answers
/// the one already there (registering is idempotent).
async fn create_party(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<PartyFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let row = state
        .db(move |conn| parties::create(conn, &caller, fields))
        .await?;
    Ok(super::created(format!("/api/v1/parties/{}", row.id), &row))
}

async fn get_party(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Party>> {
    let row = state
        .db(move |conn| parties::visible(conn, &caller, &path))
        .await?;
    Ok(web::Json(row))
}

async fn update_party(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<PartyFields>,
) -> AppResult<web::Json<Party>> {
    let fields = body.into_inner();
    let row = state
        .db(move |conn| parties::update(conn, &caller, &path, fields))
        .await?;
    Ok(web::Json(row))
}

async fn ship(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Shipment>,
) -> AppResult<HttpResponse> {
    let shipment = body.into_inner();
    let config = state.config.clone();
    let shipped: Shipped = state
        .db(move |conn| handovers::ship(conn, &caller, &config, &path, shipment))
        .await?;
    Ok(super::created(
        format!("/api/v1/events/{}", shipped.event.id),
        &shipped,
    ))
}

async fn list_handovers(
    caller: Caller,
    state: web::Data<AppState>,
) -> AppResult<web::Json<List<HandoverView>>> {
    let rows = state.db(move |conn| handovers::list(conn, &caller)).await?;
    Ok(web::Json(listed(rows)))
}

async fn pending(
    caller: Caller,
    state: web::Data<AppState>,
) -> AppResult<web::Json<List<HandoverView>>> {
    let rows = state
        .db(move |conn| handovers::pending(conn, &caller))
        .await?;
    Ok(web::Json(listed(rows)))
}

async fn get_handover(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<HandoverView>> {
    let row = state
        .db(move |conn| handovers::visible(conn, &caller, &path))
        .await?;
    Ok(web::Json(row))
}

async fn accept(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Acceptance>,
) -> AppResult<web::Json<HandoverView>> {
    let body = body.into_inner();
    let config = state.config.clone();
    let row = state
        .db(move |conn| handovers::accept(conn, &caller, &config, &path, body))
        .await?;
    Ok(web::Json(row))
}

async fn refuse(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Reason>,
) -> AppResult<web::Json<HandoverView>> {
    let body = body.into_inner();
    let row = state
        .db(move |conn| handovers::refuse(conn, &caller, &path, body))
        .await?;
    Ok(web::Json(row))
}

async fn record_external(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<ExternalLot>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let config = state.config.clone();
    let row = state
        .db(move |conn| handovers::record_external(conn, &caller, &config, body))
        .await?;
    Ok(super::created(
        format!("/api/v1/handovers/{}", row.handover.id),
        &row,
    ))
}
