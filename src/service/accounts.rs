//! Creating accounts (the one path for the admin pages and
//! `tracestamp user add`, so both refuse the same mistakes and both leave
//! an audit entry) and changing an account's role and reach.

use crate::audit::{self, Actor};
use crate::auth::{hash_password, Scope};
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::{account, enterprise};

use super::access::admin_only;

/// An account to open. A producer names its enterprise, a regulator its
/// province, an admin neither.
pub struct AccountRequest {
    pub username: String,
    pub password: String,
    pub role: String,
    pub enterprise_id: Option<String>,
    pub province: Option<String>,
}

/// The checks that need no database, then the password hash (slow on
/// purpose: call it off the async workers).
pub fn prepare(request: AccountRequest) -> AppResult<account::NewAccount> {
    let username = request.username.trim().to_owned();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::invalid(
            "username",
            "a username is 1–64 characters of letters, digits, '.', '_' and '-'",
        ));
    }
    if request.password.chars().count() < 8 {
        return Err(AppError::invalid(
            "password",
            "the password must have at least 8 characters",
        ));
    }
    if request.password.len() > 256 {
        return Err(AppError::invalid(
            "password",
            "the password is longer than 256 bytes",
        ));
    }
    let (enterprise_id, province) =
        bound_to(&request.role, request.enterprise_id, request.province)?;
    Ok(account::NewAccount {
        id: crate::domain::id::new_id(),
        username,
        password_hash: hash_password(&request.password)?,
        role: request.role,
        enterprise_id,
        province,
        disabled: false,
        created_at: crate::time::now(),
    })
}

/// What a role is bound to: a producer names its enterprise, a regulator
/// its province (one of `PROVINCES`), an admin neither. Empty text counts
/// as none, as a form leaves an unused select.
fn bound_to(
    role: &str,
    enterprise_id: Option<String>,
    province: Option<String>,
) -> AppResult<(Option<String>, Option<String>)> {
    let enterprise_id = enterprise_id.filter(|e| !e.trim().is_empty());
    let province = province.filter(|p| !p.trim().is_empty());
    match (role, enterprise_id, province) {
        ("admin", None, None) => Ok((None, None)),
        ("producer", Some(e), None) => Ok((Some(e), None)),
        ("regulator", None, Some(p)) => Ok((None, Some(v::province("province", &p)?))),
        ("admin", _, _) => Err(AppError::invalid(
            "role",
            "an admin has neither an enterprise nor a province",
        )),
        ("producer", _, _) => Err(AppError::invalid(
            "enterprise_id",
            "a producer needs an enterprise and no province",
        )),
        ("regulator", _, _) => Err(AppError::invalid(
            "province",
            "a regulator needs a province and no enterprise",
        )),
        _ => Err(AppError::invalid(
            "role",
            "must be one of admin, producer, regulator",
        )),
    }
}

/// Refuses an enterprise id that names no enterprise.
fn known_enterprise(conn: &mut DbConnection, enterprise_id: Option<&str>) -> AppResult<()> {
    if let Some(e) = enterprise_id {
        if enterprise::find(conn, &Scope::All, e)?.is_none() {
            return Err(AppError::invalid("enterprise_id", "no such enterprise"));
        }
    }
    Ok(())
}

/// Stores a prepared account with its audit entry; a taken username is a
/// conflict.
pub fn create(conn: &mut DbConnection, actor: &Actor, new: &account::NewAccount) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        known_enterprise(conn, new.enterprise_id.as_deref())?;
        if account::by_username(conn, &new.username)?.is_some() {
            return Err(AppError::Conflict(format!(
                "the username {} is taken",
                new.username
            )));
        }
        account::insert(conn, new)?;
        let shown = serde_json::json!({"username": new.username, "role": new.role,
            "enterprise_id": new.enterprise_id, "province": new.province});
        audit::created(conn, actor, "account", &new.id, &shown)
    })
}

/// An account's new role and what it is bound to, as an admin sets them.
pub struct AccountChange {
    pub role: String,
    pub enterprise_id: Option<String>,
    pub province: Option<String>,
}

/// An admin changes an account's role, enterprise or province, under the
/// same rules as opening it. When anything changes, every token, session
/// and reset link of the account is revoked: each was issued to act with
/// the old reach (a producer moved to another enterprise must not go on
/// writing to the first through a token made before the move), and its
/// owner logs in again under the new one. Returns how many were revoked,
/// or `None` when the change changed nothing (and nothing is written).
///
/// An admin cannot change their own account: that would log them out, and
/// could leave the registry without an admin.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    account_id: &str,
    change: AccountChange,
) -> AppResult<Option<usize>> {
    admin_only(caller)?;
    let (enterprise_id, province) = bound_to(&change.role, change.enterprise_id, change.province)?;
    audit::write_transaction(conn, |conn| {
        let found =
            account::by_id(conn, account_id)?.ok_or_else(|| AppError::not_found("account"))?;
        if found.role == change.role
            && found.enterprise_id == enterprise_id
            && found.province == province
        {
            return Ok(None);
        }
        if found.id == caller.account_id {
            return Err(AppError::Conflict(
                "an admin cannot change their own role".into(),
            ));
        }
        known_enterprise(conn, enterprise_id.as_deref())?;
        account::set_reach(
            conn,
            &found.id,
            &change.role,
            enterprise_id.as_deref(),
            province.as_deref(),
        )?;
        let revoked = account::delete_all_tokens(conn, &found.id)?;
        audit::updated(
            conn,
            &Actor::from(caller),
            "account",
            &found.id,
            &serde_json::json!({"username": found.username, "role": found.role,
                "enterprise_id": found.enterprise_id, "province": found.province}),
            &serde_json::json!({"username": found.username, "role": change.role,
                "enterprise_id": enterprise_id, "province": province,
                "tokens_revoked": revoked}),
        )?;
        Ok(Some(revoked))
    })
}
