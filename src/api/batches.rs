//! `/api/v1/batches` and their events. A batch joins a product and a facility
//! of the same enterprise; only that enterprise records what happened to it.

use actix_web::{web, HttpResponse};

use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::domain::id::Id;
use crate::domain::kinds::EventKind;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::batch::{self, Batch, BatchFields, BatchFilter, BatchView};
use crate::models::event::{self, Event, EventFields, EventFilter};
use crate::models::facility;
use crate::models::page::{List, Page};
use crate::models::product;
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
    );
}

/// The batch if the caller can see it (else 404) and may change it (else 403).
fn editable_batch(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Batch> {
    let row =
        batch::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("batch"))?;
    super::products::editable_product(conn, caller, &row.product_id).map_err(|e| match e {
        AppError::NotFound(_) => {
            AppError::Forbidden("only the batch's enterprise changes it".into())
        }
        other => other,
    })?;
    Ok(row)
}

/// A facility of `enterprise_id` that the caller may use in a record, or a
/// 422 on `field` (the same answer whether it is missing or someone else's).
fn usable_facility(
    conn: &mut DbConnection,
    caller: &Caller,
    field: &str,
    id: &str,
    enterprise_id: &str,
) -> AppResult<()> {
    match facility::find(conn, &caller.scope(), id)? {
        Some(f) if f.enterprise_id == enterprise_id => Ok(()),
        Some(_) => Err(AppError::invalid(field, "belongs to another enterprise")),
        None => Err(AppError::invalid(field, "no such facility")),
    }
}

fn conflict_on_lot(err: diesel::result::Error) -> AppError {
    match AppError::from(err) {
        AppError::Conflict(_) => {
            AppError::Conflict("this product already has a batch with this lot code".into())
        }
        other => other,
    }
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

pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<BatchFields>,
) -> AppResult<HttpResponse> {
    let row = body
        .into_inner()
        .create(crate::domain::id::new_id(), crate::time::now())?;
    let actor = Actor::from(&caller);
    let view = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let owner = match super::products::editable_product(conn, &caller, &row.product_id)
                {
                    Ok(p) => p,
                    Err(AppError::NotFound(_)) => {
                        return Err(AppError::invalid("product_id", "no such product"))
                    }
                    Err(e) => return Err(e),
                };
                usable_facility(
                    conn,
                    &caller,
                    "facility_id",
                    &row.facility_id,
                    &owner.enterprise_id,
                )?;
                batch::insert(conn, &row).map_err(conflict_on_lot)?;
                audit::created(conn, &actor, "batch", &row.id, &row)?;
                Ok(batch::view(conn, row)?)
            })
        })
        .await?;
    Ok(super::created(
        format!("/api/v1/batches/{}", view.batch.id),
        &view,
    ))
}

pub async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<BatchFields>,
) -> AppResult<web::Json<BatchView>> {
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let view = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let before = editable_batch(conn, &caller, &path)?;
                let after = fields.update(before.clone(), crate::time::now())?;
                batch::save(conn, &after).map_err(conflict_on_lot)?;
                audit::updated(conn, &actor, "batch", &after.id, &before, &after)?;
                Ok(batch::view(conn, after)?)
            })
        })
        .await?;
    Ok(web::Json(view))
}

async fn delete(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let actor = Actor::from(&caller);
    state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let row = editable_batch(conn, &caller, &path)?;
                batch::delete(conn, &row.id).map_err(|e| {
                    super::still_referenced(
                        e,
                        "the batch still has events or stamp rolls, or is an input of another batch",
                    )
                })?;
                audit::deleted(conn, &actor, "batch", &row.id, &row)
            })
        })
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

pub async fn create_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<EventFields>,
) -> AppResult<HttpResponse> {
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let base = state.config.base_url().to_owned();
    let view = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let target = editable_batch(conn, &caller, &path)?;
                let new = fields.create(
                    crate::domain::id::new_id(),
                    target.id.clone(),
                    Some(caller.username.clone()),
                    crate::time::now(),
                )?;
                let owner = product::find(conn, &caller.scope(), &target.product_id)?
                    .ok_or_else(|| AppError::not_found("product"))?;
                usable_facility(
                    conn,
                    &caller,
                    "facility_id",
                    &new.row.facility_id,
                    &owner.enterprise_id,
                )?;
                for input in &new.inputs {
                    if batch::find(conn, &caller.scope(), &input.batch_id)?.is_none() {
                        return Err(AppError::invalid(
                            "inputs",
                            format!("no such batch {:?}", input.batch_id),
                        ));
                    }
                }
                event::insert(conn, &new)?;
                crate::epcis::mapping::mirror(conn, &base, &new.row.id)?;
                let view = event::view(conn, new.row)?;
                audit::created(conn, &actor, "event", &view.id, &view)?;
                Ok(view)
            })
        })
        .await?;
    Ok(super::created(format!("/api/v1/events/{}", view.id), &view))
}

/// The event if its batch is within reach; `editable` also requires the
/// right to change it.
fn reachable_event(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    editable: bool,
) -> AppResult<event::EventRow> {
    let row = event::find(conn, id)?.ok_or_else(|| AppError::not_found("event"))?;
    batch::find(conn, &caller.scope(), &row.batch_id)?
        .ok_or_else(|| AppError::not_found("event"))?;
    if editable {
        editable_batch(conn, caller, &row.batch_id)?;
    }
    Ok(row)
}

async fn get_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Event>> {
    let view = state
        .db(move |conn| {
            let row = reachable_event(conn, &caller, &path, false)?;
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
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let base = state.config.base_url().to_owned();
    let view = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let row = reachable_event(conn, &caller, &path, true)?;
                let before = event::view(conn, row.clone())?;
                let after = fields.update(row, crate::time::now())?;
                if after.facility_id != before.facility_id {
                    let target = batch::find(conn, &caller.scope(), &after.batch_id)?
                        .ok_or_else(|| AppError::not_found("batch"))?;
                    let owner = product::find(conn, &caller.scope(), &target.product_id)?
                        .ok_or_else(|| AppError::not_found("product"))?;
                    usable_facility(
                        conn,
                        &caller,
                        "facility_id",
                        &after.facility_id,
                        &owner.enterprise_id,
                    )?;
                }
                event::save(conn, &after)?;
                crate::epcis::mapping::mirror(conn, &base, &after.id)?;
                let view = event::view(conn, after)?;
                audit::updated(conn, &actor, "event", &view.id, &before, &view)?;
                Ok(view)
            })
        })
        .await?;
    Ok(web::Json(view))
}

async fn delete_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let actor = Actor::from(&caller);
    state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let row = reachable_event(conn, &caller, &path, true)?;
                let before = event::view(conn, row)?;
                event::delete(conn, &before.id)?;
                audit::deleted(conn, &actor, "event", &before.id, &before)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
