//! Stamp rolls: issue N stamps for a batch (one row), stream their serials,
//! void some or all. Only the batch's enterprise (or an admin) does any of it.

use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::domain::id::Id;
use crate::domain::pin::PinKey;
use crate::domain::serial::{group, SerialCodec};
use crate::error::{AppError, AppResult};
use crate::models::stamp_roll::{self, StampRoll};
use crate::models::stamp_target::{target_of, StampTarget};
use crate::service::stamps::{self as service, IssueRequest, VoidAnswer, VoidRequest};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/batches/{id}/stamp-rolls")
            .route(web::get().to(list))
            .route(web::post().to(issue)),
    )
    .route("/stamp-rolls/{id}", web::get().to(get))
    .route("/stamp-rolls/{id}/serials", web::get().to(serials))
    .route("/stamp-rolls/{id}/pins", web::get().to(pins))
    .route("/stamp-rolls/{id}/void", web::post().to(void))
    .route(
        "/stamp-rolls/{id}/labels.pdf",
        web::get().to(super::labels::sheet),
    );
}

/// A roll as the API shows it.
#[derive(Debug, Serialize)]
pub struct RollView {
    #[serde(flatten)]
    pub roll: StampRoll,
    pub first_serial: String,
    pub first_serial_grouped: String,
    pub first_url: String,
}

fn view(codec: &SerialCodec, roll: StampRoll, target: &StampTarget) -> AppResult<RollView> {
    let first = codec
        .encode(roll.number as u32, 0)
        .map_err(|e| AppError::Internal(format!("serial: {e}")))?;
    Ok(RollView {
        first_url: target.url(&first),
        first_serial_grouped: group(&first),
        first_serial: first,
        roll,
    })
}

async fn issue(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<IssueRequest>,
) -> AppResult<HttpResponse> {
    let request = body.into_inner();
    let codec = state.codec.clone();
    let base = state.config.base_url().to_owned();
    let config = state.config.clone();
    let view = state
        .db(move |conn| {
            let (roll, batch) = service::issue(conn, &caller, &config, &codec, &path, request)?;
            let target = target_of(conn, &base, &batch)?;
            view(&codec, roll, &target)
        })
        .await?;
    Ok(super::created(
        format!("/api/v1/stamp-rolls/{}", view.roll.id),
        &view,
    ))
}

async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<Vec<RollView>>> {
    let codec = state.codec.clone();
    let base = state.config.base_url().to_owned();
    let views = state
        .db(move |conn| {
            let batch = service::managed_batch(conn, &caller, &path)?;
            let target = target_of(conn, &base, &batch)?;
            stamp_roll::for_batch(conn, &batch.id)?
                .into_iter()
                .map(|roll| view(&codec, roll, &target))
                .collect::<AppResult<Vec<_>>>()
        })
        .await?;
    Ok(web::Json(views))
}

async fn get(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<web::Json<RollView>> {
    let codec = state.codec.clone();
    let base = state.config.base_url().to_owned();
    let view = state
        .db(move |conn| {
            let (roll, batch) = service::managed_roll(conn, &caller, &path)?;
            let target = target_of(conn, &base, &batch)?;
            view(&codec, roll, &target)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SerialsQuery {
    format: Option<String>,
    from: Option<i64>,
    count: Option<i64>,
}

/// Serials written per streamed chunk: large enough to amortise the
/// per-chunk cost, small enough to start sending at once.
const CHUNK: u32 = 4096;

async fn serials(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<SerialsQuery>,
) -> AppResult<HttpResponse> {
    let json = match query.format.as_deref() {
        None | Some("csv") => false,
        Some("json") => true,
        Some(other) => {
            return Err(AppError::invalid(
                "format",
                format!("{other:?} is not csv or json"),
            ))
        }
    };
    let base = state.config.base_url().to_owned();
    let (roll, target) = state
        .db(move |conn| {
            let (roll, batch) = service::managed_roll(conn, &caller, &path)?;
            let target = target_of(conn, &base, &batch)?;
            Ok((roll, target))
        })
        .await?;
    let (from, count) = stamp_range(roll.count, query.from, query.count, roll.count)?;
    let codec = state.codec.clone();
    let (number, from, end) = (roll.number as u32, from as u32, (from + count) as u32);
    let chunks = (from..end).step_by(CHUNK as usize).map(move |start| {
        let stop = (start + CHUNK).min(end);
        let mut out = String::with_capacity((stop - start) as usize * 96);
        if start == from {
            out.push_str(if json { "[" } else { "serial,url\n" });
        }
        for (i, serial) in codec
            .encode_range(number, start, stop - start)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let url = target.url(&serial);
            if json {
                if start != from || i != 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::json!({"serial": serial, "url": url}).to_string());
            } else {
                out.push_str(&serial);
                out.push(',');
                out.push_str(&url);
                out.push('\n');
            }
        }
        if stop == end && json {
            out.push(']');
        }
        Ok::<_, actix_web::Error>(Bytes::from(out))
    });
    let (content_type, extension) = if json {
        ("application/json", "json")
    } else {
        ("text/csv; charset=utf-8", "csv")
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(crate::headers::attachment(&format!(
            "stamps-{}.{extension}",
            roll.id
        )))
        .streaming(futures_util::stream::iter(chunks)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PinsQuery {
    from: Option<i64>,
    count: Option<i64>,
}

/// The roll's scratch-off PINs (`serial,pin` CSV), for the print shop that
/// prints and covers them. Kept apart from the serial CSV, which any
/// printer of QR labels gets: whoever holds this file can claim the stamps.
async fn pins(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<PinsQuery>,
) -> AppResult<HttpResponse> {
    let roll = state
        .db(move |conn| Ok(service::managed_roll(conn, &caller, &path)?.0))
        .await?;
    let (from, count) = stamp_range(roll.count, query.from, query.count, roll.count)?;
    let codec = state.codec.clone();
    let key = PinKey::new(&codec, codec.current_key_id())
        .map_err(|e| AppError::Internal(format!("PIN key: {e}")))?;
    let (number, from, end) = (roll.number as u32, from as u32, (from + count) as u32);
    let chunks = (from..end).step_by(CHUNK as usize).map(move |start| {
        let stop = (start + CHUNK).min(end);
        let mut out = String::with_capacity((stop - start) as usize * 32);
        if start == from {
            out.push_str("serial,pin\n");
        }
        for (index, serial) in (start..stop).zip(
            codec
                .encode_range(number, start, stop - start)
                .into_iter()
                .flatten(),
        ) {
            out.push_str(&serial);
            out.push(',');
            out.push_str(&key.pin(number, index));
            out.push('\n');
        }
        Ok::<_, actix_web::Error>(Bytes::from(out))
    });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .insert_header(crate::headers::attachment(&format!("pins-{}.csv", roll.id)))
        .streaming(futures_util::stream::iter(chunks)))
}

/// Checks `from`/`count` against a roll of `roll_count` stamps, at most
/// `max` at once; the defaults run from the first stamp to that limit.
pub fn stamp_range(
    roll_count: i64,
    from: Option<i64>,
    count: Option<i64>,
    max: i64,
) -> AppResult<(i64, i64)> {
    let from = from.unwrap_or(0);
    if !(0..roll_count).contains(&from) {
        return Err(AppError::invalid(
            "from",
            format!("must be between 0 and {}", roll_count - 1),
        ));
    }
    let most = (roll_count - from).min(max);
    let count = count.unwrap_or(most);
    if !(1..=most).contains(&count) {
        return Err(AppError::invalid(
            "count",
            format!("must be between 1 and {most}"),
        ));
    }
    Ok((from, count))
}

async fn void(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<VoidRequest>,
) -> AppResult<web::Json<VoidAnswer>> {
    let request = body.into_inner();
    let codec = state.codec.clone();
    let answer = state
        .db(move |conn| service::void(conn, &caller, &codec, &path, request))
        .await?;
    Ok(web::Json(answer))
}
