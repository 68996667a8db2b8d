//! The admin's pages: enterprises (the only role that registers and edits
//! them) and accounts — opening them, and on an account's own page
//! changing its role and reach, disabling or enabling it and making a
//! one-time reset link for its owner (the use cases of `service`, as the
//! API's and the CLI's). Roles, provinces and enterprises are chosen from
//! lists, never typed, and lists read in natural order.

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormBody, FormPage, Input};
use super::frame::Chrome;
use super::i18n::{Lang, ROLES};
use super::places::{self, provinces};
use super::session::PageUser;
use super::{html, html_with, path_id, see_other, PageError, PageResult};
use crate::audit::Actor;
use crate::auth::Scope;
use crate::domain::natural;
use crate::error::AppError;
use crate::models::account::{self, Account};
use crate::models::enterprise::{self, Enterprise, EnterpriseFilter};
use crate::models::page::Page;
use crate::service::accounts::{self, AccountChange, AccountRequest};
use crate::service::credentials;
use crate::service::enterprises;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(super::keep_lang))
            .route("/addresses", web::get().to(super::addresses::page))
            .route(
                "/addresses/{holder}/{id}",
                web::post().to(super::addresses::settle),
            )
            .route("/enterprises", web::get().to(enterprises))
            .route("/enterprises", web::post().to(create_enterprise))
            .route("/enterprises/{id}", web::get().to(enterprise_edit))
            .route("/enterprises/{id}", web::post().to(save_enterprise))
            .route("/accounts", web::get().to(accounts_page))
            .route("/accounts", web::post().to(create_account))
            .route("/accounts/{id}", web::get().to(one_account))
            .route("/accounts/{id}/edit", web::post().to(edit_account))
            .route("/accounts/{id}/disable", web::post().to(disable))
            .route("/accounts/{id}/enable", web::post().to(enable))
            .route("/accounts/{id}/reset-link", web::post().to(reset_link)),
    );
}

pub(super) fn admin(user: &PageUser) -> Result<(), PageError> {
    if user.caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden("this page is for admins".into()).into())
    }
}

const ENTERPRISE_FORM: &[Field] = &[
    field(
        "name",
        "Tên doanh nghiệp / hợp tác xã",
        "Enterprise or co-op name",
        Input::Text(200),
    ),
    field("tax_code", "Mã số thuế", "Tax code", Input::Text(14)),
    places::PROVINCE,
    places::COMMUNE,
    places::STREET,
    field(
        "gs1_prefix",
        "Mã doanh nghiệp GS1",
        "GS1 company prefix",
        Input::Optional(12),
    ),
    field("phone", "Điện thoại", "Telephone", Input::Optional(20)),
    field("email", "E-mail", "E-mail", Input::Optional(254)),
    field(
        "contact_phone",
        "Điện thoại cho người tiêu dùng (hiện trên trang tem)",
        "Phone for consumers (shown on stamp pages)",
        Input::Optional(32),
    ),
    field(
        "zalo_url",
        "Zalo (https://zalo.me/…)",
        "Zalo (https://zalo.me/…)",
        Input::Optional(100),
    ),
];

#[derive(Template)]
#[template(path = "admin/enterprises.html")]
struct Enterprises {
    c: Chrome,
    items: Vec<Enterprise>,
    form: FormBody,
}

async fn enterprise_page(
    user: &PageUser,
    values: &HashMap<String, String>,
) -> Result<Enterprises, PageError> {
    let items = all_enterprises(user).await?;
    let l = user.l;
    let mut c = user.chrome(l.t("Doanh nghiệp", "Enterprises"));
    c.flash = user.notice();
    let form = FormBody::new(
        &c,
        l.t("Đăng ký doanh nghiệp", "Register an enterprise")
            .to_owned(),
        "/admin/enterprises".into(),
        "/admin/enterprises".into(),
        ENTERPRISE_FORM,
        values,
    );
    let form = places::offer(form, user, values);
    Ok(Enterprises { c, items, form })
}

/// Enterprises in natural order of their names (as the admin's lists and
/// selects show them).
fn by_name(mut items: Vec<Enterprise>) -> Vec<Enterprise> {
    items.sort_by(|a, b| natural::compare(&a.name, &b.name));
    items
}

/// The edit form of one enterprise, filled with `values`.
fn enterprise_form(
    user: &PageUser,
    found: &Enterprise,
    values: &HashMap<String, String>,
) -> FormPage {
    let l = user.l;
    let c = user.chrome(format!(
        "{} {}",
        l.t("Sửa doanh nghiệp", "Edit enterprise"),
        found.name
    ));
    let heading = c.title.clone();
    let mut page = FormPage::new(
        c,
        heading,
        format!("/admin/enterprises/{}", found.id),
        "/admin/enterprises".into(),
        ENTERPRISE_FORM,
        values,
    );
    page.form = places::offer(page.form, user, values);
    page
}

async fn find_enterprise(user: &PageUser, id: &str) -> Result<Enterprise, PageError> {
    let id = path_id(id)?.into_string();
    Ok(user
        .state
        .db(move |conn| {
            enterprise::find(conn, &Scope::All, &id)?
                .ok_or_else(|| AppError::not_found("enterprise"))
        })
        .await?)
}

/// The enterprise's fields as its form shows them.
fn enterprise_values(e: &Enterprise) -> HashMap<String, String> {
    let optional = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        ("name", e.name.clone()),
        ("tax_code", e.tax_code.clone()),
        ("address", e.address.clone()),
        ("province", e.province.clone()),
        ("commune_code", optional(&e.commune_code)),
        ("gs1_prefix", optional(&e.gs1_prefix)),
        ("phone", optional(&e.phone)),
        ("email", optional(&e.email)),
        ("contact_phone", optional(&e.contact_phone)),
        ("zalo_url", optional(&e.zalo_url)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

async fn enterprise_edit(user: PageUser, path: web::Path<String>) -> PageResult {
    admin(&user)?;
    let found = find_enterprise(&user, &path).await?;
    html(&enterprise_form(&user, &found, &enterprise_values(&found)))
}

/// Saves the edit through `service::enterprises::update`, as the API's
/// PATCH does. Every refused field comes back at once, beside its input,
/// with what was typed kept.
async fn save_enterprise(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    admin(&user)?;
    let values = user.checked_form(form)?;
    let found = find_enterprise(&user, &path).await?;
    let page = enterprise_form(&user, &found, &values);
    let body = match forms::to_json(ENTERPRISE_FORM, &values) {
        Ok(body) => body,
        Err(err) => return page.refused(err),
    };
    let id = found.id.clone();
    let units = user.state.admin_units.clone();
    let done = user
        .act(move |conn, caller| {
            let problems =
                enterprises::update_problems(conn, caller, &id, forms::body_of(body.clone())?)?;
            if !problems.is_empty() {
                return Ok(Err(problems));
            }
            enterprises::update(conn, caller, &units, &id, forms::body_of(body)?).map(Ok)
        })
        .await;
    match done {
        Ok(Ok(_)) => Ok(see_other("/admin/enterprises?notice=saved")),
        Ok(Err(problems)) => page.refused_each(problems),
        Err(err) => page.refused(err),
    }
}

async fn enterprises(user: PageUser) -> PageResult {
    admin(&user)?;
    html(&enterprise_page(&user, &HashMap::new()).await?)
}

async fn create_enterprise(user: PageUser, form: web::Form<HashMap<String, String>>) -> PageResult {
    admin(&user)?;
    let values = user.checked_form(form)?;
    let done = async {
        let body = forms::body_of(forms::to_json(ENTERPRISE_FORM, &values)?)?;
        let units = user.state.admin_units.clone();
        user.act(move |conn, caller| enterprises::create(conn, caller, &units, body))
            .await
    };
    match done.await {
        Ok(_) => Ok(see_other("/admin/enterprises?notice=saved")),
        Err(err) => {
            let mut page = enterprise_page(&user, &values).await?;
            let status = page.form.mark(err)?;
            super::html_with(status, &page)
        }
    }
}

const ROLE: Field = field("role", "Vai trò", "Role", Input::Choice(ROLES));
const ENTERPRISE: Field = field(
    "enterprise_id",
    "Doanh nghiệp (cho nhà sản xuất)",
    "Enterprise (for a producer)",
    Input::Pick,
);
const PROVINCE: Field = field(
    "province",
    "Tỉnh / thành phố (cho cán bộ quản lý)",
    "Province (for a regulator)",
    Input::Pick,
);

const ACCOUNT_FORM: &[Field] = &[
    field("username", "Tên đăng nhập", "Username", Input::Text(64)),
    field(
        "password",
        "Mật khẩu (ít nhất 8 ký tự)",
        "Password (at least 8 characters)",
        Input::Password(256),
    ),
    ROLE,
    ENTERPRISE,
    PROVINCE,
];

/// An account's role and what it is bound to, on its own page.
const REACH_FORM: &[Field] = &[ROLE, ENTERPRISE, PROVINCE];

/// The choices of the enterprise and province selects: none, then each.
fn reach_options(form: FormBody, l: Lang, enterprises: &[Enterprise]) -> FormBody {
    let none = l.t("— không —", "— none —");
    let mut options = vec![(String::new(), none.to_owned())];
    options.extend(enterprises.iter().map(|e| (e.id.clone(), e.name.clone())));
    form.with_options("enterprise_id", options)
        .with_options("province", provinces(none))
}

async fn all_enterprises(user: &PageUser) -> Result<Vec<Enterprise>, PageError> {
    let list = user
        .state
        .db(|conn| {
            Ok(enterprise::list(
                conn,
                &Scope::All,
                &EnterpriseFilter::default(),
                Page::export(),
            )?)
        })
        .await?;
    Ok(by_name(list.items))
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct Accounts {
    c: Chrome,
    items: Vec<Account>,
    names: HashMap<String, String>,
    form: FormBody,
}

impl Accounts {
    fn enterprise_name(&self, id: &str) -> &str {
        self.names.get(id).map_or("", String::as_str)
    }
}

async fn account_page(
    user: &PageUser,
    values: &HashMap<String, String>,
) -> Result<Accounts, PageError> {
    let items = user.state.db(|conn| Ok(account::list(conn)?)).await?;
    let enterprises = all_enterprises(user).await?;
    let l = user.l;
    let mut c = user.chrome(l.t("Tài khoản", "Accounts"));
    c.flash = user.notice();
    let mut shown = values.clone();
    shown.remove("password");
    let form = FormBody::new(
        &c,
        l.t("Tạo tài khoản", "Create an account").to_owned(),
        "/admin/accounts".into(),
        "/admin/accounts".into(),
        ACCOUNT_FORM,
        &shown,
    );
    let form = reach_options(form, l, &enterprises);
    Ok(Accounts {
        c,
        items,
        names: enterprises.into_iter().map(|e| (e.id, e.name)).collect(),
        form,
    })
}

async fn accounts_page(user: PageUser) -> PageResult {
    admin(&user)?;
    html(&account_page(&user, &HashMap::new()).await?)
}

async fn create_account(user: PageUser, form: web::Form<HashMap<String, String>>) -> PageResult {
    admin(&user)?;
    let values = user.checked_form(form)?;
    let value = |name: &str| values.get(name).cloned().unwrap_or_default();
    let request = AccountRequest {
        username: value("username"),
        password: value("password"),
        role: value("role"),
        enterprise_id: Some(value("enterprise_id")),
        province: Some(value("province")),
    };
    let actor = Actor::from(&user.caller);
    let done = user
        .state
        .db(move |conn| {
            let new = accounts::prepare(request)?;
            accounts::create(conn, &actor, &new)
        })
        .await;
    match done {
        Ok(()) => Ok(see_other("/admin/accounts?notice=account")),
        Err(err) => {
            let mut page = account_page(&user, &values).await?;
            let status = page.form.mark(err)?;
            super::html_with(status, &page)
        }
    }
}

/// One account as its admin page shows it, with the outcome of the last
/// action: a refusal, or a reset link made just now (shown this once).
#[derive(Template)]
#[template(path = "admin/account.html")]
struct AccountDetail {
    c: Chrome,
    account: Account,
    role: &'static str,
    enterprise: String,
    problem: Option<String>,
    reset: Option<ResetLink>,
    /// Its role and reach, to change.
    form: FormBody,
}

struct ResetLink {
    url: String,
    expires: String,
}

async fn detail(user: &PageUser, id: &str) -> Result<AccountDetail, PageError> {
    let id = path_id(id)?.into_string();
    let found = user
        .state
        .db(move |conn| account::by_id(conn, &id)?.ok_or_else(|| AppError::not_found("account")))
        .await?;
    let enterprises = all_enterprises(user).await?;
    let l = user.l;
    let mut c = user.chrome(format!(
        "{} {}",
        l.t("Tài khoản", "Account"),
        found.username
    ));
    c.flash = user.notice();
    let bound = match &found.enterprise_id {
        Some(e) => enterprises
            .iter()
            .find(|known| &known.id == e)
            .map(|known| known.name.clone()),
        None => found.province.clone(),
    };
    let values: HashMap<String, String> = [
        ("role", Some(found.role.clone())),
        ("enterprise_id", found.enterprise_id.clone()),
        ("province", found.province.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.unwrap_or_default()))
    .collect();
    let mut form = FormBody::new(
        &c,
        l.t("Vai trò và phạm vi", "Role and scope").to_owned(),
        format!("/admin/accounts/{}/edit", found.id),
        format!("/admin/accounts/{}", found.id),
        REACH_FORM,
        &values,
    );
    form.warning = Some(
        l.t(
            "Đổi vai trò, doanh nghiệp hoặc tỉnh sẽ thu hồi mọi phiên đăng nhập và mã truy cập API của tài khoản: chủ tài khoản đăng nhập lại với phạm vi mới.",
            "Changing the role, enterprise or province revokes every login session and API token of the account: its owner logs in again with the new scope.",
        )
        .to_owned(),
    );
    Ok(AccountDetail {
        role: l.role(&found.role),
        enterprise: bound.unwrap_or_default(),
        form: reach_options(form, l, &enterprises),
        c,
        account: found,
        problem: None,
        reset: None,
    })
}

/// Changes the account's role and reach through `service::accounts::update`;
/// a refusal comes back beside its field, with the choices kept.
async fn edit_account(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    admin(&user)?;
    let values = user.checked_form(form)?;
    let id = path_id(&path)?.into_string();
    let value = |name: &str| values.get(name).cloned();
    let change = AccountChange {
        role: value("role").unwrap_or_default(),
        enterprise_id: value("enterprise_id"),
        province: value("province"),
    };
    let target = id.clone();
    let done = user
        .act(move |conn, caller| accounts::update(conn, caller, &target, change))
        .await;
    match done {
        Ok(changed) => Ok(see_other(&format!(
            "/admin/accounts/{id}?notice={}",
            if changed.is_some() { "reach" } else { "saved" }
        ))),
        Err(err) => {
            let mut page = detail(&user, &id).await?;
            for field in page.form.fields.iter_mut() {
                if let Some(v) = values.get(field.name) {
                    field.value = v.clone();
                }
            }
            let status = page.form.mark(err)?;
            html_with(status, &page)
        }
    }
}

async fn one_account(user: PageUser, path: web::Path<String>) -> PageResult {
    admin(&user)?;
    html(&detail(&user, &path).await?)
}

/// The account's page again with a refusal (its own 4xx) above the forms.
async fn refused(user: &PageUser, id: &str, err: AppError) -> PageResult {
    let status = actix_web::ResponseError::status_code(&err);
    if status.is_server_error() {
        return Err(err.into());
    }
    let mut page = detail(user, id).await?;
    page.problem = Some(match &err {
        AppError::Conflict(m) | AppError::Forbidden(m) | AppError::BadRequest(m) => {
            forms::translate(user.l, m)
        }
        AppError::Invalid { message, .. } => forms::translate(user.l, message),
        other => other.to_string(),
    });
    html_with(status, &page)
}

async fn switch(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
    disabled: bool,
) -> PageResult {
    admin(&user)?;
    let values = user.checked_form(form)?;
    let id = path_id(&path)?.into_string();
    // Disabling locks a person out at once: the form asks for a tick.
    if disabled && values.get("confirm").map(String::as_str) != Some("yes") {
        let err = AppError::BadRequest(
            "tick the box to confirm that this account is to be locked".into(),
        );
        return refused(&user, &id, err).await;
    }
    let target = id.clone();
    let done = user
        .act(move |conn, caller| credentials::set_disabled(conn, caller, &target, disabled))
        .await;
    match done {
        Ok(_) => Ok(see_other(&format!(
            "/admin/accounts/{id}?notice={}",
            if disabled { "disabled" } else { "enabled" }
        ))),
        Err(err) => refused(&user, &id, err).await,
    }
}

async fn disable(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    switch(user, path, form, true).await
}

async fn enable(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    switch(user, path, form, false).await
}

/// Makes a reset link and shows it in this answer only (not a redirect:
/// the secret must not sit in a page that can be opened again).
async fn reset_link(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    admin(&user)?;
    user.checked_form(form)?;
    let id = path_id(&path)?.into_string();
    let target = id.clone();
    let made = user
        .act(move |conn, caller| credentials::issue_reset(conn, caller, &target))
        .await;
    match made {
        Ok((secret, expires_at)) => {
            let mut page = detail(&user, &id).await?;
            page.reset = Some(ResetLink {
                url: format!("{}/reset?secret={secret}", user.state.config.base_url()),
                expires: user.l.time(&expires_at),
            });
            html(&page)
        }
        Err(err) => refused(&user, &id, err).await,
    }
}
