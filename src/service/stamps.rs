//! Issuing and voiding stamps. A roll is one row however many stamps it
//! holds; a recalled batch, or one at a suspended facility, gets none.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::serial::SerialCodec;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult, RuleKind};
use crate::labels::sheet::{LabelLang, Layout};
use crate::models::batch::{self, Batch};
use crate::models::stamp_roll::{self, StampRoll, MAX_ROLL};
use crate::models::stamp_target::StampTarget;

use super::access::{editable_product, open_batch};

/// Where printing starts on the first sheet of `layout`, from 0, given the
/// 1-based position a packer counts on a part-used sheet (left to right, top
/// to bottom; none means the first). A roll has no positions: only 1 is
/// taken there. Refused in both languages, since a packer reads it.
pub fn label_start(layout: Layout, start: Option<i64>) -> AppResult<usize> {
    let start = start.unwrap_or(1);
    let per_page = layout.per_page();
    if !layout.has_positions() && start != 1 {
        return Err(AppError::invalid(
            "start",
            format!(
                "cuộn {} in từng tem một, không có vị trí bắt đầu / \
                 a {} roll prints one label at a time and has no start position",
                layout.as_str(),
                layout.as_str()
            ),
        ));
    }
    match usize::try_from(start) {
        Ok(n) if (1..=per_page).contains(&n) => Ok(n - 1),
        _ => Err(AppError::invalid(
            "start",
            format!(
                "vị trí bắt đầu phải từ 1 đến {per_page} trên tờ {name} / \
                 must be between 1 and {per_page} on an {name} sheet",
                name = layout.as_str()
            ),
        )),
    }
}

/// The language of a label sheet, `?lang=` of a print request: `vi` (the
/// default) or `zh`, the Chinese labels of export lots.
pub fn label_lang(asked: Option<&str>) -> AppResult<LabelLang> {
    match asked {
        None => Ok(LabelLang::Vi),
        Some(code) => LabelLang::parse(code).ok_or_else(|| {
            AppError::invalid(
                "lang",
                format!(
                    "tem in bằng tiếng Việt (vi) hoặc tiếng Trung (zh), không phải {code:?} / \
                     labels print in Vietnamese (vi) or Chinese (zh), not {code:?}"
                ),
            )
        }),
    }
}

/// The product's name as labels in `lang` print it. A Chinese label needs
/// the product's Chinese name: without one the sheet is refused before any
/// of it is written, in both languages, since a packer reads it.
pub fn label_product_name(target: &StampTarget, lang: LabelLang) -> AppResult<String> {
    match (lang, &target.product_name_zh) {
        (LabelLang::Vi, _) => Ok(target.product_name.clone()),
        (LabelLang::Zh, Some(zh)) => Ok(zh.clone()),
        (LabelLang::Zh, None) => Err(AppError::invalid(
            "lang",
            format!(
                "sản phẩm \"{name}\" chưa có tên tiếng Trung: hãy thêm tên tiếng Trung cho sản \
                 phẩm trước khi in tem tiếng Trung / the product \"{name}\" has no Chinese name: \
                 give it one before printing Chinese labels",
                name = target.product_name
            ),
        )),
    }
}

/// What the QR code of a label in `lang` holds: the stamp's link, and on a
/// Chinese label `?lang=zh`, which the resolver reads, so the buyer's phone
/// opens the Chinese page whatever its own language.
pub fn label_url(target: &StampTarget, serial: &str, lang: LabelLang) -> String {
    let url = target.qr_payload(serial);
    match lang {
        LabelLang::Vi => url,
        LabelLang::Zh => format!("{url}?lang=zh"),
    }
}

/// The batch if the caller manages its stamps (its enterprise, or an admin).
pub fn managed_batch(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Batch> {
    let b = batch::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("batch"))?;
    editable_product(conn, caller, &b.product_id).map_err(|e| match e {
        AppError::NotFound(_) | AppError::Forbidden(_) => {
            AppError::Forbidden("only the batch's enterprise manages its stamps".into())
        }
        other => other,
    })?;
    Ok(b)
}

/// A roll and its batch, if the caller manages the batch's stamps.
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueRequest {
    pub count: i64,
}

/// Issues a roll of `count` stamps for a batch.
pub fn issue(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &crate::config::Config,
    codec: &SerialCodec,
    batch_id: &str,
    request: IssueRequest,
) -> AppResult<(StampRoll, Batch)> {
    let count = request.count;
    if !(1..=MAX_ROLL).contains(&count) {
        return Err(AppError::invalid(
            "count",
            format!("must be between 1 and {MAX_ROLL}"),
        ));
    }
    audit::write_transaction(conn, |conn| {
        let batch = managed_batch(conn, caller, batch_id)?;
        if batch.status != "active" {
            return Err(AppError::rule(
                RuleKind::Conflict,
                None,
                "a recalled batch gets no new stamps",
                "lô đã bị thu hồi không được cấp thêm tem",
            ));
        }
        open_batch(conn, caller, &batch)?;
        super::batches::outside_pre_harvest_interval(conn, &batch.id, crate::time::now())?;
        // Bound for export: its codes still approved by the market, and the
        // market's required lab tests passed.
        super::export_codes::approved_for_market(conn, &batch)?;
        super::lab_results::requirement_met(conn, config, &batch)?;
        // Random roll numbers: no sequence to share between backends or
        // nodes; a clash (one in four billion) just draws again.
        let mut number = i64::from(rand::thread_rng().gen::<u32>());
        while stamp_roll::number_taken(conn, number)? {
            number = i64::from(rand::thread_rng().gen::<u32>());
        }
        let roll = StampRoll {
            id: crate::domain::id::new_id(),
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
        audit::created(conn, &Actor::from(caller), "stamp_roll", &roll.id, &roll)?;
        Ok((roll, batch))
    })
}

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Serialize)]
pub struct VoidAnswer {
    pub voided: usize,
    pub all: bool,
}

/// Voids stamps of a roll (some, or all). Allowed on a recalled batch too:
/// voiding only takes stamps out of circulation.
pub fn void(
    conn: &mut DbConnection,
    caller: &Caller,
    codec: &SerialCodec,
    roll_id: &str,
    request: VoidRequest,
) -> AppResult<VoidAnswer> {
    let VoidRequest {
        serials,
        all,
        reason,
    } = request;
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
    audit::write_transaction(conn, |conn| {
        let (roll, _) = managed_roll(conn, caller, roll_id)?;
        let actor = Actor::from(caller);
        let now = crate::time::now();
        let before = serde_json::json!({"voided": false});
        if all {
            stamp_roll::void_roll(conn, &roll.id, &reason, now)?;
            let shown = serde_json::json!({"all": true, "reason": reason});
            audit::updated(conn, &actor, "stamp_roll", &roll.id, &before, &shown)?;
            return Ok(VoidAnswer {
                voided: roll.count as usize,
                all: true,
            });
        }
        let mut indices = Vec::with_capacity(serials.len());
        for serial in &serials {
            // As printed under the QR (groups of five, dashes) or as typed
            // (lower case, O for 0): the code a producer copies off a label.
            let stamp = codec
                .decode(&crate::domain::serial::normalize_typed(serial))
                .map_err(|e| {
                    AppError::rule(
                        RuleKind::Invalid,
                        Some("serials"),
                        format!("{serial:?}: {e}"),
                        format!("{serial:?}: {}", e.vi()),
                    )
                })?;
            if i64::from(stamp.roll) != roll.number || i64::from(stamp.index) >= roll.count {
                return Err(AppError::rule(
                    RuleKind::Invalid,
                    Some("serials"),
                    format!("{serial:?} is not a stamp of this roll"),
                    format!("{serial:?} không phải tem của cuộn này"),
                ));
            }
            indices.push(i64::from(stamp.index));
        }
        let voided = stamp_roll::void_stamps(conn, &roll.id, &indices, &reason, now)?;
        let shown = serde_json::json!({"serials": serials, "reason": reason});
        audit::updated(conn, &actor, "stamp_roll", &roll.id, &before, &shown)?;
        Ok(VoidAnswer { voided, all: false })
    })
}
