//! `/api/v1/products`: producers manage their enterprise's products.

use actix_web::{web, HttpResponse};

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::models::page::Page;
use crate::models::product::{self, Product, ProductFields, ProductFilter};
use crate::models::product_link::{self, ProductLink, ProductLinkFields};
use crate::service::products as service;
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
    let fields = body.into_inner();
    let config = state.config.clone();
    let row = state
        .db(move |conn| service::create_link(conn, &caller, &config, &path, fields))
        .await?;
    Ok(super::created(
        format!("/api/v1/products/{}/links", row.product_id),
        &row,
    ))
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

async fn create(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<ProductFields>,
) -> AppResult<HttpResponse> {
    let fields = body.into_inner();
    let config = state.config.clone();
    let row = state
        .db(move |conn| service::create(conn, &caller, &config, fields))
        .await?;
    Ok(super::created(format!("/api/v1/products/{}", row.id), &row))
}

async fn update(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<ProductFields>,
) -> AppResult<web::Json<Product>> {
    let fields = body.into_inner();
    let config = state.config.clone();
    let row = state
        .db(move |conn| service::update(conn, &caller, &config, &path, fields))
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
