//! "Địa chỉ cần xác định": the facilities and enterprises whose pre-2025
//! address the conversion table could not settle, each with the communes
//! of its province to pick from (`service::admin_units`).

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::admin::admin;
use super::frame::Chrome;
use super::session::PageUser;
use super::{html, see_other, PageError, PageResult};
use crate::error::AppError;
use crate::service::admin_units::{self, Holder, Unsettled};

/// One address to settle and the communes it may be in.
struct Row {
    item: Unsettled,
    reason: String,
    communes: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "admin/addresses.html")]
struct Addresses {
    c: Chrome,
    rows: Vec<Row>,
}

pub async fn page(user: PageUser) -> PageResult {
    admin(&user)?;
    let units = user.state.admin_units.clone();
    let listed = units.clone();
    let items = user
        .act(move |conn, caller| admin_units::unsettled(conn, caller, &listed))
        .await?;
    let l = user.l;
    let mut c = user.chrome(l.t("Địa chỉ cần xác định", "Addresses to settle"));
    c.flash = user.notice();
    let rows = items
        .into_iter()
        .map(|item| Row {
            reason: l.t(&item.reason_vi, &item.reason_en).to_owned(),
            communes: units
                .communes_of(&item.province_code)
                .map(|k| (k.code.clone(), k.name.clone()))
                .collect(),
            item,
        })
        .collect();
    html(&Addresses { c, rows })
}

pub async fn settle(
    user: PageUser,
    path: web::Path<(String, String)>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    admin(&user)?;
    let values = user.checked_form(form)?;
    let (holder, id) = path.into_inner();
    let holder = Holder::parse(&holder).ok_or_else(|| PageError(AppError::not_found("address")))?;
    let code = values.get("commune_code").cloned().unwrap_or_default();
    let units = user.state.admin_units.clone();
    user.act(move |conn, caller| admin_units::settle(conn, caller, &units, holder, &id, &code))
        .await?;
    Ok(see_other("/admin/addresses?notice=saved"))
}
