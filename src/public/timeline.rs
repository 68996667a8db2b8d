//! Captured events on the consumer page: an event another system sent
//! about one of our lots (a buyer's receiving, a shipper's cold-chain
//! reading) joins the batch's timeline. Only what a consumer needs is
//! shown: the step, the time, the place; extension fields stay private.

use diesel::QueryResult;
use serde_json::{json, Value};

use super::record::PublicEvent;
use crate::db::DbConnection;
use crate::epcis::cbv::Vocabulary;
use crate::models::epcis_event;

/// Captured (not mirrored) events attached to the batch, oldest first.
pub fn captured_events(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<PublicEvent>> {
    Ok(epcis_event::captured_for_batch(conn, batch_id)?
        .into_iter()
        .map(|row| {
            let kind = row
                .biz_step
                .as_deref()
                .and_then(|step| Vocabulary::BizStep.short_name(step))
                .unwrap_or_else(|| row.event_type.clone());
            let place = row.biz_location.clone().or(row.read_point.clone());
            let disposition = row.disposition.as_deref().map(|d| {
                Vocabulary::Disposition
                    .short_name(d)
                    .unwrap_or_else(|| d.to_owned())
            });
            PublicEvent {
                kind,
                occurred_at: row.event_time,
                facility: place.unwrap_or_default(),
                details: json!({
                    "source": "epcis",
                    "event_type": row.event_type,
                    "event_id": row.event_id,
                    "disposition": disposition.map_or(Value::Null, Value::String),
                }),
                corrected_at: None,
                photos: Vec::new(),
            }
        })
        .collect())
}
