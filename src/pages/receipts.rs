//! `/portal/receipts` ("Hàng chờ nhận"): the shipments waiting for the
//! producer's enterprise, each accepted through a form (quantity received,
//! its own reference document, the receiving facility), and the hand-overs
//! already answered. Through the same use cases as `/api/v1/handovers`.

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormPage, Input};
use super::frame::Chrome;
use super::portal::{facility_choices, producer};
use super::session::PageUser;
use super::{html, path_id, PageResult};
use crate::models::handover::{HandoverView, PENDING};
use crate::service::handovers;

#[derive(Template)]
#[template(path = "portal/receipts.html")]
struct ReceiptsPage {
    c: Chrome,
    pending: Vec<HandoverView>,
    answered: Vec<HandoverView>,
}

pub async fn list(user: PageUser) -> PageResult {
    producer(&user)?;
    let caller = user.caller.clone();
    let all = user
        .state
        .db(move |conn| handovers::list(conn, &caller))
        .await?;
    let (pending, answered): (Vec<_>, Vec<_>) = all
        .into_iter()
        .partition(|h| h.handover.status == PENDING && user_receives(&user, h));
    let mut c = user.chrome(user.l.t("Hàng chờ nhận", "Pending receipts").to_owned());
    c.flash = user.notice();
    html(&ReceiptsPage {
        c,
        pending,
        answered,
    })
}

/// Whether the hand-over is addressed to the producer's enterprise.
fn user_receives(user: &PageUser, h: &HandoverView) -> bool {
    producer(user).is_ok_and(|own| own == h.handover.to_enterprise_id)
}

const ACCEPT_FORM: &[Field] = &[
    field(
        "quantity",
        "Lượng thực nhận",
        "Quantity received",
        Input::Number,
    ),
    field(
        "facility_id",
        "Cơ sở nhận hàng",
        "Receiving facility",
        Input::Pick,
    ),
    field(
        "reference_type",
        "Loại chứng từ",
        "Document type",
        Input::Choice(crate::domain::kde::DOCUMENT_TYPES),
    ),
    field(
        "reference_number",
        "Số chứng từ",
        "Document number",
        Input::Text(100),
    ),
    field(
        "occurred_at",
        "Thời điểm nhận",
        "Received at",
        Input::LocalTime,
    ),
];

async fn accept_form(
    user: &PageUser,
    id: &str,
    values: &HashMap<String, String>,
) -> Result<FormPage, super::PageError> {
    let facilities = facility_choices(user).await?;
    let l = user.l;
    let heading = l.t("Xác nhận nhận hàng", "Accept a receipt");
    Ok(FormPage::new(
        user.chrome(heading),
        heading.to_owned(),
        format!("/portal/receipts/{id}/accept"),
        "/portal/receipts".into(),
        ACCEPT_FORM,
        values,
    )
    .with_options("facility_id", facilities))
}

pub async fn accept_page(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let caller = user.caller.clone();
    let shown = id.clone();
    let receipt = user
        .state
        .db(move |conn| handovers::visible(conn, &caller, &shown))
        .await?;
    let values = HashMap::from([(
        "quantity".to_owned(),
        receipt.handover.quantity_shipped.to_string(),
    )]);
    html(&accept_form(&user, &id, &values).await?)
}

pub async fn accept(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.into_string();
    let values = user.checked_form(form)?;
    let page = accept_form(&user, &id, &values).await?;
    let config = user.state.config.clone();
    let done = async {
        let body = forms::body_of(forms::to_json(ACCEPT_FORM, &values)?)?;
        user.act(move |conn, caller| handovers::accept(conn, caller, &config, &id, body))
            .await
    };
    page.submit(done, "/portal/receipts?notice=received").await
}
