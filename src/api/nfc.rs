//! NFC tags: the binding upload at packing (a CSV of `uid,serial`) and the
//! key file a producer programs a roll's bound tags from.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;

use crate::auth::Caller;
use crate::csv::Csv;
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::service::nfc::{self as service, BindAnswer, MAX_BIND_BYTES};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/nfc-tags", web::post().to(bind))
        .route("/stamp-rolls/{id}/nfc-keys", web::get().to(keys));
}

/// The upload is read whole (it is checked whole), up to its cap.
async fn bind(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> AppResult<web::Json<BindAnswer>> {
    let media = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let csv = media
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"));
    if !csv {
        return Err(AppError::UnsupportedMediaType(
            "send the tags as Content-Type: text/csv, one line per tag: uid,serial".into(),
        ));
    }
    let too_large =
        || AppError::PayloadTooLarge(format!("the file is larger than {MAX_BIND_BYTES} bytes"));
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("unreadable body: {e}")))?;
        if body.len() + chunk.len() > MAX_BIND_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| AppError::BadRequest("the file is not UTF-8 text".into()))?;
    let codec = state.codec.clone();
    let answer = state
        .db(move |conn| service::bind(conn, &caller, &codec, &text))
        .await?;
    Ok(web::Json(answer))
}

/// `uid,serial,url,uri_prefix,picc_data_offset,mac_offset,
/// sdm_meta_read_key,sdm_file_read_key` per bound tag (README "NFC tags").
async fn keys(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let codec = state.codec.clone();
    let base = state.config.base_url().to_owned();
    let id = path.into_inner().to_string();
    let filename = format!("nfc-keys-{id}.csv");
    let programs = state
        .db(move |conn| service::tag_programs(conn, &caller, &codec, &base, &id))
        .await?;
    let mut csv = Csv::new(&[
        "uid",
        "serial",
        "url",
        "uri_prefix",
        "picc_data_offset",
        "mac_offset",
        "sdm_meta_read_key",
        "sdm_file_read_key",
    ]);
    for p in &programs {
        let (prefix, picc, mac) = (
            format!("{:02X}", p.layout.uri_prefix),
            p.layout.picc_data_offset.to_string(),
            p.layout.mac_offset.to_string(),
        );
        csv.row([
            p.uid.as_str(),
            &p.serial,
            &p.url,
            &prefix,
            &picc,
            &mac,
            &p.meta_read_key,
            &p.file_read_key,
        ]);
    }
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(crate::headers::attachment(&filename))
        // Secrets: no cache may keep a copy.
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv.into_string()))
}
