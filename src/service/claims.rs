//! Claiming a stamp with its scratch-off PIN (README, "Scratch-off PIN").
//! The caller is the public: nobody logs in to claim, so the caller is a
//! `Consumer`, known only by its coarse origin.
//!
//! The first correct PIN claims the stamp (time, coarse origin); a later
//! correct PIN is clone evidence, counted on the claim row. Wrong PINs are
//! limited per stamp (`domain::pin::CLAIM_LIMITS`) and counted in the same
//! row, so the limit holds across nodes; past it nothing is compared.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::pin::{self, Blocked, PinKey, CLAIM_LIMITS};
use crate::domain::serial::SerialCodec;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::stamp_claim::{self, StampClaim};
use crate::models::stamp_roll;

/// Whoever claims: an anonymous member of the public, known only by the
/// salted hash of its coarse region (as scans store it).
#[derive(Debug, Clone, Default)]
pub struct Consumer {
    pub origin: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ClaimRequest {
    pub serial: String,
    pub pin: String,
}

/// What an entry of a PIN came to. Wrong and blocked entries are outcomes,
/// not errors, because a wrong PIN is recorded (committed) before it is
/// answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ClaimOutcome {
    /// The first correct PIN: the stamp is now claimed.
    Claimed {
        #[serde(serialize_with = "crate::time::utc")]
        claimed_at: NaiveDateTime,
    },
    /// A correct PIN for a stamp claimed before: clone evidence.
    AlreadyClaimed {
        #[serde(serialize_with = "crate::time::utc")]
        claimed_at: NaiveDateTime,
        later_claims: i32,
    },
    /// A wrong PIN; `left` more may be tried now.
    WrongPin { left: i32 },
    /// Too many wrong PINs: nothing was compared.
    TooManyWrong {
        #[serde(serialize_with = "crate::time::utc_opt")]
        until: Option<NaiveDateTime>,
    },
}

fn no_such_stamp() -> AppError {
    AppError::NotFound("không có tem nào mang mã này / no stamp was issued with this code".into())
}

/// Enters a PIN for the stamp `request.serial`.
pub fn claim(
    conn: &mut DbConnection,
    consumer: &Consumer,
    codec: &SerialCodec,
    request: ClaimRequest,
) -> AppResult<ClaimOutcome> {
    let serial = request.serial.trim().to_ascii_uppercase();
    let stamp = codec.decode(&serial).map_err(|_| no_such_stamp())?;
    let typed = pin::normalize_typed(&request.pin).map_err(|e| {
        let (en, vi) = e.explain();
        AppError::rule(RuleKind::Invalid, Some("pin"), en, vi)
    })?;
    let key = PinKey::new(codec, stamp.key_id).map_err(|_| no_such_stamp())?;
    let (number, index) = (i64::from(stamp.roll), i64::from(stamp.index));
    audit::write_transaction(conn, |conn| {
        let roll = stamp_roll::by_number(conn, number)?
            .filter(|r| index < r.count && r.key_id == i32::from(stamp.key_id))
            .ok_or_else(no_such_stamp)?;
        let voided = roll.voided_at.is_some()
            || stamp_roll::stamp_state(conn, &roll.id, index)?.as_deref()
                == Some(stamp_roll::STAMP_VOIDED);
        if voided {
            return Err(AppError::rule(
                RuleKind::Conflict,
                None,
                "this stamp was voided by its producer and cannot be claimed",
                "tem này đã bị nhà sản xuất hủy, không thể xác nhận",
            ));
        }
        let row = match stamp_claim::find(conn, number, index)? {
            Some(row) => row,
            None => {
                let row = StampClaim::untried(number, index);
                stamp_claim::insert(conn, &row)?;
                row
            }
        };
        let now = crate::time::now();
        let wrong = row.wrong_pins();
        if let Some(blocked) = wrong.blocked(now, &CLAIM_LIMITS) {
            return Ok(ClaimOutcome::TooManyWrong {
                until: match blocked {
                    Blocked::Until(end) => Some(end),
                    Blocked::ForGood => None,
                },
            });
        }
        if !key.verifies(stamp, &typed) {
            let after = wrong.after_wrong(now, &CLAIM_LIMITS);
            stamp_claim::set_wrong_pins(conn, number, index, after)?;
            return Ok(ClaimOutcome::WrongPin {
                left: after.left(now, &CLAIM_LIMITS),
            });
        }
        let actor = Actor::system("consumer");
        match row.claimed_at {
            None => {
                stamp_claim::set_first_claim(conn, number, index, now, consumer.origin.as_deref())?;
                let after = serde_json::json!({"claimed_at": crate::time::rfc3339(&now)});
                audit::acted(
                    conn,
                    &actor,
                    "claim",
                    "stamp",
                    &serial,
                    &serde_json::json!({}),
                    &after,
                )?;
                Ok(ClaimOutcome::Claimed { claimed_at: now })
            }
            Some(claimed_at) => {
                let later_claims = row.later_claims.saturating_add(1);
                stamp_claim::set_later_claims(conn, number, index, later_claims, now)?;
                let before = serde_json::json!({"later_claims": row.later_claims});
                let after = serde_json::json!({"later_claims": later_claims});
                audit::acted(
                    conn,
                    &actor,
                    "claim_again",
                    "stamp",
                    &serial,
                    &before,
                    &after,
                )?;
                Ok(ClaimOutcome::AlreadyClaimed {
                    claimed_at,
                    later_claims,
                })
            }
        }
    })
}
