//! QR images of single stamps, for screens and small print runs. The serial
//! is checked before any database read, like every public lookup.

use actix_web::{http::header, web, HttpResponse};
use serde::Deserialize;

use crate::error::{AppError, AppResult};
use crate::labels::qr::{qr_png, qr_svg, MAX_PNG_SIZE, MIN_PNG_SIZE};
use crate::models::stamp_target::target_of;
use crate::models::{batch, stamp_roll};
use crate::AppState;

/// The QR payload of an issued stamp, or 404.
async fn payload(state: &AppState, serial: &str) -> AppResult<String> {
    let serial = serial.to_ascii_uppercase();
    let stamp = state
        .codec
        .decode(&serial)
        .map_err(|e| AppError::NotFound(format!("no such stamp: {e}")))?;
    let base = state.config.base_url().to_owned();
    state
        .db(move |conn| {
            let roll = stamp_roll::by_number(conn, i64::from(stamp.roll))?
                .filter(|r| i64::from(stamp.index) < r.count && r.key_id == i32::from(stamp.key_id))
                .ok_or_else(|| AppError::NotFound("this stamp code was never issued".into()))?;
            let batch = batch::find(conn, &crate::domain::access::Scope::All, &roll.batch_id)?
                .ok_or_else(|| AppError::not_found("batch"))?;
            Ok(target_of(conn, &base, &batch)?.qr_payload(&serial))
        })
        .await
}

/// Long-lived: a stamp's QR never changes.
const CACHE: &str = "public, max-age=86400, immutable";

pub async fn svg(state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let data = payload(&state, &path).await?;
    let svg = web::block(move || qr_svg(&data))
        .await?
        .map_err(|e| AppError::Internal(format!("QR: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, CACHE))
        .body(svg))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PngQuery {
    size: Option<u32>,
}

pub async fn png(
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<PngQuery>,
) -> AppResult<HttpResponse> {
    let size = query.size.unwrap_or(512);
    if !(MIN_PNG_SIZE..=MAX_PNG_SIZE).contains(&size) {
        return Err(AppError::invalid(
            "size",
            format!("must be between {MIN_PNG_SIZE} and {MAX_PNG_SIZE} pixels"),
        ));
    }
    let data = payload(&state, &path).await?;
    let png = web::block(move || qr_png(&data, size))
        .await?
        .map_err(|e| AppError::invalid("size", e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("image/png")
        .insert_header((header::CACHE_CONTROL, CACHE))
        .body(png))
}
