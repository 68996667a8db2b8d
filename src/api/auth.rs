//! Login sessions and API tokens.

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::auth::{self as authn, Caller, Role, SESSION_COOKIE};
use crate::domain::id::Id;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::account::{self, NewToken, TOKEN_API, TOKEN_SESSION};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/logout", web::post().to(logout))
        .route("/me", web::get().to(me))
        .route("/tokens", web::post().to(create_token))
        .route("/tokens/{id}", web::delete().to(delete_token));
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

/// A hash that no password matches, verified when the username is unknown so
/// that a wrong username takes as long as a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$FRq/vA6UTdzjuuu8gHiuqA$zuvKoBdM6YS9LQy3mhS9ZnNLyIRJQ+C3wpbayDzvulc";

pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Login>,
) -> AppResult<HttpResponse> {
    let Login { username, password } = body.into_inner();
    let client = crate::resolver::client_ip(&req, &state);
    state.limits.login(client, &username)?;
    if username.len() > 64 || password.len() > 256 {
        return Err(AppError::Unauthenticated);
    }
    let hours = state.config.session_hours;
    let (secret, me) = state
        .db(move |conn| {
            let found = account::by_username(conn, username.trim())?;
            let hash = found
                .as_ref()
                .map_or(DUMMY_HASH, |a| a.password_hash.as_str());
            let valid = authn::verify_password(&password, hash);
            let account = match found {
                Some(a) if valid && !a.disabled => a,
                _ => return Err(AppError::Unauthenticated),
            };
            let secret = authn::new_token_secret();
            let token_id = super::new_id();
            account::insert_token(
                conn,
                &NewToken {
                    id: token_id.clone(),
                    account_id: account.id.clone(),
                    name: "login session".into(),
                    kind: TOKEN_SESSION.into(),
                    token_hash: authn::token_hash(&secret),
                    created_at: crate::time::now(),
                    expires_at: Some(account::session_expiry(hours)),
                },
            )?;
            let caller = authn::caller_of(account, token_id)?;
            Ok((secret, Me::from(&caller)))
        })
        .await?;
    let cookie = Cookie::build(SESSION_COOKIE, secret)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.cookie_secure)
        .max_age(CookieDuration::hours(hours))
        .finish();
    Ok(HttpResponse::Ok().cookie(cookie).json(me))
}

async fn logout(caller: Caller, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let token_id = caller.token_id.clone();
    state
        .db(move |conn| Ok(account::delete_session(conn, &token_id)?))
        .await?;
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

async fn me(caller: Caller) -> web::Json<Me> {
    web::Json(Me::from(&caller))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    name: String,
}

#[derive(Serialize)]
struct TokenCreated {
    id: String,
    name: String,
    /// Shown once; only its hash is stored.
    token: String,
}

async fn create_token(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> AppResult<HttpResponse> {
    let name = v::text("name", &body.name, 100)?;
    let secret = authn::new_token_secret();
    let new = NewToken {
        id: super::new_id(),
        account_id: caller.account_id.clone(),
        name,
        kind: TOKEN_API.into(),
        token_hash: authn::token_hash(&secret),
        created_at: crate::time::now(),
        expires_at: None,
    };
    let actor = Actor::from(&caller);
    let body = TokenCreated {
        id: new.id.clone(),
        name: new.name.clone(),
        token: secret,
    };
    state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                account::insert_token(conn, &new)?;
                let shown = serde_json::json!({"name": new.name, "account_id": new.account_id});
                audit::created(conn, &actor, "api_token", &new.id, &shown)
            })
        })
        .await?;
    Ok(super::created(format!("/api/v1/tokens/{}", body.id), &body))
}

async fn delete_token(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<Id>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner().into_string();
    let actor = Actor::from(&caller);
    state
        .db(move |conn| {
            audit::write_transaction(conn, |conn| {
                if account::delete_api_token(conn, &caller.account_id, &id)? == 0 {
                    return Err(AppError::not_found("token"));
                }
                let shown = serde_json::json!({"account_id": caller.account_id});
                audit::deleted(conn, &actor, "api_token", &id, &shown)
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
