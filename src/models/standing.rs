//! A facility's standing with its regulator, read in bulk for a province:
//! its enterprise, its latest inspection, its certificates, its recalled
//! lots. A province holds hundreds of facilities, not millions, so the
//! work queue and the facility list read them whole and sort in Rust.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::schema::{batch, certification, enterprise, facility, inspection, product};
use crate::db::DbConnection;
use crate::domain::access::Scope;
use crate::domain::kinds::BatchStatus;
use crate::models::batch::{self as batches, Batch};
use crate::models::certification::Certification;
use crate::models::facility::{self as facilities, Facility};
use crate::models::inspection::Inspection;

/// Every facility within `scope`, with its enterprise's name.
pub fn facilities(conn: &mut DbConnection, scope: &Scope) -> QueryResult<Vec<(Facility, String)>> {
    let rows: Vec<Facility> = facilities::scoped(scope)
        .order((facility::name, facility::id))
        .select(Facility::as_select())
        .load(conn)?;
    let names: HashMap<String, String> = enterprise::table
        .select((enterprise::id, enterprise::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|f| {
            let name = names.get(&f.enterprise_id).cloned().unwrap_or_default();
            (f, name)
        })
        .collect())
}

/// The latest inspection of each of `facility_ids` that has one.
pub fn latest_inspections(
    conn: &mut DbConnection,
    facility_ids: &[String],
) -> QueryResult<HashMap<String, Inspection>> {
    let rows: Vec<Inspection> = inspection::table
        .filter(inspection::facility_id.eq_any(facility_ids))
        .order((
            inspection::inspected_on.desc(),
            inspection::created_at.desc(),
        ))
        .select(Inspection::as_select())
        .load(conn)?;
    let mut latest = HashMap::new();
    for row in rows {
        latest.entry(row.facility_id.clone()).or_insert(row);
    }
    Ok(latest)
}

/// The certificates of `facility_ids`.
pub fn certificates(
    conn: &mut DbConnection,
    facility_ids: &[String],
) -> QueryResult<Vec<Certification>> {
    certification::table
        .filter(certification::facility_id.eq_any(facility_ids))
        .order((certification::valid_to, certification::id))
        .select(Certification::as_select())
        .load(conn)
}

/// Recalled batches within `scope`, newest recall first, with their
/// product's names.
pub fn recalled(
    conn: &mut DbConnection,
    scope: &Scope,
) -> QueryResult<Vec<(Batch, String, String)>> {
    let rows: Vec<Batch> = batches::scoped(scope)
        .filter(batch::status.eq(BatchStatus::Recalled.as_str()))
        .order((batch::recalled_at.desc(), batch::id))
        .select(Batch::as_select())
        .load(conn)?;
    with_products(conn, rows)
}

/// Batches with their product's Vietnamese and English names.
pub fn with_products(
    conn: &mut DbConnection,
    rows: Vec<Batch>,
) -> QueryResult<Vec<(Batch, String, String)>> {
    let ids: Vec<&str> = rows.iter().map(|b| b.product_id.as_str()).collect();
    let names: HashMap<String, (String, String)> = product::table
        .filter(product::id.eq_any(ids))
        .select((product::id, product::name_vi, product::name_en))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, vi, en)| (id, (vi, en)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|b| {
            let (vi, en) = names.get(&b.product_id).cloned().unwrap_or_default();
            (b, vi, en)
        })
        .collect())
}

/// The batches of `ids`, whoever's.
pub fn batches(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Batch>> {
    batch::table
        .filter(batch::id.eq_any(ids))
        .select(Batch::as_select())
        .load(conn)
}
