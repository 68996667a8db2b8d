//! What the FSMA 204 export reads: the lots a request names, their
//! critical tracking events, and the places (facility and enterprise) that
//! describe each location. Queries only; the rows are built by
//! `service::fsma`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::HashMap;

use crate::db::schema::{batch, enterprise, event, event_input, facility, product};
use crate::db::DbConnection;
use crate::domain::access::Scope;
use crate::models::event::{EventInput, EventRow};

/// The event kinds that are critical tracking events (`domain::kde`).
pub const CTE_KINDS: [&str; 7] = [
    "harvesting",
    "cooling",
    "packing",
    "first_land_receiving",
    "shipping",
    "receiving",
    "transformation",
];

/// A lot as the export describes it.
#[derive(Debug, Clone, Queryable)]
pub struct Lot {
    pub id: String,
    pub lot_code: String,
    pub facility_id: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub category: String,
    pub variety: Option<String>,
    pub gtin: Option<String>,
    pub enterprise_id: String,
    pub province: String,
}

/// A location description (§1.1310): the enterprise's business name and
/// phone, the facility's name, street and province.
#[derive(Debug, Clone, Queryable)]
pub struct Place {
    pub id: String,
    pub facility_name: String,
    pub street: String,
    pub province: String,
    pub gln: Option<String>,
    pub business_name: String,
    pub phone: Option<String>,
    pub contact_phone: Option<String>,
}

/// Lots within `scope` of the given products (any when empty), with a lot
/// code in the range, and, with `during`, a critical tracking event then.
pub fn seeds(
    conn: &mut DbConnection,
    scope: &Scope,
    products: &[String],
    lot_range: (Option<&str>, Option<&str>),
    during: Option<(NaiveDateTime, NaiveDateTime)>,
) -> QueryResult<Vec<String>> {
    let mut query = crate::models::batch::scoped(scope);
    if !products.is_empty() {
        query = query.filter(batch::product_id.eq_any(products.to_vec()));
    }
    if let Some(low) = lot_range.0 {
        query = query.filter(batch::lot_code.ge(low.to_owned()));
    }
    if let Some(high) = lot_range.1 {
        query = query.filter(batch::lot_code.le(high.to_owned()));
    }
    if let Some((start, end)) = during {
        query = query.filter(
            batch::id.eq_any(
                event::table
                    .filter(event::occurred_at.ge(start))
                    .filter(event::occurred_at.lt(end))
                    .filter(event::retracted_at.is_null())
                    .filter(event::kind.eq_any(CTE_KINDS))
                    .select(event::batch_id),
            ),
        );
    }
    query.select(batch::id).order(batch::lot_code).load(conn)
}

pub fn lots(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Lot>> {
    batch::table
        .inner_join(product::table)
        .inner_join(facility::table)
        .filter(batch::id.eq_any(ids))
        .select((
            batch::id,
            batch::lot_code,
            batch::facility_id,
            product::name_vi,
            product::name_en,
            product::category,
            product::variety,
            product::gtin,
            product::enterprise_id,
            facility::province,
        ))
        .order(batch::lot_code)
        .load(conn)
}

/// The critical tracking events of the lots, oldest first (retracted ones
/// left out).
pub fn ctes(conn: &mut DbConnection, batch_ids: &[String]) -> QueryResult<Vec<EventRow>> {
    event::table
        .filter(event::batch_id.eq_any(batch_ids))
        .filter(event::retracted_at.is_null())
        .filter(event::kind.eq_any(CTE_KINDS))
        .order((event::occurred_at, event::id))
        .select(EventRow::as_select())
        .load(conn)
}

/// The input lots of these transformations, with the quantities used.
pub fn inputs(conn: &mut DbConnection, event_ids: &[String]) -> QueryResult<Vec<EventInput>> {
    event_input::table
        .filter(event_input::event_id.eq_any(event_ids))
        .order((event_input::event_id, event_input::batch_id))
        .select(EventInput::as_select())
        .load(conn)
}

pub fn places(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, Place>> {
    let rows: Vec<Place> = facility::table
        .inner_join(enterprise::table)
        .filter(facility::id.eq_any(ids))
        .select((
            facility::id,
            facility::name,
            facility::address,
            facility::province,
            facility::gln,
            enterprise::name,
            enterprise::phone,
            enterprise::contact_phone,
        ))
        .load(conn)?;
    Ok(rows.into_iter().map(|p| (p.id.clone(), p)).collect())
}
