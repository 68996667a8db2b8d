//! The admin's pages: enterprises (the only role that registers them) and
//! accounts.

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormBody, Input};
use super::frame::Chrome;
use super::session::PageUser;
use super::{html, see_other, PageError, PageResult};
use crate::audit::Actor;
use crate::auth::Scope;
use crate::error::AppError;
use crate::models::account::{self, Account};
use crate::models::enterprise::{self, Enterprise, EnterpriseFilter};
use crate::models::page::Page;
use crate::service::accounts::{self, AccountRequest};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .wrap(actix_web::middleware::from_fn(super::keep_lang))
            .route("/enterprises", web::get().to(enterprises))
            .route("/enterprises", web::post().to(create_enterprise))
            .route("/accounts", web::get().to(accounts_page))
            .route("/accounts", web::post().to(create_account)),
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
        Input::Text(256),
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
