//! `/api/v1/products`: producers manage their enterprise's products.

use actix_web::{web, HttpResponse};

use crate::audit::{self, Actor};
use crate::auth::{Caller, Scope};
use crate::db::DbConnection;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::models::enterprise;
use crate::models::page::Page;
use crate::models::product::{self, Product, ProductFields, ProductFilter};
use crate::models::product_link::{self, ProductLink, ProductLinkFields};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/products")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        web::resource("/products/{id}")
            .route(web::get().to(get))
            .route(web::patch().to(update))
            .route(web::delete().to(delete)),
    )
    .service(
        web::resource("/products/{id}/links")
            .route(web::get().to(list_links))
            .route(web::post().to(create_link)),
    );
}

async fn list_links(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Vec<ProductLink>>> {
    let scope = caller.scope();
    let links = state
        .db(move |conn| {
            product::find(conn, &scope, &path)?.ok_or_else(|| AppError::not_found("product"))?;
            Ok(product_link::for_product(conn, &path)?)
        })
        .await?;
    Ok(web::Json(links))
}

async fn create_link(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<ProductLinkFields>,
) -> AppResult<HttpResponse> {
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let owner = editable_product(conn, &caller, &path)?;
                let row =
                    fields.create(crate::domain::id::new_id(), owner.id, crate::time::now())?;
                product_link::insert(conn, &row).map_err(|e| match AppError::from(e) {
                    AppError::Conflict(_) => {
                        AppError::Conflict("the product already has a link of this type".into())
                    }
                    other => other,
                })?;
                audit::created(conn, &actor, "product_link", &row.id, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(super::created(
        format!("/api/v1/products/{}/links", row.product_id),
        &row,
    ))
}

/// The product if the caller can see it (else 404) and may change it (else 403).
pub fn editable_product(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Product> {
    let row =
        product::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("product"))?;
    if !caller.may_edit_enterprise(&row.enterprise_id) {
        return Err(AppError::Forbidden(
            "only the product's enterprise changes it".into(),
        ));
    }
    Ok(row)
}

fn conflict_on_gtin(err: diesel::result::Error) -> AppError {
    match AppError::from(err) {
        AppError::Conflict(_) => AppError::Conflict("another product already has this GTIN".into()),
        other => other,
    }
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<ProductFilter>,
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
        .db(move |conn| Ok(product::list(conn, &scope, &filter, page)?))
        .await?;
    Ok(super::export::list_response(csv, "products.csv", list))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Product>> {
    let scope = caller.scope();
    state
        .db(move |conn| Ok(product::find(conn, &scope, &path)?))
        .await?
        .map(web::Json)
        .ok_or_else(|| AppError::not_found("product"))
}

pub async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<ProductFields>,
) -> AppResult<HttpResponse> {
    let mut fields = body.into_inner();
    let enterprise_id = super::facilities::owning_enterprise(
        &caller,
        fields.enterprise_id.take().map(Id::into_string),
    )?;
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
                product::insert(conn, &row).map_err(conflict_on_gtin)?;
                audit::created(conn, &actor, "product", &row.id, &row)?;
                Ok(row)
            })
        })
        .await?;
    Ok(super::created(format!("/api/v1/products/{}", row.id), &row))
}

pub async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<ProductFields>,
) -> AppResult<web::Json<Product>> {
    let actor = Actor::from(&caller);
    let fields = body.into_inner();
    let row = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let before = editable_product(conn, &caller, &path)?;
                let after = fields.update(before.clone(), crate::time::now())?;
                product::save(conn, &after).map_err(conflict_on_gtin)?;
                audit::updated(conn, &actor, "product", &after.id, &before, &after)?;
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
                let row = editable_product(conn, &caller, &path)?;
                product::delete(conn, &row.id)
                    .map_err(|e| super::still_referenced(e, "the product still has batches"))?;
                audit::deleted(conn, &actor, "product", &row.id, &row)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
