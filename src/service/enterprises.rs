//! Registering enterprises: admins only; an enterprise's public contact
//! (shown to consumers) also by its own producers.

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::validate::FieldError;
use crate::error::{AppError, AppResult};
use crate::models::enterprise::{self, ContactFields, Enterprise, EnterpriseFields};

use super::access::{admin_only, still_referenced};
use super::admin_units::{place_body, Current};
use crate::domain::admin_units::AdminUnits;

fn conflict_on_tax_code(err: diesel::result::Error) -> AppError {
    match AppError::from(err) {
        AppError::Conflict(_) => {
            AppError::Conflict("an enterprise with this tax code is already registered".into())
        }
        other => other,
    }
}

fn visible(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Enterprise> {
    enterprise::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("enterprise"))
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    units: &AdminUnits,
    mut fields: EnterpriseFields,
) -> AppResult<Enterprise> {
    admin_only(caller)?;
    place_body(
        units,
        &mut fields.commune_code,
        &mut fields.province,
        &mut fields.address,
        None,
    )?;
    let row = fields.create(crate::domain::id::new_id(), crate::time::now())?;
    audit::write_transaction(conn, |conn| {
        enterprise::insert(conn, &row).map_err(conflict_on_tax_code)?;
        audit::created(conn, &Actor::from(caller), "enterprise", &row.id, &row)?;
        Ok(row)
    })
}

pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    units: &AdminUnits,
    id: &str,
    mut fields: EnterpriseFields,
) -> AppResult<Enterprise> {
    audit::write_transaction(conn, |conn| {
        let before = visible(conn, caller, id)?;
        admin_only(caller)?;
        place_body(
            units,
            &mut fields.commune_code,
            &mut fields.province,
            &mut fields.address,
            Some(Current {
                address: &before.address,
                province: &before.province,
            }),
        )?;
        let after = fields.update(before.clone(), crate::time::now())?;
        save_changed(conn, caller, &before, after)
    })
}

/// Every field an edit would be refused for, each with its reason (empty
/// when [`update`] would save it): the admin's form shows them all beside
/// their inputs at once, checked by the very rules `update` applies.
pub fn update_problems(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    fields: EnterpriseFields,
) -> AppResult<Vec<FieldError>> {
    let before = visible(conn, caller, id)?;
    admin_only(caller)?;
    Ok(fields.update_problems(before, crate::time::now()))
}

/// Saves an edited enterprise and audits the edit (in the caller's
/// transaction).
fn save_changed(
    conn: &mut DbConnection,
    caller: &Caller,
    before: &Enterprise,
    after: Enterprise,
) -> AppResult<Enterprise> {
    enterprise::save(conn, &after).map_err(conflict_on_tax_code)?;
    audit::updated(
        conn,
        &Actor::from(caller),
        "enterprise",
        &after.id,
        before,
        &after,
    )?;
    Ok(after)
}

/// Sets the phone and Zalo link consumers see on every stamp page: the
/// enterprise's own producers may, as may an administrator.
pub fn set_contact(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    fields: ContactFields,
) -> AppResult<Enterprise> {
    audit::write_transaction(conn, |conn| {
        let before = visible(conn, caller, id)?;
        if !caller.may_edit_enterprise(&before.id) {
            return Err(AppError::Forbidden(
                "only the enterprise's producers or an administrator change its contact".into(),
            ));
        }
        let after = fields.apply(before.clone(), crate::time::now())?;
        save_changed(conn, caller, &before, after)
    })
}

pub fn delete(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        let row = visible(conn, caller, id)?;
        admin_only(caller)?;
        enterprise::delete(conn, &row.id).map_err(|e| {
            still_referenced(
                e,
                "the enterprise still has facilities, products or accounts",
            )
        })?;
        audit::deleted(conn, &Actor::from(caller), "enterprise", &row.id, &row)
    })
}
