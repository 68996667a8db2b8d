//! Lot genealogy: the graph of batches linked through transformation events
//! (inputs → output). Walked one tier per query, so a trace costs as many
//! queries as it has tiers, not as it has batches.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};

use crate::db::schema::{batch, event, event_input, facility, product};
use crate::db::DbConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the inputs a batch was made from.
    Backward,
    /// Towards the batches made from it.
    Forward,
}

/// One transformation edge: `input` went into `output`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Link {
    pub input: String,
    pub output: String,
    pub event_id: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub occurred_at: NaiveDateTime,
    pub quantity: Option<f64>,
    pub unit: Option<String>,
}

/// A batch of the graph with what a trace needs to show it.
#[derive(Debug, Clone, Serialize)]
pub struct TracedBatch {
    pub id: String,
    pub lot_code: String,
    pub product_id: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub enterprise_id: String,
    pub facility_id: String,
    pub facility_name: String,
    pub facility_address: String,
    pub facility_province: String,
    pub area_code: Option<String>,
    pub produced_on: NaiveDate,
    pub quantity: f64,
    pub unit: String,
    pub status: String,
    /// Tiers away from the root (0 for the root).
    pub depth: usize,
}

/// Tiers beyond which a walk stops: no real supply chain is this deep, and
/// the bound keeps a malformed graph from costing unbounded queries.
const MAX_TIERS: usize = 64;

/// The links one tier away from `frontier`.
fn tier(
    conn: &mut DbConnection,
    frontier: &[String],
    direction: Direction,
) -> QueryResult<Vec<Link>> {
    // A retracted transformation no longer links its lots.
    let query = event_input::table
        .inner_join(event::table)
        .filter(event::retracted_at.is_null())
        .into_boxed();
    let query = match direction {
        Direction::Forward => query.filter(event_input::batch_id.eq_any(frontier.to_vec())),
        Direction::Backward => query.filter(event::batch_id.eq_any(frontier.to_vec())),
    };
    Ok(query
        .select((
            event_input::batch_id,
            event::batch_id,
            event::id,
            event::occurred_at,
            event_input::quantity,
            event_input::unit,
        ))
        .load::<(
            String,
            String,
            String,
            NaiveDateTime,
            Option<f64>,
            Option<String>,
        )>(conn)?
        .into_iter()
        .map(
            |(input, output, event_id, occurred_at, quantity, unit)| Link {
                input,
                output,
                event_id,
                occurred_at,
                quantity,
                unit,
            },
        )
        .collect())
}

/// Every batch reachable from `root` in `direction`, with its depth, and the
/// links walked.
pub fn walk(
    conn: &mut DbConnection,
    root: &str,
    direction: Direction,
) -> QueryResult<(BTreeMap<String, usize>, Vec<Link>)> {
    let mut depths = BTreeMap::from([(root.to_owned(), 0)]);
    let mut links = Vec::new();
    let mut seen_links = HashSet::new();
    let mut frontier = vec![root.to_owned()];
    for depth in 1..=MAX_TIERS {
        if frontier.is_empty() {
            break;
        }
        let mut next = Vec::new();
        for link in tier(conn, &frontier, direction)? {
            let reached = match direction {
                Direction::Forward => link.output.clone(),
                Direction::Backward => link.input.clone(),
            };
            if !depths.contains_key(&reached) {
                depths.insert(reached.clone(), depth);
                next.push(reached);
            }
            if seen_links.insert((
                link.input.clone(),
                link.output.clone(),
                link.event_id.clone(),
            )) {
                links.push(link);
            }
        }
        frontier = next;
    }
    Ok((depths, links))
}

/// The batches of a walk, with product and facility, ordered by depth.
pub fn describe(
    conn: &mut DbConnection,
    depths: &BTreeMap<String, usize>,
) -> QueryResult<Vec<TracedBatch>> {
    let ids: Vec<&String> = depths.keys().collect();
    type Row = (
        (
            String,
            String,
            String,
            String,
            NaiveDate,
            f64,
            String,
            String,
        ),
        (String, String, String),
        (String, String, String, Option<String>),
    );
    let rows: Vec<Row> = batch::table
        .inner_join(product::table)
        .inner_join(facility::table)
        .filter(batch::id.eq_any(ids))
        .select((
            (
                batch::id,
                batch::lot_code,
                batch::product_id,
                batch::facility_id,
                batch::produced_on,
                batch::quantity,
                batch::unit,
                batch::status,
            ),
            (product::name_vi, product::name_en, product::enterprise_id),
            (
                facility::name,
                facility::address,
                facility::province,
                facility::area_code,
            ),
        ))
        .load(conn)?;
    let mut traced: Vec<TracedBatch> = rows
        .into_iter()
        .map(|(b, p, f)| TracedBatch {
            depth: depths.get(&b.0).copied().unwrap_or(0),
            id: b.0,
            lot_code: b.1,
            product_id: b.2,
            facility_id: b.3,
            produced_on: b.4,
            quantity: b.5,
            unit: b.6,
            status: b.7,
            product_name_vi: p.0,
            product_name_en: p.1,
            enterprise_id: p.2,
            facility_name: f.0,
            facility_address: f.1,
            facility_province: f.2,
            area_code: f.3,
        })
        .collect();
    traced.sort_by(|a, b| (a.depth, &a.lot_code).cmp(&(b.depth, &b.lot_code)));
    Ok(traced)
}
