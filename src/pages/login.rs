//! `/login` and `/logout` for the portals. A successful login sends each
//! role to its own start page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::form_token::FormToken;
use super::frame::Chrome;
use super::session::{notice_of, PageUser};
use super::{html_with, lang_of, remember_lang, see_other, PageResult};
use crate::auth::{self, Caller, Role};
use crate::error::AppError;
use crate::AppState;

/// The login form's token (there is no session yet to bind one to).
const LOGIN_FORM: FormToken = FormToken {
    label: b"tracestamp/login-form/v1",
    cookie: "tracestamp_login_csrf",
    path: "/login",
};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(form))
        .route("/login", web::post().to(submit))
        .route("/logout", web::post().to(logout));
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    form_token: String,
    username: String,
    error: Option<&'static str>,
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    username: String,
    error: Option<&'static str>,
) -> PageResult {
    let l = lang_of(req);
    let token = LOGIN_FORM.for_form(req, state);
    let mut c =
        Chrome::public(l, l.t("Đăng nhập", "Log in"), state.config.base_url()).switching_on(req);
    // After a password change or a reset: say why to log in again.
    c.flash = notice_of(req, l);
    let login = LoginPage {
        c,
        form_token: token.clone(),
        username,
        error,
    };
    let mut response = html_with(status, &login)?;
    LOGIN_FORM.set_cookie(state, &mut response, token);
    Ok(remember_lang(req, response))
}

async fn form(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    page(&req, &state, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// Where each role starts.
pub fn start_page(caller: &Caller) -> &'static str {
    match caller.role {
        Role::Producer { .. } => "/portal",
        Role::Regulator { .. } => "/oversight",
        Role::Admin => "/admin/enterprises",
    }
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Form<LoginForm>,
) -> PageResult {
    let LoginForm {
        csrf,
        username,
        password,
    } = body.into_inner();
    let l = lang_of(&req);
    if !LOGIN_FORM.is_fresh(&req, &state, &csrf) {
        let error = l.t(
            "Biểu mẫu đã hết hạn. Vui lòng nhập lại.",
            "The form expired. Please try again.",
        );
        return page(&req, &state, StatusCode::FORBIDDEN, username, Some(error));
    }
    let shown_name: String = username.chars().take(64).collect();
    let client = state.client_ip(&req);
    if let Err(AppError::TooManyRequests { retry_after }) = state.limits.login(client, &username) {
        let error = l.t(
            "Quá nhiều lần đăng nhập. Vui lòng chờ một phút rồi thử lại.",
            "Too many login attempts. Please wait a minute and try again.",
        );
        let mut refused = page(
            &req,
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            shown_name,
            Some(error),
        )?;
        refused.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(retry_after),
        );
        return Ok(refused);
    }
    let opened = auth::open_session(&state, username.clone(), password).await;
    if matches!(opened, Ok(_) | Err(AppError::Unauthenticated)) {
        state
            .limits
            .login_outcome(client, &username, opened.is_ok());
    }
    match opened {
        Ok((secret, caller)) => Ok(HttpResponse::SeeOther()
            .insert_header((actix_web::http::header::LOCATION, start_page(&caller)))
            .cookie(auth::session_cookie(&state.config, secret))
            .finish()),
        Err(AppError::Unauthenticated) => {
            let error = l.t(
                "Sai tên đăng nhập hoặc mật khẩu.",
                "Wrong username or password.",
            );
            page(
                &req,
                &state,
                StatusCode::UNAUTHORIZED,
                shown_name,
                Some(error),
            )
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(user: PageUser, body: web::Form<CsrfOnly>) -> PageResult {
    user.check_csrf(&body.csrf)?;
    let token_id = user.caller.token_id.clone();
    user.state
        .db(move |conn| Ok(crate::models::account::delete_session(conn, &token_id)?))
        .await?;
    let mut response = see_other("/");
    let _ = response.add_cookie(&auth::session_removal());
    Ok(response)
}
