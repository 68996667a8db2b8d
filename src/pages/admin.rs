//! The admin's pages: enterprises (the only role that registers them) and
//! accounts — opening them, and on an account's own page disabling or
//! enabling it and making a one-time reset link for its owner (the use
//! cases of `service::credentials`, as the API's).

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormBody, Input};
use super::frame::Chrome;
use super::session::PageUser;
use super::{html, html_with, path_id, see_other, PageError, PageResult};
use crate::audit::Actor;
use crate::auth::Scope;
use crate::error::AppError;
use crate::models::account::{self, Account};
use crate::models::enterprise::{self, Enterprise, EnterpriseFilter};
use crate::models::page::Page;
use crate::service::accounts::{self, AccountRequest};
use crate::service::credentials;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(super::keep_lang))
            .route("/enterprises", web::get().to(enterprises))
            .route("/enterprises", web::post().to(create_enterprise))
            .route("/accounts", web::get().to(accounts_page))
            .route("/accounts", web::post().to(create_account))
            .route("/accounts/{id}", web::get().to(one_account))
            .route("/accounts/{id}/disable", web::post().to(disable))
            .route("/accounts/{id}/enable", web::post().to(enable))
            .route("/accounts/{id}/reset-link", web::post().to(reset_link)),
    );
}

fn admin(user: &PageUser) -> Result<(), PageError> {
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
    field("address", "Địa chỉ", "Address", Input::Text(300)),
    field("province", "Tỉnh / thành phố", "Province", Input::Text(64)),
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
    let items = user
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
    Ok(Enterprises {
        c,
        items: items.items,
        form,
    })
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
        user.act(move |conn, caller| crate::service::enterprises::create(conn, caller, body))
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

const ROLES: &[(&str, &str, &str)] = &[
    ("producer", "Nhà sản xuất", "Producer"),
    ("regulator", "Cơ quan quản lý", "Regulator"),
    ("admin", "Quản trị viên", "Admin"),
];

const ACCOUNT_FORM: &[Field] = &[
    field("username", "Tên đăng nhập", "Username", Input::Text(64)),
    field(
        "password",
        "Mật khẩu (ít nhất 8 ký tự)",
        "Password (at least 8 characters)",
        Input::Password(256),
    ),
    field("role", "Vai trò", "Role", Input::Choice(ROLES)),
    field(
        "enterprise_id",
        "Doanh nghiệp (cho nhà sản xuất)",
        "Enterprise (for a producer)",
        Input::Pick,
    ),
    field(
        "province",
        "Tỉnh (cho cơ quan quản lý)",
        "Province (for a regulator)",
        Input::Optional(64),
    ),
];

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
    let (items, enterprises) = user
        .state
        .db(|conn| {
            Ok((
                account::list(conn)?,
                enterprise::list(
                    conn,
                    &Scope::All,
                    &EnterpriseFilter::default(),
                    Page::export(),
                )?,
            ))
        })
        .await?;
    let l = user.l;
    let mut c = user.chrome(l.t("Tài khoản", "Accounts"));
    c.flash = user.notice();
    let mut options = vec![(String::new(), l.t("— không —", "— none —").to_owned())];
    options.extend(
        enterprises
            .items
            .iter()
            .map(|e| (e.id.clone(), e.name.clone())),
    );
    let mut shown = values.clone();
    shown.remove("password");
    let form = FormBody::new(
        &c,
        l.t("Tạo tài khoản", "Create an account").to_owned(),
        "/admin/accounts".into(),
        "/admin/accounts".into(),
        ACCOUNT_FORM,
        &shown,
    )
    .with_options("enterprise_id", options);
    Ok(Accounts {
        c,
        items,
        names: enterprises
            .items
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect(),
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
}

struct ResetLink {
    url: String,
    expires: String,
}

async fn detail(user: &PageUser, id: &str) -> Result<AccountDetail, PageError> {
    let id = path_id(id)?.into_string();
    let (found, enterprise) = user
        .state
        .db(move |conn| {
            let found = account::by_id(conn, &id)?.ok_or_else(|| AppError::not_found("account"))?;
            let enterprise = match &found.enterprise_id {
                Some(e) => enterprise::find(conn, &Scope::All, e)?.map(|e| e.name),
                None => None,
            };
            Ok((found, enterprise))
        })
        .await?;
    let l = user.l;
    let mut c = user.chrome(format!(
        "{} {}",
        l.t("Tài khoản", "Account"),
        found.username
    ));
    c.flash = user.notice();
    let role = ROLES
        .iter()
        .find(|(code, _, _)| *code == found.role)
        .map_or("", |(_, vi, en)| l.t(vi, en));
    Ok(AccountDetail {
        c,
        role,
        enterprise: enterprise.or(found.province.clone()).unwrap_or_default(),
        account: found,
        problem: None,
        reset: None,
    })
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
