//! `/api/v1/enterprises`: admins create and edit; members read their own,
//! regulators those of their province.

use actix_web::{web, HttpResponse};

use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::models::enterprise::{self, Enterprise, EnterpriseFields, EnterpriseFilter};
use crate::models::page::Page;
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
    );
}

fn admin_only(caller: &Caller) -> AppResult<()> {
    match caller.is_admin() {
        true => Ok(()),
        false => Err(AppError::Forbidden(
            "only an admin creates, edits or deletes enterprises".into(),
        )),
    }
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

pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<EnterpriseFields>,
) -> AppResult<HttpResponse> {
    admin_only(&caller)?;
    let row = body
        .into_inner()
        .create(super::new_id(), crate::time::now())?;
    let actor = Actor::from(&caller);
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                enterprise::insert(conn, &row).map_err(|e| conflict_on_tax_code(e.into()))?;
                audit::created(conn, &actor, "enterprise", &row.id, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(super::created(
        format!("/api/v1/enterprises/{}", row.id),
        &row,
    ))
}

fn conflict_on_tax_code(err: AppError) -> AppError {
    match err {
        AppError::Conflict(_) => {
            AppError::Conflict("an enterprise with this tax code is already registered".into())
        }
        other => other,
    }
}

async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<EnterpriseFields>,
) -> AppResult<web::Json<Enterprise>> {
    let scope = caller.scope();
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let before = enterprise::find(conn, &scope, &path)?
                    .ok_or_else(|| AppError::not_found("enterprise"))?;
                admin_only(&caller)?;
                let after = fields.update(before.clone(), crate::time::now())?;
                enterprise::save(conn, &after).map_err(|e| conflict_on_tax_code(e.into()))?;
                audit::updated(conn, &actor, "enterprise", &after.id, &before, &after)?;
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
    let scope = caller.scope();
    let actor = Actor::from(&caller);
    state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let row = enterprise::find(conn, &scope, &path)?
                    .ok_or_else(|| AppError::not_found("enterprise"))?;
                admin_only(&caller)?;
                enterprise::delete(conn, &row.id).map_err(|e| {
                    super::still_referenced(
                        e,
                        "the enterprise still has facilities, products or accounts",
                    )
                })?;
                audit::deleted(conn, &actor, "enterprise", &row.id, &row)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
