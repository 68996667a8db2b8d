//! Who may touch which row, and when a row is closed to its producer: the
//! checks every use case starts from. A row outside the caller's reach is
//! "not found" (ids do not leak); one in reach but not the caller's to
//! change is "forbidden"; one closed by a regulator's act is a conflict
//! that names the act.

use crate::db::DbConnection;
use crate::domain::access::{Caller, Role};
use crate::domain::kinds::{BatchStatus, FacilityStatus};
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::batch::{self, Batch};
use crate::models::facility::{self, Facility};
use crate::models::product::{self, Product};

pub fn visible_facility(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Facility> {
    facility::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("facility"))
}

pub fn visible_batch(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Batch> {
    batch::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("batch"))
}

/// The facility if the caller can see it (else 404) and may change its
/// records (else 403).
pub fn editable_facility(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
) -> AppResult<Facility> {
    let row = visible_facility(conn, caller, id)?;
    if !caller.may_edit_enterprise(&row.enterprise_id) {
        return Err(AppError::Forbidden(
            "only the facility's enterprise changes its records".into(),
        ));
    }
    Ok(row)
}

/// The product if the caller can see it (else 404) and may change it (else 403).
pub fn editable_product(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Product> {
    let row =
        product::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("product"))?;
    if !caller.may_edit_enterprise(&row.enterprise_id) {
        return Err(AppError::Forbidden(
            "only the product's enterprise changes it".into(),
        ));
    }
    Ok(row)
}

/// The batch if the caller can see it (else 404) and may change it (else 403).
pub fn editable_batch(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Batch> {
    let row = visible_batch(conn, caller, id)?;
    editable_product(conn, caller, &row.product_id).map_err(|e| match e {
        AppError::NotFound(_) | AppError::Forbidden(_) => {
            AppError::Forbidden("only the batch's enterprise changes it".into())
        }
        other => other,
    })?;
    Ok(row)
}

/// A suspended facility is read-only for producers until a regulator
/// reinstates it (admins and regulators act on it regardless).
pub fn open_facility(caller: &Caller, row: &Facility) -> AppResult<()> {
    if matches!(caller.role, Role::Producer { .. })
        && row.status == FacilityStatus::Suspended.as_str()
    {
        let reason = row
            .status_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Err(AppError::rule(
            RuleKind::Conflict,
            None,
            format!(
                "the facility \"{}\" is suspended by its regulator{reason}: its records are \
                 read-only until it is reinstated",
                row.name
            ),
            format!(
                "Cơ sở \"{}\" đang bị cơ quan quản lý đình chỉ{reason}: hồ sơ chỉ được xem, \
                 không được sửa, cho đến khi cơ sở được cho hoạt động lại",
                row.name
            ),
        ));
    }
    Ok(())
}

/// A recalled batch, or one whose facility is suspended, is read-only for
/// producers until a regulator lifts the recall or the suspension.
pub fn open_batch(conn: &mut DbConnection, caller: &Caller, row: &Batch) -> AppResult<()> {
    if !matches!(caller.role, Role::Producer { .. }) {
        return Ok(());
    }
    if row.status == BatchStatus::Recalled.as_str() {
        let reason = row
            .recall_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        return Err(AppError::rule(
            RuleKind::Conflict,
            None,
            format!(
                "lot {} is recalled{reason}: it is read-only until a regulator lifts the recall",
                row.lot_code
            ),
            format!(
                "Lô {} đã bị thu hồi{reason}: chỉ được xem, không được sửa, cho đến khi cơ quan \
                 quản lý dỡ bỏ lệnh thu hồi",
                row.lot_code
            ),
        ));
    }
    let place = facility::find(conn, &crate::domain::access::Scope::All, &row.facility_id)?
        .ok_or_else(|| AppError::not_found("facility"))?;
    open_facility(caller, &place)
}

/// A facility of `enterprise_id` that the caller may use in a record, or a
/// 422 on `field` (the same answer whether it is missing or someone else's);
/// a suspended one is refused to producers.
pub fn usable_facility(
    conn: &mut DbConnection,
    caller: &Caller,
    field: &str,
    id: &str,
    enterprise_id: &str,
) -> AppResult<Facility> {
    match facility::find(conn, &caller.scope(), id)? {
        Some(f) if f.enterprise_id == enterprise_id => {
            open_facility(caller, &f)?;
            Ok(f)
        }
        Some(_) => Err(AppError::invalid(field, "belongs to another enterprise")),
        None => Err(AppError::invalid(field, "no such facility")),
    }
}

/// The enterprise a new facility or product belongs to: a producer's own
/// (naming another is refused), or the one an admin names.
pub fn owning_enterprise(caller: &Caller, named: Option<String>) -> AppResult<String> {
    match (&caller.role, named) {
        (Role::Producer { enterprise_id }, None) => Ok(enterprise_id.clone()),
        (Role::Producer { enterprise_id }, Some(n)) if &n == enterprise_id => Ok(n),
        (Role::Producer { .. }, Some(_)) => Err(AppError::invalid(
            "enterprise_id",
            "a producer registers records for its own enterprise only",
        )),
        (Role::Admin, Some(n)) => Ok(n),
        (Role::Admin, None) => Err(AppError::invalid("enterprise_id", "is required")),
        (Role::Regulator { .. }, _) => Err(AppError::Forbidden(
            "regulators do not write a producer's registry".into(),
        )),
    }
}

/// Regulators act on their province; admins anywhere. Producers never.
pub fn overseer(caller: &Caller) -> AppResult<()> {
    match caller.role {
        Role::Admin | Role::Regulator { .. } => Ok(()),
        Role::Producer { .. } => Err(AppError::Forbidden(
            "only a regulator of the province does this".into(),
        )),
    }
}

pub fn admin_only(caller: &Caller) -> AppResult<()> {
    if caller.is_admin() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only an admin does this".into()))
    }
}

/// A delete refused by a foreign key becomes a 409 saying what still depends.
pub fn still_referenced(err: diesel::result::Error, what: &str) -> AppError {
    match AppError::from(err) {
        AppError::Conflict(_) => AppError::Conflict(format!("{what}; remove those first")),
        other => other,
    }
}
