//! Accounts and their bearer secrets (API tokens and login sessions).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{account, api_token};
use crate::db::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub enterprise_id: Option<String>,
    pub province: Option<String>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = account)]
pub struct NewAccount {
    pub id: String,
    pub username: String,
    pub password_hash: String,
    pub role: String,
    pub enterprise_id: Option<String>,
    pub province: Option<String>,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
}

/// What a token is for: a named API token, or a browser login session.
pub const TOKEN_API: &str = "api";
pub const TOKEN_SESSION: &str = "session";

#[derive(Debug, Insertable)]
#[diesel(table_name = api_token)]
pub struct NewToken {
    pub id: String,
    pub account_id: String,
    pub name: String,
    pub kind: String,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn insert(conn: &mut DbConnection, new: &NewAccount) -> QueryResult<usize> {
    diesel::insert_into(account::table)
        .values(new)
        .execute(conn)
}

pub fn by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<Account>> {
    account::table
        .filter(account::username.eq(username))
        .select(Account::as_select())
        .get_result(conn)
        .optional()
}

/// The enabled account owning an unexpired token, with the token's id.
pub fn by_token_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<(Account, String)>> {
    let now = crate::time::now();
    api_token::table
        .inner_join(account::table)
        .filter(api_token::token_hash.eq(hash))
        .filter(api_token::kind.eq_any([TOKEN_API, TOKEN_SESSION]))
        .filter(account::disabled.eq(false))
        .filter(
            api_token::expires_at
                .is_null()
                .or(api_token::expires_at.gt(now)),
        )
        .select((Account::as_select(), api_token::id))
        .get_result(conn)
        .optional()
}

pub fn insert_token(conn: &mut DbConnection, new: &NewToken) -> QueryResult<usize> {
    diesel::insert_into(api_token::table)
        .values(new)
        .execute(conn)
}

/// A session expiring `hours` from now.
pub fn session_expiry(hours: i64) -> NaiveDateTime {
    crate::time::now() + Duration::hours(hours)
}

/// Deletes one of the account's API tokens; 0 when it is not theirs.
pub fn delete_api_token(
    conn: &mut DbConnection,
    account_id: &str,
    token_id: &str,
) -> QueryResult<usize> {
    diesel::delete(
        api_token::table
            .filter(api_token::id.eq(token_id))
            .filter(api_token::account_id.eq(account_id))
            .filter(api_token::kind.eq(TOKEN_API)),
    )
    .execute(conn)
}

/// Ends a login session; an API token used to call logout is left alone.
pub fn delete_session(conn: &mut DbConnection, token_id: &str) -> QueryResult<usize> {
    diesel::delete(
        api_token::table
            .filter(api_token::id.eq(token_id))
            .filter(api_token::kind.eq(TOKEN_SESSION)),
    )
    .execute(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    account::table.count().get_result(conn)
}

/// Every account, by role then name in natural order, `producer2` before
/// `producer10` (the admin's list; a national deployment has thousands,
/// not millions, so sorting here is cheap).
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Account>> {
    let mut all = account::table.select(Account::as_select()).load(conn)?;
    all.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then_with(|| crate::domain::natural::compare(&a.username, &b.username))
    });
    Ok(all)
}

/// A one-time password-reset link's secret (never authenticates a request).
pub const TOKEN_RESET: &str = "reset";

/// One of an account's secrets as its owner sees it (never the hash).
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = api_token)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
}

pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Account>> {
    account::table
        .find(id)
        .select(Account::as_select())
        .get_result(conn)
        .optional()
}

/// The account's unexpired API tokens and sessions, newest first.
pub fn live_tokens(conn: &mut DbConnection, account_id: &str) -> QueryResult<Vec<TokenRow>> {
    let now = crate::time::now();
    api_token::table
        .filter(api_token::account_id.eq(account_id))
        .filter(api_token::kind.eq_any([TOKEN_API, TOKEN_SESSION]))
        .filter(
            api_token::expires_at
                .is_null()
                .or(api_token::expires_at.gt(now)),
        )
        .order(api_token::created_at.desc())
        .select(TokenRow::as_select())
        .load(conn)
}

/// Deletes one of the account's tokens or sessions; 0 when it is not theirs.
pub fn delete_own_token(
    conn: &mut DbConnection,
    account_id: &str,
    token_id: &str,
) -> QueryResult<usize> {
    diesel::delete(
        api_token::table
            .filter(api_token::id.eq(token_id))
            .filter(api_token::account_id.eq(account_id))
            .filter(api_token::kind.eq_any([TOKEN_API, TOKEN_SESSION])),
    )
    .execute(conn)
}

/// Deletes every secret of the account (tokens, sessions, reset links).
pub fn delete_all_tokens(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    diesel::delete(api_token::table.filter(api_token::account_id.eq(account_id))).execute(conn)
}

pub fn set_password_hash(conn: &mut DbConnection, id: &str, hash: &str) -> QueryResult<usize> {
    diesel::update(account::table.find(id))
        .set(account::password_hash.eq(hash))
        .execute(conn)
}

/// Sets an account's role and what it is bound to.
pub fn set_reach(
    conn: &mut DbConnection,
    id: &str,
    role: &str,
    enterprise_id: Option<&str>,
    province: Option<&str>,
) -> QueryResult<usize> {
    diesel::update(account::table.find(id))
        .set((
            account::role.eq(role),
            account::enterprise_id.eq(enterprise_id),
            account::province.eq(province),
        ))
        .execute(conn)
}

pub fn set_disabled(conn: &mut DbConnection, id: &str, disabled: bool) -> QueryResult<usize> {
    diesel::update(account::table.find(id))
        .set(account::disabled.eq(disabled))
        .execute(conn)
}

/// The enabled account of an unexpired reset link, with the link's id.
pub fn by_reset_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<(Account, String)>> {
    let now = crate::time::now();
    api_token::table
        .inner_join(account::table)
        .filter(api_token::token_hash.eq(hash))
        .filter(api_token::kind.eq(TOKEN_RESET))
        .filter(account::disabled.eq(false))
        .filter(api_token::expires_at.gt(now))
        .select((Account::as_select(), api_token::id))
        .get_result(conn)
        .optional()
}

/// Drops the account's unused reset links.
pub fn delete_resets(conn: &mut DbConnection, account_id: &str) -> QueryResult<usize> {
    diesel::delete(
        api_token::table
            .filter(api_token::account_id.eq(account_id))
            .filter(api_token::kind.eq(TOKEN_RESET)),
    )
    .execute(conn)
}
