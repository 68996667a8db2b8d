//! What the public registry lists: active facilities holding a certification
//! valid on the day, and the products of the enterprises that own them. Only
//! facts the consumer's stamp page shows too: no account, no e-mail or
//! phone, and no street address (a smallholder's orchard is often the
//! family's home).

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashMap;

use crate::db::schema::{certification, enterprise, facility, product};
use crate::db::DbConnection;
use crate::domain::kinds::FacilityStatus;

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct ListedFacility {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub district: String,
    pub province: String,
    /// The official codes (Decision 19/2025/QĐ-TTg); no commune for a
    /// pre-2025 address not yet settled.
    pub province_code: String,
    pub commune_code: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub area_code: Option<String>,
    pub enterprise_name: String,
    pub enterprise_tax_code: String,
    pub enterprise_province: String,
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct ListedCertification {
    #[serde(skip)]
    pub facility_id: String,
    pub scheme: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

/// A listed facility with the certifications that list it.
#[derive(Debug, Clone, Serialize)]
pub struct CertifiedFacility {
    #[serde(flatten)]
    pub facility: ListedFacility,
    pub certifications: Vec<ListedCertification>,
}

#[derive(Debug, Clone, Serialize, Queryable)]
pub struct ListedProduct {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    pub category: String,
    pub variety: Option<String>,
    pub gtin: Option<String>,
    pub unit: String,
    pub shelf_life_days: Option<i32>,
    pub standards: Option<String>,
    pub enterprise_name: String,
    pub enterprise_tax_code: String,
    pub enterprise_province: String,
}

/// Active facilities with a certification valid on `day`.
#[diesel::dsl::auto_type]
fn listed(day: NaiveDate) -> _ {
    let active: &'static str = FacilityStatus::Active.as_str();
    facility::table.filter(facility::status.eq(active)).filter(
        facility::id.eq_any(
            certification::table
                .filter(certification::valid_from.le(day))
                .filter(certification::valid_to.ge(day))
                .select(certification::facility_id),
        ),
    )
}

pub fn facilities(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Vec<CertifiedFacility>> {
    let rows: Vec<ListedFacility> = listed(day)
        .inner_join(enterprise::table)
        .order((
            facility::province,
            enterprise::name,
            facility::name,
            facility::id,
        ))
        .select((
            facility::id,
            facility::name,
            facility::kind,
            facility::district,
            facility::province,
            facility::province_code,
            facility::commune_code,
            facility::latitude,
            facility::longitude,
            facility::area_code,
            enterprise::name,
            enterprise::tax_code,
            enterprise::province,
        ))
        .load(conn)?;
    // A certification valid on the day lists its facility if that is
    // active: so these are exactly the listed facilities' certifications.
    let mut certifications: HashMap<String, Vec<ListedCertification>> = HashMap::new();
    for c in certification::table
        .inner_join(facility::table)
        .filter(facility::status.eq(FacilityStatus::Active.as_str()))
        .filter(certification::valid_from.le(day))
        .filter(certification::valid_to.ge(day))
        .order((certification::scheme, certification::number))
        .select((
            certification::facility_id,
            certification::scheme,
            certification::number,
            certification::issuer,
            certification::valid_from,
            certification::valid_to,
        ))
        .load::<ListedCertification>(conn)?
    {
        certifications
            .entry(c.facility_id.clone())
            .or_default()
            .push(c);
    }
    Ok(rows
        .into_iter()
        .map(|facility| CertifiedFacility {
            certifications: certifications.remove(&facility.id).unwrap_or_default(),
            facility,
        })
        .collect())
}

pub fn products(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Vec<ListedProduct>> {
    product::table
        .inner_join(enterprise::table)
        .filter(product::enterprise_id.eq_any(listed(day).select(facility::enterprise_id)))
        .order((enterprise::name, product::name_vi, product::id))
        .select((
            product::id,
            product::name_vi,
            product::name_en,
            product::category,
            product::variety,
            product::gtin,
            product::unit,
            product::shelf_life_days,
            product::standards,
            enterprise::name,
            enterprise::tax_code,
            enterprise::province,
        ))
        .load(conn)
}
