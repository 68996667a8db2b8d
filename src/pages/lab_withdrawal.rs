//! Withdrawing a lab result recorded by mistake, from the producer's
//! portal (`/portal/lab-results/{id}/withdraw`) or the regulator's pages
//! (`/oversight/lab-results/{id}/withdraw`): a confirmation page that says
//! what the result is and what withdrawing it does, and asks the reason.
//! The write is `service::lab_results::withdraw`; a refusal comes back
//! beside the reason (422) or above the form (409), nothing written.

use actix_web::web;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormPage, Input};
use super::portal::producer;
use super::session::PageUser;
use super::{path_id, PageError, PageResult};
use crate::auth::{Caller, Role};
use crate::error::AppError;
use crate::models::lab_result::LabResult;
use crate::service::lab_results::{self, Withdrawal};

/// The producer's withdrawal pages, under `/portal`.
pub fn portal_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route(
            "/lab-results/{id}/withdraw",
            web::get().to(portal_withdraw_form),
        )
        .route(
            "/lab-results/{id}/withdraw",
            web::post().to(portal_withdraw),
        )
}

/// The regulator's withdrawal pages, under `/oversight`.
pub fn oversight_routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route(
            "/lab-results/{id}/withdraw",
            web::get().to(oversight_withdraw_form),
        )
        .route(
            "/lab-results/{id}/withdraw",
            web::post().to(oversight_withdraw),
        )
}

/// Where the reader withdraws a result: the producer's portal or the
/// regulator's pages (admins use the latter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Portal,
    Oversight,
}

impl Side {
    pub fn of(caller: &Caller) -> Side {
        match caller.role {
            Role::Producer { .. } => Side::Portal,
            Role::Regulator { .. } | Role::Admin => Side::Oversight,
        }
    }

    fn check(self, user: &PageUser) -> Result<(), PageError> {
        match self {
            Side::Portal => producer(user).map(|_| ()),
            Side::Oversight => super::oversight::overseer(user),
        }
    }

    pub fn withdraw_link(self, result_id: &str) -> String {
        match self {
            Side::Portal => format!("/portal/lab-results/{result_id}/withdraw"),
            Side::Oversight => format!("/oversight/lab-results/{result_id}/withdraw"),
        }
    }

    fn batch_page(self, batch_id: &str) -> String {
        match self {
            Side::Portal => format!("/portal/batches/{batch_id}/export"),
            Side::Oversight => format!("/oversight/batches/{batch_id}"),
        }
    }
}

const WITHDRAW_FORM: &[Field] = &[field(
    "reason",
    "Lý do rút kết quả (bắt buộc)",
    "Why the result is withdrawn (required)",
    Input::LongText(500),
)];

/// The confirmation page of a withdrawal: the result described, what the
/// withdrawal does, and the reason asked for.
async fn withdraw_page(
    user: &PageUser,
    side: Side,
    id: String,
    values: &HashMap<String, String>,
) -> Result<(FormPage, LabResult), AppError> {
    let (view, b) = user
        .act(move |conn, caller| lab_results::visible_view(conn, caller, &id))
        .await?;
    let l = user.l;
    let heading = format!(
        "{} — {} {}",
        l.t("Rút kết quả kiểm nghiệm", "Withdraw a lab result"),
        l.t("lô", "lot"),
        b.lot_code
    );
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        side.withdraw_link(&view.result.id),
        side.batch_page(&b.id),
        WITHDRAW_FORM,
        values,
    );
    let outcome = if view.result.passed {
        l.t("Đạt", "Passed")
    } else {
        l.t("Không đạt", "Failed")
    };
    page.form.warning = Some(format!(
        "{} ({}), {} {}, {} {}: {outcome}. {}",
        view.laboratory.name,
        view.laboratory.accreditation,
        l.t("lấy mẫu ngày", "sampled on"),
        l.date(&view.result.sampled_on),
        l.t("trả kết quả ngày", "reported on"),
        l.date(&view.result.reported_on),
        l.t(
            "Chỉ rút kết quả ghi nhầm. Kết quả bị rút vẫn được lưu cùng lý do trong hồ sơ và nhật ký, nhưng không còn được tính cho yêu cầu kiểm nghiệm của thị trường (không được cấp thêm cuộn tem dựa trên kết quả này) và không còn hiện trên trang tra cứu của người tiêu dùng. Tem đã cấp vẫn giữ nguyên. Không thể hoàn tác: nếu rút nhầm, hãy ghi lại kết quả.",
            "Withdraw only a result recorded by mistake. A withdrawn result stays on record with the reason and in the audit log, but it no longer counts toward the market's test requirement (no further stamp roll is issued on it) and no longer shows on the consumer page. Stamps already issued stay as they are. This cannot be undone: if withdrawn by mistake, record the result again.",
        ),
    ));
    page.form.submit = l
        .t("Xác nhận rút kết quả", "Confirm the withdrawal")
        .to_owned();
    page.form.danger = true;
    Ok((page, view.result))
}

async fn withdraw_form(user: PageUser, side: Side, path: web::Path<String>) -> PageResult {
    side.check(&user)?;
    let id = path_id(&path)?.into_string();
    let (page, row) = withdraw_page(&user, side, id, &HashMap::new()).await?;
    match lab_results::already_withdrawn(&row) {
        Some(err) => page.refused(err),
        None => super::html(&page),
    }
}

async fn withdraw(
    user: PageUser,
    side: Side,
    path: web::Path<String>,
    posted: web::Form<HashMap<String, String>>,
) -> PageResult {
    side.check(&user)?;
    let id = path_id(&path)?.into_string();
    let values = user.checked_form(posted)?;
    let (page, row) = withdraw_page(&user, side, id.clone(), &values).await?;
    let done = async {
        let body: Withdrawal = forms::body_of(forms::to_json(WITHDRAW_FORM, &values)?)?;
        user.act(move |conn, caller| lab_results::withdraw(conn, caller, &id, body))
            .await
    };
    let next = format!(
        "{}?notice=result_withdrawn#results",
        side.batch_page(&row.batch_id)
    );
    page.submit(done, &next).await
}

async fn portal_withdraw_form(user: PageUser, path: web::Path<String>) -> PageResult {
    withdraw_form(user, Side::Portal, path).await
}

async fn portal_withdraw(
    user: PageUser,
    path: web::Path<String>,
    posted: web::Form<HashMap<String, String>>,
) -> PageResult {
    withdraw(user, Side::Portal, path, posted).await
}

async fn oversight_withdraw_form(user: PageUser, path: web::Path<String>) -> PageResult {
    withdraw_form(user, Side::Oversight, path).await
}

async fn oversight_withdraw(
    user: PageUser,
    path: web::Path<String>,
    posted: web::Form<HashMap<String, String>>,
) -> PageResult {
    withdraw(user, Side::Oversight, path, posted).await
}
