//! "Chuyển địa bàn": a regulator of the province a facility is in (or an
//! admin) moves it to another commune, with a reason — the use case the
//! API's `POST /facilities/{id}/relocate` adapts (`facilities::relocate`).
//! The new province, then one of its communes, are chosen from lists
//! (`places`); the page says what the move does before it is confirmed.

use actix_web::web;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormPage, Input};
use super::oversight::{facility_name, overseer};
use super::places;
use super::session::PageUser;
use super::{html, path_id, PageResult};
use crate::models::facility::Facility;
use crate::service::facilities::{self, Relocation};

const RELOCATE_FORM: &[Field] = &[
    field(
        "province",
        "Tỉnh / thành phố chuyển đến",
        "Province it moves to",
        Input::Pick,
    ),
    field(
        "commune_code",
        "Xã / phường / đặc khu chuyển đến",
        "Commune / ward / special zone it moves to",
        Input::Pick,
    ),
    field(
        "address",
        "Số nhà, đường, ấp ở nơi mới (để trống: giữ như cũ)",
        "House, street, hamlet in the new place (empty: kept as it is)",
        Input::Optional(300),
    ),
    field(
        "reason",
        "Lý do chuyển",
        "Reason for the move",
        Input::LongText(1000),
    ),
];

fn relocation_page(user: &PageUser, f: &Facility, values: &HashMap<String, String>) -> FormPage {
    let l = user.l;
    let heading = format!(
        "{}: {}",
        l.t("Chuyển địa bàn cơ sở", "Move the facility"),
        f.name
    );
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        format!("/oversight/facilities/{}/relocate", f.id),
        format!("/oversight/facilities/{}", f.id),
        RELOCATE_FORM,
        values,
    );
    page.form = places::offer(page.form, user, values);
    page.form.warning = Some(format!(
        "{} {}. {}",
        l.t("Hiện ở:", "Now at:"),
        f.address,
        l.t(
            "Sau khi chuyển, cơ sở thuộc quyền quản lý của tỉnh nơi chuyển đến; việc chuyển được ghi lại và cơ quan quản lý của cả hai tỉnh đều thấy.",
            "Once moved, the facility is overseen by the province it moves to; the move is recorded and shown to the regulators of both provinces.",
        )
    ));
    page.form.submit = l.t("Xác nhận chuyển", "Confirm the move").to_owned();
    page.form.danger = true;
    page
}

pub async fn form(user: PageUser, path: web::Path<String>) -> PageResult {
    overseer(&user)?;
    let f = facility_name(&user, path_id(&path)?).await?;
    let values = HashMap::from([("province".to_owned(), f.province.clone())]);
    html(&relocation_page(&user, &f, &values))
}

pub async fn relocate(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    overseer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let f = facility_name(&user, id.clone()).await?;
    let page = relocation_page(&user, &f, &values);
    let done = async {
        let mut body = forms::to_json(RELOCATE_FORM, &values)?;
        // The province only chose the communes listed: the commune names it.
        if let Some(fields) = body.as_object_mut() {
            fields.remove("province");
        }
        let to: Relocation = forms::body_of(body)?;
        let units = user.state.admin_units.clone();
        user.act(move |conn, caller| facilities::relocate(conn, caller, &units, &id, to))
            .await
    };
    // The facility may now be out of the regulator's reach: back to the list.
    page.submit(done, "/oversight/facilities?notice=relocated")
        .await
}
