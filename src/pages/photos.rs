//! Photos on pages (issue 19): reading a form that carries photos taken
//! with the phone's camera (`multipart/form-data`), and serving a kept
//! photo at its stable URL, `/photos/{id}`. A photo never changes, so it is
//! cached for a year (`immutable`) with its hash as ETag; an event's photo
//! may be kept by shared caches, an answer's only by the reader's browser.
//! Cleaning and keeping them is `service::photos`'.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashMap;

use super::session::PageUser;
use super::{path_id, PageResult};
use crate::domain::photo::{PhotoError, MAX_UPLOAD_BYTES};
use crate::error::AppError;
use crate::service::photos::{self, MAX_PHOTOS};
use crate::AppState;

/// The largest text field read, in bytes.
const MAX_TEXT_FIELD: usize = 16 * 1024;
/// The most text fields read from one form.
const MAX_FIELDS: usize = 200;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/photos/{id}", web::get().to(serve));
}

/// A posted form with photos: its text fields and the files of its `photo`
/// inputs (empty ones included; `service::photos::clean` skips them). Past
/// a cap the reading stops with a refusal in both languages.
pub async fn read_form(
    mut body: Multipart,
) -> Result<(HashMap<String, String>, Vec<Vec<u8>>), AppError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        AppError::BadRequest(format!("biểu mẫu không đọc được / unreadable form: {e}"))
    };
    let mut values = HashMap::new();
    let mut files = Vec::new();
    let mut fields = 0;
    while let Some(field) = body.try_next().await.map_err(|e| unreadable(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_photo = name == "photo";
        if is_photo && files.len() >= MAX_PHOTOS * 2 {
            return Err(photos::clean(vec![vec![1]; MAX_PHOTOS + 1])
                .err()
                .unwrap_or_else(|| AppError::BadRequest("too many photos".into())));
        }
        fields += 1;
        if fields > MAX_FIELDS + MAX_PHOTOS * 2 {
            return Err(AppError::PayloadTooLarge("too many form fields".into()));
        }
        let cap = if is_photo {
            MAX_UPLOAD_BYTES
        } else {
            MAX_TEXT_FIELD
        };
        let mut bytes = Vec::new();
        let mut chunks = field;
        while let Some(chunk) = chunks.next().await {
            let chunk = chunk.map_err(|e| unreadable(&e))?;
            if bytes.len() + chunk.len() > cap {
                return Err(if is_photo {
                    crate::service::reports::photo_refusal(PhotoError::TooLarge)
                } else {
                    AppError::PayloadTooLarge(format!("the field {name} is too long"))
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_photo {
            files.push(bytes);
        } else {
            values.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Ok((values, files))
}

/// Cleans uploaded photos off the async workers (decoding is slow).
pub async fn cleaned(files: Vec<Vec<u8>>) -> Result<Vec<photos::CleanPhoto>, AppError> {
    web::block(move || photos::clean(files))
        .await
        .map_err(|e| AppError::Internal(format!("photo check stopped: {e}")))?
}

/// `GET /photos/{id}`: the kept JPEG, if the reader may see it.
async fn serve(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: Option<PageUser>,
    path: web::Path<String>,
) -> PageResult {
    let id = path_id(&path)?;
    let caller = user.map(|u| u.caller);
    let row = state
        .db(move |conn| photos::readable(conn, caller.as_ref(), &id))
        .await?;
    let etag = format!("\"{}\"", row.etag);
    let cache = if photos::is_public(&row) {
        "public, max-age=31536000, immutable"
    } else {
        "private, max-age=31536000, immutable"
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut answer = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"));
    if matches {
        return Ok(answer.finish());
    }
    Ok(answer
        .insert_header((header::CONTENT_TYPE, row.content_type))
        .body(row.bytes))
}

/// A posted form that may carry photos: `multipart/form-data` from a form
/// with a photo input, or a plain urlencoded one (older pages, scripts),
/// read with the pages' usual limit.
pub async fn read_any(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(HashMap<String, String>, Vec<Vec<u8>>), AppError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    if multipart {
        return read_form(Multipart::new(req.headers(), payload)).await;
    }
    use actix_web::FromRequest;
    let mut inner = payload.into_inner();
    let form = web::Form::<HashMap<String, String>>::from_request(req, &mut inner)
        .await
        .map_err(|e| AppError::BadRequest(format!("unreadable form: {e}")))?;
    Ok((form.into_inner(), Vec::new()))
}
