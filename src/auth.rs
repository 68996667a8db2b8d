//! Who is calling: password and token checks, and the `Caller` extractor that
//! every `/api/v1` handler (but login) takes, so a handler cannot forget it.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use argon2::password_hash::{rand_core::OsRng, PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;

use crate::error::AppError;
use crate::models::account::{self, Account};
use crate::AppState;

/// The cookie holding a login session's secret.
pub const SESSION_COOKIE: &str = "tracestamp_session";

pub use crate::domain::access::{Caller, Role, Scope};

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh bearer secret: 256 random bits, hex, with a prefix that makes a
/// leaked token easy to recognise in logs and code.
pub fn new_token_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("ts_{}", hex::encode(bytes))
}

/// Tokens are stored as SHA-256: they carry 256 bits of entropy, so a slow
/// hash would add nothing but latency to every request.
pub fn token_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn presented_secret(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned())
}

/// Finds the caller of a request from its bearer token or session cookie.
pub async fn resolve(req: &HttpRequest) -> Result<Caller, AppError> {
    let secret = presented_secret(req).ok_or(AppError::Unauthenticated)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal("no app state".into()))?;
    let hash = token_hash(&secret);
    let found = state
        .db(move |conn| Ok(account::by_token_hash(conn, &hash)?))
        .await?;
    let (account, token_id) = found.ok_or(AppError::Unauthenticated)?;
    caller_of(account, token_id)
}

/// Middleware for the API scope: authenticates before any other extractor
/// reads the request, so an anonymous request is a 401 whatever its body.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match resolve(req.request()).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        Err(refusal) => Ok(req.error_response(refusal).map_into_right_body()),
    }
}

impl FromRequest for Caller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let known = req.extensions().get::<Caller>().cloned();
        let req = req.clone();
        Box::pin(async move {
            match known {
                Some(caller) => Ok(caller),
                None => resolve(&req).await,
            }
        })
    }
}

/// Turns an account row into a caller, refusing rows whose binding is broken
/// (a producer without an enterprise would otherwise see nothing or all).
/// A hash that no password matches, verified when the username is unknown so
/// that a wrong username takes as long as a wrong password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$FRq/vA6UTdzjuuu8gHiuqA$zuvKoBdM6YS9LQy3mhS9ZnNLyIRJQ+C3wpbayDzvulc";

/// Checks a username and password and opens a login session: the secret
/// for the cookie (stored only hashed) and who logged in. Any failure is
/// the same 401, so the answer does not tell which part was wrong.
pub async fn open_session(
    state: &AppState,
    username: String,
    password: String,
) -> Result<(String, Caller), AppError> {
    if username.len() > 64 || password.len() > 256 {
        return Err(AppError::Unauthenticated);
    }
    let hours = state.config.session_hours;
    state
        .db(move |conn| {
            let found = account::by_username(conn, username.trim())?;
            let hash = found
                .as_ref()
                .map_or(DUMMY_HASH, |a| a.password_hash.as_str());
            let valid = verify_password(&password, hash);
            let account = match found {
                Some(a) if valid && !a.disabled => a,
                _ => return Err(AppError::Unauthenticated),
            };
            let secret = new_token_secret();
            let token_id = uuid::Uuid::now_v7().to_string();
            account::insert_token(
                conn,
                &account::NewToken {
                    id: token_id.clone(),
                    account_id: account.id.clone(),
                    name: "login session".into(),
                    kind: account::TOKEN_SESSION.into(),
                    token_hash: token_hash(&secret),
                    created_at: crate::time::now(),
                    expires_at: Some(account::session_expiry(hours)),
                },
            )?;
            Ok((secret, caller_of(account, token_id)?))
        })
        .await
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when configured.
pub fn session_cookie(config: &crate::config::Config, secret: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, secret)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.secure_cookies())
        .max_age(CookieDuration::hours(config.session_hours))
        .finish()
}

/// Tells the browser to forget the session cookie.
pub fn session_removal() -> Cookie<'static> {
    let mut gone = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    gone.make_removal();
    gone
}

pub fn caller_of(account: Account, token_id: String) -> Result<Caller, AppError> {
    let role = match (
        account.role.as_str(),
        account.enterprise_id,
        account.province,
    ) {
        ("admin", _, _) => Role::Admin,
        ("producer", Some(enterprise_id), _) => Role::Producer { enterprise_id },
        ("regulator", _, Some(province)) => Role::Regulator { province },
        _ => return Err(AppError::Forbidden("this account is misconfigured".into())),
    };
    Ok(Caller {
        account_id: account.id,
        username: account.username,
        role,
        token_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let stored = hash_password("demo").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_password("demo", &stored));
        assert!(!verify_password("Demo", &stored));
        assert!(!verify_password("demo", "not a hash"));
    }

    #[test]
    fn token_secrets_are_unique_and_hashed() {
        let a = new_token_secret();
        assert_ne!(a, new_token_secret());
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
