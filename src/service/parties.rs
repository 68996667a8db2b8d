//! Trading parties (README, "Supply chain"). Any producer may register the
//! party of an enterprise of the service (the address its shipments go
//! to; registering it twice answers the one already there); an outside
//! party is recorded by one producer's enterprise and seen only by it and
//! by regulators of its province.

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role, Scope};
use crate::error::{AppError, AppResult};
use crate::models::enterprise;
use crate::models::party::{self, Party, PartyFields};

/// The first refusal of a record's checks, as the API answers it.
fn first(mut problems: Vec<crate::domain::validate::FieldError>) -> AppError {
    problems.swap_remove(0).into()
}

/// Registers a party (an enterprise's party already registered is
/// answered as it is).
pub fn create(conn: &mut DbConnection, caller: &Caller, fields: PartyFields) -> AppResult<Party> {
    if matches!(caller.role, Role::Regulator { .. }) {
        return Err(AppError::Forbidden(
            "regulators do not record trading parties".into(),
        ));
    }
    let now = crate::time::now();
    audit::write_transaction(conn, |conn| {
        let row = match fields.enterprise_id.clone() {
            Some(id) => {
                let owner = enterprise::find(conn, &Scope::All, &id)?
                    .ok_or_else(|| AppError::invalid("enterprise_id", "no such enterprise"))?;
                if let Some(existing) = party::of_enterprise(conn, &owner.id)? {
                    return Ok(existing);
                }
                fields.create_for(crate::domain::id::new_id(), &owner, now)?
            }
            None => {
                let Role::Producer { enterprise_id } = &caller.role else {
                    return Err(AppError::invalid(
                        "enterprise_id",
                        "is required: an outside party is recorded by a producer's enterprise",
                    ));
                };
                fields
                    .create_outside(crate::domain::id::new_id(), enterprise_id.clone(), now)
                    .map_err(first)?
            }
        };
        party::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "party", &row.id, &row)?;
        Ok(row)
    })
}

pub fn list(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<Party>> {
    Ok(party::list(conn, &caller.scope())?)
}

/// The party if the caller sees it (else 404).
pub fn visible(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Party> {
    party::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("party"))
}

/// Changes a party: an outside one by the enterprise that recorded it, an
/// enterprise's own (GLN, FDA registration) by that enterprise; admins any.
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    fields: PartyFields,
) -> AppResult<Party> {
    audit::write_transaction(conn, |conn| {
        let before = visible(conn, caller, id)?;
        let owner = before
            .enterprise_id
            .as_deref()
            .or(before.recorded_by_enterprise.as_deref())
            .unwrap_or_default();
        if !caller.may_edit_enterprise(owner) {
            return Err(AppError::Forbidden(
                "only the enterprise that recorded the party (or the party's own enterprise) \
                 changes it"
                    .into(),
            ));
        }
        let after = fields
            .update(before.clone(), crate::time::now())
            .map_err(first)?;
        party::save(conn, &after)?;
        audit::updated(
            conn,
            &Actor::from(caller),
            "party",
            &after.id,
            &before,
            &after,
        )?;
        Ok(after)
    })
}

/// The party of an enterprise of the service, registered on first need
/// (a hand-over names both sides as parties).
pub fn of_enterprise(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Party> {
    if let Some(existing) = party::of_enterprise(conn, id)? {
        return Ok(existing);
    }
    let owner = enterprise::find(conn, &Scope::All, id)?
        .ok_or_else(|| AppError::not_found("enterprise"))?;
    let row = PartyFields::default().create_for(
        crate::domain::id::new_id(),
        &owner,
        crate::time::now(),
    )?;
    party::insert(conn, &row)?;
    audit::created(conn, &Actor::from(caller), "party", &row.id, &row)?;
    Ok(row)
}
