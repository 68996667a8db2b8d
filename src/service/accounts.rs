//! Creating accounts: the one path for the admin pages and
//! `tracestamp user add`, so both refuse the same mistakes and both leave
//! an audit entry.

use crate::audit::{self, Actor};
use crate::auth::{hash_password, Scope};
use crate::db::DbConnection;
use crate::domain::validate as v;
use crate::error::{AppError, AppResult};
use crate::models::{account, enterprise};

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
    let enterprise_id = request.enterprise_id.filter(|e| !e.trim().is_empty());
    let province = request.province.filter(|p| !p.trim().is_empty());
    let (enterprise_id, province) = match (request.role.as_str(), enterprise_id, province) {
        ("admin", None, None) => (None, None),
        ("producer", Some(e), None) => (Some(e), None),
        ("regulator", None, Some(p)) => (None, Some(v::province("province", &p)?)),
        ("admin", _, _) => {
            return Err(AppError::invalid(
                "role",
                "an admin has neither an enterprise nor a province",
            ))
        }
        ("producer", _, _) => {
            return Err(AppError::invalid(
                "enterprise_id",
                "a producer needs an enterprise and no province",
            ))
        }
        ("regulator", _, _) => {
            return Err(AppError::invalid(
                "province",
                "a regulator needs a province and no enterprise",
            ))
        }
        _ => {
            return Err(AppError::invalid(
                "role",
                "must be one of admin, producer, regulator",
            ))
        }
    };
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

/// Stores a prepared account with its audit entry; a taken username is a
/// conflict.
pub fn create(conn: &mut DbConnection, actor: &Actor, new: &account::NewAccount) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        if let Some(e) = &new.enterprise_id {
            if enterprise::find(conn, &Scope::All, e)?.is_none() {
                return Err(AppError::invalid("enterprise_id", "no such enterprise"));
            }
        }
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
