//! `/api/v1/facilities` and their certifications. Producers manage their own
//! enterprise's facilities; regulators read those of their province.

use actix_web::{web, HttpResponse};

use crate::audit::{self, Actor};
use crate::auth::{Caller, Role, Scope};
use crate::db::DbConnection;
use crate::domain::id::Id;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::certification::{self, Certification, CertificationFields, CertificationFilter};
use crate::models::enterprise;
use crate::models::facility::{self, Facility, FacilityFields, FacilityFilter};
use crate::models::page::{List, Page};
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

/// The facility if the caller can see it (else 404) and may change it (else 403).
pub fn editable_facility(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<Facility> {
    let row = facility::find(conn, &caller.scope(), id)?
        .ok_or_else(|| AppError::not_found("facility"))?;
    if !caller.may_edit_enterprise(&row.enterprise_id) {
        return Err(AppError::Forbidden(
            "only the facility's enterprise changes its records".into(),
        ));
    }
    Ok(row)
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

pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<FacilityFields>,
) -> AppResult<HttpResponse> {
    let mut fields = body.into_inner();
    let enterprise_id =
        owning_enterprise(&caller, fields.enterprise_id.take().map(Id::into_string))?;
    let row = fields.create(
        crate::domain::id::new_id(),
        enterprise_id,
        crate::time::now(),
    )?;
    let actor = Actor::from(&caller);
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                if enterprise::find(conn, &Scope::All, &row.enterprise_id)?.is_none() {
                    return Err(AppError::invalid("enterprise_id", "no such enterprise"));
                }
                facility::insert(conn, &row)?;
                audit::created(conn, &actor, "facility", &row.id, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(super::created(
        format!("/api/v1/facilities/{}", row.id),
        &row,
    ))
}

/// The enterprise a new facility or product belongs to: a producer's own
/// (naming another is refused), or the one an admin names.
pub fn owning_enterprise(caller: &Caller, named: Option<String>) -> AppResult<String> {
    match (&caller.role, named) {
        (Role::Producer { enterprise_id }, None) => Ok(enterprise_id.clone()),
        (Role::Producer { enterprise_id }, Some(n)) if &n == enterprise_id => Ok(n),
        (Role::Producer { .. }, Some(_)) => Err(AppError::invalid(
            "enterprise_id",
            "a producer registers records for its own enterprise only",
        )),
        (Role::Admin, Some(n)) => Ok(n),
        (Role::Admin, None) => Err(AppError::invalid("enterprise_id", "is required")),
        (Role::Regulator { .. }, _) => Err(AppError::Forbidden(
            "regulators do not write a producer's registry".into(),
        )),
    }
}

pub async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<FacilityFields>,
) -> AppResult<web::Json<Facility>> {
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let before = editable_facility(conn, &caller, &path)?;
                let after = fields.update(before.clone(), crate::time::now())?;
                facility::save(conn, &after)?;
                audit::updated(conn, &actor, "facility", &after.id, &before, &after)?;
                Ok(after)
            })
        })
        .await?;
    Ok(web::Json(row))
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
                let row = editable_facility(conn, &caller, &path)?;
                facility::delete(conn, &row.id).map_err(|e| {
                    super::still_referenced(
                        e,
                        "the facility still has certifications, batches, events or inspections",
                    )
                })?;
                audit::deleted(conn, &actor, "facility", &row.id, &row)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let owner = editable_facility(conn, &caller, &path)?;
                let row =
                    fields.create(crate::domain::id::new_id(), owner.id, crate::time::now())?;
                certification::insert(conn, &row)?;
                audit::created(conn, &actor, "certification", &row.id, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(super::created(
        format!("/api/v1/certifications/{}", row.id),
        &row,
    ))
}

/// The certification if its facility is within the caller's reach.
fn visible_certification(
    conn: &mut DbConnection,
    scope: &Scope,
    id: &str,
) -> AppResult<Certification> {
    let row = certification::find(conn, id)?.ok_or_else(|| AppError::not_found("certification"))?;
    facility::find(conn, scope, &row.facility_id)?
        .ok_or_else(|| AppError::not_found("certification"))?;
    Ok(row)
}

async fn get_certification(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Certification>> {
    let scope = caller.scope();
    let row = state
        .db(move |conn| visible_certification(conn, &scope, &path))
        .await?;
    Ok(web::Json(row))
}

async fn update_certification(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<CertificationFields>,
) -> AppResult<web::Json<Certification>> {
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let before = visible_certification(conn, &caller.scope(), &path)?;
                editable_facility(conn, &caller, &before.facility_id)?;
                let after = fields.update(before.clone(), crate::time::now())?;
                certification::save(conn, &after)?;
                audit::updated(conn, &actor, "certification", &after.id, &before, &after)?;
                Ok(after)
            })
        })
        .await?;
    Ok(web::Json(row))
}

async fn delete_certification(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let actor = Actor::from(&caller);
    state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let row = visible_certification(conn, &caller.scope(), &path)?;
                editable_facility(conn, &caller, &row.facility_id)?;
                certification::delete(conn, &row.id)?;
                audit::deleted(conn, &actor, "certification", &row.id, &row)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
