//! Laboratories and lab results per batch. Regulators and admins register
//! laboratories; a batch's enterprise records its results and uploads the
//! certificate. A result passes when every analyte's result is at most its
//! limit. A batch bound for a market that requires tests gets no stamp roll
//! until passing results from laboratories that market recognises cover
//! every required analyte ([`requirement_met`], called by
//! `service::stamps::issue`).

use serde::Deserialize;

use crate::audit::{self, Actor};
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role};
use crate::domain::id::Id;
use crate::domain::market::{self, Analyte, CodeKind, Crop, Market};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult, Refusal, RuleKind};
use crate::models::batch::{self, Batch};
use crate::models::export_code;
use crate::models::lab_result::{self, LabAnalyte, LabResult, Laboratory, ResultView};

use super::access::{editable_batch, open_batch, overseer};

/// Largest certificate accepted, bytes.
pub const MAX_CERTIFICATE: usize = 5 * 1024 * 1024;
/// Most analytes in one result.
pub const MAX_ANALYTES: usize = 100;
/// How long before the batch's harvest a sample may be taken (orchard
/// samples precede the harvest), days.
pub const SAMPLE_BEFORE_HARVEST_DAYS: i64 = 90;

fn refusal(field: &str, en: impl Into<String>, vi: impl Into<String>) -> Refusal {
    Refusal {
        kind: RuleKind::Invalid,
        field: Some(field.to_owned()),
        en: en.into(),
        vi: vi.into(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LaboratoryFields {
    pub name: String,
    pub accreditation: String,
    #[serde(default)]
    pub markets: Vec<String>,
}

pub fn register_laboratory(
    conn: &mut DbConnection,
    caller: &Caller,
    fields: LaboratoryFields,
) -> AppResult<Laboratory> {
    overseer(caller)?;
    let mut problems = Vec::new();
    let name = v::text("name", &fields.name, 200).ok();
    if name.is_none() {
        problems.push(refusal(
            "name",
            "is required (at most 200 characters)",
            "bắt buộc (tối đa 200 ký tự)",
        ));
    }
    let accreditation = v::text("accreditation", &fields.accreditation, 40).ok();
    if accreditation.is_none() {
        problems.push(refusal(
            "accreditation",
            "is required: the accreditation number (VILAS …), at most 40 characters",
            "bắt buộc: số hiệu công nhận (VILAS …), tối đa 40 ký tự",
        ));
    }
    let mut markets: Vec<&'static str> = Vec::new();
    for m in &fields.markets {
        match Market::parse(m) {
            Ok(m) if !markets.contains(&m.as_str()) => markets.push(m.as_str()),
            Ok(_) => {}
            Err(_) => problems.push(refusal(
                "markets",
                format!("{m:?} is not a market (cn, us, eu, kr, jp, au, domestic)"),
                format!("{m:?} không phải thị trường (cn, us, eu, kr, jp, au, domestic)"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let (Some(name), Some(accreditation)) = (name, accreditation) else {
        return Err(AppError::Internal("checked above".into()));
    };
    audit::write_transaction(conn, |conn| {
        if lab_result::laboratory_by_accreditation(conn, &accreditation)?.is_some() {
            return Err(AppError::rule(
                RuleKind::Conflict,
                Some("accreditation"),
                "a laboratory with this accreditation number is registered",
                "đã có phòng thử nghiệm mang số hiệu công nhận này",
            ));
        }
        let row = Laboratory {
            id: crate::domain::id::new_id(),
            name,
            accreditation,
            markets: markets.join(","),
            created_at: crate::time::now(),
        };
        lab_result::insert_laboratory(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "laboratory", &row.id, &row)?;
        Ok(row)
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyteFields {
    pub analyte: Option<String>,
    pub result: Option<f64>,
    pub limit: Option<f64>,
    pub unit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultFields {
    pub laboratory_id: Option<Id>,
    pub sampled_on: Option<String>,
    pub sampled_by: Option<String>,
    pub reported_on: Option<String>,
    #[serde(default)]
    pub analytes: Vec<AnalyteFields>,
}

/// Records a lab result for a batch: every problem of the form at once,
/// nothing written on any.
pub fn record(
    conn: &mut DbConnection,
    caller: &Caller,
    batch_id: &str,
    fields: ResultFields,
) -> AppResult<ResultView> {
    let today = crate::time::now().date();
    let mut problems = Vec::new();
    let date = |problems: &mut Vec<Refusal>, field: &str, value: &Option<String>| match value
        .as_deref()
        .map(|d| v::date_text(field, d))
    {
        Some(Ok(d)) if d > today => {
            problems.push(refusal(
                field,
                "cannot be in the future",
                "không được ở tương lai",
            ));
            None
        }
        Some(Ok(d)) => Some(d),
        Some(Err(_)) => {
            problems.push(refusal(
                field,
                "is not a date (YYYY-MM-DD)",
                "không phải ngày hợp lệ (YYYY-MM-DD)",
            ));
            None
        }
        None => {
            problems.push(refusal(field, "is required", "bắt buộc"));
            None
        }
    };
    let sampled_on = date(&mut problems, "sampled_on", &fields.sampled_on);
    let reported_on = date(&mut problems, "reported_on", &fields.reported_on);
    if let (Some(s), Some(r)) = (sampled_on, reported_on) {
        if r < s {
            problems.push(refusal(
                "reported_on",
                "is before the sample was taken",
                "trước ngày lấy mẫu",
            ));
        }
    }
    let sampled_by = v::text(
        "sampled_by",
        fields.sampled_by.as_deref().unwrap_or(""),
        200,
    )
    .ok();
    if sampled_by.is_none() {
        problems.push(refusal(
            "sampled_by",
            "is required: who took the sample (at most 200 characters)",
            "bắt buộc: người hoặc đơn vị lấy mẫu (tối đa 200 ký tự)",
        ));
    }
    if fields.laboratory_id.is_none() {
        problems.push(refusal("laboratory_id", "is required", "bắt buộc"));
    }
    if fields.analytes.is_empty() || fields.analytes.len() > MAX_ANALYTES {
        problems.push(refusal(
            "analytes",
            format!("list between 1 and {MAX_ANALYTES} analytes"),
            format!("cần từ 1 đến {MAX_ANALYTES} chỉ tiêu"),
        ));
    }
    let mut analytes = Vec::new();
    for (i, a) in fields.analytes.iter().enumerate() {
        let at = |name: &str| format!("analytes[{i}].{name}");
        let analyte = a
            .analyte
            .as_deref()
            .map(Analyte::parse)
            .and_then(Result::ok);
        if analyte.is_none() {
            problems.push(refusal(
                &at("analyte"),
                "is required, one of cadmium, lead, auramine_o, pesticide_residues, microbiology, other",
                "bắt buộc, một trong các chỉ tiêu trong danh sách",
            ));
        }
        let mut number = |name: &str, value: Option<f64>| match value {
            Some(x) if x.is_finite() && (0.0..=1e9).contains(&x) => Some(x),
            Some(_) => {
                problems.push(refusal(
                    &at(name),
                    "must be a number, not negative",
                    "phải là số không âm",
                ));
                None
            }
            None => {
                problems.push(refusal(&at(name), "is required", "bắt buộc"));
                None
            }
        };
        let result = number("result", a.result);
        let limit = number("limit", a.limit);
        let unit = a.unit.as_deref().and_then(|u| v::text("unit", u, 20).ok());
        if unit.is_none() {
            problems.push(refusal(
                &at("unit"),
                "is required (mg/kg, µg/kg …), at most 20 characters",
                "bắt buộc (mg/kg, µg/kg …), tối đa 20 ký tự",
            ));
        }
        if let (Some(analyte), Some(result), Some(limit), Some(unit)) =
            (analyte, result, limit, unit)
        {
            analytes.push((analyte, result, limit, unit));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let (Some(laboratory_id), Some(sampled_on), Some(reported_on), Some(sampled_by)) =
        (fields.laboratory_id, sampled_on, reported_on, sampled_by)
    else {
        return Err(AppError::Internal("checked above".into()));
    };
    audit::write_transaction(conn, |conn| {
        let target = editable_batch(conn, caller, batch_id)?;
        open_batch(conn, caller, &target)?;
        let lab = lab_result::find_laboratory(conn, &laboratory_id)?
            .ok_or_else(|| AppError::invalid("laboratory_id", "no such laboratory"))?;
        if sampled_on < target.produced_on - chrono::Duration::days(SAMPLE_BEFORE_HARVEST_DAYS) {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("sampled_on"),
                format!(
                    "is more than {SAMPLE_BEFORE_HARVEST_DAYS} days before the batch's harvest: \
                     not a sample of this batch"
                ),
                format!(
                    "sớm hơn ngày thu hoạch của lô quá {SAMPLE_BEFORE_HARVEST_DAYS} ngày: \
                     không phải mẫu của lô này"
                ),
            ));
        }
        let id = crate::domain::id::new_id();
        let passed = analytes
            .iter()
            .all(|(_, result, limit, _)| market::analyte_passes(*result, *limit));
        let row = LabResult {
            id: id.clone(),
            batch_id: target.id.clone(),
            laboratory_id: lab.id.clone(),
            sampled_on,
            sampled_by,
            reported_on,
            passed,
            certificate: None,
            created_by: Some(caller.username.clone()),
            created_at: crate::time::now(),
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawn_reason: None,
        };
        let rows: Vec<LabAnalyte> = analytes
            .iter()
            .enumerate()
            .map(|(i, (analyte, result, limit, unit))| LabAnalyte {
                lab_result_id: id.clone(),
                position: i as i32,
                analyte: analyte.as_str().to_owned(),
                result: *result,
                limit_value: *limit,
                unit: unit.clone(),
            })
            .collect();
        lab_result::insert(conn, &row, &rows)?;
        let view = lab_result::of_batch(conn, &target.id)?
            .into_iter()
            .find(|r| r.result.id == id)
            .ok_or_else(|| AppError::Internal("lab result just written".into()))?;
        audit::created(conn, &Actor::from(caller), "lab_result", &id, &view)?;
        Ok(view)
    })
}

/// A batch's results, if the caller may see the batch.
pub fn of_batch(
    conn: &mut DbConnection,
    caller: &Caller,
    batch_id: &str,
) -> AppResult<Vec<ResultView>> {
    let row = batch::find(conn, &caller.scope(), batch_id)?
        .ok_or_else(|| AppError::not_found("batch"))?;
    Ok(lab_result::of_batch(conn, &row.id)?)
}

/// The result and its batch, if the caller may see the batch.
fn visible_result(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<(LabResult, Batch)> {
    let row = lab_result::find(conn, id)?.ok_or_else(|| AppError::not_found("lab result"))?;
    let b = batch::find(conn, &caller.scope(), &row.batch_id)?
        .ok_or_else(|| AppError::not_found("lab result"))?;
    Ok((row, b))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdrawal {
    /// Why the result is withdrawn: required, kept with it and in the audit log.
    #[serde(default)]
    pub reason: String,
}

/// The refusal of a second withdrawal (409), if `row` is withdrawn.
pub fn already_withdrawn(row: &LabResult) -> Option<AppError> {
    let at = row.withdrawn_at?;
    let by = row.withdrawn_by.as_deref().unwrap_or_default();
    Some(AppError::rule(
        RuleKind::Conflict,
        None,
        format!(
            "this lab result was already withdrawn on {} by {by}",
            at.format("%Y-%m-%d")
        ),
        format!(
            "kết quả kiểm nghiệm này đã được {by} rút ngày {}",
            at.format("%d/%m/%Y")
        ),
    ))
}

/// Withdraws a result recorded by mistake (wrong batch, mistyped figures):
/// the batch's enterprise, or a regulator of its province, or an admin. The
/// row stays, marked withdrawn with the reason, because stamps may already
/// have been issued on it: from now on it counts toward no market's
/// requirement (so no new roll is issued on it) and leaves the consumer
/// page and trace exports; the portal and oversight pages show it withdrawn.
/// A caller who cannot see the batch gets 404; a result already withdrawn,
/// 409; no reason, 422.
pub fn withdraw(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    body: Withdrawal,
) -> AppResult<ResultView> {
    let Ok(reason) = v::text("reason", &body.reason, 500) else {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("reason"),
            "is required (at most 500 characters): say why the result is withdrawn",
            "bắt buộc (tối đa 500 ký tự): hãy ghi lý do rút kết quả",
        ));
    };
    audit::write_transaction(conn, |conn| {
        let (row, b) = visible_result(conn, caller, id)?;
        if matches!(caller.role, Role::Producer { .. }) {
            editable_batch(conn, caller, &b.id)?;
            open_batch(conn, caller, &b)?;
        }
        if let Some(err) = already_withdrawn(&row) {
            return Err(err);
        }
        let now = crate::time::now();
        if lab_result::withdraw(conn, &row.id, now, &caller.username, &reason)? == 0 {
            return Err(AppError::Conflict(
                "this lab result was withdrawn meanwhile".into(),
            ));
        }
        let view = lab_result::of_batch(conn, &b.id)?
            .into_iter()
            .find(|r| r.result.id == row.id)
            .ok_or_else(|| AppError::Internal("lab result just withdrawn".into()))?;
        audit::acted(
            conn,
            &Actor::from(caller),
            "withdraw",
            "lab_result",
            &row.id,
            &row,
            &view.result,
        )?;
        Ok(view)
    })
}

/// A result with its laboratory and analytes, and its batch, if the caller
/// may see the batch (the withdrawal's confirmation page shows it).
pub fn visible_view(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<(ResultView, Batch)> {
    let (row, b) = visible_result(conn, caller, id)?;
    let view = lab_result::of_batch(conn, &b.id)?
        .into_iter()
        .find(|r| r.result.id == row.id)
        .ok_or_else(|| AppError::not_found("lab result"))?;
    Ok((view, b))
}

/// Stores a result's certificate: a PDF (it starts with `%PDF-`) of at most
/// [`MAX_CERTIFICATE`] bytes, by the batch's enterprise.
pub fn attach_certificate(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    pdf: &[u8],
) -> AppResult<()> {
    if pdf.len() > MAX_CERTIFICATE {
        return Err(AppError::PayloadTooLarge(format!(
            "a certificate is at most {MAX_CERTIFICATE} bytes"
        )));
    }
    if !market::is_pdf(pdf) {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("certificate"),
            "is not a PDF file",
            "không phải tệp PDF",
        ));
    }
    audit::write_transaction(conn, |conn| {
        let (row, b) = visible_result(conn, caller, id)?;
        editable_batch(conn, caller, &b.id)?;
        if let Some(err) = already_withdrawn(&row) {
            return Err(err);
        }
        lab_result::set_certificate(conn, &row.id, pdf)?;
        audit::acted(
            conn,
            &Actor::from(caller),
            "attach_certificate",
            "lab_result",
            &row.id,
            &serde_json::json!({"certificate": row.certificate.map(|c| c.len())}),
            &serde_json::json!({"certificate": pdf.len()}),
        )
    })
}

/// The certificate PDF, if the caller may see the batch and one is stored.
pub fn certificate(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Vec<u8>> {
    let (row, _) = visible_result(conn, caller, id)?;
    row.certificate
        .ok_or_else(|| AppError::not_found("certificate"))
}

/// The crop of a batch for the lab requirement: its planting area's.
fn crop_of(conn: &mut DbConnection, row: &Batch) -> AppResult<Option<Crop>> {
    Ok(export_code::of_batch(conn, &row.id)?
        .into_iter()
        .find(|c| c.kind == CodeKind::PlantingArea.as_str())
        .and_then(|c| Crop::parse(&c.crop).ok()))
}

/// What a batch's market requires and which of it no passing result from a
/// laboratory the market recognises covers yet.
pub fn missing_for_market(
    conn: &mut DbConnection,
    config: &Config,
    row: &Batch,
) -> AppResult<Option<(Market, Vec<Analyte>)>> {
    let Some(market) = row.market.as_deref().and_then(|m| Market::parse(m).ok()) else {
        return Ok(None);
    };
    let required = config.export_rules().required(market, crop_of(conn, row)?);
    if required.is_empty() {
        return Ok(None);
    }
    let passing: Vec<Vec<Analyte>> = lab_result::of_batch(conn, &row.id)?
        .into_iter()
        .filter(|r| {
            r.result.passed
                && !r.result.is_withdrawn()
                && r.laboratory.recognised_by(market.as_str())
        })
        .map(|r| {
            r.analytes
                .iter()
                .filter_map(|a| Analyte::parse(&a.analyte).ok())
                .collect()
        })
        .collect();
    Ok(Some((
        market,
        market::missing_analytes(&required, &passing),
    )))
}

/// Refuses stamps for a batch whose market's required analytes are not all
/// covered by passing results (the rule `service::stamps::issue` applies).
pub fn requirement_met(conn: &mut DbConnection, config: &Config, row: &Batch) -> AppResult<()> {
    match missing_for_market(conn, config, row)? {
        Some((market, missing)) if !missing.is_empty() => {
            let en: Vec<&str> = missing.iter().map(|a| a.name_en()).collect();
            let vi: Vec<&str> = missing.iter().map(|a| a.name_vi()).collect();
            Err(AppError::rule(
                RuleKind::Conflict,
                None,
                format!(
                    "the batch is bound for {} and needs a passing lab result from a laboratory \
                     that market recognises for: {}; no stamps before",
                    market.name_en(),
                    en.join(", ")
                ),
                format!(
                    "lô xuất sang {} cần kết quả kiểm nghiệm đạt của phòng thử nghiệm được thị \
                     trường này công nhận cho: {}; chưa được cấp tem",
                    market.name_vi(),
                    vi.join(", ")
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Laboratories, for anyone logged in (a producer picks one).
pub fn laboratories(conn: &mut DbConnection) -> AppResult<Vec<Laboratory>> {
    Ok(lab_result::laboratories(conn)?)
}

/// A batch's results for the public record (consumer page, trace JSON):
/// the batch is already resolved by the caller. Withdrawn results are left
/// out: they were recorded by mistake.
pub fn public_results(conn: &mut DbConnection, batch_id: &str) -> AppResult<Vec<ResultView>> {
    Ok(lab_result::of_batch(conn, batch_id)?
        .into_iter()
        .filter(|r| !r.result.is_withdrawn())
        .collect())
}
