//! `/api/v1/batches` and their events. A batch joins a product and a facility
//! of the same enterprise; only that enterprise records what happened to it.

use actix_web::{web, HttpResponse};

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::domain::kinds::EventKind;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::batch::{self, BatchFields, BatchFilter, BatchView};
use crate::models::event::{self, Event, EventFields, EventFilter};
use crate::models::page::{List, Page};
use crate::service::batches as service;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/batches")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/batches/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(
        web::resource("/batches/{id}/events")
            .route(web::get().to(list_events))
            .route(web::post().to(create_event)),
    )
    .service(
        web::resource("/events/{id}")
            .route(web::get().to(get_event))
            .route(web::patch().to(update_event))
            .route(web::delete().to(delete_event)),
    )
    .service(web::resource("/events/{id}/retract").route(web::post().to(retract_event)));
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<BatchFilter>,
) -> AppResult<HttpResponse> {
    let raw = query.into_inner();
    let csv = super::export::wants_csv(raw.format.as_deref())?;
    let page = if csv {
        Page::export()
    } else {
        Page::new(raw.page, raw.per_page)?
    };
    let filter = raw.check()?;
    let scope = caller.scope();
    let list = state
        .db(move |conn| Ok(batch::list(conn, &scope, &filter, page)?))
        .await?;
    Ok(super::export::list_response(csv, "batches.csv", list))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<BatchView>> {
    let scope = caller.scope();
    let view = state
        .db(move |conn| {
            let row =
                batch::find(conn, &scope, &path)?.ok_or_else(|| AppError::not_found("batch"))?;
            Ok(batch::view(conn, row)?)
        })
        .await?;
    Ok(web::Json(view))
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<BatchFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let view = state
        .db(move |conn| service::create(conn, &caller, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/batches/{}", view.batch.id),
        &view,
    ))
}

async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<BatchFields>,
) -> AppResult<web::Json<BatchView>> {
    let fields = body.into_inner();
    let config = state.config.clone();
    let view = state
        .db(move |conn| service::update(conn, &caller, &config, &path, fields))
        .await?;
    Ok(web::Json(view))
}

async fn delete(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    state
        .db(move |conn| service::delete(conn, &caller, &path))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_events(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<EventFilter>,
) -> AppResult<web::Json<List<Event>>> {
    let filter = query.into_inner();
    let page = Page::new(filter.page, filter.per_page)?;
    let kind = filter
        .kind
        .as_deref()
        .map(|k| v::choice("kind", k, EventKind::parse))
        .transpose()?;
    let scope = caller.scope();
    let list = state
        .db(move |conn| {
            batch::find(conn, &scope, &path)?.ok_or_else(|| AppError::not_found("batch"))?;
            Ok(event::list_for_batch(conn, &path, kind, page)?)
        })
        .await?;
    Ok(web::Json(list))
}

async fn create_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<EventFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let config = state.config.clone();
    let view = state
        .db(move |conn| service::record_event(conn, &caller, &config, &path, fields))
        .await?;
    Ok(super::created(format!("/api/v1/events/{}", view.id), &view))
}

async fn get_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Event>> {
    let view = state
        .db(move |conn| {
            let row = service::reachable_event(conn, &caller, &path, false)?;
            Ok(event::view(conn, row)?)
        })
        .await?;
    Ok(web::Json(view))
}

async fn update_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<EventFields>,
) -> AppResult<web::Json<Event>> {
    let fields = body.into_inner();
    let config = state.config.clone();
    let view = state
        .db(move |conn| service::update_event(conn, &caller, &config, &path, fields))
        .await?;
    Ok(web::Json(view))
}

async fn delete_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    state
        .db(move |conn| service::delete_event(conn, &caller, &path))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn retract_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<service::Retraction>,
) -> AppResult<web::Json<Event>> {
    let retraction = body.into_inner();
    let config = state.config.clone();
    let view = state
        .db(move |conn| service::retract_event(conn, &caller, &config, &path, retraction))
        .await?;
    Ok(web::Json(view))
}
