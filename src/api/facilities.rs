//! `/api/v1/facilities` and their certifications. Producers manage their own
//! enterprise's facilities; regulators read those of their province and
//! move a facility to another province (`relocate`). The rules are
//! `service::facilities`'.

use actix_web::{web, HttpResponse};

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::certification::{self, Certification, CertificationFields, CertificationFilter};
use crate::models::facility::{self, Facility, FacilityFields, FacilityFilter};
use crate::models::facility_move::FacilityMove;
use crate::models::page::{List, Page};
use crate::service::facilities::{self as service, Relocation};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/facilities")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/facilities/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .route("/facilities/{id}/relocate", web::post().to(relocate))
    .route("/facility-moves", web::get().to(moves))
    .service(
        web::resource("/facilities/{id}/certifications")
            .route(web::get().to(list_certifications))
            .route(web::post().to(create_certification)),
    )
    .service(
        web::resource("/certifications/{id}")
            .route(web::get().to(get_certification))
            .route(web::patch().to(update_certification))
            .route(web::delete().to(delete_certification)),
    );
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<FacilityFilter>,
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
        .db(move |conn| Ok(facility::list(conn, &scope, &filter, page)?))
        .await?;
    Ok(super::export::list_response(csv, "facilities.csv", list))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Facility>> {
    let scope = caller.scope();
    state
        .db(move |conn| Ok(facility::find(conn, &scope, &path)?))
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("facility"))
}

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<FacilityFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let units = state.admin_units.clone();
    let row = state
        .db(move |conn| service::create(conn, &caller, &units, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/facilities/{}", row.id),
        &row,
    ))
}

async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<FacilityFields>,
) -> AppResult<web::Json<Facility>> {
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

#[derive(serde::Serialize)]
struct Relocated {
    facility: Facility,
    #[serde(rename = "move")]
    moved: FacilityMove,
}

async fn relocate(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<Relocation>,
) -> AppResult<web::Json<Relocated>> {
    let to = body.into_inner();
    let units = state.admin_units.clone();
    let (facility, moved) = state
        .db(move |conn| service::relocate(conn, &caller, &units, &path, to))
        .await?;
    Ok(web::Json(Relocated { facility, moved }))
}

async fn moves(
    caller: Caller,
    state: web::Data<AppState>,
) -> AppResult<web::Json<serde_json::Value>> {
    let items = state.db(move |conn| service::moves(conn, &caller)).await?;
    Ok(web::Json(serde_json::json!({ "items": items })))
}

async fn list_certifications(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<CertificationFilter>,
) -> AppResult<web::Json<List<Certification>>> {
    let filter = query.into_inner();
    let page = Page::new(filter.page, filter.per_page)?;
    let valid_on = v::optional_date_text("valid_on", filter.valid_on.as_deref())?;
    let scope = caller.scope();
    let list = state
        .db(move |conn| {
            facility::find(conn, &scope, &path)?.ok_or_else(|| AppError::not_found("facility"))?;
            Ok(certification::list_for_facility(
                conn, &path, valid_on, page,
            )?)
        })
        .await?;
    Ok(web::Json(list))
}

async fn create_certification(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<CertificationFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let row = state
        .db(move |conn| service::create_certification(conn, &caller, &path, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/certifications/{}", row.id),
        &row,
    ))
}

async fn get_certification(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Certification>> {
    let scope = caller.scope();
    let row = state
        .db(move |conn| service::visible_certification(conn, &scope, &path))
        .await?;
    Ok(web::Json(row))
}

async fn update_certification(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<CertificationFields>,
) -> AppResult<web::Json<Certification>> {
    let fields = body.into_inner();
    let row = state
        .db(move |conn| service::update_certification(conn, &caller, &path, fields))
        .await?;
    Ok(web::Json(row))
}

async fn delete_certification(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    state
        .db(move |conn| service::delete_certification(conn, &caller, &path))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
