//! The regulator's portal (`/oversight`): an overview of the province with
//! charts, its facilities (filterable, downloadable as CSV), a facility's
//! full record, and the grave acts — inspection, suspension, reinstatement,
//! recall — each behind a confirmation page that asks for the reason. The
//! acts go through the same API handlers as any client.

use actix_web::{web, HttpRequest};
use askama::Template;
use chrono::Duration;
use std::collections::HashMap;

use super::chart::{self, Bar};
use super::forms::{self, field, CheckRow, Field, FormPage, Input};
use super::frame::Chrome;
use super::session::PageUser;
use super::{html, path_id, PageError, PageResult};
use crate::auth::Role;
use crate::domain::checklist;
use crate::domain::id::Id;
use crate::domain::kinds::FacilityKind;
use crate::domain::kinds::FacilityStatus;
use crate::error::AppError;
use crate::models::batch::{self, BatchFilter, BatchView};
use crate::models::certification::{self, Certification};
use crate::models::facility::{self, Facility};
use crate::models::fake_report::FakeReport;
use crate::models::inspection::{self, InspectionFilter};
use crate::models::page::Page;
use crate::models::stats::{self, Stats};
use crate::service::oversight::{FacilitySearch, SortKey, Standing, WorkQueue};
use crate::service::{oversight, reports};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::code_oversight::routes(web::scope("/oversight"))
            .wrap(actix_web::middleware::from_fn(super::keep_lang))
            .route("", web::get().to(overview))
            .route("/map", web::get().to(super::map::oversight_map))
            .route("/facilities", web::get().to(facilities))
            .route("/facilities/{id}", web::get().to(facility_record))
            .route("/facilities/{id}/inspect", web::get().to(inspection_form))
            .route(
                "/facilities/{id}/inspect",
                web::post().to(record_inspection),
            )
            .route(
                "/facilities/{id}/relocate",
                web::get().to(super::relocation::form),
            )
            .route(
                "/facilities/{id}/relocate",
                web::post().to(super::relocation::relocate),
            )
            .route("/facilities/{id}/{act}", web::get().to(status_form))
            .route("/facilities/{id}/{act}", web::post().to(change_status))
            .route(
                "/batches/{id}",
                web::get().to(super::event_changes::batch_history),
            )
            .route("/batches/{id}/recall", web::get().to(recall_form))
            .route("/batches/{id}/recall", web::post().to(recall))
            .route("/batches/{id}/unrecall", web::get().to(unrecall_form))
            .route("/batches/{id}/unrecall", web::post().to(unrecall)),
    );
}

/// Regulators and admins oversee; producers have their own portal.
pub(super) fn overseer(user: &PageUser) -> Result<(), PageError> {
    match user.caller.role {
        Role::Regulator { .. } | Role::Admin => Ok(()),
        Role::Producer { .. } => {
            Err(AppError::Forbidden("this page is for regulators".into()).into())
        }
    }
}

// ---- overview -------------------------------------------------------------

#[derive(Template)]
#[template(path = "oversight/overview.html")]
struct Overview {
    c: Chrome,
    /// No product list on the regulator's FSMA 204 form: dates and lots.
    fsma_products: Vec<(String, String)>,
    province: String,
    /// What needs action, first on the page.
    queue: WorkQueue,
    expiry_days: i64,
    figures: Stats,
    issued_chart: String,
    scans_chart: String,
    reports: Vec<FakeReport>,
    /// Regulators follow reports up: they see phones and photos.
    photos: bool,
}

async fn overview(user: PageUser) -> PageResult {
    overseer(&user)?;
    let scope = user.caller.scope();
    let today = crate::time::now().date();
    let starts = chart::week_starts(today, 8);
    let weeks = starts.clone();
    let (from, to) = (
        chart::start_of(starts[0]),
        chart::start_of(today + Duration::days(1)),
    );
    let queue = user
        .act(move |conn, caller| {
            oversight::work_queue(conn, caller, crate::time::today(), from, to)
        })
        .await?;
    let alert_count = queue.alerts.len();
    let (figures, issued) = user
        .state
        .db(move |conn| {
            let figures = stats::stats(conn, &scope, from, to, alert_count)?;
            let mut issued = Vec::new();
            for start in &weeks {
                issued.push(Bar {
                    label: start.format("%d/%m").to_string(),
                    value: stats::stamps_issued(
                        conn,
                        &scope,
                        chart::start_of(*start),
                        chart::start_of(*start + Duration::days(7)),
                    )?,
                });
            }
            Ok((figures, issued))
        })
        .await?;
    let reports = user
        .act(move |conn, caller| reports::between(conn, caller, from, to))
        .await?;
    let l = user.l;
    let province = match &user.caller.role {
        Role::Regulator { province } => province.clone(),
        _ => l.t("Cả nước", "Whole country").to_owned(),
    };
    let mut c = user.chrome(l.t("Tổng quan", "Overview"));
    c.flash = user.notice();
    let page = Overview {
        fsma_products: Vec::new(),
        c,
        province,
        queue,
        expiry_days: oversight::EXPIRY_NOTICE_DAYS,
        issued_chart: chart::bars(
            l.t("Tem cấp mỗi tuần", "Stamps issued per week"),
            &issued,
            true,
        ),
        scans_chart: chart::bars(
            l.t("Lượt quét mỗi tuần", "Scans per week"),
            &chart::weekly_scans(&starts, &figures.scans_per_day),
            false,
        ),
        figures,
        reports,
        photos: true,
    };
    html(&page)
}

// ---- facilities -------------------------------------------------------------

/// Rows of the facility list a page holds.
const PER_PAGE: usize = 50;

#[derive(Template)]
#[template(path = "oversight/facilities.html")]
struct FacilityList {
    c: Chrome,
    q: String,
    kind: String,
    status: String,
    /// The sort asked for, as in `?sort=`.
    sort: String,
    kinds: Vec<(&'static str, String)>,
    /// Column headers: (label, link that sorts by it, arrow if sorted by it).
    columns: Vec<(String, String, &'static str)>,
    /// This list's address, for the page links.
    here: String,
    items: Vec<Standing>,
    total: usize,
    page: usize,
    pages: usize,
    csv: String,
    problem: Option<String>,
}

fn filled(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// What a query value keeps unencoded: letters, digits, `-` and `_` (sort
/// names read as themselves).
const QUERY_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_');

fn encoded(v: &str) -> String {
    percent_encoding::utf8_percent_encode(v, QUERY_VALUE).to_string()
}

/// The list's address with its filters, sorted by `sort`.
fn list_link(search: &FacilitySearch, sort: &str) -> String {
    let mut link = format!("/oversight/facilities?sort={}", encoded(sort));
    for (key, value) in [
        ("q", &search.text),
        ("kind", &search.kind),
        ("status", &search.status),
    ] {
        if let Some(v) = value {
            link.push_str(&format!("&{key}={}", encoded(v)));
        }
    }
    link
}

async fn facilities(user: PageUser, query: web::Query<HashMap<String, String>>) -> PageResult {
    overseer(&user)?;
    let raw = query.into_inner();
    let search = FacilitySearch {
        text: filled(raw.get("q").cloned()),
        kind: filled(raw.get("kind").cloned()),
        status: filled(raw.get("status").cloned()),
        sort: filled(raw.get("sort").cloned()),
    };
    let asked_page: usize = raw
        .get("page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let l = user.l;
    let mut problem = None;
    let found = match search.check() {
        Ok(()) => {
            let s = search.clone();
            Some(
                user.act(move |conn, caller| oversight::search_facilities(conn, caller, &s))
                    .await?,
            )
        }
        Err(e) => {
            problem = Some(format!("{}: {}", e.field, forms::translate(l, &e.message)));
            None
        }
    };
    // The download has the API's filters: kind and status.
    let mut csv = String::from("/api/v1/facilities?format=csv");
    for (key, value) in [("kind", &search.kind), ("status", &search.status)] {
        if let Some(v) = value {
            csv.push_str(&format!("&{key}={}", encoded(v)));
        }
    }
    let rows = found.unwrap_or_default();
    let total = rows.len();
    let pages = total.div_ceil(PER_PAGE).max(1);
    let page = asked_page.min(pages);
    let items = rows
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .collect();
    let (current, descending) = search.sorting().unwrap_or((SortKey::Name, false));
    let columns = [
        (SortKey::Name, l.t("Tên", "Name")),
        (SortKey::Enterprise, l.t("Doanh nghiệp", "Enterprise")),
        (SortKey::District, l.t("Địa bàn", "Location")),
        (
            SortKey::LastInspection,
            l.t("Kiểm tra gần nhất", "Last inspection"),
        ),
        (
            SortKey::NextDue,
            l.t("Hạn kiểm tra tới", "Next inspection due"),
        ),
    ]
    .into_iter()
    .map(|(key, label)| {
        let sorted = key == current;
        let next = if sorted && !descending {
            format!("-{}", key.as_str())
        } else {
            key.as_str().to_owned()
        };
        let arrow = match (sorted, descending) {
            (true, false) => "▲",
            (true, true) => "▼",
            _ => "",
        };
        (label.to_owned(), list_link(&search, &next), arrow)
    })
    .collect();
    let kinds = FacilityKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.facility_kind(k.as_str())))
        .collect();
    let view = FacilityList {
        c: user.chrome(l.t("Cơ sở", "Facilities")),
        sort: search.sort.clone().unwrap_or_default(),
        q: search.text.clone().unwrap_or_default(),
        kind: search.kind.clone().unwrap_or_default(),
        status: search.status.clone().unwrap_or_default(),
        kinds,
        here: list_link(&search, search.sort.as_deref().unwrap_or("name")),
        columns,
        items,
        total,
        page,
        pages,
        csv,
        problem,
    };
    if view.problem.is_some() {
        super::html_with(actix_web::http::StatusCode::BAD_REQUEST, &view)
    } else {
        html(&view)
    }
}

#[derive(Template)]
#[template(path = "oversight/facility.html")]
struct FacilityRecord {
    c: Chrome,
    f: Facility,
    certifications: Vec<Certification>,
    /// With their checklists and photos (issue 19).
    inspections: Vec<oversight::InspectionRecord>,
    /// The facility's answers to inspection findings (issue 19).
    answers: Vec<crate::service::findings::Answer>,
    batches: Vec<BatchView>,
}

async fn facility_record(user: PageUser, path: web::Path<String>) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?;
    let scope = user.caller.scope();
    let today = crate::time::now().date();
    let (f, certifications, inspections, batches) = user
        .state
        .db(move |conn| {
            let f = facility::find(conn, &scope, &id)?
                .ok_or_else(|| AppError::not_found("facility"))?;
            let certifications =
                certification::list_for_facility(conn, &f.id, None, Page::export())?;
            let inspections = inspection::list(
                conn,
                &scope,
                Some(&f.id),
                &InspectionFilter::default(),
                today,
                Page::export(),
            )?;
            let filter = BatchFilter {
                facility: Id::parse(&f.id),
                ..BatchFilter::default()
            }
            .check()?;
            let batches = batch::list(conn, &scope, &filter, Page::new(Some(1), Some(100))?)?;
            let inspections = oversight::inspection_records(conn, inspections.items)?;
            Ok((f, certifications.items, inspections, batches.items))
        })
        .await?;
    let ids: Vec<String> = inspections
        .iter()
        .map(|i| i.inspection.id.clone())
        .collect();
    let answers = user
        .state
        .db(move |conn| crate::service::findings::answers(conn, &ids))
        .await?;
    let mut c = user.chrome(f.name.clone());
    c.flash = user.notice();
    html(&FacilityRecord {
        c,
        f,
        certifications,
        inspections,
        answers,
        batches,
    })
}

// ---- acts ---------------------------------------------------------------------

/// No result is chosen beforehand: the officer picks one (an empty choice
/// is refused beside the field).
const RESULTS: &[(&str, &str, &str)] = &[
    ("", "— Chọn kết quả —", "— Choose a result —"),
    ("pass", "Đạt", "Pass"),
    ("minor", "Đạt, có lỗi nhẹ", "Minor issues"),
    ("major", "Lỗi nặng", "Major issues"),
    ("fail", "Không đạt", "Fail"),
];

const INSPECTION_FORM: &[Field] = &[
    field("inspected_on", "Ngày kiểm tra", "Inspected on", Input::Date),
    field("result", "Kết quả", "Result", Input::Choice(RESULTS)),
    field("findings", "Nhận xét", "Findings", Input::LongText(2000)),
    field(
        "follow_up_due",
        "Hạn khắc phục",
        "Follow-up due",
        Input::Date,
    ),
];

const REASON_FORM: &[Field] = &[field(
    "reason",
    "Lý do (bắt buộc)",
    "Reason (required)",
    Input::LongText(1000),
)];

/// The name of a facility the regulator may see (404 otherwise).
pub(super) async fn facility_name(user: &PageUser, id: Id) -> Result<Facility, PageError> {
    let scope = user.caller.scope();
    Ok(user
        .state
        .db(move |conn| Ok(facility::find(conn, &scope, &id)?))
        .await?
        .ok_or_else(|| AppError::not_found("facility"))?)
}

fn inspection_page(user: &PageUser, f: &Facility, values: &HashMap<String, String>) -> FormPage {
    let l = user.l;
    let heading = format!(
        "{} — {}",
        l.t("Ghi kết quả kiểm tra", "Record an inspection"),
        f.name
    );
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        format!("/oversight/facilities/{}/inspect", f.id),
        format!("/oversight/facilities/{}", f.id),
        INSPECTION_FORM,
        values,
    );
    // The facility kind's checklist (issue 19), none answered beforehand.
    if let Ok(kind) = FacilityKind::parse(&f.kind) {
        page.form.checklist = checklist::items(kind)
            .iter()
            .map(|item| CheckRow {
                code: item.code,
                label: l.t(item.vi, item.en).to_owned(),
                answer: values
                    .get(&format!("check.{}", item.code))
                    .cloned()
                    .unwrap_or_default(),
                note: values
                    .get(&format!("note.{}", item.code))
                    .cloned()
                    .unwrap_or_default(),
                error: None,
            })
            .collect();
    }
    page.form.photo = Some(
        l.t(
            "Ảnh chụp khi kiểm tra",
            "Photos taken during the inspection",
        )
        .to_owned(),
    );
    page
}

async fn inspection_form(user: PageUser, path: web::Path<String>) -> PageResult {
    overseer(&user)?;
    let f = facility_name(&user, path_id(&path)?).await?;
    let values = HashMap::from([(
        "inspected_on".to_owned(),
        crate::time::now().date().format("%Y-%m-%d").to_string(),
    )]);
    html(&inspection_page(&user, &f, &values))
}

/// The checklist's answers as posted: one entry per item answered (an
/// item left unanswered is missing, and refused with the others).
fn posted_checklist(f: &Facility, values: &HashMap<String, String>) -> serde_json::Value {
    let items = FacilityKind::parse(&f.kind)
        .map(checklist::items)
        .unwrap_or_default();
    let answered: Vec<serde_json::Value> = items
        .iter()
        .filter_map(|item| {
            let answer = values.get(&format!("check.{}", item.code))?;
            let note = values
                .get(&format!("note.{}", item.code))
                .filter(|n| !n.trim().is_empty());
            Some(serde_json::json!({"code": item.code, "answer": answer, "note": note}))
        })
        .collect();
    serde_json::Value::Array(answered)
}

async fn record_inspection(
    user: PageUser,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?;
    let f = facility_name(&user, id.clone()).await?;
    let (values, files) = match super::photos::read_any(&req, payload).await {
        Ok(read) => read,
        Err(err) => return inspection_page(&user, &f, &HashMap::new()).refused(err),
    };
    user.check_csrf(values.get("csrf").map(String::as_str).unwrap_or(""))?;
    let page = inspection_page(&user, &f, &values);
    let done = async {
        let mut body = forms::to_json(INSPECTION_FORM, &values)?;
        if body["inspected_on"].is_null() {
            body["inspected_on"] = serde_json::Value::String(String::new());
        }
        body["checklist"] = posted_checklist(&f, &values);
        let body = forms::body_of(body)?;
        let pictures = super::photos::cleaned(files).await?;
        {
            let id = id.clone();
            user.act(move |conn, caller| {
                oversight::inspect_with_photos(conn, caller, &id, body, pictures)
            })
            .await
        }
    };
    page.submit(
        done,
        &format!("/oversight/facilities/{}?notice=inspection", &*id),
    )
    .await
}

/// `suspend` or `reinstate`; anything else is no page.
fn act(raw: &str) -> Result<bool, PageError> {
    match raw {
        "suspend" => Ok(true),
        "reinstate" => Ok(false),
        _ => Err(AppError::NotFound("not found".into()).into()),
    }
}

fn status_page(
    user: &PageUser,
    f: &Facility,
    suspend: bool,
    values: &HashMap<String, String>,
) -> FormPage {
    let l = user.l;
    let (heading, warning, submit) = if suspend {
        (
            l.t("Đình chỉ cơ sở", "Suspend the facility"),
            l.t(
                "Khi bị đình chỉ, mọi tem của cơ sở này sẽ hiện cảnh báo đỏ “Cơ sở bị đình chỉ” cho người tiêu dùng ngay lần quét kế tiếp.",
                "Once suspended, every stamp of this facility shows consumers the red “Facility suspended” warning from the next scan on.",
            ),
            l.t("Xác nhận đình chỉ", "Confirm suspension"),
        )
    } else {
        (
            l.t("Cho cơ sở hoạt động lại", "Reinstate the facility"),
            l.t(
                "Tem của cơ sở sẽ lại hiện “Chính hãng” nếu không có vấn đề khác.",
                "The facility's stamps will show “Genuine” again unless something else is wrong.",
            ),
            l.t("Xác nhận cho hoạt động lại", "Confirm reinstatement"),
        )
    };
    let heading = format!("{heading}: {}", f.name);
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        format!(
            "/oversight/facilities/{}/{}",
            f.id,
            if suspend { "suspend" } else { "reinstate" }
        ),
        format!("/oversight/facilities/{}", f.id),
        REASON_FORM,
        values,
    );
    page.form.warning = Some(warning.to_owned());
    page.form.submit = submit.to_owned();
    page.form.danger = suspend;
    page
}

async fn status_form(user: PageUser, path: web::Path<(String, String)>) -> PageResult {
    overseer(&user)?;
    let (id, raw_act) = path.into_inner();
    let suspend = act(&raw_act)?;
    let f = facility_name(&user, path_id(&id)?).await?;
    html(&status_page(&user, &f, suspend, &HashMap::new()))
}

async fn change_status(
    user: PageUser,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    overseer(&user)?;
    let (id, raw_act) = path.into_inner();
    let suspend = act(&raw_act)?;
    let id = path_id(&id)?;
    let values = user.checked_form(form)?;
    let f = facility_name(&user, id.clone()).await?;
    let page = status_page(&user, &f, suspend, &values);
    let done = async {
        let body: oversight::Reason = forms::body_of(forms::to_json(REASON_FORM, &values)?)?;
        let status = if suspend {
            FacilityStatus::Suspended
        } else {
            FacilityStatus::Active
        };
        let id = id.clone();
        user.act(move |conn, caller| {
            oversight::set_facility_status(conn, caller, &id, body, status)
        })
        .await
    };
    page.submit(
        done,
        &format!(
            "/oversight/facilities/{}?notice={}",
            &*id,
            if suspend { "suspended" } else { "reinstated" }
        ),
    )
    .await
}

/// The recall's confirmation step: what the recall would affect (the lot,
/// the lots made from it, their stamps and recent scans), then the reason.
#[derive(Template)]
#[template(path = "oversight/recall.html")]
struct RecallPage {
    c: Chrome,
    heading: String,
    preview: oversight::RecallPreview,
    form: forms::FormBody,
}

async fn recall_page(
    user: &PageUser,
    id: Id,
    values: &HashMap<String, String>,
) -> Result<(RecallPage, String), PageError> {
    let scope = user.caller.scope();
    let view = user
        .state
        .db(move |conn| {
            let row =
                batch::find(conn, &scope, &id)?.ok_or_else(|| AppError::not_found("batch"))?;
            Ok(batch::view(conn, row)?)
        })
        .await?;
    let preview = {
        let id = view.batch.id.clone();
        user.act(move |conn, caller| oversight::recall_preview(conn, caller, &id))
            .await?
    };
    let l = user.l;
    let heading = format!(
        "{} {} — {}",
        l.t("Thu hồi lô", "Recall lot"),
        view.batch.lot_code,
        l.t(&view.product_name_vi, &view.product_name_en)
    );
    let c = user.chrome(heading.clone());
    let mut form = forms::FormBody::new(
        &c,
        l.t("Lý do thu hồi", "Reason for the recall").to_owned(),
        format!("/oversight/batches/{}/recall", view.batch.id),
        format!("/oversight/batches/{}", view.batch.id),
        REASON_FORM,
        values,
    );
    form.warning = Some(
        l.t(
            "Mọi tem của các lô trên sẽ hiện cảnh báo đỏ “Đã thu hồi” cùng lý do bạn ghi, ngay lần quét kế tiếp. Có thể dỡ bỏ thu hồi sau, với lý do.",
            "Every stamp of the lots above shows consumers the red “Recalled” warning with your reason from the next scan on. The recall can be lifted later, with a reason.",
        )
        .to_owned(),
    );
    form.submit = l.t("Xác nhận thu hồi", "Confirm the recall").to_owned();
    form.danger = true;
    Ok((
        RecallPage {
            c,
            heading,
            preview,
            form,
        },
        view.batch.facility_id,
    ))
}

async fn recall_form(user: PageUser, path: web::Path<String>) -> PageResult {
    overseer(&user)?;
    let (page, _) = recall_page(&user, path_id(&path)?, &HashMap::new()).await?;
    html(&page)
}

/// The recall, posted from its preview page only (the form lives there).
async fn recall(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let (mut page, _) = recall_page(&user, id.clone(), &values).await?;
    let done = async {
        let body: oversight::Reason = forms::body_of(forms::to_json(REASON_FORM, &values)?)?;
        let id = id.clone();
        user.act(move |conn, caller| oversight::recall(conn, caller, &id, body))
            .await
    };
    match done.await {
        Ok(_) => Ok(super::see_other(&format!(
            "/oversight/batches/{}?notice=recalled",
            &*id
        ))),
        Err(err) => {
            let status = page.form.mark(err)?;
            super::html_with(status, &page)
        }
    }
}

fn unrecall_page(user: &PageUser, view: &BatchView, values: &HashMap<String, String>) -> FormPage {
    let l = user.l;
    let heading = format!(
        "{} {} — {}",
        l.t("Dỡ bỏ thu hồi lô", "Lift the recall of lot"),
        view.batch.lot_code,
        l.t(&view.product_name_vi, &view.product_name_en)
    );
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        format!("/oversight/batches/{}/unrecall", view.batch.id),
        format!("/oversight/batches/{}", view.batch.id),
        REASON_FORM,
        values,
    );
    page.form.warning = Some(
        l.t(
            "Tem của lô này và của các lô bị thu hồi theo nó sẽ lại hiện “Chính hãng” nếu không có vấn đề khác, ngay lần quét kế tiếp.",
            "The stamps of this lot, and of the lots recalled because of it, show “Genuine” again from the next scan on unless something else is wrong.",
        )
        .to_owned(),
    );
    page.form.submit = l
        .t("Xác nhận dỡ bỏ thu hồi", "Confirm lifting the recall")
        .to_owned();
    page
}

async fn recalled_batch(user: &PageUser, id: Id) -> Result<BatchView, PageError> {
    let scope = user.caller.scope();
    Ok(user
        .state
        .db(move |conn| {
            let row =
                batch::find(conn, &scope, &id)?.ok_or_else(|| AppError::not_found("batch"))?;
            Ok(batch::view(conn, row)?)
        })
        .await?)
}

async fn unrecall_form(user: PageUser, path: web::Path<String>) -> PageResult {
    overseer(&user)?;
    let view = recalled_batch(&user, path_id(&path)?).await?;
    html(&unrecall_page(&user, &view, &HashMap::new()))
}

async fn unrecall(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let view = recalled_batch(&user, id.clone()).await?;
    let page = unrecall_page(&user, &view, &values);
    let done = async {
        let body: oversight::Reason = forms::body_of(forms::to_json(REASON_FORM, &values)?)?;
        let id = id.clone();
        user.act(move |conn, caller| oversight::unrecall(conn, caller, &id, body))
            .await
    };
    page.submit(
        done,
        &format!("/oversight/batches/{}?notice=unrecalled", &*id),
    )
    .await
}
