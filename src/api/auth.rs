//! Login sessions and API tokens.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Actor};
use crate::auth::{self as authn, Caller, Role};
use crate::domain::id::Id;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::account::{self, NewToken, TOKEN_API};
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
