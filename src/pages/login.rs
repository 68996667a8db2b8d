//! `/login` and `/logout` for the portals. A successful login sends each
//! role to its own start page.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use rand::RngCore;
use serde::Deserialize;

use super::frame::Chrome;
use super::session::{constant_time_eq, PageUser};
use super::{html_with, lang_of, remember_lang, see_other, PageResult};
use crate::auth::{self, Caller, Role};
use crate::error::AppError;
use crate::AppState;

/// The double-submit cookie of the login form (there is no session yet to
/// bind a token to). Its value is issued by the server and signed, so a
/// value planted by someone else (a sibling subdomain setting the cookie)
/// is not accepted: `nonce.mac`, the MAC an HMAC-SHA-256 of the nonce under
/// a key derived from the serial key.
const LOGIN_CSRF_COOKIE: &str = "tracestamp_login_csrf";

fn form_token_mac(state: &AppState, nonce: &str) -> String {
    use hmac::{Hmac, Mac};
    let key = state.codec.derive_secret(b"tracestamp/login-form/v1");
    let mut mac =
        <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes a key of any length");
    mac.update(nonce.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

fn new_form_token(state: &AppState) -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = hex::encode(bytes);
    let mac = form_token_mac(state, &nonce);
    format!("{nonce}.{mac}")
}

fn form_token_is_ours(state: &AppState, token: &str) -> bool {
    match token.split_once('.') {
        Some((nonce, mac)) if nonce.len() == 32 && mac.len() == 32 => {
            constant_time_eq(form_token_mac(state, nonce).as_bytes(), mac.as_bytes())
        }
        _ => false,
    }
}

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
    let token = req
        .cookie(LOGIN_CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| form_token_is_ours(state, v))
        .unwrap_or_else(|| new_form_token(state));
    let login = LoginPage {
        c: Chrome::public(l, l.t("Đăng nhập", "Log in"), state.config.base_url()).switching_on(req),
        form_token: token.clone(),
        username,
        error,
    };
    let mut response = html_with(status, &login)?;
    let cookie = Cookie::build(LOGIN_CSRF_COOKIE, token)
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.config.secure_cookies())
        .finish();
    let _ = response.add_cookie(&cookie);
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
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    let fresh = expected.is_some_and(|e| {
        form_token_is_ours(&state, &e) && constant_time_eq(e.as_bytes(), csrf.as_bytes())
    });
    if !fresh {
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
