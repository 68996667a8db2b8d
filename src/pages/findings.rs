//! Inspection findings in the producer's portal (issue 19): the open ones
//! on the dashboard with their fix-by dates (past due marked), and a page
//! to answer one with a note and photos (`service::findings`). Regulators
//! read the answers on the facility's page (`_finding_answers.html`).

use actix_web::{web, HttpRequest};
use askama::Template;
use std::collections::HashMap;

use super::forms::{field, Field, FormBody, Input};
use super::frame::Chrome;
use super::portal::producer;
use super::session::PageUser;
use super::{html, html_with, path_id, see_other, PageResult};
use crate::error::AppError;
use crate::models::inspection::Inspection;
use crate::service::findings::{self, Answer};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/portal/findings/{id}", web::get().to(form))
        .route("/portal/findings/{id}", web::post().to(answer));
}

const ANSWER_FORM: &[Field] = &[field(
    "note",
    "Đã khắc phục những gì",
    "What was done about the findings",
    Input::LongText(findings::MAX_NOTE),
)];

#[derive(Template)]
#[template(path = "portal/finding.html")]
struct FindingPage {
    c: Chrome,
    inspection: Inspection,
    /// The inspection's checklist and photos (issue 19).
    rec: crate::service::oversight::InspectionRecord,
    facility: String,
    past_due: bool,
    answers: Vec<Answer>,
    form: FormBody,
}

async fn page(
    user: &PageUser,
    id: String,
    values: &HashMap<String, String>,
) -> Result<FindingPage, AppError> {
    let (rec, facility, answers) = user
        .act(move |conn, caller| {
            let (inspection, facility) = findings::finding(conn, caller, &id)?;
            let answers = findings::answers(conn, std::slice::from_ref(&inspection.id))?;
            let rec = crate::service::oversight::inspection_records(conn, vec![inspection])?
                .pop()
                .ok_or_else(|| AppError::not_found("inspection"))?;
            Ok((rec, facility, answers))
        })
        .await?;
    let l = user.l;
    let heading = l.t("Trả lời kết quả kiểm tra", "Answer the inspection");
    let c = user.chrome(heading);
    let inspection = rec.inspection.clone();
    let mut form = FormBody::new(
        &c,
        heading.to_owned(),
        format!("/portal/findings/{}", inspection.id),
        "/portal".into(),
        ANSWER_FORM,
        values,
    );
    form.photo = Some(l.t("Ảnh sau khắc phục", "Photos after the fix").to_owned());
    form.submit = l.t("Gửi trả lời", "Send the answer").to_owned();
    let today = crate::time::now().date();
    Ok(FindingPage {
        past_due: inspection.follow_up_due.is_some_and(|d| d < today),
        c,
        inspection,
        rec,
        facility,
        answers,
        form,
    })
}

async fn form(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    html(&page(&user, id.into_string(), &HashMap::new()).await?)
}

async fn answer(
    user: PageUser,
    path: web::Path<String>,
    req: HttpRequest,
    payload: web::Payload,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let (values, files) = match super::photos::read_any(&req, payload).await {
        Ok(read) => read,
        Err(err) => {
            let mut shown = page(&user, id, &HashMap::new()).await?;
            let status = shown.form.mark(err)?;
            return html_with(status, &shown);
        }
    };
    user.check_csrf(values.get("csrf").map(String::as_str).unwrap_or(""))?;
    let note = values.get("note").cloned().unwrap_or_default();
    let done = async {
        findings::check_note(&note)?;
        let pictures = super::photos::cleaned(files).await?;
        let id = id.clone();
        user.act(move |conn, caller| findings::answer(conn, caller, &id, &note, pictures))
            .await
    };
    match done.await {
        Ok(_) => Ok(see_other("/portal?notice=saved")),
        Err(err) => {
            let mut shown = page(&user, id, &values).await?;
            let status = shown.form.mark(err)?;
            html_with(status, &shown)
        }
    }
}
