//! The JSON API under `/api/v1`: one route table, thin handlers. Each handler
//! takes a `Caller` (401 without one), runs its diesel work on the blocking
//! pool through `AppState::db`, and answers errors through `AppError`.

mod audit;
mod auth;
pub mod batches;
pub mod chain;
mod circular02;
pub mod enterprises;
pub mod epcis;
pub mod export;
pub mod export_codes;
pub mod facilities;
mod labels;
mod monitoring;
mod nfc;
pub mod openapi;
pub mod oversight;
pub mod products;
mod reports;
pub mod stamps;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Login, password reset and the API's description are the API routes open
    // to anonymous callers.
    cfg.route("/api/v1/auth/login", web::post().to(auth::login))
        .route("/api/v1/auth/reset", web::post().to(auth::use_reset))
        .route("/api/v1/openapi.json", web::get().to(openapi::document))
        .service(
            web::scope("/api/v1")
                .wrap(actix_web::middleware::from_fn(crate::auth::authenticate))
                .configure(auth::routes)
                .configure(audit::routes)
                .configure(enterprises::routes)
                .configure(facilities::routes)
                .configure(products::routes)
                .configure(batches::routes)
                .configure(circular02::routes)
                .configure(export_codes::routes)
                .configure(chain::routes)
                .configure(stamps::routes)
                .configure(nfc::routes)
                .configure(oversight::routes)
                .configure(monitoring::routes)
                .configure(reports::routes)
                .default_service(web::to(|| async {
                    Err::<HttpResponse, _>(crate::error::AppError::NotFound(
                        "no such API route".into(),
                    ))
                })),
        );
}

/// 201 with `Location` pointing at the new resource.
pub fn created<T: Serialize>(location: String, body: &T) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body)
}

/// A delete refused by a foreign key becomes a 409 saying what still depends.
pub fn still_referenced(err: diesel::result::Error, what: &str) -> crate::error::AppError {
    match crate::error::AppError::from(err) {
        crate::error::AppError::Conflict(_) => {
            crate::error::AppError::Conflict(format!("{what}; remove those first"))
        }
        other => other,
    }
}
