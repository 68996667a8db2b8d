//! A batch's events as its producer and regulators see them, and the
//! producer's forms to correct or retract one (issue 19). Unlike the
//! consumer's timeline, the history keeps retracted events, struck through
//! with their reason, so that what was once claimed stays visible to those
//! who answer for it. Both forms go through the same use cases as the API.

use actix_web::web;
use askama::Template;
use chrono::Duration;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormPage, Input};
use super::frame::Chrome;
use super::i18n::Lang;
use super::oversight::overseer;
use super::portal::{facility_choices, producer};
use super::session::PageUser;
use super::timeline::{corrected, detail_pairs, TimelineEntry};
use super::{html, path_id, PageResult};
use crate::domain::id::Id;
use crate::error::AppError;
use crate::models::batch::{self, BatchView};
use crate::models::event::EventRow;
use crate::service::batches;

type Posted = web::Form<HashMap<String, String>>;

/// One event in a batch's history.
pub struct EventLine {
    pub id: String,
    pub entry: TimelineEntry,
    /// "Retracted: {reason}" once retracted.
    pub retracted: Option<String>,
}

impl EventLine {
    pub fn of(row: &EventRow, facility: &str, l: Lang) -> EventLine {
        let details = serde_json::from_str(&row.details).unwrap_or(serde_json::Value::Null);
        EventLine {
            id: row.id.clone(),
            entry: TimelineEntry {
                iso: crate::time::rfc3339(&row.occurred_at),
                when: l.time(&row.occurred_at),
                kind: l.event_kind(&row.kind),
                facility: facility.to_owned(),
                details: detail_pairs(&details, l),
                corrected: corrected(l, &row.corrected_at),
                photos: Vec::new(),
            },
            retracted: row.retracted_at.map(|_| {
                format!(
                    "{}: {}",
                    l.t("Đã rút lại", "Retracted"),
                    row.retraction_reason.as_deref().unwrap_or_default()
                )
            }),
        }
    }
}

/// Puts each event's photos on its line.
pub async fn add_photos(user: &PageUser, lines: &mut [EventLine]) -> Result<(), AppError> {
    let ids: Vec<String> = lines.iter().map(|line| line.id.clone()).collect();
    let pictures = user
        .state
        .db(move |conn| {
            crate::service::photos::of(conn, crate::service::photos::OwnerKind::Event, &ids)
        })
        .await?;
    for line in lines.iter_mut() {
        line.entry.photos = pictures
            .iter()
            .filter(|p| p.owner_id == line.id)
            .map(|p| p.id.clone())
            .collect();
    }
    Ok(())
}

pub fn history(rows: &[(EventRow, String)], l: Lang) -> Vec<EventLine> {
    rows.iter()
        .map(|(row, facility)| EventLine::of(row, facility, l))
        .collect()
}

const CORRECT_FORM: &[Field] = &[
    field("occurred_at", "Thời gian", "When", Input::LocalTime),
    field("facility_id", "Tại cơ sở", "At facility", Input::Pick),
    field("note", "Ghi chú", "Note", Input::Optional(500)),
];

const RETRACT_FORM: &[Field] = &[field(
    "reason",
    "Lý do rút lại (bắt buộc)",
    "Why it is retracted (required)",
    Input::LongText(500),
)];

/// The producer's event, if its batch is the producer's enterprise's.
async fn own_event(user: &PageUser, id: Id) -> Result<EventRow, super::PageError> {
    Ok(user
        .act(move |conn, caller| batches::reachable_event(conn, caller, &id, false))
        .await?)
}

async fn correct_page(
    user: &PageUser,
    row: &EventRow,
    values: &HashMap<String, String>,
) -> Result<FormPage, super::PageError> {
    let l = user.l;
    let heading = format!(
        "{} — {}",
        l.t("Sửa sự kiện", "Correct an event"),
        l.event_kind(&row.kind)
    );
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        format!("/portal/events/{}/edit", row.id),
        format!("/portal/batches/{}", row.batch_id),
        CORRECT_FORM,
        values,
    )
    .with_options("facility_id", facility_choices(user).await?);
    page.form.warning = Some(
        l.t(
            "Sự kiện đã sửa sẽ hiện dấu “Đã sửa ngày …” với người tiêu dùng và cơ quan quản lý; bản trước được lưu trong nhật ký kiểm tra.",
            "A corrected event shows “Corrected on …” to consumers and regulators; the earlier version is kept in the audit log.",
        )
        .to_owned(),
    );
    page.form.submit = l.t("Lưu bản sửa", "Save the correction").to_owned();
    Ok(page)
}

pub async fn correct_form(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let row = own_event(&user, path_id(&path)?).await?;
    let details: serde_json::Value = serde_json::from_str(&row.details).unwrap_or_default();
    let values = HashMap::from([
        (
            "occurred_at".to_owned(),
            (row.occurred_at + Duration::hours(7))
                .format("%Y-%m-%dT%H:%M")
                .to_string(),
        ),
        ("facility_id".to_owned(), row.facility_id.clone()),
        (
            "note".to_owned(),
            details["note"].as_str().unwrap_or_default().to_owned(),
        ),
    ]);
    html(&correct_page(&user, &row, &values).await?)
}

pub async fn correct(user: PageUser, path: web::Path<String>, form: Posted) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let row = own_event(&user, id.clone()).await?;
    let page = correct_page(&user, &row, &values).await?;
    let done = async {
        let mut body = forms::to_json(CORRECT_FORM, &values)?;
        // The note is the one detail the portal edits; the others (an
        // input's name, a destination) are kept as recorded.
        let mut details: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&row.details).unwrap_or_default();
        match body.as_object_mut().and_then(|m| m.remove("note")) {
            Some(note @ serde_json::Value::String(_)) => {
                details.insert("note".into(), note);
            }
            _ => {
                details.remove("note");
            }
        }
        body["details"] = serde_json::Value::Object(details);
        let body = forms::body_of(body)?;
        let config = user.state.config.clone();
        user.act(move |conn, caller| batches::update_event(conn, caller, &config, &id, body))
            .await
    };
    page.submit(
        done,
        &format!("/portal/batches/{}?notice=corrected", row.batch_id),
    )
    .await
}

fn retract_page(user: &PageUser, row: &EventRow, values: &HashMap<String, String>) -> FormPage {
    let l = user.l;
    let heading = format!(
        "{} — {} {}",
        l.t("Rút lại sự kiện", "Retract an event"),
        l.event_kind(&row.kind),
        l.time(&row.occurred_at)
    );
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        format!("/portal/events/{}/retract", row.id),
        format!("/portal/batches/{}", row.batch_id),
        RETRACT_FORM,
        values,
    );
    page.form.warning = Some(
        l.t(
            "Sự kiện rút lại không hiện với người tiêu dùng nữa và không thể sửa hay khôi phục; cơ quan quản lý vẫn thấy nó, gạch ngang, cùng lý do bạn ghi.",
            "A retracted event is no longer shown to consumers and cannot be corrected or restored; regulators still see it, struck through, with your reason.",
        )
        .to_owned(),
    );
    page.form.submit = l.t("Xác nhận rút lại", "Confirm retraction").to_owned();
    page.form.danger = true;
    page
}

pub async fn retract_form(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let row = own_event(&user, path_id(&path)?).await?;
    html(&retract_page(&user, &row, &HashMap::new()))
}

pub async fn retract(user: PageUser, path: web::Path<String>, form: Posted) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let row = own_event(&user, id.clone()).await?;
    let page = retract_page(&user, &row, &values);
    let retraction = batches::Retraction {
        reason: values.get("reason").cloned().unwrap_or_default(),
    };
    let config = user.state.config.clone();
    let done = user
        .act(move |conn, caller| batches::retract_event(conn, caller, &config, &id, retraction));
    page.submit(
        done,
        &format!("/portal/batches/{}?notice=retracted", row.batch_id),
    )
    .await
}

/// A batch's history as a regulator reads it (`/oversight/batches/{id}`):
/// retracted and corrected events marked, its hand-overs between
/// enterprises, nothing to change.
#[derive(Template)]
#[template(path = "oversight/batch.html")]
struct BatchHistory {
    c: Chrome,
    view: BatchView,
    history: Vec<EventLine>,
    handovers: Vec<crate::models::handover::HandoverView>,
    changeable: bool,
    /// The Circular 02/2024 items the record lacks: (name, why).
    circular02: Vec<(String, String)>,
    circular02_batch: Option<String>,
    /// The lot's market, export codes and lab results (certificates linked).
    export: super::batch_export::ExportSummary,
}

pub async fn batch_history(user: PageUser, path: web::Path<String>) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?;
    let scope = user.caller.scope();
    let caller = user.caller.clone();
    let (view, rows, handovers, record) = user
        .state
        .db(move |conn| {
            let row =
                batch::find(conn, &scope, &id)?.ok_or_else(|| AppError::not_found("batch"))?;
            let rows = crate::models::event::history(conn, &row.id)?;
            let handed = crate::models::handover::of_batches(conn, std::slice::from_ref(&row.id))?;
            let handed = crate::models::handover::views(conn, handed)?;
            let record = crate::service::circular02::batch_record(conn, &caller, &row.id)?;
            Ok((batch::view(conn, row)?, rows, handed, record))
        })
        .await?;
    let export = super::batch_export::summary(&user, view.batch.id.clone(), false).await?;
    let l = user.l;
    let circular02 = crate::service::circular02::missing_labels(&record.completeness, l.is_en());
    let title = format!("{} {}", l.t("Lô", "Lot"), view.batch.lot_code);
    let mut c = user.chrome(title);
    c.flash = user.notice();
    let mut lines = history(&rows, l);
    add_photos(&user, &mut lines).await?;
    html(&BatchHistory {
        c,
        history: lines,
        view,
        handovers,
        changeable: false,
        circular02,
        circular02_batch: Some(record.batch.id),
        export,
    })
}
