//! A producer's export codes (`/portal/export-codes`): the codes its
//! enterprise owns or may use, each with its facility, crop, hectares and
//! every market's status; registering a code for one of its facilities
//! (the markets submitted to as checkboxes); on a code it owns, authorising
//! a packer by its tax code or withdrawing one. The writes are
//! `service::export_codes`' use cases, the same as the API's.

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::forms::{
    self, all_of, checked_pairs, field, CheckGroup, Field, FormBody, Input, PostedPairs,
};
use super::frame::Chrome;
use super::i18n::Lang;
use super::portal::producer;
use super::session::PageUser;
use super::{html, html_with, path_id, see_other, PageResult};
use crate::domain::market::{ApprovalStatus, CodeKind, Crop, Market};
use crate::error::AppError;
use crate::models::facility::{self, FacilityFilter};
use crate::models::page::Page;
use crate::service::export_code_views::{self as views, CodeFilter, CodeListing};
use crate::service::export_codes::{self, Authorisation, CodeFields};

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/export-codes", web::get().to(list))
        .route("/export-codes", web::post().to(register))
        .route("/export-codes/{id}", web::get().to(show))
        .route("/export-codes/{id}/users", web::post().to(authorise))
        .route(
            "/export-codes/{id}/users/{enterprise}/withdraw",
            web::post().to(withdraw),
        )
}

/// A market's status as a badge: (class, words).
pub fn status_badge(l: Lang, status: &str) -> (&'static str, String) {
    match ApprovalStatus::parse(status) {
        Ok(s) => (
            match s {
                ApprovalStatus::Approved => "good",
                ApprovalStatus::Suspended | ApprovalStatus::Revoked => "bad",
                ApprovalStatus::Pending => "",
            },
            l.t(s.name_vi(), s.name_en()).to_owned(),
        ),
        Err(_) => ("", status.to_owned()),
    }
}

pub fn market_name(l: Lang, market: &str) -> String {
    Market::parse(market)
        .map(|m| l.t(m.name_vi(), m.name_en()).to_owned())
        .unwrap_or_else(|_| market.to_owned())
}

pub fn kind_name(l: Lang, kind: &str) -> String {
    CodeKind::parse(kind)
        .map(|k| l.t(k.name_vi(), k.name_en()).to_owned())
        .unwrap_or_else(|_| kind.to_owned())
}

pub fn crop_name(l: Lang, crop: &str) -> String {
    Crop::parse(crop)
        .map(|c| l.t(c.name_vi(), c.name_en()).to_owned())
        .unwrap_or_else(|_| crop.to_owned())
}

/// One market's decision on a code, as a row shows it.
pub struct MarketLine {
    pub market: String,
    pub class: &'static str,
    pub status: String,
    pub since: String,
    pub reason: String,
}

/// A code as a table row shows it.
pub struct CodeRow {
    pub id: String,
    pub code: String,
    pub kind: String,
    pub facility: String,
    pub enterprise: String,
    pub crop: String,
    pub area: String,
    pub markets: Vec<MarketLine>,
    pub users: Vec<(String, String)>,
    pub owned: bool,
}

pub fn code_row(l: Lang, c: CodeListing) -> CodeRow {
    CodeRow {
        id: c.view.code.id.clone(),
        code: c.view.code.code.clone(),
        kind: kind_name(l, &c.view.code.kind),
        facility: c.facility,
        enterprise: c.enterprise,
        crop: crop_name(l, &c.view.code.crop),
        area: c
            .view
            .code
            .area_ha
            .map(|a| format!("{} ha", l.number(a)))
            .unwrap_or_else(|| "—".to_owned()),
        markets: c
            .view
            .markets
            .iter()
            .map(|m| {
                let (class, status) = status_badge(l, &m.status);
                MarketLine {
                    market: market_name(l, &m.market),
                    class,
                    status,
                    since: l.date(&m.status_since),
                    reason: m.reason.clone().unwrap_or_default(),
                }
            })
            .collect(),
        users: c.users,
        owned: c.owned,
    }
}

const REGISTER_FORM: &[Field] = &[
    field(
        "code",
        "Mã số (như trên giấy chứng nhận)",
        "Code (as on the certificate)",
        Input::Text(export_codes::MAX_CODE),
    ),
    field("kind", "Loại mã số", "Kind of code", Input::Pick),
    field("facility_id", "Cơ sở", "Facility", Input::Pick),
    field("crop", "Loại cây trồng", "Crop", Input::Pick),
    field(
        "area_ha",
        "Diện tích (ha; bắt buộc với vùng trồng)",
        "Area (hectares; required for a planting area)",
        Input::Number,
    ),
];

const AUTHORISE_FORM: &[Field] = &[field(
    "tax_code",
    "Mã số thuế của doanh nghiệp được ủy quyền (cơ sở đóng gói)",
    "Tax code of the enterprise to authorise (the packer)",
    Input::Text(14),
)];

fn choose(l: Lang) -> (String, String) {
    (String::new(), l.t("— chọn —", "— choose —").to_owned())
}

/// The export markets as checkboxes, those in `ticked` ticked.
pub fn market_group(l: Lang, legend: String, ticked: &[String], all: bool) -> CheckGroup {
    CheckGroup {
        name: "markets",
        legend,
        options: Market::ALL
            .iter()
            .filter(|m| all || m.is_export())
            .map(|m| {
                (
                    m.as_str().to_owned(),
                    l.t(m.name_vi(), m.name_en()).to_owned(),
                    ticked.iter().any(|t| t == m.as_str()),
                )
            })
            .collect(),
        error: None,
    }
}

#[derive(Template)]
#[template(path = "portal/export_codes.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<CodeRow>,
    form: FormBody,
}

async fn list_page(
    user: &PageUser,
    values: &HashMap<String, String>,
    markets: &[String],
) -> Result<ListPage, AppError> {
    let l = user.l;
    let rows = user
        .act(|conn, caller| views::codes_in_reach(conn, caller, &CodeFilter::default()))
        .await?
        .into_iter()
        .map(|c| code_row(l, c))
        .collect();
    let scope = user.caller.scope();
    let facilities = user
        .state
        .db(move |conn| {
            Ok(facility::list(conn, &scope, &FacilityFilter::default(), Page::export())?.items)
        })
        .await?;
    let c = user.chrome(l.t("Mã số xuất khẩu", "Export codes"));
    let mut form = FormBody::new(
        &c,
        l.t("Đăng ký mã số cho cơ sở", "Register a code for a facility")
            .to_owned(),
        "/portal/export-codes".into(),
        "/portal".into(),
        REGISTER_FORM,
        values,
    )
    .with_options(
        "kind",
        std::iter::once(choose(l))
            .chain(CodeKind::ALL.iter().map(|k| {
                (
                    k.as_str().to_owned(),
                    l.t(k.name_vi(), k.name_en()).to_owned(),
                )
            }))
            .collect(),
    )
    .with_options(
        "facility_id",
        std::iter::once(choose(l))
            .chain(facilities.into_iter().map(|f| (f.id, f.name)))
            .collect(),
    )
    .with_options(
        "crop",
        std::iter::once(choose(l))
            .chain(Crop::ALL.iter().map(|k| {
                (
                    k.as_str().to_owned(),
                    l.t(k.name_vi(), k.name_en()).to_owned(),
                )
            }))
            .collect(),
    );
    form.groups.push(market_group(
        l,
        l.t(
            "Thị trường đã nộp hồ sơ (chờ cơ quan quản lý ghi nhận quyết định)",
            "Markets applied to (pending until a regulator records the decision)",
        )
        .to_owned(),
        markets,
        false,
    ));
    form.submit = l.t("Đăng ký mã số", "Register the code").to_owned();
    Ok(ListPage { c, rows, form })
}

async fn list(user: PageUser) -> PageResult {
    producer(&user)?;
    let mut page = list_page(&user, &HashMap::new(), &[]).await?;
    page.c.flash = user.notice();
    html(&page)
}

async fn register(user: PageUser, posted: PostedPairs) -> PageResult {
    producer(&user)?;
    let (values, pairs) = checked_pairs(&user, posted)?;
    let markets = all_of(&pairs, "markets");
    let done = async {
        let mut body = forms::to_json(REGISTER_FORM, &values)?;
        forms::blank_to_null(&mut body, &["kind", "facility_id", "crop"]);
        body["markets"] = serde_json::json!(markets);
        let fields: CodeFields = forms::body_of(body)?;
        user.act(move |conn, caller| export_codes::register(conn, caller, fields))
            .await
    };
    match done.await {
        Ok(view) => Ok(see_other(&format!(
            "/portal/export-codes/{}?notice=saved",
            view.code.id
        ))),
        Err(err) => {
            let mut page = list_page(&user, &values, &markets).await?;
            let status = page.form.mark(err)?;
            html_with(status, &page)
        }
    }
}

#[derive(Template)]
#[template(path = "portal/export_code.html")]
struct CodePage {
    c: Chrome,
    row: CodeRow,
    form: Option<FormBody>,
}

async fn code_page(
    user: &PageUser,
    id: String,
    values: &HashMap<String, String>,
) -> Result<CodePage, AppError> {
    let l = user.l;
    let (listing, _) = user
        .act(move |conn, caller| views::code_record(conn, caller, &id))
        .await?;
    let row = code_row(l, listing);
    let c = user.chrome(format!("{} {}", l.t("Mã số", "Code"), row.code));
    let form = row.owned.then(|| {
        let mut form = FormBody::new(
            &c,
            l.t("Ủy quyền sử dụng mã số", "Authorise the use of this code")
                .to_owned(),
            format!("/portal/export-codes/{}/users", row.id),
            "/portal/export-codes".into(),
            AUTHORISE_FORM,
            values,
        );
        form.submit = l.t("Ủy quyền", "Authorise").to_owned();
        form
    });
    Ok(CodePage { c, row, form })
}

async fn show(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let mut page = code_page(&user, id, &HashMap::new()).await?;
    page.c.flash = user.notice();
    html(&page)
}

async fn authorise(
    user: PageUser,
    path: web::Path<String>,
    posted: web::Form<HashMap<String, String>>,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let values = user.checked_form(posted)?;
    let tax_code = values.get("tax_code").cloned().unwrap_or_default();
    let done = {
        let id = id.clone();
        user.act(move |conn, caller| views::authorise_by_tax_code(conn, caller, &id, &tax_code))
            .await
    };
    match done {
        Ok(_) => Ok(see_other(&format!(
            "/portal/export-codes/{id}?notice=saved"
        ))),
        Err(err) => {
            let mut page = code_page(&user, id, &values).await?;
            let status = match page.form.as_mut() {
                Some(form) => form.mark(err)?,
                None => return Err(err.into()),
            };
            html_with(status, &page)
        }
    }
}

async fn withdraw(
    user: PageUser,
    path: web::Path<(String, String)>,
    posted: web::Form<HashMap<String, String>>,
) -> PageResult {
    producer(&user)?;
    let (id, enterprise) = path.into_inner();
    let id = path_id(&id)?.into_string();
    let enterprise_id = path_id(&enterprise)?;
    user.checked_form(posted)?;
    {
        let id = id.clone();
        user.act(move |conn, caller| {
            export_codes::authorise(conn, caller, &id, Authorisation { enterprise_id }, false)
        })
        .await?;
    }
    Ok(see_other(&format!(
        "/portal/export-codes/{id}?notice=saved"
    )))
}
