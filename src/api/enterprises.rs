//! `/api/v1/enterprises`: admins create and edit; members read their own,
//! regulators those of their province; producers set their own public
//! contact (`PUT /enterprises/{id}/contact`).

use actix_web::{web, HttpResponse};

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::models::enterprise::{
    self, ContactFields, Enterprise, EnterpriseFields, EnterpriseFilter,
};
use crate::models::page::Page;
use crate::service::enterprises as service;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/enterprises")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/enterprises/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(web::resource("/enterprises/{id}/contact").route(web::put().to(set_contact)));
}

async fn set_contact(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<ContactFields>,
) -> AppResult<web::Json<Enterprise>> {
    let fields = body.into_inner();
    let row = state
        .db(move |conn| service::set_contact(conn, &caller, &path, fields))
        .await?;
    Ok(web::Json(row))
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<EnterpriseFilter>,
) -> AppResult<HttpResponse> {
    let filter = query.into_inner();
    filter.check()?;
    let csv = super::export::wants_csv(filter.format.as_deref())?;
    let page = if csv {
        Page::export()
    } else {
        Page::new(filter.page, filter.per_page)?
    };
    let scope = caller.scope();
    let list = state
        .db(move |conn| Ok(enterprise::list(conn, &scope, &filter, page)?))
        .await?;
    Ok(super::export::list_response(csv, "enterprises.csv", list))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Enterprise>> {
    let scope = caller.scope();
    let found = state
        .db(move |conn| Ok(enterprise::find(conn, &scope, &path)?))
        .await?;
    found
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("enterprise"))
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<EnterpriseFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let units = state.admin_units.clone();
    let row = state
        .db(move |conn| service::create(conn, &caller, &units, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/enterprises/{}", row.id),
        &row,
    ))
}

async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<EnterpriseFields>,
) -> AppResult<web::Json<Enterprise>> {
    let fields = body.into_inner();
    let units = state.admin_units.clone();
    let row = state
        .db(move |conn| service::update(conn, &caller, &units, &path, fields))
        .await?;
    Ok(web::Json(row))
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
