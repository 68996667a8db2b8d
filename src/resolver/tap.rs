//! A tap on a stamp's NFC tag: `/s/{serial}?picc_data=…&cmac=…` (README
//! "NFC tags"). The message is checked with the roll's derived keys before
//! any database work, so a forged tap costs none; only a verified one
//! touches the tag's row (`service::nfc::record_tap`). Without these
//! parameters the stamp's page is served as always, with no extra work.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::domain::serial::StampRef;
use crate::domain::sun::{self, SunMessage};
use crate::domain::tag_keys::RollTagKeys;
use crate::error::AppError;
use crate::models::nfc_tag::Tapper;
use crate::AppState;

use super::{unknown_answer, Answer, Reason};

/// Verifies a tap by `tapper` and records its counter; an error is the
/// refusal to show.
pub async fn verify(
    state: &AppState,
    stamp: StampRef,
    (picc_data, cmac): (Option<&str>, Option<&str>),
    tapper: Tapper,
) -> Result<(), AppError> {
    let message = SunMessage::parse(picc_data, cmac).map_err(|e| {
        AppError::BadRequest(format!(
            "tham số NFC không hợp lệ / malformed NFC parameters: {e}"
        ))
    })?;
    let keys = RollTagKeys::of_roll(&state.codec, stamp.key_id, stamp.roll)
        .ok_or_else(|| AppError::Internal(format!("no serial key {}", stamp.key_id)))?;
    let picc =
        sun::verify(&keys.meta_read(), |uid| keys.file_read(uid), &message, b"").map_err(|e| {
            AppError::NotFound(format!(
                "chip NFC không xác thực được, có thể là hàng giả / the NFC tag did not verify \
                 and may be counterfeit: {e}"
            ))
        })?;
    state
        .db(move |conn| crate::service::nfc::record_tap(conn, stamp, &picc, &tapper))
        .await
}

/// The refused tap's answer: the warning page (or JSON), in the reader's
/// language where the refusal has both.
pub fn refusal(err: AppError, serial: &str, answer: &Answer, state: &AppState) -> HttpResponse {
    let status = err.status_code();
    if status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::SERVICE_UNAVAILABLE {
        return err.error_response();
    }
    let (vi, en) = match &err {
        AppError::Rule(r) => (r.vi.clone(), r.en.clone()),
        // Messages of other errors are already written "vi / en".
        other => {
            let text = other.to_string();
            (text.clone(), text)
        }
    };
    unknown_answer(status, Reason { vi: &vi, en: &en }, serial, answer, state)
}
