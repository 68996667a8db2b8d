//! Hand-overs: one lot passed from a supplier to a receiver. A shipment
//! to an enterprise of the service waits (`pending`) until the receiver
//! accepts it (with the quantity actually received and its own reference
//! document) or refuses it; a receipt from an outside party is stored
//! accepted, on the external lot the receiver registered for it. An
//! accepted hand-over is what lets the receiver use another enterprise's
//! lot as an input of its own packing or transformation.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::sum;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::db::schema::{
    batch, certification, enterprise, event, event_input, facility, handover, product,
};
use crate::db::{Backend, DbConnection};
use crate::domain::access::Scope;
use crate::models::genealogy::{self, TracedBatch};

pub const PENDING: &str = "pending";
pub const ACCEPTED: &str = "accepted";
pub const REFUSED: &str = "refused";

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = handover, treat_none_as_null = true)]
pub struct Handover {
    pub id: String,
    /// The supplier's lot (an external lot: the receiver's record of it).
    pub batch_id: String,
    pub shipping_event_id: Option<String>,
    pub from_enterprise_id: Option<String>,
    pub from_facility_id: Option<String>,
    /// The outside party a receipt came from.
    pub from_party_id: Option<String>,
    pub to_enterprise_id: String,
    pub to_party_id: String,
    pub quantity_shipped: f64,
    pub unit: String,
    /// `pending`, `accepted` or `refused`.
    pub status: String,
    pub quantity_received: Option<f64>,
    pub reference_type: Option<String>,
    pub reference_number: Option<String>,
    pub received_facility_id: Option<String>,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub accepted_at: Option<NaiveDateTime>,
    pub accepted_by: Option<String>,
    pub receiving_event_id: Option<String>,
    pub refusal_reason: Option<String>,
    pub supplier_lot_code: Option<String>,
    pub product_description: Option<String>,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub updated_at: NaiveDateTime,
}

/// What the receiver may know of the supplier's lot: its identity as the
/// consumer would see it, nothing of its other events, stamps or scans.
#[derive(Debug, Clone, Serialize)]
pub struct LotIdentity {
    pub lot_code: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub produced_on: NaiveDate,
    pub quantity: f64,
    pub unit: String,
    pub supplier: String,
    pub facility_name: String,
    pub facility_province: String,
    /// The planting-area or packing-house code, as printed for the consumer.
    pub area_code: Option<String>,
    /// Certifications valid today: `scheme number`.
    pub certifications: Vec<String>,
}

/// A hand-over as its two sides and regulators see it.
#[derive(Debug, Clone, Serialize)]
pub struct HandoverView {
    #[serde(flatten)]
    pub handover: Handover,
    pub lot: LotIdentity,
    pub receiver: String,
}

fn scoped(scope: &Scope) -> handover::BoxedQuery<'static, Backend> {
    let query = handover::table.into_boxed();
    match scope {
        Scope::All => query,
        Scope::Enterprise(id) => query.filter(
            handover::to_enterprise_id
                .eq(id.clone())
                .or(handover::from_enterprise_id.eq(id.clone())),
        ),
        // Either side in the province: the supplier's facility or the
        // receiver's enterprise.
        Scope::Province(p) => query.filter(
            handover::from_facility_id
                .eq_any(
                    facility::table
                        .filter(facility::province_code.eq(p.clone()))
                        .select(facility::id.nullable()),
                )
                .or(handover::to_enterprise_id.eq_any(
                    enterprise::table
                        .filter(enterprise::province_code.eq(p.clone()))
                        .select(enterprise::id),
                )),
        ),
    }
}

pub fn find(conn: &mut DbConnection, scope: &Scope, id: &str) -> QueryResult<Option<Handover>> {
    scoped(scope)
        .filter(handover::id.eq(id.to_owned()))
        .select(Handover::as_select())
        .first(conn)
        .optional()
}

/// Hand-overs in reach, newest first; `pending_for` keeps only the
/// receipts waiting for that enterprise.
pub fn list(
    conn: &mut DbConnection,
    scope: &Scope,
    pending_for: Option<&str>,
) -> QueryResult<Vec<Handover>> {
    let mut query = scoped(scope);
    if let Some(e) = pending_for {
        query = query
            .filter(handover::to_enterprise_id.eq(e.to_owned()))
            .filter(handover::status.eq(PENDING));
    }
    query
        .order((handover::created_at.desc(), handover::id))
        .limit(crate::models::page::MAX_EXPORT_ROWS)
        .select(Handover::as_select())
        .load(conn)
}

/// The hand-overs of these lots (either side), for a batch's history.
pub fn of_batches(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Handover>> {
    handover::table
        .filter(handover::batch_id.eq_any(ids.to_vec()))
        .order(handover::created_at)
        .select(Handover::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &Handover) -> QueryResult<usize> {
    diesel::insert_into(handover::table)
        .values(row)
        .execute(conn)
}

pub fn save(conn: &mut DbConnection, row: &Handover) -> QueryResult<usize> {
    diesel::update(handover::table.find(&row.id))
        .set(row)
        .execute(conn)
}

/// How much of `batch_id` `enterprise_id` received (accepted hand-overs),
/// none if it never received it.
pub fn received(
    conn: &mut DbConnection,
    enterprise_id: &str,
    batch_id: &str,
) -> QueryResult<Option<(f64, String)>> {
    let rows: Vec<(Option<f64>, String)> = handover::table
        .filter(handover::to_enterprise_id.eq(enterprise_id.to_owned()))
        .filter(handover::batch_id.eq(batch_id.to_owned()))
        .filter(handover::status.eq(ACCEPTED))
        .select((handover::quantity_received, handover::unit))
        .load(conn)?;
    let Some(unit) = rows.first().map(|(_, u)| u.clone()) else {
        return Ok(None);
    };
    Ok(Some((rows.iter().filter_map(|(q, _)| *q).sum(), unit)))
}

/// Whether `batch_id` was ever shipped to `enterprise_id` (whatever the
/// receipt's state): the receiver then knows the lot exists.
pub fn offered(conn: &mut DbConnection, enterprise_id: &str, batch_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        handover::table
            .filter(handover::to_enterprise_id.eq(enterprise_id.to_owned()))
            .filter(handover::batch_id.eq(batch_id.to_owned())),
    ))
    .get_result(conn)
}

/// How much of `input` the events on `enterprise_id`'s lots have used
/// (retracted events no longer count).
pub fn used(conn: &mut DbConnection, enterprise_id: &str, input: &str) -> QueryResult<f64> {
    let own_batches = batch::table
        .inner_join(product::table)
        .filter(product::enterprise_id.eq(enterprise_id.to_owned()))
        .select(batch::id);
    let total: Option<f64> = event_input::table
        .inner_join(event::table)
        .filter(event_input::batch_id.eq(input.to_owned()))
        .filter(event::retracted_at.is_null())
        .filter(event::batch_id.eq_any(own_batches))
        .select(sum(event_input::quantity))
        .first(conn)?;
    Ok(total.unwrap_or(0.0))
}

/// The lots these hand-overs carry, as the receiver may know them.
pub fn identities(
    conn: &mut DbConnection,
    batch_ids: &[String],
    today: NaiveDate,
) -> QueryResult<BTreeMap<String, LotIdentity>> {
    let depths: BTreeMap<String, usize> = batch_ids.iter().map(|id| (id.clone(), 0)).collect();
    let traced: Vec<TracedBatch> = genealogy::describe(conn, &depths)?;
    let mut out = BTreeMap::new();
    for b in traced {
        let supplier: String = enterprise::table
            .find(&b.enterprise_id)
            .select(enterprise::name)
            .first(conn)?;
        let certifications = certification::table
            .filter(certification::facility_id.eq(&b.facility_id))
            .filter(certification::valid_from.le(today))
            .filter(certification::valid_to.ge(today))
            .order(certification::scheme)
            .select((certification::scheme, certification::number))
            .load::<(String, String)>(conn)?
            .into_iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        out.insert(
            b.id.clone(),
            LotIdentity {
                lot_code: b.lot_code,
                product_name_vi: b.product_name_vi,
                product_name_en: b.product_name_en,
                produced_on: b.produced_on,
                quantity: b.quantity,
                unit: b.unit,
                supplier,
                facility_name: b.facility_name,
                facility_province: b.facility_province,
                area_code: b.area_code,
                certifications,
            },
        );
    }
    Ok(out)
}

/// Hand-overs with their lots and receivers, for lists and pages.
pub fn views(conn: &mut DbConnection, rows: Vec<Handover>) -> QueryResult<Vec<HandoverView>> {
    let ids: Vec<String> = rows.iter().map(|h| h.batch_id.clone()).collect();
    let lots = identities(conn, &ids, crate::time::now().date())?;
    let mut out = Vec::with_capacity(rows.len());
    for h in rows {
        let receiver: String = enterprise::table
            .find(&h.to_enterprise_id)
            .select(enterprise::name)
            .first(conn)?;
        let mut lot = lots
            .get(&h.batch_id)
            .cloned()
            .ok_or(diesel::result::Error::NotFound)?;
        // An external lot names its outside supplier, not its receiver.
        if let Some(party) = &h.from_party_id {
            if let Some(p) = crate::models::party::find(conn, &Scope::All, party)? {
                lot.supplier = p.business_name;
            }
        }
        out.push(HandoverView {
            handover: h,
            lot,
            receiver,
        });
    }
    Ok(out)
}
