//! `/portal/contact`: a producer publishes how consumers reach it (a phone
//! and a Zalo link), shown on every stamp page of its products. Through the
//! same use case as `PUT /api/v1/enterprises/{id}/contact`.

use actix_web::web;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormPage, Input};
use super::session::PageUser;
use super::{html, PageError, PageResult};
use crate::auth::Role;
use crate::domain::access::Scope;
use crate::error::AppError;
use crate::models::enterprise::{self, Enterprise};
use crate::service::enterprises;

const CONTACT_FORM: &[Field] = &[
    field(
        "contact_phone",
        "Điện thoại cho người tiêu dùng",
        "Phone for consumers",
        Input::Optional(32),
    ),
    field(
        "zalo_url",
        "Zalo (https://zalo.me/số điện thoại hoặc tên tài khoản)",
        "Zalo (https://zalo.me/phone number or account id)",
        Input::Optional(100),
    ),
];

/// The producer's own enterprise: the only one whose contact this page sets.
fn own_enterprise(user: &PageUser) -> Result<String, PageError> {
    match &user.caller.role {
        Role::Producer { enterprise_id } => Ok(enterprise_id.clone()),
        _ => Err(AppError::Forbidden("this page is for producers".into()).into()),
    }
}

fn contact_form(user: &PageUser, values: &HashMap<String, String>) -> FormPage {
    let l = user.l;
    let heading = l.t(
        "Liên hệ hiện trên trang tem",
        "Contact shown on stamp pages",
    );
    FormPage::new(
        user.chrome(heading),
        heading.to_owned(),
        "/portal/contact".into(),
        "/portal".into(),
        CONTACT_FORM,
        values,
    )
}

fn contact_values(e: &Enterprise) -> HashMap<String, String> {
    HashMap::from([
        (
            "contact_phone".into(),
            e.contact_phone.clone().unwrap_or_default(),
        ),
        ("zalo_url".into(), e.zalo_url.clone().unwrap_or_default()),
    ])
}

pub async fn edit_contact(user: PageUser) -> PageResult {
    let id = own_enterprise(&user)?;
    let scope = Scope::Enterprise(id.clone());
    let row = user
        .state
        .db(move |conn| Ok(enterprise::find(conn, &scope, &id)?))
        .await?
        .ok_or_else(|| AppError::not_found("enterprise"))?;
    html(&contact_form(&user, &contact_values(&row)))
}

pub async fn save_contact(user: PageUser, form: web::Form<HashMap<String, String>>) -> PageResult {
    let id = own_enterprise(&user)?;
    let values = user.checked_form(form)?;
    let page = contact_form(&user, &values);
    let done = async {
        let body = forms::body_of(forms::to_json(CONTACT_FORM, &values)?)?;
        user.act(move |conn, caller| enterprises::set_contact(conn, caller, &id, body))
            .await
    };
    page.submit(done, "/portal?notice=saved").await
}
