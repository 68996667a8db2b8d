//! The public record of a facility, as `/414/{gln}` answers it: what a
//! buyer or a consumer may check about the place a lot comes from — who
//! runs it, where it is, whether it is suspended, its certifications in
//! force and its latest inspection. Nothing a regulator keeps private (the
//! reason of a suspension, inspection notes) and no street address.

use diesel::prelude::*;
use serde::Serialize;

use super::record::{
    latest_inspection, public_enterprise, PublicCertification, PublicEnterprise, PublicFacility,
    PublicInspection,
};
use crate::db::schema::{certification, facility};
use crate::db::DbConnection;
use crate::models::certification::Certification;
use crate::models::facility::Facility;

#[derive(Debug, Clone, Serialize)]
pub struct FacilityRecord {
    pub gln: String,
    /// Its public fields, as on a lot's record (`status`: `active` or
    /// `suspended`).
    #[serde(flatten)]
    pub facility: PublicFacility,
    pub enterprise: PublicEnterprise,
    /// Certifications valid today (the date in Vietnam).
    pub certifications: Vec<PublicCertification>,
    pub latest_inspection: Option<PublicInspection>,
}

impl FacilityRecord {
    pub fn suspended(&self) -> bool {
        self.facility.status == "suspended"
    }
}

/// The facility whose GLN is `gln`, if one has it.
pub fn by_gln(conn: &mut DbConnection, gln: &str) -> QueryResult<Option<FacilityRecord>> {
    let Some(f) = facility::table
        .filter(facility::gln.eq(gln))
        .select(Facility::as_select())
        .get_result(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let today = crate::time::today();
    let certifications = certification::table
        .filter(certification::facility_id.eq(&f.id))
        .filter(certification::valid_from.le(today))
        .filter(certification::valid_to.ge(today))
        .order(certification::valid_to.desc())
        .select(Certification::as_select())
        .load(conn)?
        .into_iter()
        .map(PublicCertification::from)
        .collect();
    Ok(Some(FacilityRecord {
        enterprise: public_enterprise(conn, &f.enterprise_id)?,
        latest_inspection: latest_inspection(conn, &f.id)?,
        certifications,
        gln: gln.to_owned(),
        facility: PublicFacility::from(f),
    }))
}
