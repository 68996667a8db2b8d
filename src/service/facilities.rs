//! Facilities and their certifications. A producer keeps its facilities'
//! records; where a facility is — its province and address unit — decides
//! which regulators oversee it, so only a regulator of the province it
//! leaves (or an admin) moves it, and the move stays visible to both.

use diesel::prelude::*;
use serde::Deserialize;

use crate::audit::{self, Actor};
use crate::db::schema::{enterprise as enterprise_table, facility as facility_table};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role, Scope};
use crate::domain::gln::{possible_prefixes, under_prefix};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::certification::{self, Certification, CertificationFields};
use crate::models::enterprise;
use crate::models::facility::{self, Facility, FacilityFields};
use crate::models::facility_move::{self, FacilityMove};

use super::access::{editable_facility, open_facility, owning_enterprise, still_referenced};
use super::admin_units::{place_body, Current};
use crate::domain::admin_units::AdminUnits;

/// Checks a facility's GLN against the registry: under its enterprise's GS1
/// company prefix (or, for an enterprise without one, under nobody else's:
/// no squatting on another's locations), and no other facility's. The
/// resolver answers `/414/{gln}` with one facility, so one GLN names one.
fn check_gln(conn: &mut DbConnection, row: &Facility) -> AppResult<()> {
    let Some(gln) = row.gln.as_deref() else {
        return Ok(());
    };
    let own = enterprise::find(conn, &Scope::All, &row.enterprise_id)?
        .ok_or_else(|| AppError::invalid("enterprise_id", "no such enterprise"))?;
    let outside = match own.gs1_prefix.as_deref().filter(|p| !p.is_empty()) {
        Some(prefix) => (!under_prefix(gln, prefix)).then(|| {
            (
                format!("does not fall under the enterprise's GS1 company prefix {prefix}"),
                format!("không thuộc mã doanh nghiệp GS1 {prefix} của doanh nghiệp"),
            )
        }),
        None => {
            let holders: i64 = enterprise_table::table
                .filter(enterprise_table::gs1_prefix.eq_any(possible_prefixes(gln)))
                .filter(enterprise_table::id.ne(&row.enterprise_id))
                .count()
                .get_result(conn)?;
            (holders > 0).then(|| {
                (
                    "falls under another enterprise's GS1 company prefix".to_owned(),
                    "thuộc mã doanh nghiệp GS1 của một doanh nghiệp khác".to_owned(),
                )
            })
        }
    };
    if let Some((en, vi)) = outside {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("gln"),
            format!("the GLN {en}"),
            format!("Mã GLN {vi}"),
        ));
    }
    let taken: i64 = facility_table::table
        .filter(facility_table::gln.eq(gln))
        .filter(facility_table::id.ne(&row.id))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(AppError::rule(
            RuleKind::Conflict,
            Some("gln"),
            "another facility already has this GLN",
            "Mã GLN này đã được gán cho một cơ sở khác",
        ));
    }
    Ok(())
}

pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    units: &AdminUnits,
    mut fields: FacilityFields,
) -> AppResult<Facility> {
    place_body(
        units,
        &mut fields.commune_code,
        &mut fields.province,
        &mut fields.address,
        None,
    )?;
    // Districts are gone since 1 July 2025: a new facility has none (its
    // former address may name one).
    if fields
        .district
        .as_deref()
        .is_some_and(|d| !d.trim().is_empty())
    {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("district"),
            "districts were abolished on 1 July 2025: give commune_code alone \
             (the old address may go in former_address)",
            "cấp huyện đã bỏ từ 01/07/2025: chỉ cần mã xã/phường (commune_code); \
             địa chỉ cũ ghi vào former_address",
        ));
    }
    fields.district = Some(String::new());
    let enterprise_id =
        owning_enterprise(caller, fields.enterprise_id.take().map(|i| i.into_string()))?;
    let row = fields.create(
        crate::domain::id::new_id(),
        enterprise_id,
        crate::time::now(),
    )?;
    audit::write_transaction(conn, |conn| {
        if enterprise::find(conn, &Scope::All, &row.enterprise_id)?.is_none() {
            return Err(AppError::invalid("enterprise_id", "no such enterprise"));
        }
        check_gln(conn, &row)?;
        facility::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "facility", &row.id, &row)?;
        Ok(row)
    })
}

/// Changes a facility's own records. Its province, commune and district
/// are not among them: see `relocate` (and `admin_units::settle`).
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    units: &AdminUnits,
    id: &str,
    mut fields: FacilityFields,
) -> AppResult<Facility> {
    audit::write_transaction(conn, |conn| {
        let before = editable_facility(conn, caller, id)?;
        open_facility(caller, &before)?;
        // A new street part in a commune keeps the commune and province.
        if fields.commune_code.is_none() && fields.address.is_some() {
            fields.commune_code.clone_from(&before.commune_code);
        }
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
        for (field, moved) in [
            ("province", after.province != before.province),
            ("commune_code", after.commune_code != before.commune_code),
            ("district", after.district != before.district),
        ] {
            if moved {
                return Err(AppError::rule(
                    RuleKind::Invalid,
                    Some(field),
                    format!(
                        "a facility's {field} is changed only by a regulator of its province \
                         (POST /api/v1/facilities/{{id}}/relocate)"
                    ),
                    "chỉ cơ quan quản lý của tỉnh nơi có cơ sở mới được chuyển cơ sở sang \
                     địa bàn khác",
                ));
            }
        }
        if after.gln != before.gln {
            check_gln(conn, &after)?;
        }
        facility::save(conn, &after)?;
        audit::updated(
            conn,
            &Actor::from(caller),
            "facility",
            &after.id,
            &before,
            &after,
        )?;
        Ok(after)
    })
}

pub fn delete(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        let row = editable_facility(conn, caller, id)?;
        open_facility(caller, &row)?;
        facility::delete(conn, &row.id).map_err(|e| {
            still_referenced(
                e,
                "the facility still has certifications, batches, events or inspections",
            )
        })?;
        audit::deleted(conn, &Actor::from(caller), "facility", &row.id, &row)
    })
}

/// Where a facility moves to, and why: a commune of the units of 1 July
/// 2025 (its province follows; there are no districts any more).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Relocation {
    pub commune_code: String,
    /// The street address in its new place; its house, street or hamlet is
    /// kept when absent.
    pub address: Option<String>,
    pub reason: String,
}

/// Moves a facility to another commune: a regulator of the province it is
/// in, or an admin. The move is recorded where the regulators of both
/// provinces see it (`moves`).
pub fn relocate(
    conn: &mut DbConnection,
    caller: &Caller,
    units: &AdminUnits,
    id: &str,
    to: Relocation,
) -> AppResult<(Facility, FacilityMove)> {
    // A missing or unknown commune is refused before anything is read or
    // written.
    if to.commune_code.trim().is_empty() {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("commune_code"),
            "required: the commune, ward or special zone the facility moves to",
            "cần chọn xã, phường hoặc đặc khu nơi cơ sở chuyển đến",
        ));
    }
    crate::service::admin_units::commune(units, "commune_code", to.commune_code.trim())?;
    let reason = v::text("reason", &to.reason, 1000)?;
    if let Some(address) = &to.address {
        v::text("address", address, 300)?;
    }
    audit::write_transaction(conn, |conn| {
        let before = super::access::visible_facility(conn, caller, id)?;
        if matches!(caller.role, Role::Producer { .. }) {
            return Err(AppError::rule(
                RuleKind::Forbidden,
                None,
                "a facility's province is changed only by a regulator of its province",
                "Chỉ cơ quan quản lý của tỉnh nơi có cơ sở mới được chuyển cơ sở sang địa bàn khác",
            ));
        }
        if before.commune_code.as_deref() == Some(to.commune_code.trim()) {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("commune_code"),
                "the facility is already in this commune",
                "cơ sở đã ở xã/phường này",
            ));
        }
        let placed = crate::service::admin_units::place(
            units,
            "commune_code",
            to.commune_code.trim(),
            Some(to.address.as_deref().unwrap_or(&before.address)),
        )?;
        let mut after = before.clone();
        after.province_code = crate::domain::admin_units::province_code(&placed.province)
            .unwrap_or_default()
            .to_owned();
        after.province = placed.province;
        after.commune_code = Some(placed.commune_code);
        // The limit is the given part's (OpenAPI: 300); the commune and
        // province added to it may pass it.
        after.address = placed.address;
        // Districts are gone since 1 July 2025: the old one is not kept
        // as if it were still the facility's.
        after.district = String::new();
        after.updated_at = crate::time::now();
        let moved = FacilityMove {
            id: crate::domain::id::new_id(),
            facility_id: after.id.clone(),
            from_province: before.province.clone(),
            from_district: before.district.clone(),
            to_province: after.province.clone(),
            to_district: after.district.clone(),
            from_commune_code: before.commune_code.clone(),
            to_commune_code: after.commune_code.clone(),
            reason,
            moved_by: caller.username.clone(),
            moved_at: after.updated_at,
        };
        facility::save(conn, &after)?;
        facility_move::insert(conn, &moved)?;
        let recorded = serde_json::json!({"facility": after, "move": moved});
        audit::acted(
            conn,
            &Actor::from(caller),
            "relocate",
            "facility",
            &after.id,
            &before,
            &recorded,
        )?;
        Ok((after, moved))
    })
}

/// Facility moves within the caller's reach (into or out of a regulator's
/// province).
pub fn moves(conn: &mut DbConnection, caller: &Caller) -> AppResult<Vec<FacilityMove>> {
    Ok(facility_move::list(conn, &caller.scope())?)
}

pub fn create_certification(
    conn: &mut DbConnection,
    caller: &Caller,
    facility_id: &str,
    fields: CertificationFields,
) -> AppResult<Certification> {
    audit::write_transaction(conn, |conn| {
        let owner = editable_facility(conn, caller, facility_id)?;
        open_facility(caller, &owner)?;
        let row = fields.create(crate::domain::id::new_id(), owner.id, crate::time::now())?;
        certification::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "certification", &row.id, &row)?;
        Ok(row)
    })
}

/// The certification if its facility is within the caller's reach.
pub fn visible_certification(
    conn: &mut DbConnection,
    scope: &Scope,
    id: &str,
) -> AppResult<Certification> {
    let row = certification::find(conn, id)?.ok_or_else(|| AppError::not_found("certification"))?;
    facility::find(conn, scope, &row.facility_id)?
        .ok_or_else(|| AppError::not_found("certification"))?;
    Ok(row)
}

pub fn update_certification(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    fields: CertificationFields,
) -> AppResult<Certification> {
    audit::write_transaction(conn, |conn| {
        let before = visible_certification(conn, &caller.scope(), id)?;
        let owner = editable_facility(conn, caller, &before.facility_id)?;
        open_facility(caller, &owner)?;
        let after = fields.update(before.clone(), crate::time::now())?;
        certification::save(conn, &after)?;
        audit::updated(
            conn,
            &Actor::from(caller),
            "certification",
            &after.id,
            &before,
            &after,
        )?;
        Ok(after)
    })
}

pub fn delete_certification(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<()> {
    audit::write_transaction(conn, |conn| {
        let row = visible_certification(conn, &caller.scope(), id)?;
        let owner = editable_facility(conn, caller, &row.facility_id)?;
        open_facility(caller, &owner)?;
        certification::delete(conn, &row.id)?;
        audit::deleted(conn, &Actor::from(caller), "certification", &row.id, &row)
    })
}

/// Renews a certificate: a new certificate of the same scheme for the same
/// facility (number, issuer and dates as given), which must run past the
/// one it renews. The old one stays on record, as issued; the work queue
/// and the reminders count a scheme as renewed once a later one exists.
pub fn renew_certification(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    fields: CertificationFields,
) -> AppResult<Certification> {
    audit::write_transaction(conn, |conn| {
        let before = visible_certification(conn, &caller.scope(), id)?;
        let owner = editable_facility(conn, caller, &before.facility_id)?;
        open_facility(caller, &owner)?;
        let fields = CertificationFields {
            scheme: Some(before.scheme.clone()),
            ..fields
        };
        let row = fields.create(crate::domain::id::new_id(), owner.id, crate::time::now())?;
        if row.valid_to <= before.valid_to {
            return Err(
                v::field_error("valid_to", "must end after the certificate it renews").into(),
            );
        }
        certification::insert(conn, &row)?;
        audit::created(conn, &Actor::from(caller), "certification", &row.id, &row)?;
        Ok(row)
    })
}

/// Where a certificate stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateState {
    Valid,
    /// Lapses within `oversight::EXPIRY_NOTICE_DAYS`.
    Expiring,
    Expired,
    /// A later certificate of its scheme exists for its facility.
    Renewed,
}

#[derive(Debug, Clone)]
pub struct HeldCertificate {
    pub certification: Certification,
    pub facility: String,
    pub state: CertificateState,
}

/// The certificates of the facilities within the caller's reach (a
/// producer's own), soonest to lapse first, each with its state on `today`.
pub fn certificates_held(
    conn: &mut DbConnection,
    caller: &Caller,
    today: chrono::NaiveDate,
) -> AppResult<Vec<HeldCertificate>> {
    let facilities: Vec<Facility> = facility::scoped(&caller.scope())
        .select(Facility::as_select())
        .load(conn)?;
    let ids: Vec<String> = facilities.iter().map(|f| f.id.clone()).collect();
    let all = crate::models::standing::certificates(conn, &ids)?;
    let notice = today + chrono::Duration::days(super::oversight::EXPIRY_NOTICE_DAYS);
    Ok(all
        .iter()
        .map(|c| {
            let renewed = all.iter().any(|later| {
                later.facility_id == c.facility_id
                    && later.scheme == c.scheme
                    && later.valid_to > c.valid_to
            });
            let state = if renewed {
                CertificateState::Renewed
            } else if c.valid_to < today {
                CertificateState::Expired
            } else if c.valid_to <= notice {
                CertificateState::Expiring
            } else {
                CertificateState::Valid
            };
            HeldCertificate {
                facility: facilities
                    .iter()
                    .find(|f| f.id == c.facility_id)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                certification: c.clone(),
                state,
            }
        })
        .collect())
}
