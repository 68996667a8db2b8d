//! Stamp rolls: issue N stamps for a batch (one row), stream their serials,
//! void some or all. Only the batch's enterprise (or an admin) does any of it.

use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::db::DbConnection;
use crate::domain::id::Id;
use crate::domain::serial::{group, SerialCodec};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::batch::{self, Batch};
use crate::models::product;
use crate::models::stamp_roll::{self, StampRoll, MAX_ROLL};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/batches/{id}/stamp-rolls")
            .route(web::get().to(list))
            .route(web::post().to(issue)),
    )
    .route("/stamp-rolls/{id}", web::get().to(get))
    .route("/stamp-rolls/{id}/serials", web::get().to(serials))
    .route("/stamp-rolls/{id}/void", web::post().to(void))
    .route(
        "/stamp-rolls/{id}/labels.pdf",
        web::get().to(super::labels::sheet),
    );
}

/// Where a roll's stamps point: the GS1 Digital Link when the product has a
/// GTIN, else the short form.
#[derive(Debug, Clone)]
pub struct StampTarget {
    pub base: String,
    pub gtin: Option<String>,
    pub lot: String,
    /// The product's Vietnamese name, printed on labels.
    pub product_name: String,
}

impl StampTarget {
    pub fn url(&self, serial: &str) -> String {
        match &self.gtin {
            Some(gtin) => {
                crate::domain::digital_link::stamp_url(&self.base, gtin, &self.lot, serial)
            }
            None => format!("{}/s/{serial}", self.base),
        }
    }

    /// What the QR code holds. A short-form URL on a base without a path is
    /// written all upper case (`HTTPS://HOST/S/SERIAL`): scheme and host
    /// ignore case and the resolver accepts `/S/`, and the QR can then use
    /// alphanumeric mode, often one version smaller on a 2 cm sticker.
    pub fn qr_payload(&self, serial: &str) -> String {
        let url = self.url(serial);
        let path_free = self
            .base
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.contains('/'));
        if self.gtin.is_none() && path_free {
            url.to_ascii_uppercase()
        } else {
            url
        }
    }
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

/// The roll's batch, if the caller may manage its stamps (else 404/403).
pub fn managed_roll(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<(StampRoll, Batch)> {
    let roll = stamp_roll::find(conn, id)?.ok_or_else(|| AppError::not_found("stamp roll"))?;
    let batch = managed_batch(conn, caller, &roll.batch_id).map_err(|e| match e {
        AppError::NotFound(_) => AppError::not_found("stamp roll"),
        other => other,
    })?;
    Ok((roll, batch))
}

fn managed_batch(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Batch> {
    let b = batch::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("batch"))?;
    super::products::editable_product(conn, caller, &b.product_id).map_err(|e| match e {
        AppError::NotFound(_) | AppError::Forbidden(_) => {
            AppError::Forbidden("only the batch's enterprise manages its stamps".into())
        }
        other => other,
    })?;
    Ok(b)
}

pub fn target_of(conn: &mut DbConnection, base: &str, batch: &Batch) -> AppResult<StampTarget> {
    let p = product::find(conn, &crate::auth::Scope::All, &batch.product_id)?
        .ok_or_else(|| AppError::not_found("product"))?;
    Ok(StampTarget {
        base: base.to_owned(),
        gtin: p.gtin,
        lot: batch.lot_code.clone(),
        product_name: p.name_vi,
    })
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub count: i64,
}

pub async fn issue(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<IssueRequest>,
) -> AppResult<HttpResponse> {
    if !(1..=MAX_ROLL).contains(&body.count) {
        return Err(AppError::invalid(
            "count",
            format!("must be between 1 and {MAX_ROLL}"),
        ));
    }
    let count = body.count;
    let actor = Actor::from(&caller);
    let codec = state.codec.clone();
    let base = state.config.base_url().to_owned();
    let view = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let batch = managed_batch(conn, &caller, &path)?;
                if batch.status != "active" {
                    return Err(AppError::Conflict(
                        "a recalled batch gets no new stamps".into(),
                    ));
                }
                // Random roll numbers: no sequence to share between backends
                // or nodes; a clash (one in four billion) just draws again.
                let mut number = i64::from(rand::thread_rng().gen::<u32>());
                while stamp_roll::number_taken(conn, number)? {
                    number = i64::from(rand::thread_rng().gen::<u32>());
                }
                let roll = StampRoll {
                    id: super::new_id(),
                    number,
                    batch_id: batch.id.clone(),
                    count,
                    key_id: i32::from(codec.current_key_id()),
                    voided_at: None,
                    void_reason: None,
                    created_by: Some(caller.username.clone()),
                    created_at: crate::time::now(),
                };
                stamp_roll::insert(conn, &roll)?;
                audit::created(conn, &actor, "stamp_roll", &roll.id, &roll)?;
                let target = target_of(conn, &base, &batch)?;
                view(&codec, roll, &target)
            })
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
            let batch = managed_batch(conn, &caller, &path)?;
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
            let (roll, batch) = managed_roll(conn, &caller, &path)?;
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
            let (roll, batch) = managed_roll(conn, &caller, &path)?;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoidRequest {
    /// Serials to void; or `all` for the whole roll.
    #[serde(default)]
    pub serials: Vec<String>,
    #[serde(default)]
    pub all: bool,
    pub reason: String,
}

/// Most serials voided in one request.
const MAX_VOID: usize = 10_000;

#[derive(Serialize)]
pub struct VoidAnswer {
    voided: usize,
    all: bool,
}

pub async fn void(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    body: web::Json<VoidRequest>,
) -> AppResult<web::Json<VoidAnswer>> {
    let VoidRequest {
        serials,
        all,
        reason,
    } = body.into_inner();
    let reason = v::text("reason", &reason, 500)?;
    if all != serials.is_empty() {
        return Err(AppError::invalid(
            "serials",
            "give a list of serials, or \"all\": true, not both",
        ));
    }
    if serials.len() > MAX_VOID {
        return Err(AppError::invalid(
            "serials",
            format!("at most {MAX_VOID} per request"),
        ));
    }
    let codec = state.codec.clone();
    let actor = Actor::from(&caller);
    let answer = state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                let (roll, _) = managed_roll(conn, &caller, &path)?;
                let now = crate::time::now();
                if all {
                    stamp_roll::void_roll(conn, &roll.id, &reason, now)?;
                    let shown = serde_json::json!({"all": true, "reason": reason});
                    audit::updated(
                        conn,
                        &actor,
                        "stamp_roll",
                        &roll.id,
                        &serde_json::json!({"voided": false}),
                        &shown,
                    )?;
                    return Ok(VoidAnswer {
                        voided: roll.count as usize,
                        all: true,
                    });
                }
                let mut indices = Vec::with_capacity(serials.len());
                for serial in &serials {
                    let stamp = codec
                        .decode(serial.trim())
                        .map_err(|e| AppError::invalid("serials", format!("{serial:?}: {e}")))?;
                    if i64::from(stamp.roll) != roll.number || i64::from(stamp.index) >= roll.count
                    {
                        return Err(AppError::invalid(
                            "serials",
                            format!("{serial:?} is not a stamp of this roll"),
                        ));
                    }
                    indices.push(i64::from(stamp.index));
                }
                let voided = stamp_roll::void_stamps(conn, &roll.id, &indices, &reason, now)?;
                let shown = serde_json::json!({"serials": serials, "reason": reason});
                audit::updated(
                    conn,
                    &actor,
                    "stamp_roll",
                    &roll.id,
                    &serde_json::json!({"voided": false}),
                    &shown,
                )?;
                Ok(VoidAnswer { voided, all: false })
            })
        })
        .await?;
    Ok(web::Json(answer))
}
