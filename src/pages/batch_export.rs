//! A batch's export side in the producer's portal
//! (`/portal/batches/{id}/export`, linked from the batch page, whose
//! summary it also gives): the market it is bound for, the codes it came
//! through, its lab results with their certificates, and what the market
//! still requires before stamps. Every write is a use case of
//! `service::batches`, `service::export_codes` or `service::lab_results`;
//! a refusal comes back beside its field with nothing written.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use futures_util::{StreamExt, TryStreamExt};
use std::collections::HashMap;

use super::export_codes::{crop_name, kind_name, status_badge};
use super::forms::{
    self, all_of, checked_pairs, field, CheckGroup, Field, FormBody, FormTable, Input, PostedPairs,
    TableCell,
};
use super::frame::Chrome;
use super::i18n::Lang;
use super::lab_withdrawal::Side;
use super::portal::producer;
use super::session::PageUser;
use super::{html_with, path_id, see_other, PageResult};
use crate::domain::market::{Analyte, Market};
use crate::error::AppError;
use crate::models::batch::BatchFields;
use crate::models::lab_result::LabResult;
use crate::service::batches;
use crate::service::export_code_views::{self as views, BatchExport};
use crate::service::export_codes::{self, BatchCodes};
use crate::service::lab_results::{self, ResultFields, MAX_CERTIFICATE};

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    super::lab_withdrawal::portal_routes(scope)
        .route("/batches/{id}/export", web::get().to(show))
        .route("/batches/{id}/market", web::post().to(set_market))
        .route("/batches/{id}/export-codes", web::post().to(set_codes))
        .route("/batches/{id}/lab-results", web::post().to(record_result))
        .route(
            "/lab-results/{id}/certificate",
            web::post().to(attach_certificate),
        )
}

/// Analyte rows the lab form offers (more when more were posted).
const ANALYTE_ROWS: usize = 4;

/// A code of the batch as its rows show it.
pub struct CodeLine {
    pub code: String,
    pub kind: String,
    pub crop: String,
    pub class: &'static str,
    pub status: String,
}

/// A lab result as its rows show it.
pub struct ResultLine {
    pub id: String,
    pub laboratory: String,
    pub sampled: String,
    pub reported: String,
    pub passed: bool,
    pub analytes: Vec<String>,
    pub certificate: bool,
    /// When, by whom and why it was withdrawn, in words.
    pub withdrawn: Option<String>,
    /// The confirmation page withdrawing it, when the reader may.
    pub withdraw: Option<String>,
}

/// The export block of a batch page (producer's and regulator's).
pub struct ExportSummary {
    pub market: Option<String>,
    pub codes: Vec<CodeLine>,
    pub results: Vec<ResultLine>,
    /// Whether the market requires lab results before stamps.
    pub required: bool,
    /// What it still requires, in the page's language.
    pub missing: Vec<String>,
    /// The producer's page managing it, when the reader may.
    pub manage: Option<String>,
}

fn withdrawn_text(l: Lang, r: &LabResult) -> Option<String> {
    let at = r.withdrawn_at?;
    let by = r.withdrawn_by.as_deref().unwrap_or("");
    let reason = r.withdrawn_reason.as_deref().unwrap_or("");
    Some(format!(
        "{} {} {} {by}: {reason}",
        l.t("Đã rút lúc", "Withdrawn at"),
        l.time(&at),
        l.t("bởi", "by"),
    ))
}

fn summary_of(l: Lang, e: &BatchExport, manage: bool, side: Side) -> ExportSummary {
    ExportSummary {
        market: e.market.map(|m| l.t(m.name_vi(), m.name_en()).to_owned()),
        codes: e
            .codes
            .iter()
            .map(|c| {
                let (class, status) = match &c.status {
                    Some(s) => status_badge(l, s),
                    None if e.market.is_some_and(Market::is_export) => (
                        "bad",
                        l.t("thị trường chưa phê duyệt", "not listed by the market")
                            .to_owned(),
                    ),
                    None => ("", String::new()),
                };
                CodeLine {
                    code: c.code.clone(),
                    kind: kind_name(l, &c.kind),
                    crop: crop_name(l, &c.crop),
                    class,
                    status,
                }
            })
            .collect(),
        results: e
            .results
            .iter()
            .map(|r| ResultLine {
                id: r.result.id.clone(),
                laboratory: format!("{} ({})", r.laboratory.name, r.laboratory.accreditation),
                sampled: format!("{} — {}", l.date(&r.result.sampled_on), r.result.sampled_by),
                reported: l.date(&r.result.reported_on),
                passed: r.result.passed,
                analytes: r
                    .analytes
                    .iter()
                    .map(|a| {
                        let name = Analyte::parse(&a.analyte)
                            .map(|x| l.t(x.name_vi(), x.name_en()).to_owned())
                            .unwrap_or_else(|_| a.analyte.clone());
                        format!(
                            "{name}: {} / {} {}",
                            measured(l, a.result),
                            measured(l, a.limit_value),
                            a.unit
                        )
                    })
                    .collect(),
                certificate: r.has_certificate,
                withdrawn: withdrawn_text(l, &r.result),
                withdraw: (e.may_withdraw && !r.result.is_withdrawn())
                    .then(|| side.withdraw_link(&r.result.id)),
            })
            .collect(),
        required: e.required,
        missing: e
            .missing
            .iter()
            .map(|a| l.t(a.name_vi(), a.name_en()).to_owned())
            .collect(),
        manage: manage.then(|| format!("/portal/batches/{}/export", e.batch.id)),
    }
}

/// A measured value as the laboratory wrote it (limits such as 0.005
/// mg/kg need every digit, which `Lang::number` rounds to two), with the
/// reader's decimal mark.
fn measured(l: Lang, value: f64) -> String {
    let text = value.to_string();
    if l.is_en() {
        text
    } else {
        text.replace('.', ",")
    }
}

/// The export block of a batch the user sees; `manage` links the
/// producer's page.
pub async fn summary(
    user: &PageUser,
    batch_id: String,
    manage: bool,
) -> Result<ExportSummary, AppError> {
    let config = user.state.config.clone();
    let e = user
        .act(move |conn, caller| views::batch_export(conn, caller, &config, &batch_id))
        .await?;
    Ok(summary_of(user.l, &e, manage, Side::of(&user.caller)))
}

const MARKET_FORM: &[Field] = &[field(
    "market",
    "Thị trường tiêu thụ của lô",
    "Market the batch is bound for",
    Input::Pick,
)];

const LAB_FORM: &[Field] = &[
    field(
        "laboratory_id",
        "Phòng thử nghiệm",
        "Laboratory",
        Input::Pick,
    ),
    field("sampled_on", "Ngày lấy mẫu", "Sampled on", Input::Date),
    field(
        "sampled_by",
        "Người / đơn vị lấy mẫu",
        "Sampled by",
        Input::Text(200),
    ),
    field(
        "reported_on",
        "Ngày trả kết quả",
        "Reported on",
        Input::Date,
    ),
];

const CELLS: [&str; 4] = ["analyte", "result", "limit", "unit"];

#[derive(Template)]
#[template(path = "portal/batch_export.html")]
struct ExportPage {
    c: Chrome,
    batch_id: String,
    lot: String,
    export: ExportSummary,
    market_form: FormBody,
    codes_form: FormBody,
    lab_form: FormBody,
    /// A refused certificate upload: (result id, why).
    certificate_error: Option<(String, String)>,
}

/// What the forms hold when the page is drawn again.
#[derive(Default)]
struct Posted {
    market: HashMap<String, String>,
    codes: Option<Vec<String>>,
    lab: HashMap<String, String>,
}

fn lab_rows(values: &HashMap<String, String>) -> usize {
    let posted = values
        .keys()
        .filter_map(|k| k.strip_prefix("analyte_"))
        .filter_map(|i| i.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0);
    posted.clamp(ANALYTE_ROWS, lab_results::MAX_ANALYTES)
}

fn analyte_table(l: Lang, values: &HashMap<String, String>) -> FormTable {
    let headings = [
        l.t("Chỉ tiêu", "Analyte"),
        l.t("Kết quả", "Result"),
        l.t("Giới hạn", "Limit"),
        l.t("Đơn vị", "Unit"),
    ];
    let analytes: Vec<(String, String)> = std::iter::once((String::new(), "—".to_owned()))
        .chain(Analyte::ALL.iter().map(|a| {
            (
                a.as_str().to_owned(),
                l.t(a.name_vi(), a.name_en()).to_owned(),
            )
        }))
        .collect();
    let rows = (0..lab_rows(values))
        .map(|i| {
            CELLS
                .iter()
                .zip(headings)
                .map(|(cell, heading)| {
                    let name = format!("{cell}_{i}");
                    TableCell {
                        label: format!("{heading} {}", i + 1),
                        options: if *cell == "analyte" {
                            analytes.clone()
                        } else {
                            Vec::new()
                        },
                        numeric: matches!(*cell, "result" | "limit"),
                        value: values.get(&name).cloned().unwrap_or_default(),
                        error: None,
                        name,
                    }
                })
                .collect()
        })
        .collect();
    FormTable {
        caption: l
            .t(
                "Các chỉ tiêu (dòng để trống được bỏ qua)",
                "Analytes (empty rows are left out)",
            )
            .to_owned(),
        headings: headings.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        error: None,
    }
}

async fn export_page(user: &PageUser, id: String, posted: &Posted) -> Result<ExportPage, AppError> {
    let l = user.l;
    let config = user.state.config.clone();
    let (e, usable, labs) = {
        let id = id.clone();
        user.act(move |conn, caller| {
            let e = views::batch_export(conn, caller, &config, &id)?;
            let usable = views::usable_codes(conn, caller)?;
            let labs = lab_results::laboratories(conn)?;
            Ok((e, usable, labs))
        })
        .await?
    };
    let base = format!("/portal/batches/{}", e.batch.id);
    let c = user.chrome(format!(
        "{} {} — {}",
        l.t("Lô", "Lot"),
        e.batch.lot_code,
        l.t("Xuất khẩu", "Export")
    ));
    let mut market_values = posted.market.clone();
    market_values
        .entry("market".into())
        .or_insert_with(|| e.batch.market.clone().unwrap_or_default());
    let mut market_form = FormBody::new(
        &c,
        l.t("Thị trường", "Market").to_owned(),
        format!("{base}/market"),
        base.clone(),
        MARKET_FORM,
        &market_values,
    )
    .with_options(
        "market",
        std::iter::once((
            String::new(),
            l.t("— chưa xác định —", "— not stated —").to_owned(),
        ))
        .chain(Market::ALL.iter().map(|m| {
            (
                m.as_str().to_owned(),
                l.t(m.name_vi(), m.name_en()).to_owned(),
            )
        }))
        .collect(),
    );
    market_form.warning = Some(
        l.t(
            "Lô xuất khẩu chỉ được dùng mã số đã được thị trường đó phê duyệt: nếu mã số đã khai chưa được phê duyệt, thay đổi sẽ bị từ chối và lý do hiện bên cạnh ô chọn.",
            "An export lot may only use codes its market has approved: if a stated code is not approved, the change is refused and the reason is shown beside the choice.",
        )
        .to_owned(),
    );
    market_form.submit = l.t("Lưu thị trường", "Save the market").to_owned();
    let current: Vec<String> = e.codes.iter().map(|c| c.code.clone()).collect();
    let ticked = posted.codes.clone().unwrap_or(current);
    let mut codes_form = FormBody::new(
        &c,
        l.t("Mã số lô hàng đi qua", "Codes the batch came through")
            .to_owned(),
        format!("{base}/export-codes"),
        base.clone(),
        &[],
        &HashMap::new(),
    );
    codes_form.groups.push(CheckGroup {
        name: "codes",
        legend: l
            .t(
                "Mã số vùng trồng, cơ sở đóng gói doanh nghiệp được dùng",
                "Planting-area and packing-house codes the enterprise may use",
            )
            .to_owned(),
        options: usable
            .iter()
            .map(|v| {
                (
                    v.code.code.clone(),
                    format!(
                        "{} — {}, {}",
                        v.code.code,
                        kind_name(l, &v.code.kind),
                        crop_name(l, &v.code.crop)
                    ),
                    ticked.contains(&v.code.code),
                )
            })
            .collect(),
        error: None,
    });
    codes_form.submit = l.t("Lưu mã số", "Save the codes").to_owned();
    let mut lab_form = FormBody::new(
        &c,
        l.t("Ghi kết quả kiểm nghiệm", "Record a lab result")
            .to_owned(),
        format!("{base}/lab-results"),
        base.clone(),
        LAB_FORM,
        &posted.lab,
    )
    .with_options(
        "laboratory_id",
        std::iter::once((String::new(), l.t("— chọn —", "— choose —").to_owned()))
            .chain(
                labs.into_iter()
                    .map(|x| (x.id, format!("{} ({})", x.name, x.accreditation))),
            )
            .collect(),
    );
    lab_form.table = Some(analyte_table(l, &posted.lab));
    lab_form.submit = l.t("Ghi kết quả", "Record the result").to_owned();
    let mut c = c;
    c.flash = user.notice();
    Ok(ExportPage {
        c,
        batch_id: e.batch.id.clone(),
        lot: e.batch.lot_code.clone(),
        export: summary_of(l, &e, false, Side::Portal),
        market_form,
        codes_form,
        lab_form,
        certificate_error: None,
    })
}

async fn show(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    super::html(&export_page(&user, id, &Posted::default()).await?)
}

async fn set_market(
    user: PageUser,
    path: web::Path<String>,
    posted: web::Form<HashMap<String, String>>,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let values = user.checked_form(posted)?;
    let market = values.get("market").cloned().unwrap_or_default();
    let done = async {
        let chosen = if market.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::Value::String(market.clone())
        };
        let fields: BatchFields = forms::body_of(serde_json::json!({ "market": chosen }))?;
        let (config, id) = (user.state.config.clone(), id.clone());
        user.act(move |conn, caller| batches::update(conn, caller, &config, &id, fields))
            .await
    };
    match done.await {
        Ok(_) => Ok(see_other(&format!(
            "/portal/batches/{id}/export?notice=saved"
        ))),
        Err(err) => {
            // The codes already stated refuse the market: said beside it.
            let err = match err {
                AppError::Rule(mut rule) if rule.field.as_deref() == Some("codes") => {
                    rule.field = Some("market".into());
                    AppError::Rule(rule)
                }
                other => other,
            };
            let posted = Posted {
                market: values,
                ..Posted::default()
            };
            let mut page = export_page(&user, id, &posted).await?;
            let status = page.market_form.mark(err)?;
            html_with(status, &page)
        }
    }
}

async fn set_codes(user: PageUser, path: web::Path<String>, posted: PostedPairs) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let (_, pairs) = checked_pairs(&user, posted)?;
    let codes = all_of(&pairs, "codes");
    let done = {
        let body = BatchCodes {
            codes: codes.clone(),
        };
        let (config, id) = (user.state.config.clone(), id.clone());
        user.act(move |conn, caller| {
            export_codes::set_batch_codes(conn, caller, &config, &id, body)
        })
        .await
    };
    match done {
        Ok(_) => Ok(see_other(&format!(
            "/portal/batches/{id}/export?notice=saved"
        ))),
        Err(err) => {
            let posted = Posted {
                codes: Some(codes),
                ..Posted::default()
            };
            let mut page = export_page(&user, id, &posted).await?;
            let status = page.codes_form.mark(err)?;
            html_with(status, &page)
        }
    }
}

/// The lab form's body: the non-empty analyte rows (and the row each came
/// from), and the cells whose number could not be read.
fn lab_body(
    values: &HashMap<String, String>,
) -> Result<(serde_json::Value, Vec<usize>, Vec<String>), AppError> {
    let mut body = forms::to_json(LAB_FORM, values)?;
    forms::blank_to_null(&mut body, &["laboratory_id"]);
    let mut analytes = Vec::new();
    let mut kept = Vec::new();
    let mut unreadable = Vec::new();
    for i in 0..lab_results::MAX_ANALYTES {
        let cell = |name: &str| {
            values
                .get(&format!("{name}_{i}"))
                .map(|v| v.trim().to_owned())
                .unwrap_or_default()
        };
        let texts: Vec<String> = CELLS.iter().map(|c| cell(c)).collect();
        if texts.iter().all(String::is_empty) {
            continue;
        }
        let mut number = |name: &str, text: &str| {
            if text.is_empty() {
                return serde_json::Value::Null;
            }
            match text
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
            {
                Some(n) => serde_json::json!(n),
                None => {
                    unreadable.push(format!("{name}_{i}"));
                    serde_json::Value::Null
                }
            }
        };
        let text_or_null = |t: &str| {
            if t.is_empty() {
                serde_json::Value::Null
            } else {
                serde_json::Value::String(t.to_owned())
            }
        };
        analytes.push(serde_json::json!({
            "analyte": text_or_null(&texts[0]),
            "result": number("result", &texts[1]),
            "limit": number("limit", &texts[2]),
            "unit": text_or_null(&texts[3]),
        }));
        kept.push(i);
    }
    body["analytes"] = serde_json::Value::Array(analytes);
    Ok((body, kept, unreadable))
}

/// Puts the refusals of a lab result beside their inputs: an analyte's
/// beside its cell in the row it was typed in, the others as any form's.
fn mark_lab(
    form: &mut FormBody,
    err: AppError,
    kept: &[usize],
    unreadable: &[String],
) -> Result<StatusCode, AppError> {
    let l = form.l;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let rest =
        match err {
            AppError::Fields(all) => {
                let mut rest = Vec::new();
                for rule in all {
                    let text = if l == Lang::En {
                        rule.en.clone()
                    } else {
                        rule.vi.clone()
                    };
                    let field = rule.field.clone().unwrap_or_default();
                    let cell = field
                        .strip_prefix("analytes[")
                        .and_then(|r| r.split_once("]."))
                        .and_then(|(k, name)| Some((kept.get(k.parse::<usize>().ok()?)?, name)));
                    match (cell, form.table.as_mut()) {
                        (Some((row, name)), Some(t)) => {
                            if let Some(c) = t.rows.get_mut(*row).and_then(|r| {
                                r.iter_mut().find(|c| c.name == format!("{name}_{row}"))
                            }) {
                                c.error = Some(text);
                            }
                        }
                        (None, Some(t)) if field == "analytes" => t.error = Some(text),
                        _ => rest.push(rule),
                    }
                }
                (!rest.is_empty()).then_some(AppError::Fields(rest))
            }
            other => Some(other),
        };
    if let Some(err) = rest {
        status = form.mark(err)?;
    }
    if let Some(t) = form.table.as_mut() {
        for row in t.rows.iter_mut() {
            for c in row.iter_mut() {
                if unreadable.contains(&c.name) {
                    c.error = Some(l.t("phải là một số", "must be a number").to_owned());
                }
            }
        }
    }
    Ok(status)
}

async fn record_result(
    user: PageUser,
    path: web::Path<String>,
    posted: web::Form<HashMap<String, String>>,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let values = user.checked_form(posted)?;
    let (body, kept, unreadable) = lab_body(&values)?;
    let done = async {
        let fields: ResultFields = forms::body_of(body)?;
        let id = id.clone();
        user.act(move |conn, caller| lab_results::record(conn, caller, &id, fields))
            .await
    };
    match done.await {
        Ok(_) if unreadable.is_empty() => Ok(see_other(&format!(
            "/portal/batches/{id}/export?notice=saved#results"
        ))),
        Ok(_) => Err(AppError::Internal("an unreadable number was recorded".into()).into()),
        Err(err) => {
            let posted = Posted {
                lab: values,
                ..Posted::default()
            };
            let mut page = export_page(&user, id, &posted).await?;
            let status = mark_lab(&mut page.lab_form, err, &kept, &unreadable)?;
            html_with(status, &page)
        }
    }
}

/// Reads a certificate upload: its CSRF token and the PDF, capped.
async fn read_certificate(mut body: Multipart) -> Result<(String, Vec<u8>), AppError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        AppError::BadRequest(format!("biểu mẫu không đọc được / unreadable form: {e}"))
    };
    let (mut csrf, mut pdf) = (String::new(), Vec::new());
    let mut fields = 0;
    while let Some(mut field) = body.try_next().await.map_err(|e| unreadable(&e))? {
        fields += 1;
        if fields > 4 {
            return Err(AppError::PayloadTooLarge("too many form fields".into()));
        }
        let name = field.name().unwrap_or_default().to_owned();
        let cap = if name == "certificate" {
            MAX_CERTIFICATE
        } else {
            1024
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| unreadable(&e))?;
            if bytes.len() + chunk.len() > cap {
                return Err(AppError::PayloadTooLarge(format!(
                    "a certificate is at most {MAX_CERTIFICATE} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        match name.as_str() {
            "certificate" => pdf = bytes,
            "csrf" => csrf = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    Ok((csrf, pdf))
}

async fn attach_certificate(
    user: PageUser,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let batch_id = {
        let id = id.clone();
        user.act(move |conn, caller| {
            let row = crate::models::lab_result::find(conn, &id)?
                .ok_or_else(|| AppError::not_found("lab result"))?;
            crate::service::access::visible_batch(conn, caller, &row.batch_id).map(|b| b.id)
        })
        .await?
    };
    let done = async {
        let (csrf, pdf) = read_certificate(Multipart::new(req.headers(), payload)).await?;
        user.check_csrf(&csrf)?;
        if pdf.is_empty() {
            return Err(AppError::rule(
                crate::error::RuleKind::Invalid,
                Some("certificate"),
                "choose the certificate's PDF file",
                "hãy chọn tệp PDF của phiếu kết quả",
            ));
        }
        let id = id.clone();
        user.act(move |conn, caller| lab_results::attach_certificate(conn, caller, &id, &pdf))
            .await
    };
    match done.await {
        Ok(()) => Ok(see_other(&format!(
            "/portal/batches/{batch_id}/export?notice=saved#results"
        ))),
        Err(err @ AppError::Forbidden(_)) => Err(err.into()),
        Err(err) => {
            let mut page = export_page(&user, batch_id, &Posted::default()).await?;
            // Worded as a form would word it, then shown beside the upload.
            let mut scratch = FormBody::new(
                &page.c,
                String::new(),
                String::new(),
                String::new(),
                &[],
                &HashMap::new(),
            );
            let status = scratch.mark(err)?;
            page.certificate_error = Some((id, scratch.problem.unwrap_or_default()));
            html_with(status, &page)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_rows_are_left_out_and_rows_keep_their_place() {
        let values: HashMap<String, String> = [
            ("analyte_1", "cadmium"),
            ("result_1", "0,02"),
            ("limit_1", "0.05"),
            ("unit_1", "mg/kg"),
            ("analyte_3", "lead"),
            ("result_3", "many"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let (body, kept, unreadable) = lab_body(&values).unwrap();
        assert_eq!(kept, [1, 3]);
        assert_eq!(body["analytes"][0]["result"], 0.02);
        assert!(body["analytes"][1]["unit"].is_null());
        assert_eq!(unreadable, ["result_3"]);
        assert!(body["laboratory_id"].is_null());
    }
}
