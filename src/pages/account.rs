//! `/account`, every signed-in person's own credentials: change the
//! password (which revokes every secret of the account, so they log in
//! again), and see and revoke their live API tokens and login sessions.
//! Each form calls the same use case as the JSON API
//! (`service::credentials`).

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::forms::{field, Field, FormBody, Input};
use super::frame::Chrome;
use super::i18n::Lang;
use super::session::PageUser;
use super::{html, html_with, path_id, see_other, PageError, PageResult};
use crate::auth::{self, Role};
use crate::error::AppError;
use crate::models::account::TOKEN_SESSION;
use crate::service::credentials::{self, TokenView};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/account")
            .wrap(actix_web::middleware::from_fn(super::keep_lang))
            .route("", web::get().to(show))
            .route("/password", web::post().to(change_password))
            .route("/tokens/{id}/revoke", web::post().to(revoke)),
    );
}

const PASSWORD_FORM: &[Field] = &[
    field(
        "current_password",
        "Mật khẩu hiện tại",
        "Current password",
        Input::Password(256),
    ),
    field(
        "new_password",
        "Mật khẩu mới (ít nhất 8 ký tự)",
        "New password (at least 8 characters)",
        Input::Password(256),
    ),
    field(
        "confirm_password",
        "Nhập lại mật khẩu mới",
        "New password again",
        Input::Password(256),
    ),
];

/// One live token or session as a row of the page.
struct Secret {
    id: String,
    name: String,
    kind: &'static str,
    created: String,
    expires: String,
    current: bool,
}

impl Secret {
    fn of(l: Lang, t: TokenView) -> Secret {
        let session = t.row.kind == TOKEN_SESSION;
        Secret {
            // Sessions are all named alike; their kind says enough.
            name: if session { String::new() } else { t.row.name },
            kind: if session {
                l.t("Phiên đăng nhập", "Login session")
            } else {
                l.t("Mã truy cập API", "API token")
            },
            created: l.time(&t.row.created_at),
            expires: t
                .row
                .expires_at
                .map_or_else(|| l.t("không hết hạn", "never").to_owned(), |e| l.time(&e)),
            current: t.current,
            id: t.row.id,
        }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    role: &'static str,
    form: FormBody,
    secrets: Vec<Secret>,
}

async fn account_page(
    user: &PageUser,
    values: &HashMap<String, String>,
) -> Result<AccountPage, PageError> {
    let tokens = user.act(credentials::list_tokens).await?;
    let l = user.l;
    let mut c = user.chrome(l.t("Tài khoản của tôi", "My account"));
    c.flash = user.notice();
    let mut form = FormBody::new(
        &c,
        l.t("Đổi mật khẩu", "Change the password").to_owned(),
        "/account/password".into(),
        "/account".into(),
        PASSWORD_FORM,
        values,
    );
    form.warning = Some(
        l.t(
            "Sau khi đổi mật khẩu, mọi phiên đăng nhập và mọi mã truy cập API của tài khoản (cả phiên này) bị thu hồi: bạn sẽ phải đăng nhập lại, và các hệ thống dùng mã truy cập API cần mã mới.",
            "Changing the password revokes every login session and API token of the account, this session too: you will log in again, and systems using a token will need a new one.",
        )
        .to_owned(),
    );
    form.submit = l.t("Đổi mật khẩu", "Change the password").to_owned();
    let role = l.role(match user.caller.role {
        Role::Admin => "admin",
        Role::Producer { .. } => "producer",
        Role::Regulator { .. } => "regulator",
    });
    Ok(AccountPage {
        c,
        role,
        form,
        secrets: tokens.into_iter().map(|t| Secret::of(l, t)).collect(),
    })
}

async fn show(user: PageUser) -> PageResult {
    html(&account_page(&user, &HashMap::new()).await?)
}

/// The login page after every secret of the account was revoked, with the
/// reason (`notice`) and without the cookie of the session now gone.
fn to_login(notice: &str) -> actix_web::HttpResponse {
    let mut response = see_other(&format!("/login?notice={notice}"));
    let _ = response.add_cookie(&auth::session_removal());
    response
}

async fn change_password(user: PageUser, form: web::Form<HashMap<String, String>>) -> PageResult {
    let values = user.checked_form(form)?;
    let value = |name: &str| values.get(name).cloned().unwrap_or_default();
    let (current, new_password) = (value("current_password"), value("new_password"));
    // The confirmation is the form's own check: the API takes one password.
    let done = if new_password != value("confirm_password") {
        Err(AppError::invalid(
            "confirm_password",
            "the two new passwords differ",
        ))
    } else {
        user.act(move |conn, caller| {
            credentials::change_password(conn, caller, &current, &new_password)
        })
        .await
    };
    match done {
        Ok(_) => Ok(to_login("password")),
        Err(err) => {
            let mut page = account_page(&user, &values).await?;
            let status = page.form.mark(err)?;
            html_with(status, &page)
        }
    }
}

async fn revoke(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    user.checked_form(form)?;
    let id = path_id(&path)?.into_string();
    let this_session = id == user.caller.token_id;
    user.act(move |conn, caller| credentials::revoke_token(conn, caller, &id))
        .await?;
    if this_session {
        Ok(to_login("signed_out"))
    } else {
        Ok(see_other("/account?notice=revoked"))
    }
}
