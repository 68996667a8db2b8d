//! Export codes: producers register planting-area and packing-house codes
//! for their facilities (each market's approval pending until a regulator
//! records it), authorise packers to use them, and state the codes a batch
//! came through; regulators of the code's province set each market's
//! status. The rules (README, "Export codes and lab results"):
//!
//! - using a code one is not allowed to is refused, and the attempt is kept
//!   as an alert for the regulators (forged contracts are how codes are
//!   stolen; the attempt itself is the evidence);
//! - a code not approved for the batch's market is refused;
//! - a harvest beyond the planting area's plausible yield is accepted and
//!   raises an alert (yields vary, and a regulator judges).

use chrono::Datelike;
use serde::Deserialize;

use crate::audit::{self, Actor};
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::id::Id;
use crate::domain::market::{self, ApprovalStatus, CodeKind, Crop, ExportRules, Market};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult, Refusal, RuleKind};
use crate::models::batch::{self, Batch};
use crate::models::export_code::{self, CodeAlert, CodeMarket, CodeView, ExportCode};
use crate::models::facility;

use super::access::{editable_batch, editable_facility, open_batch, overseer};

/// Longest code text (GACC codes are like `VNORCHARD-0123` or `84-…`).
pub const MAX_CODE: usize = 40;
/// Largest planting area accepted, hectares.
pub const MAX_AREA_HA: f64 = 10_000.0;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeFields {
    pub code: Option<String>,
    pub kind: Option<String>,
    pub facility_id: Option<Id>,
    pub crop: Option<String>,
    /// Hectares; required for a planting area.
    pub area_ha: Option<f64>,
    /// Markets the code is submitted to (each pending until a regulator
    /// records the market's decision).
    #[serde(default)]
    pub markets: Vec<String>,
}

fn refusal(field: &str, en: impl Into<String>, vi: impl Into<String>) -> Refusal {
    Refusal {
        kind: RuleKind::Invalid,
        field: Some(field.to_owned()),
        en: en.into(),
        vi: vi.into(),
    }
}

fn all_or_nothing(problems: Vec<Refusal>) -> AppResult<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Fields(problems))
    }
}

/// A code's text: letters, digits, `-`, `.`, `/`, upper-cased.
fn code_text(value: &str) -> Option<String> {
    let code = value.trim().to_uppercase();
    let ok = !code.is_empty()
        && code.chars().count() <= MAX_CODE
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/' | '_'));
    ok.then_some(code)
}

/// Registers a code for one of the caller's facilities.
pub fn register(
    conn: &mut DbConnection,
    caller: &Caller,
    fields: CodeFields,
) -> AppResult<CodeView> {
    let mut problems = Vec::new();
    let code = fields.code.as_deref().and_then(code_text);
    if code.is_none() {
        problems.push(refusal(
            "code",
            format!("is required: letters, digits, - . / _, at most {MAX_CODE}"),
            format!("bắt buộc: chữ, số, - . / _, tối đa {MAX_CODE} ký tự"),
        ));
    }
    let kind = fields
        .kind
        .as_deref()
        .map(CodeKind::parse)
        .and_then(Result::ok);
    if kind.is_none() {
        problems.push(refusal(
            "kind",
            "is required: planting_area or packing_house",
            "bắt buộc: mã số vùng trồng hoặc mã số cơ sở đóng gói",
        ));
    }
    let crop = fields.crop.as_deref().map(Crop::parse).and_then(Result::ok);
    if crop.is_none() {
        problems.push(refusal(
            "crop",
            "is required, one of the listed crops",
            "bắt buộc, một trong các loại cây trong danh sách",
        ));
    }
    let area = fields.area_ha;
    match (kind, area) {
        (_, Some(a)) if !(a.is_finite() && a > 0.0 && a <= MAX_AREA_HA) => problems.push(refusal(
            "area_ha",
            format!("must be more than 0 and at most {MAX_AREA_HA} hectares"),
            format!("phải lớn hơn 0 và không quá {MAX_AREA_HA} ha"),
        )),
        (Some(CodeKind::PlantingArea), None) => problems.push(refusal(
            "area_ha",
            "is required for a planting area",
            "bắt buộc với mã số vùng trồng",
        )),
        _ => {}
    }
    let mut markets = Vec::new();
    for m in &fields.markets {
        match Market::parse(m) {
            Ok(m) if m.is_export() && !markets.contains(&m) => markets.push(m),
            _ => {
                problems.push(refusal(
                    "markets",
                    format!("{m:?} is not an export market (cn, us, eu, kr, jp, au)"),
                    format!("{m:?} không phải thị trường xuất khẩu (cn, us, eu, kr, jp, au)"),
                ));
            }
        }
    }
    if fields.facility_id.is_none() {
        problems.push(refusal("facility_id", "is required", "bắt buộc"));
    }
    all_or_nothing(problems)?;
    let (Some(code), Some(kind), Some(crop), Some(facility_id)) =
        (code, kind, crop, fields.facility_id)
    else {
        return Err(AppError::Internal("checked above".into()));
    };
    audit::write_transaction(conn, |conn| {
        let place = match editable_facility(conn, caller, &facility_id) {
            Ok(f) => f,
            Err(AppError::NotFound(_)) => {
                return Err(AppError::invalid("facility_id", "no such facility"))
            }
            Err(e) => return Err(e),
        };
        if export_code::by_code(conn, &code)?.is_some() {
            return Err(AppError::rule(
                RuleKind::Conflict,
                Some("code"),
                "this code is already registered",
                "mã số này đã được đăng ký",
            ));
        }
        let now = crate::time::now();
        let row = ExportCode {
            id: crate::domain::id::new_id(),
            code,
            kind: kind.as_str().to_owned(),
            facility_id: place.id.clone(),
            enterprise_id: place.enterprise_id.clone(),
            crop: crop.as_str().to_owned(),
            area_ha: area,
            created_at: now,
            updated_at: now,
        };
        export_code::insert(conn, &row)?;
        for m in &markets {
            export_code::put_market(
                conn,
                &CodeMarket {
                    export_code_id: row.id.clone(),
                    market: m.as_str().to_owned(),
                    status: ApprovalStatus::Pending.as_str().to_owned(),
                    approved_on: None,
                    status_since: now.date(),
                    reason: None,
                    updated_by: Some(caller.username.clone()),
                },
            )?;
        }
        let view = export_code::view(conn, row)?;
        audit::created(
            conn,
            &Actor::from(caller),
            "export_code",
            &view.code.id,
            &view,
        )?;
        Ok(view)
    })
}

/// The code if the caller may see it.
pub fn visible(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<CodeView> {
    let row = export_code::find(conn, &caller.scope(), id)?
        .ok_or_else(|| AppError::not_found("export code"))?;
    Ok(export_code::view(conn, row)?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub market: String,
    pub status: String,
    pub reason: String,
    /// The day the market approved the code (`YYYY-MM-DD`); for an approval.
    pub approved_on: Option<String>,
}

/// A regulator of the code's province (or an admin) records a market's
/// decision: approval, suspension, revocation, with the reason.
pub fn set_status(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    change: StatusChange,
) -> AppResult<CodeView> {
    overseer(caller)?;
    let mut problems = Vec::new();
    let market = Market::parse(&change.market).ok().filter(|m| m.is_export());
    if market.is_none() {
        problems.push(refusal(
            "market",
            "is not an export market (cn, us, eu, kr, jp, au)",
            "không phải thị trường xuất khẩu (cn, us, eu, kr, jp, au)",
        ));
    }
    let status = ApprovalStatus::parse(&change.status).ok();
    if status.is_none() {
        problems.push(refusal(
            "status",
            "is one of pending, approved, suspended, revoked",
            "phải là chờ phê duyệt, đã phê duyệt, tạm dừng hoặc thu hồi",
        ));
    }
    let reason = v::text("reason", &change.reason, 500).ok();
    if reason.is_none() {
        problems.push(refusal(
            "reason",
            "is required (at most 500 characters): say why",
            "bắt buộc (tối đa 500 ký tự): hãy ghi lý do",
        ));
    }
    let today = crate::time::now().date();
    let approved_on = match change
        .approved_on
        .as_deref()
        .map(|d| v::date_text("approved_on", d))
    {
        Some(Ok(d)) if d > today => {
            problems.push(refusal(
                "approved_on",
                "cannot be in the future",
                "không được ở tương lai",
            ));
            None
        }
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            problems.push(refusal(
                "approved_on",
                "is not a date (YYYY-MM-DD)",
                "không phải ngày hợp lệ (YYYY-MM-DD)",
            ));
            None
        }
        None => None,
    };
    all_or_nothing(problems)?;
    let (Some(market), Some(status), Some(reason)) = (market, status, reason) else {
        return Err(AppError::Internal("checked above".into()));
    };
    audit::write_transaction(conn, |conn| {
        let code = export_code::find(conn, &caller.scope(), id)?
            .ok_or_else(|| AppError::not_found("export code"))?;
        let before = export_code::markets_of(conn, &code.id)?;
        let previous = before.iter().find(|m| m.market == market.as_str());
        let approved_on = match status {
            ApprovalStatus::Approved => approved_on.or(Some(today)),
            _ => previous.and_then(|p| p.approved_on),
        };
        export_code::put_market(
            conn,
            &CodeMarket {
                export_code_id: code.id.clone(),
                market: market.as_str().to_owned(),
                status: status.as_str().to_owned(),
                approved_on,
                status_since: today,
                reason: Some(reason),
                updated_by: Some(caller.username.clone()),
            },
        )?;
        let after = export_code::view(conn, code)?;
        audit::acted(
            conn,
            &Actor::from(caller),
            "set_market_status",
            "export_code",
            &after.code.id,
            &before,
            &after.markets,
        )?;
        Ok(after)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorisation {
    pub enterprise_id: Id,
}

/// The code's owner authorises (or withdraws) another enterprise, a packer,
/// to state the code on its batches.
pub fn authorise(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Authorisation,
    allowed: bool,
) -> AppResult<CodeView> {
    audit::write_transaction(conn, |conn| {
        let code = export_code::find(conn, &caller.scope(), id)?
            .ok_or_else(|| AppError::not_found("export code"))?;
        if !caller.may_edit_enterprise(&code.enterprise_id) {
            return Err(AppError::rule(
                RuleKind::Forbidden,
                None,
                "only the code's owner authorises others to use it",
                "chỉ doanh nghiệp sở hữu mã số mới được ủy quyền sử dụng",
            ));
        }
        if crate::models::enterprise::find(
            conn,
            &crate::domain::access::Scope::All,
            &body.enterprise_id,
        )?
        .is_none()
        {
            return Err(AppError::invalid("enterprise_id", "no such enterprise"));
        }
        let before = export_code::view(conn, code.clone())?;
        if allowed {
            export_code::add_user(conn, &code.id, &body.enterprise_id, crate::time::now())?;
        } else {
            export_code::remove_user(conn, &code.id, &body.enterprise_id)?;
        }
        let after = export_code::view(conn, code)?;
        let action = if allowed { "authorise" } else { "withdraw" };
        audit::acted(
            conn,
            &Actor::from(caller),
            action,
            "export_code",
            &after.code.id,
            &before.authorised_enterprises,
            &after.authorised_enterprises,
        )?;
        Ok(after)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchCodes {
    /// The codes (their text) the batch came through; an empty list clears.
    pub codes: Vec<String>,
}

/// Most codes stated for one batch.
pub const MAX_BATCH_CODES: usize = 20;

/// An attempt to use a code the batch's enterprise may not.
struct Misuse {
    alert: CodeAlert,
}

fn not_approved(code: &str, market: Market, status: Option<ApprovalStatus>) -> AppError {
    let (en, vi) = match status {
        Some(s) => (s.name_en().to_lowercase(), s.name_vi().to_lowercase()),
        None => ("not listed".to_owned(), "chưa được đăng ký".to_owned()),
    };
    AppError::rule(
        RuleKind::Conflict,
        Some("codes"),
        format!(
            "code {code} is not approved by {} ({en}): a batch bound for that market cannot use it",
            market.name_en()
        ),
        format!(
            "mã số {code} chưa được {} chấp thuận ({vi}): lô xuất sang thị trường này không được dùng mã số này",
            market.name_vi()
        ),
    )
}

/// The status a market gave a code, if it lists it.
fn status_for(markets: &[CodeMarket], market: Market) -> Option<ApprovalStatus> {
    markets
        .iter()
        .find(|m| m.market == market.as_str())
        .and_then(|m| ApprovalStatus::parse(&m.status).ok())
}

/// Every code of the batch is approved for its market (none to check for
/// the domestic market or none stated): the rule for stating codes, changing
/// the market, and issuing stamps.
pub fn approved_for_market(conn: &mut DbConnection, row: &Batch) -> AppResult<()> {
    let Some(market) = row.market.as_deref().and_then(|m| Market::parse(m).ok()) else {
        return Ok(());
    };
    if !market.is_export() {
        return Ok(());
    }
    for code in export_code::of_batch(conn, &row.id)? {
        let markets = export_code::markets_of(conn, &code.id)?;
        match status_for(&markets, market) {
            Some(ApprovalStatus::Approved) => {}
            other => return Err(not_approved(&code.code, market, other)),
        }
    }
    Ok(())
}

/// States the codes a batch came through. Refused whole on an unknown code,
/// a code not approved for the batch's market, or a code the batch's
/// enterprise may not use — that last attempt is kept as an alert.
pub fn set_batch_codes(
    conn: &mut DbConnection,
    caller: &Caller,
    config: &Config,
    batch_id: &str,
    body: BatchCodes,
) -> AppResult<Vec<ExportCode>> {
    if body.codes.len() > MAX_BATCH_CODES {
        return Err(AppError::invalid(
            "codes",
            format!("at most {MAX_BATCH_CODES} codes"),
        ));
    }
    let mut misuse: Option<Misuse> = None;
    let result = audit::write_transaction(conn, |conn| {
        let row = editable_batch(conn, caller, batch_id)?;
        open_batch(conn, caller, &row)?;
        let enterprise = batch_enterprise(conn, &row)?;
        let mut ids = Vec::new();
        for text in &body.codes {
            let wanted = code_text(text).unwrap_or_default();
            let Some(code) = export_code::by_code(conn, &wanted)? else {
                return Err(AppError::rule(
                    RuleKind::Invalid,
                    Some("codes"),
                    format!("{text:?} is not a registered export code"),
                    format!("{text:?} không phải mã số đã đăng ký"),
                ));
            };
            if !export_code::may_use(conn, &code, &enterprise)? {
                let province =
                    facility::find(conn, &crate::domain::access::Scope::All, &code.facility_id)?
                        .map(|f| f.province_code)
                        .unwrap_or_default();
                misuse = Some(Misuse {
                    alert: CodeAlert {
                        id: crate::domain::id::new_id(),
                        kind: "code_misuse".into(),
                        code: code.code.clone(),
                        export_code_id: Some(code.id.clone()),
                        batch_id: Some(row.id.clone()),
                        enterprise_id: enterprise.clone(),
                        province_code: province,
                        detail: format!(
                            "{} tried to state code {} on batch {} without the owner's authorisation",
                            caller.username, code.code, row.lot_code
                        ),
                        raised_at: crate::time::now(),
                    },
                });
                return Err(AppError::rule(
                    RuleKind::Forbidden,
                    Some("codes"),
                    format!(
                        "code {} is not yours to use: its owner has not authorised your \
                         enterprise; the attempt is reported to the regulators",
                        code.code
                    ),
                    format!(
                        "doanh nghiệp của bạn không được phép dùng mã số {}: chủ sở hữu mã chưa \
                         ủy quyền; lần sử dụng này đã được báo cho cơ quan quản lý",
                        code.code
                    ),
                ));
            }
            if !ids.contains(&code.id) {
                ids.push(code.id.clone());
            }
        }
        let before: Vec<String> = export_code::of_batch(conn, &row.id)?
            .into_iter()
            .map(|c| c.code)
            .collect();
        export_code::set_batch_codes(conn, &row.id, &ids)?;
        approved_for_market(conn, &row)?;
        check_yield(conn, config, &row)?;
        let codes = export_code::of_batch(conn, &row.id)?;
        let after: Vec<&str> = codes.iter().map(|c| c.code.as_str()).collect();
        audit::acted(
            conn,
            &Actor::from(caller),
            "set_export_codes",
            "batch",
            &row.id,
            &before,
            &after,
        )?;
        Ok(codes)
    });
    if let (Err(_), Some(m)) = (&result, misuse) {
        // The refused change is rolled back; the attempt is kept apart.
        audit::write_transaction(conn, |conn| {
            export_code::insert_alert(conn, &m.alert)?;
            audit::created(
                conn,
                &Actor::from(caller),
                "export_code_alert",
                &m.alert.id,
                &m.alert,
            )
        })?;
    }
    result
}

/// The enterprise a batch belongs to (its product's).
fn batch_enterprise(conn: &mut DbConnection, row: &Batch) -> AppResult<String> {
    crate::models::product::find(conn, &crate::domain::access::Scope::All, &row.product_id)?
        .map(|p| p.enterprise_id)
        .ok_or_else(|| AppError::not_found("product"))
}

/// Raises a `yield_exceeded` alert when the batches through one of the
/// batch's planting areas, produced within a year before it, weigh more than
/// the area plausibly yields. Quantities counted in kg or tonnes; others
/// (boxes, pieces) cannot be weighed and are left out.
pub fn check_yield(conn: &mut DbConnection, config: &Config, row: &Batch) -> AppResult<()> {
    let rules: ExportRules = config.export_rules();
    for code in export_code::of_batch(conn, &row.id)? {
        let (Ok(CodeKind::PlantingArea), Ok(crop), Some(ha)) = (
            CodeKind::parse(&code.kind),
            Crop::parse(&code.crop),
            code.area_ha,
        ) else {
            continue;
        };
        let from = row
            .produced_on
            .with_year(row.produced_on.year() - 1)
            .unwrap_or(row.produced_on)
            .succ_opt()
            .unwrap_or(row.produced_on);
        let total: f64 = export_code::harvested_through(conn, &code.id, from, row.produced_on)?
            .into_iter()
            .map(|(q, unit)| kilograms(q, &unit))
            .sum();
        let limit = market::plausible_kg(&rules, crop, ha);
        if total > limit {
            let province =
                facility::find(conn, &crate::domain::access::Scope::All, &code.facility_id)?
                    .map(|f| f.province_code)
                    .unwrap_or_default();
            let enterprise_id = batch_enterprise(conn, row)?;
            export_code::insert_alert(
                conn,
                &CodeAlert {
                    id: crate::domain::id::new_id(),
                    kind: "yield_exceeded".into(),
                    code: code.code.clone(),
                    export_code_id: Some(code.id.clone()),
                    batch_id: Some(row.id.clone()),
                    enterprise_id,
                    province_code: province,
                    detail: format!(
                        "{total:.0} kg in the year to {} through {ha} ha of {}: more than the \
                         plausible {limit:.0} kg ({} t/ha)",
                        row.produced_on,
                        crop.name_en().to_lowercase(),
                        rules.yield_t_per_ha(crop)
                    ),
                    raised_at: crate::time::now(),
                },
            )?;
        }
    }
    Ok(())
}

fn kilograms(quantity: f64, unit: &str) -> f64 {
    match unit {
        "kg" => quantity,
        "tonne" => quantity * 1000.0,
        _ => 0.0,
    }
}

/// The codes of a batch with their status for its market, as the consumer
/// page and the trace JSON show them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BatchCode {
    pub code: String,
    pub kind: String,
    pub crop: String,
    /// The batch's market's decision on the code, when it has a market.
    pub market: Option<String>,
    pub status: Option<String>,
}

pub fn batch_codes(conn: &mut DbConnection, row: &Batch) -> AppResult<Vec<BatchCode>> {
    let market = row.market.clone();
    let mut out = Vec::new();
    for code in export_code::of_batch(conn, &row.id)? {
        let markets = export_code::markets_of(conn, &code.id)?;
        let status = market
            .as_deref()
            .and_then(|m| markets.iter().find(|x| x.market == m))
            .map(|x| x.status.clone());
        out.push(BatchCode {
            code: code.code,
            kind: code.kind,
            crop: code.crop,
            market: market.clone(),
            status,
        });
    }
    Ok(out)
}

/// The batch the caller may see, for reading its codes.
pub fn visible_batch_codes(
    conn: &mut DbConnection,
    caller: &Caller,
    batch_id: &str,
) -> AppResult<Vec<BatchCode>> {
    let row = batch::find(conn, &caller.scope(), batch_id)?
        .ok_or_else(|| AppError::not_found("batch"))?;
    batch_codes(conn, &row)
}
