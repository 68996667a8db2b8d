//! The life of a credential: API tokens that expire and that their owner
//! can list and revoke, password changes and resets, and disabling an
//! account. Every use case owns its transaction and audit entry, and every
//! change that takes a password or an account away revokes the secrets
//! issued under it — a token must never outlive the reason it was trusted.
//!
//! Password hashing is slow on purpose: call these off the async workers
//! (inside `AppState::db`).

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::auth::{self, Caller};
use crate::db::DbConnection;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::account::{self, Account, NewToken, TokenRow, TOKEN_API, TOKEN_RESET};

/// How long a reset link stays usable.
pub const RESET_HOURS: i64 = 24;

/// A new API token: its secret is shown once.
#[derive(Debug, Serialize)]
pub struct IssuedToken {
    pub id: String,
    pub name: String,
    pub expires_at: NaiveDateTime,
    /// Shown once; only its hash is stored.
    pub token: String,
}

/// One of the caller's live tokens or sessions.
#[derive(Debug, Serialize)]
pub struct TokenView {
    #[serde(flatten)]
    pub row: TokenRow,
    /// Whether this is the secret that made the listing request.
    pub current: bool,
}

/// Issues an API token to the caller, expiring after `days` (at most
/// `max_days`, the configured default when not asked).
pub fn issue_token(
    conn: &mut DbConnection,
    caller: &Caller,
    name: &str,
    days: Option<i64>,
    max_days: i64,
) -> AppResult<IssuedToken> {
    let name = v::text("name", name, 100)?;
    let days = days.unwrap_or(max_days);
    if !(1..=max_days).contains(&days) {
        return Err(AppError::invalid(
            "expires_in_days",
            format!("must be between 1 and {max_days}"),
        ));
    }
    let secret = auth::new_token_secret();
    let new = NewToken {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: caller.account_id.clone(),
        name,
        kind: TOKEN_API.into(),
        token_hash: auth::token_hash(&secret),
        created_at: crate::time::now(),
        expires_at: Some(crate::time::now() + Duration::days(days)),
    };
    let actor = Actor::from(caller);
    audit::write_transaction(conn, |conn| {
        account::insert_token(conn, &new)?;
        let shown = serde_json::json!({"name": new.name, "account_id": new.account_id,
            "expires_at": new.expires_at});
        audit::created(conn, &actor, "api_token", &new.id, &shown)
    })?;
    Ok(IssuedToken {
        expires_at: new.expires_at.unwrap_or_default(),
        id: new.id,
        name: new.name,
        token: secret,
    })
}

/// The caller's live API tokens and login sessions.
pub fn list_tokens(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<TokenView>> {
    Ok(account::live_tokens(conn, &caller.account_id)?
        .into_iter()
        .map(|row| TokenView {
            current: row.id == caller.token_id,
            row,
        })
        .collect())
}

/// Revokes one of the caller's tokens or sessions (404 when not theirs).
pub fn revoke_token(conn: &mut DbConnection, caller: &Caller, token_id: &str) -> AppResult<()> {
    let actor = Actor::from(caller);
    audit::write_transaction(conn, |conn| {
        if account::delete_own_token(conn, &caller.account_id, token_id)? == 0 {
            return Err(AppError::not_found("token"));
        }
        let shown = serde_json::json!({"account_id": caller.account_id});
        audit::deleted(conn, &actor, "api_token", token_id, &shown)
    })
}

/// Changes the caller's own password after checking the current one; every
/// token and session of the account is revoked, this one too (log in again).
pub fn change_password(
    conn: &mut DbConnection,
    caller: &Caller,
    current: &str,
    new_password: &str,
) -> AppResult<usize> {
    let found = account::by_id(conn, &caller.account_id)?.ok_or(AppError::Unauthenticated)?;
    if current.len() > 256 || !auth::verify_password(current, &found.password_hash) {
        return Err(AppError::invalid(
            "current_password",
            "the current password is wrong",
        ));
    }
    let hash = hashed("new_password", new_password)?;
    let actor = Actor::from(caller);
    audit::write_transaction(conn, |conn| replace_password(conn, &actor, &found, &hash))
}

/// The same for `tracestamp user passwd NAME`: the console is trusted.
pub fn set_password_by_name(
    conn: &mut DbConnection,
    actor: &Actor,
    username: &str,
    new_password: &str,
) -> AppResult<usize> {
    let found =
        account::by_username(conn, username)?.ok_or_else(|| AppError::not_found("account"))?;
    let hash = hashed("password", new_password)?;
    audit::write_transaction(conn, |conn| replace_password(conn, actor, &found, &hash))
}

/// An admin disables (or enables) an account; disabling revokes all its
/// secrets. An admin cannot disable their own account.
pub fn set_disabled(
    conn: &mut DbConnection,
    caller: &Caller,
    account_id: &str,
    disabled: bool,
) -> AppResult<usize> {
    if !caller.is_admin() {
        return Err(AppError::Forbidden(
            "only an admin may disable or enable accounts".into(),
        ));
    }
    if disabled && account_id == caller.account_id {
        return Err(AppError::Conflict(
            "an admin cannot disable their own account".into(),
        ));
    }
    let found = account::by_id(conn, account_id)?.ok_or_else(|| AppError::not_found("account"))?;
    audit::write_transaction(conn, |conn| {
        switch_account(conn, &Actor::from(caller), &found, disabled)
    })
}

/// The same for `tracestamp user disable|enable NAME`.
pub fn set_disabled_by_name(
    conn: &mut DbConnection,
    actor: &Actor,
    username: &str,
    disabled: bool,
) -> AppResult<usize> {
    let found =
        account::by_username(conn, username)?.ok_or_else(|| AppError::not_found("account"))?;
    audit::write_transaction(conn, |conn| switch_account(conn, actor, &found, disabled))
}

/// An admin makes a one-time reset link's secret for an account (valid
/// `RESET_HOURS`; an earlier unused link of the account is dropped).
pub fn issue_reset(
    conn: &mut DbConnection,
    caller: &Caller,
    account_id: &str,
) -> AppResult<(String, NaiveDateTime)> {
    if !caller.is_admin() {
        return Err(AppError::Forbidden(
            "only an admin may issue reset links".into(),
        ));
    }
    let found = account::by_id(conn, account_id)?.ok_or_else(|| AppError::not_found("account"))?;
    let secret = auth::new_token_secret();
    let expires_at = crate::time::now() + Duration::hours(RESET_HOURS);
    let new = NewToken {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: found.id.clone(),
        name: "password reset".into(),
        kind: TOKEN_RESET.into(),
        token_hash: auth::token_hash(&secret),
        created_at: crate::time::now(),
        expires_at: Some(expires_at),
    };
    let actor = Actor::from(caller);
    audit::write_transaction(conn, |conn| {
        account::delete_resets(conn, &found.id)?;
        account::insert_token(conn, &new)?;
        let shown = serde_json::json!({"account_id": found.id, "expires_at": expires_at});
        audit::created(conn, &actor, "password_reset", &new.id, &shown)
    })?;
    Ok((secret, expires_at))
}

/// The username a live reset link is for, so that the page it opens can
/// say whose password is about to be set. An unknown, used, replaced or
/// expired link is 404, as when it is used.
pub fn reset_holder(conn: &mut DbConnection, secret: &str) -> AppResult<String> {
    if secret.len() > 100 {
        return Err(AppError::not_found("reset link"));
    }
    account::by_reset_hash(conn, &auth::token_hash(secret))?
        .map(|(found, _)| found.username)
        .ok_or_else(|| AppError::not_found("reset link"))
}

/// Uses a reset link: sets the new password and revokes every secret of
/// the account, the link too. An unknown, used or expired link is 404.
pub fn use_reset(conn: &mut DbConnection, secret: &str, new_password: &str) -> AppResult<()> {
    if secret.len() > 100 {
        return Err(AppError::not_found("reset link"));
    }
    let (found, _) = account::by_reset_hash(conn, &auth::token_hash(secret))?
        .ok_or_else(|| AppError::not_found("reset link"))?;
    let hash = hashed("password", new_password)?;
    let actor = Actor {
        id: Some(found.id.clone()),
        name: found.username.clone(),
    };
    audit::write_transaction(conn, |conn| replace_password(conn, &actor, &found, &hash))?;
    Ok(())
}

fn hashed(field: &str, password: &str) -> AppResult<String> {
    let count = password.chars().count();
    if count < 8 {
        return Err(AppError::invalid(
            field,
            "the password must have at least 8 characters",
        ));
    }
    if count > 256 {
        return Err(AppError::invalid(
            field,
            "the password must have at most 256 characters",
        ));
    }
    auth::hash_password(password)
}

/// Sets the hash and revokes every secret; the number revoked.
fn replace_password(
    conn: &mut DbConnection,
    actor: &Actor,
    found: &Account,
    hash: &str,
) -> AppResult<usize> {
    account::set_password_hash(conn, &found.id, hash)?;
    let revoked = account::delete_all_tokens(conn, &found.id)?;
    audit::acted(
        conn,
        actor,
        "change_password",
        "account",
        &found.id,
        &serde_json::json!({"username": found.username}),
        &serde_json::json!({"username": found.username, "tokens_revoked": revoked}),
    )?;
    Ok(revoked)
}

fn switch_account(
    conn: &mut DbConnection,
    actor: &Actor,
    found: &Account,
    disabled: bool,
) -> AppResult<usize> {
    account::set_disabled(conn, &found.id, disabled)?;
    let revoked = if disabled {
        account::delete_all_tokens(conn, &found.id)?
    } else {
        0
    };
    audit::acted(
        conn,
        actor,
        if disabled { "disable" } else { "enable" },
        "account",
        &found.id,
        &serde_json::json!({"username": found.username, "disabled": found.disabled}),
        &serde_json::json!({"username": found.username, "disabled": disabled,
            "tokens_revoked": revoked}),
    )?;
    Ok(revoked)
}
