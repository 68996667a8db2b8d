//! Print-ready label sheets of a stamp roll, streamed as the PDF is written,
//! and the calibration page of a layout (`?calibration=1`).

use actix_web::web::Bytes;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use std::io::{self, Write};
use tokio::sync::mpsc;

use super::stamps::stamp_range;
use crate::auth::Caller;
use crate::domain::id::Id;
use crate::domain::pin::PinKey;
use crate::domain::serial::group;
use crate::error::{AppError, AppResult};
use crate::labels::sheet::{
    write_calibration, write_sheet, Label, LabelLang, Layout, MAX_LABELS_PER_PDF,
};
use crate::models::stamp_roll::StampRoll;
use crate::models::stamp_target::{target_of, StampTarget};
use crate::service::stamps::{
    label_lang, label_product_name, label_start, label_url, managed_roll,
};
use crate::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SheetQuery {
    layout: Option<String>,
    from: Option<i64>,
    count: Option<i64>,
    /// 1-based position of the first label on the first sheet.
    start: Option<i64>,
    /// `1`: the layout's calibration page instead of stamps.
    calibration: Option<String>,
    /// `zh`: the Chinese labels of an export lot (default `vi`).
    lang: Option<String>,
}

/// Hands the PDF to the response in 64 KiB chunks as the writer produces
/// them, so a 10,000-label sheet starts downloading at once and is never
/// held whole in memory.
struct ChunkSender {
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
    buf: Vec<u8>,
}

const CHUNK_BYTES: usize = 64 * 1024;

impl Write for ChunkSender {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK_BYTES {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

pub async fn sheet(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
    query: web::Query<SheetQuery>,
) -> AppResult<HttpResponse> {
    let layout_name = query.layout.as_deref().unwrap_or("a4-3x8");
    let layout = Layout::parse(layout_name).ok_or_else(|| {
        AppError::invalid(
            "layout",
            format!("{layout_name:?} is not a4-3x8, a4-4x10, roll-40x30 or a4-3x8-pin"),
        )
    })?;
    let calibration = match query.calibration.as_deref() {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => {
            return Err(AppError::invalid(
                "calibration",
                format!("{other:?} is not 0 or 1"),
            ))
        }
    };
    // The calibration page has no stamps, so no range nor start position.
    let first_slot = if calibration {
        0
    } else {
        label_start(layout, query.start)?
    };
    let lang = label_lang(query.lang.as_deref())?;
    let base = state.config.base_url().to_owned();
    let (roll, target) = state
        .db(move |conn| {
            let (roll, batch) = managed_roll(conn, &caller, &path)?;
            let target = target_of(conn, &base, &batch)?;
            Ok((roll, target))
        })
        .await?;
    if calibration {
        // One page, no serials: nothing to stream.
        let mut pdf = Vec::new();
        web::block(move || write_calibration(layout, &mut pdf).map(|()| pdf))
            .await
            .map_err(|e| AppError::Internal(format!("calibration page: {e}")))?
            .map_err(|e| AppError::Internal(format!("calibration page: {e}")))
            .map(|pdf| {
                let filename = format!("can-chinh-{}.pdf", layout.as_str());
                HttpResponse::Ok()
                    .content_type("application/pdf")
                    .insert_header(crate::headers::attachment(&filename))
                    .body(pdf)
            })
    } else {
        let product_name = label_product_name(&target, lang)?;
        let sheet = Sheet {
            layout,
            first_slot,
            lang,
            product_name,
        };
        stream_sheet(state, roll, target, sheet, query.into_inner())
    }
}

/// How a sheet prints: its layout, first position and language, and the
/// product's name in that language.
struct Sheet {
    layout: Layout,
    first_slot: usize,
    lang: LabelLang,
    product_name: String,
}

/// Streams the labels of the requested range of `roll`.
fn stream_sheet(
    state: web::Data<AppState>,
    roll: StampRoll,
    target: StampTarget,
    sheet: Sheet,
    query: SheetQuery,
) -> AppResult<HttpResponse> {
    let Sheet {
        layout,
        first_slot,
        lang,
        product_name,
    } = sheet;
    let (from, count) = stamp_range(
        roll.count,
        query.from,
        query.count,
        MAX_LABELS_PER_PDF as i64,
    )?;
    let codec = state.codec.clone();
    // Serials are signed with the current key, and so are their PINs.
    let pins = layout
        .offers_pin()
        .then(|| PinKey::new(&codec, codec.current_key_id()))
        .transpose()
        .map_err(|e| AppError::Internal(format!("PIN key: {e}")))?;
    let (tx, mut rx) = mpsc::channel(4);
    let filename = format!("tem-{}-{}-{}.pdf", target.lot, from, from + count - 1);
    let errors = tx.clone();
    // QR encoding is CPU work: it runs on the blocking pool, not a worker.
    actix_web::rt::task::spawn_blocking(move || {
        let number = roll.number as u32;
        let labels = (from as u32..)
            .zip(
                codec
                    .encode_range(number, from as u32, count as u32)
                    .into_iter()
                    .flatten(),
            )
            .map(|(index, serial)| Label {
                lang,
                url: label_url(&target, &serial, lang),
                product_name: product_name.clone(),
                lot: target.lot.clone(),
                serial_grouped: group(&serial),
                site: target.site().to_owned(),
                produced_on: Some(target.produced_on),
                expires_on: target.expires_on,
                pin: pins.as_ref().map(|key| key.pin(number, index)),
            });
        let mut out = ChunkSender {
            tx,
            buf: Vec::with_capacity(CHUNK_BYTES),
        };
        let written = write_sheet(layout, first_slot, labels, &mut out)
            .map_err(|e| io::Error::other(e.to_string()));
        if let Err(e) = written.and_then(|_| out.flush()) {
            log::warn!("label sheet cut short: {e}");
            let _ = errors.blocking_send(Err(e));
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(crate::headers::attachment(&filename))
        .streaming(body))
}
