//! Login sessions and API tokens.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::{self as authn, Caller, Role};
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::models::account;
use crate::service::credentials;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/logout", web::post().to(logout))
        .route("/auth/password", web::post().to(change_password))
        .route("/me", web::get().to(me))
        .route("/tokens", web::get().to(list_tokens))
        .route("/tokens", web::post().to(create_token))
        .route("/tokens/{id}", web::delete().to(delete_token))
        .route("/accounts/{id}/disable", web::post().to(disable_account))
        .route("/accounts/{id}/enable", web::post().to(enable_account))
        .route("/accounts/{id}/reset-link", web::post().to(reset_link));
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    username: String,
    password: String,
}

#[derive(Serialize)]
struct Me {
    id: String,
    username: String,
    role: &'static str,
    enterprise_id: Option<String>,
    province: Option<String>,
}

impl From<&Caller> for Me {
    fn from(c: &Caller) -> Self {
        let (role, enterprise_id, province) = match &c.role {
            Role::Admin => ("admin", None, None),
            Role::Producer { enterprise_id } => ("producer", Some(enterprise_id.clone()), None),
            Role::Regulator { province } => ("regulator", None, Some(province.clone())),
        };
        Me {
            id: c.account_id.clone(),
            username: c.username.clone(),
            role,
            enterprise_id,
            province,
        }
    }
}

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> AppResult<HttpResponse> {
    let Login { username, password } = body.into_inner();
    let client = state.client_ip(&req);
    state.limits.login(client, &username)?;
    let opened = authn::open_session(&state, username.clone(), password).await;
    if matches!(opened, Ok(_) | Err(AppError::Unauthenticated)) {
        state
            .limits
            .login_outcome(client, &username, opened.is_ok());
    }
    let (secret, caller) = opened?;
    Ok(HttpResponse::Ok()
        .cookie(authn::session_cookie(&state.config, secret))
        .json(Me::from(&caller)))
}

async fn logout(caller: Caller, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let token_id = caller.token_id.clone();
    state
        .db(move |conn| Ok(account::delete_session(conn, &token_id)?))
        .await?;
    Ok(HttpResponse::NoContent()
        .cookie(authn::session_removal())
        .finish())
}

async fn me(caller: Caller) -> web::Json<Me> {
    web::Json(Me::from(&caller))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    name: String,
    #[serde(default)]
    expires_in_days: Option<i64>,
}

async fn create_token(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> AppResult<HttpResponse> {
    let TokenRequest {
        name,
        expires_in_days,
    } = body.into_inner();
    let max_days = state.config.token_days;
    let issued = state
        .db(move |conn| credentials::issue_token(conn, &caller, &name, expires_in_days, max_days))
        .await?;
    Ok(super::created(
        format!("/api/v1/tokens/{}", issued.id),
        &issued,
    ))
}

async fn list_tokens(caller: Caller, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let items = state
        .db(move |conn| credentials::list_tokens(conn, &caller))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items })))
}

async fn delete_token(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().into_string();
    state
        .db(move |conn| credentials::revoke_token(conn, &caller, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Changes the caller's password; every token and session of the account
/// is revoked, so the answer also drops the session cookie.
async fn change_password(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<PasswordChange>,
) -> AppResult<HttpResponse> {
    let PasswordChange {
        current_password,
        new_password,
    } = body.into_inner();
    let revoked = state
        .db(move |conn| {
            credentials::change_password(conn, &caller, &current_password, &new_password)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .cookie(authn::session_removal())
        .json(serde_json::json!({ "tokens_revoked": revoked })))
}

async fn switch_account(
    caller: Caller,
    state: web::Data<AppState>,
    id: String,
    disabled: bool,
) -> AppResult<HttpResponse> {
    let revoked = state
        .db(move |conn| credentials::set_disabled(conn, &caller, &id, disabled))
        .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({ "disabled": disabled, "tokens_revoked": revoked })))
}

async fn disable_account(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    switch_account(caller, state, path.into_inner().into_string(), true).await
}

async fn enable_account(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    switch_account(caller, state, path.into_inner().into_string(), false).await
}

/// An admin's one-time password-reset secret for an account, to hand to
/// its owner, who sends it with a new password to `POST /auth/reset`.
async fn reset_link(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().into_string();
    let (token, expires_at) = state
        .db(move |conn| credentials::issue_reset(conn, &caller, &id))
        .await?;
    let url = format!("{}/api/v1/auth/reset", state.config.base_url());
    Ok(HttpResponse::Created().json(serde_json::json!({
        "token": token, "expires_at": expires_at, "use": format!("POST {url}")
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    token: String,
    password: String,
}

/// `POST /api/v1/auth/reset` (no login): a reset secret and a new password.
pub async fn use_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<ResetRequest>,
) -> AppResult<HttpResponse> {
    // Throttled like a login: a reset secret is a password too.
    let client = state.client_ip(&req);
    state.limits.login(client, "password reset")?;
    let ResetRequest { token, password } = body.into_inner();
    let used = state
        .db(move |conn| credentials::use_reset(conn, &token, &password))
        .await;
    if matches!(used, Ok(()) | Err(AppError::NotFound(_))) {
        state
            .limits
            .login_outcome(client, "password reset", used.is_ok());
    }
    used?;
    Ok(HttpResponse::NoContent().finish())
}
