//! Export codes on the regulator's portal (`/oversight/export-codes`): the
//! province's codes with each market's status, filtered by status or
//! market, and the code-misuse and yield alerts; a code's page with its
//! users, its history (the audit log) and the form recording a market's
//! decision with its reason — a suspension or revocation only once its
//! confirmation box is ticked; and the laboratories, which regulators and
//! admins register (`/oversight/laboratories`). The writes are
//! `service::export_codes::set_status` and
//! `service::lab_results::register_laboratory`.

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::export_codes::{code_row, market_group, market_name, CodeRow};
use super::forms::{
    self, all_of, checked_pairs, field, CheckGroup, Field, FormBody, Input, PostedPairs,
};
use super::frame::Chrome;
use super::i18n::Lang;
use super::oversight::overseer;
use super::session::PageUser;
use super::{html, html_with, path_id, see_other, PageResult};
use crate::domain::market::{ApprovalStatus, Market};
use crate::error::AppError;
use crate::models::lab_result::Laboratory;
use crate::service::export_code_views::{self as views, CodeFilter};
use crate::service::export_codes::{self, StatusChange};
use crate::service::lab_results::{self, LaboratoryFields};

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    super::lab_withdrawal::oversight_routes(scope)
        .route("/export-codes", web::get().to(list))
        .route("/export-codes/{id}", web::get().to(show))
        .route("/export-codes/{id}/status", web::post().to(set_status))
        .route("/laboratories", web::get().to(laboratories))
        .route("/laboratories", web::post().to(register_laboratory))
}

/// Alerts of the last this many days are listed.
const ALERT_DAYS: i64 = 90;

pub struct AlertLine {
    pub kind: String,
    pub code: String,
    pub code_id: Option<String>,
    pub batch_id: Option<String>,
    pub detail: String,
    pub raised: String,
}

#[derive(Template)]
#[template(path = "oversight/export_codes.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<CodeRow>,
    alerts: Vec<AlertLine>,
    /// The filter's choices: (value, label, chosen).
    statuses: Vec<(String, String, bool)>,
    markets: Vec<(String, String, bool)>,
}

fn choices(
    l: Lang,
    all: impl Iterator<Item = (&'static str, &'static str, &'static str)>,
    chosen: Option<&str>,
) -> Vec<(String, String, bool)> {
    std::iter::once((
        String::new(),
        l.t("Tất cả", "All").to_owned(),
        chosen.is_none(),
    ))
    .chain(all.map(|(value, vi, en)| {
        (
            value.to_owned(),
            l.t(vi, en).to_owned(),
            chosen == Some(value),
        )
    }))
    .collect()
}

async fn list(user: PageUser, query: web::Query<HashMap<String, String>>) -> PageResult {
    overseer(&user)?;
    let l = user.l;
    let asked = |name: &str| query.get(name).filter(|v| !v.is_empty()).cloned();
    let status = asked("status")
        .map(|s| ApprovalStatus::parse(&s).map_err(|why| AppError::invalid("status", why)))
        .transpose()?;
    let market = asked("market")
        .map(|s| {
            Market::parse(&s)
                .ok()
                .filter(|m| m.is_export())
                .ok_or_else(|| AppError::invalid("market", "is not an export market"))
        })
        .transpose()?;
    let filter = CodeFilter { status, market };
    let (codes, alerts) = user
        .act(move |conn, caller| {
            Ok((
                views::codes_in_reach(conn, caller, &filter)?,
                views::recent_alerts(conn, caller, ALERT_DAYS)?,
            ))
        })
        .await?;
    let mut c = user.chrome(l.t("Mã số xuất khẩu", "Export codes"));
    c.flash = user.notice();
    html(&ListPage {
        rows: codes.into_iter().map(|x| code_row(l, x)).collect(),
        alerts: alerts
            .into_iter()
            .map(|a| AlertLine {
                kind: match a.kind.as_str() {
                    "code_misuse" => l.t("Dùng mã số trái phép", "Code misuse"),
                    "yield_exceeded" => l.t("Sản lượng vượt mức hợp lý", "Yield beyond plausible"),
                    other => other,
                }
                .to_owned(),
                code: a.code,
                code_id: a.export_code_id,
                batch_id: a.batch_id,
                detail: a.detail,
                raised: l.time(&a.raised_at),
            })
            .collect(),
        statuses: choices(
            l,
            ApprovalStatus::ALL
                .iter()
                .map(|s| (s.as_str(), s.name_vi(), s.name_en())),
            status.map(|s| s.as_str()),
        ),
        markets: choices(
            l,
            Market::ALL
                .iter()
                .filter(|m| m.is_export())
                .map(|m| (m.as_str(), m.name_vi(), m.name_en())),
            market.map(|m| m.as_str()),
        ),
        c,
    })
}

const STATUS_FORM: &[Field] = &[
    field("market", "Thị trường", "Market", Input::Pick),
    field(
        "status",
        "Quyết định của thị trường",
        "The market's decision",
        Input::Pick,
    ),
    field(
        "reason",
        "Lý do, căn cứ (bắt buộc)",
        "Reason and reference (required)",
        Input::LongText(500),
    ),
    field(
        "approved_on",
        "Ngày thị trường phê duyệt (nếu phê duyệt; mặc định hôm nay)",
        "Day the market approved it (for an approval; today if empty)",
        Input::Date,
    ),
];

/// One change in a code's history.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub what: String,
}

#[derive(Template)]
#[template(path = "oversight/export_code.html")]
struct CodePage {
    c: Chrome,
    row: CodeRow,
    history: Vec<HistoryLine>,
    form: FormBody,
}

fn history_line(l: Lang, e: crate::models::audit_log::EntityEntry) -> HistoryLine {
    let what = match e.action.as_str() {
        "create" | "created" => l.t("Đăng ký mã số", "Code registered").to_owned(),
        "set_market_status" => {
            let markets: Vec<serde_json::Value> = e
                .after_state
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            let said: Vec<String> = markets
                .iter()
                .map(|m| {
                    let (_, status) = super::export_codes::status_badge(
                        l,
                        m["status"].as_str().unwrap_or_default(),
                    );
                    let reason = m["reason"].as_str().unwrap_or_default();
                    format!(
                        "{}: {status}{}",
                        market_name(l, m["market"].as_str().unwrap_or_default()),
                        if reason.is_empty() {
                            String::new()
                        } else {
                            format!(" ({reason})")
                        }
                    )
                })
                .collect();
            format!(
                "{} — {}",
                l.t(
                    "Ghi nhận quyết định của thị trường",
                    "Market decision recorded"
                ),
                said.join("; ")
            )
        }
        "authorise" => l.t("Ủy quyền sử dụng", "Use authorised").to_owned(),
        "withdraw" => l.t("Rút ủy quyền", "Authorisation withdrawn").to_owned(),
        other => other.to_owned(),
    };
    HistoryLine {
        at: l.time(&e.occurred_at),
        actor: e.actor,
        what,
    }
}

async fn code_page(
    user: &PageUser,
    id: String,
    values: &HashMap<String, String>,
    confirmed: bool,
) -> Result<CodePage, AppError> {
    let l = user.l;
    let (listing, entries) = user
        .act(move |conn, caller| views::code_record(conn, caller, &id))
        .await?;
    let row = code_row(l, listing);
    let c = user.chrome(format!("{} {}", l.t("Mã số", "Code"), row.code));
    let mut form = FormBody::new(
        &c,
        l.t(
            "Ghi nhận quyết định của thị trường",
            "Record a market's decision",
        )
        .to_owned(),
        format!("/oversight/export-codes/{}/status", row.id),
        "/oversight/export-codes".into(),
        STATUS_FORM,
        values,
    )
    .with_options(
        "market",
        Market::ALL
            .iter()
            .filter(|m| m.is_export())
            .map(|m| {
                (
                    m.as_str().to_owned(),
                    l.t(m.name_vi(), m.name_en()).to_owned(),
                )
            })
            .collect(),
    )
    .with_options(
        "status",
        ApprovalStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    l.t(s.name_vi(), s.name_en()).to_owned(),
                )
            })
            .collect(),
    );
    form.warning = Some(
        l.t(
            "Tạm dừng hoặc thu hồi: lô xuất sang thị trường này không được dùng mã số, và lô đã khai mã số sẽ không được cấp thêm tem. Hãy đánh dấu ô xác nhận.",
            "Suspending or revoking: batches bound for that market can no longer use the code, and batches that state it get no more stamps. Tick the confirmation box.",
        )
        .to_owned(),
    );
    form.groups.push(CheckGroup {
        name: "confirm",
        legend: l.t("Xác nhận", "Confirmation").to_owned(),
        options: vec![(
            "yes".into(),
            l.t(
                "Tôi xác nhận tạm dừng hoặc thu hồi mã số này với thị trường đã chọn",
                "I confirm suspending or revoking this code for the chosen market",
            )
            .to_owned(),
            confirmed,
        )],
        error: None,
    });
    form.submit = l.t("Ghi nhận", "Record").to_owned();
    Ok(CodePage {
        c,
        row,
        history: entries.into_iter().map(|e| history_line(l, e)).collect(),
        form,
    })
}

async fn show(user: PageUser, path: web::Path<String>) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?.into_string();
    let mut page = code_page(&user, id, &HashMap::new(), false).await?;
    page.c.flash = user.notice();
    html(&page)
}

async fn set_status(user: PageUser, path: web::Path<String>, posted: PostedPairs) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?.into_string();
    let (values, pairs) = checked_pairs(&user, posted)?;
    let confirmed = all_of(&pairs, "confirm").iter().any(|v| v == "yes");
    let done = async {
        let grave = matches!(
            values.get("status").map(String::as_str),
            Some("suspended" | "revoked")
        );
        if grave && !confirmed {
            return Err(AppError::rule(
                crate::error::RuleKind::Invalid,
                Some("confirm"),
                "tick the box to confirm the suspension or revocation",
                "hãy đánh dấu ô xác nhận việc tạm dừng hoặc thu hồi",
            ));
        }
        let change: StatusChange = forms::body_of(forms::to_json(STATUS_FORM, &values)?)?;
        let id = id.clone();
        user.act(move |conn, caller| export_codes::set_status(conn, caller, &id, change))
            .await
    };
    match done.await {
        Ok(_) => Ok(see_other(&format!(
            "/oversight/export-codes/{id}?notice=saved"
        ))),
        Err(err @ (AppError::NotFound(_) | AppError::Forbidden(_))) => Err(err.into()),
        Err(err) => {
            let mut page = code_page(&user, id, &values, confirmed).await?;
            let status = page.form.mark(err)?;
            html_with(status, &page)
        }
    }
}

const LABORATORY_FORM: &[Field] = &[
    field(
        "name",
        "Tên phòng thử nghiệm",
        "Laboratory name",
        Input::Text(200),
    ),
    field(
        "accreditation",
        "Số hiệu công nhận (VILAS …)",
        "Accreditation number (VILAS …)",
        Input::Text(40),
    ),
];

#[derive(Template)]
#[template(path = "oversight/laboratories.html")]
struct LaboratoriesPage {
    c: Chrome,
    /// (laboratory, markets recognising it in words).
    laboratories: Vec<(Laboratory, String)>,
    form: FormBody,
}

async fn laboratories_page(
    user: &PageUser,
    values: &HashMap<String, String>,
    markets: &[String],
) -> Result<LaboratoriesPage, AppError> {
    let l = user.l;
    let rows = user.state.db(lab_results::laboratories).await?;
    let c = user.chrome(l.t("Phòng thử nghiệm", "Laboratories"));
    let mut form = FormBody::new(
        &c,
        l.t("Đăng ký phòng thử nghiệm", "Register a laboratory")
            .to_owned(),
        "/oversight/laboratories".into(),
        "/oversight".into(),
        LABORATORY_FORM,
        values,
    );
    form.groups.push(market_group(
        l,
        l.t(
            "Thị trường công nhận kết quả của phòng",
            "Markets recognising its results",
        )
        .to_owned(),
        markets,
        true,
    ));
    form.submit = l.t("Đăng ký", "Register").to_owned();
    Ok(LaboratoriesPage {
        laboratories: rows
            .into_iter()
            .map(|x| {
                let named: Vec<String> = x
                    .markets
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(|m| market_name(l, m))
                    .collect();
                (x, named.join(", "))
            })
            .collect(),
        c,
        form,
    })
}

async fn laboratories(user: PageUser) -> PageResult {
    overseer(&user)?;
    let mut page = laboratories_page(&user, &HashMap::new(), &[]).await?;
    page.c.flash = user.notice();
    html(&page)
}

async fn register_laboratory(user: PageUser, posted: PostedPairs) -> PageResult {
    overseer(&user)?;
    let (values, pairs) = checked_pairs(&user, posted)?;
    let markets = all_of(&pairs, "markets");
    let done = async {
        let fields = LaboratoryFields {
            name: values.get("name").cloned().unwrap_or_default(),
            accreditation: values.get("accreditation").cloned().unwrap_or_default(),
            markets: markets.clone(),
        };
        user.act(move |conn, caller| lab_results::register_laboratory(conn, caller, fields))
            .await
    };
    match done.await {
        Ok(_) => Ok(see_other("/oversight/laboratories?notice=saved")),
        Err(err) => {
            let mut page = laboratories_page(&user, &values, &markets).await?;
            let status = page.form.mark(err)?;
            html_with(status, &page)
        }
    }
}
