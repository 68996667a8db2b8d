//! Capture jobs. A validated document is stored in one transaction with
//! multi-row INSERTs; events already held (same eventID, or the same
//! canonical hash when they have none) are skipped, so sending a document
//! twice stores it once. The job runs inside the request: by the time the
//! 202 is answered it has finished.

use chrono::NaiveDateTime;
use diesel::Connection;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;

use crate::db::DbConnection;
use crate::domain::serial::SerialCodec;
use crate::epcis::document::{event_problem, Document};
use crate::epcis::identifiers::BatchFinder;
use crate::epcis::indexed::{with_record_time, IndexedEvent};
use crate::epcis::problem::{EventError, Problem};
use crate::models::epcis_capture::EpcisCapture;
use crate::models::epcis_event::{self, role, EpcisEventEpc, EpcisEventRow};

/// Most events accepted in one document (GS1-EPCIS-Capture-Limit).
pub const MAX_EVENTS: usize = 10_000;
/// Largest document accepted (GS1-EPCIS-Capture-File-Size-Limit).
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

/// `GS1-Capture-Error-Behaviour`: all or nothing, or keep the valid events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorBehaviour {
    Rollback,
    Proceed,
}

impl ErrorBehaviour {
    pub fn parse(header: Option<&str>) -> Result<Self, Problem> {
        match header.map(str::trim) {
            None | Some("") => Ok(ErrorBehaviour::Rollback),
            Some(v) if v.eq_ignore_ascii_case("rollback") => Ok(ErrorBehaviour::Rollback),
            Some(v) if v.eq_ignore_ascii_case("proceed") => Ok(ErrorBehaviour::Proceed),
            Some(other) => Err(Problem::validation(
                format!("GS1-Capture-Error-Behaviour {other:?} is not rollback or proceed"),
                Vec::new(),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorBehaviour::Rollback => "rollback",
            ErrorBehaviour::Proceed => "proceed",
        }
    }
}

/// Who captures, and how identifiers are recognised as ours.
pub struct Capturer<'a> {
    pub enterprise_id: &'a str,
    pub account_id: &'a str,
    pub behaviour: ErrorBehaviour,
    pub base_url: &'a str,
    pub codec: &'a SerialCodec,
    /// The latest event time accepted (`Config::latest_event_time`).
    pub latest_event_time: NaiveDateTime,
}

/// What a capture did, beyond the job: how many held events its error
/// declarations retracted.
pub struct Captured {
    pub job: EpcisCapture,
    pub retracted: usize,
}

/// An event the capturing enterprise may not store, and why.
fn refusal(index: usize, indexed: &IndexedEvent, field: &str, message: String) -> EventError {
    EventError {
        event_index: Some(index),
        event_id: indexed.event_id.clone(),
        field: field.to_owned(),
        message,
    }
}

/// A row and its identifiers, ready for `epcis_event::insert_all`.
pub struct StoredEvent {
    pub row: EpcisEventRow,
    pub identifiers: Vec<EpcisEventEpc>,
}

/// Builds the stored form of an indexed event; `batches` are the batches
/// it is attached to.
pub fn stored_event(
    id: String,
    enterprise_id: &str,
    indexed: IndexedEvent,
    body: &Value,
    record_time: NaiveDateTime,
    context: Option<String>,
    batches: Vec<String>,
) -> StoredEvent {
    let mut identifiers: Vec<EpcisEventEpc> = indexed
        .identifiers
        .into_iter()
        .map(|(role, value)| EpcisEventEpc {
            event_id: id.clone(),
            role: role.to_owned(),
            value,
            enterprise_id: enterprise_id.to_owned(),
        })
        .collect();
    for batch in batches {
        let attached = EpcisEventEpc {
            event_id: id.clone(),
            role: role::BATCH.to_owned(),
            value: batch,
            enterprise_id: enterprise_id.to_owned(),
        };
        if !identifiers.contains(&attached) {
            identifiers.push(attached);
        }
    }
    StoredEvent {
        row: EpcisEventRow {
            id,
            enterprise_id: enterprise_id.to_owned(),
            event_key: indexed.key,
            event_id: indexed.event_id,
            event_type: indexed.event_type,
            action: indexed.action,
            event_time: indexed.event_time,
            record_time,
            biz_step: indexed.biz_step,
            disposition: indexed.disposition,
            read_point: indexed.read_point,
            biz_location: indexed.biz_location,
            source_event_id: None,
            capture_id: None,
            body: body.to_string(),
            context,
            retracted: false,
        },
        identifiers,
    }
}

impl Capturer<'_> {
    /// Stores the document's valid events and the finished job. Under
    /// `rollback` any invalid event refuses the whole document.
    pub fn capture(
        &self,
        conn: &mut DbConnection,
        document: Document,
    ) -> Result<Captured, Problem> {
        let failed = document.failed_events();
        if !failed.is_empty() && self.behaviour == ErrorBehaviour::Rollback {
            return Err(event_problem(document.errors, failed.len()));
        }
        let now = crate::time::now();
        let capture_id = crate::domain::id::new_id();
        let context = (!document.context.is_empty())
            .then(|| Value::Array(document.context.clone()).to_string());
        let mut errors: Vec<EventError> = document.errors;
        let event_count = document.events.len();

        conn.transaction(|conn| {
            let mut candidates: Vec<(usize, IndexedEvent, Value)> = Vec::with_capacity(event_count);
            let mut failed = failed.into_iter().peekable();
            for (index, event) in document.events.into_iter().enumerate() {
                if failed.peek() == Some(&index) {
                    failed.next();
                    continue;
                }
                match IndexedEvent::of(&event) {
                    Ok(indexed) => candidates.push((index, indexed, event)),
                    Err(message) => errors.push(EventError {
                        event_index: Some(index),
                        event_id: None,
                        field: String::new(),
                        message,
                    }),
                }
            }
            // The rules of capture: an event dated ahead of the allowance,
            // or one whose eventID another enterprise holds, is refused.
            let ids: Vec<&str> = candidates
                .iter()
                .filter_map(|(_, i, _)| i.event_id.as_deref())
                .collect();
            let others: HashSet<String> = epcis_event::holders_of(conn, &ids)?
                .into_iter()
                .filter(|(_, holder)| holder != self.enterprise_id)
                .map(|(id, _)| id)
                .collect();
            let mut refused = Vec::new();
            candidates.retain(|(index, indexed, _)| {
                let problem = if indexed.event_time > self.latest_event_time {
                    Some((
                        "/eventTime",
                        "is in the future beyond the allowed margin".to_owned(),
                    ))
                } else if indexed
                    .event_id
                    .as_ref()
                    .is_some_and(|id| others.contains(id))
                {
                    Some((
                        "/eventID",
                        "is already the eventID of another enterprise's event".to_owned(),
                    ))
                } else {
                    None
                };
                match problem {
                    Some((field, message)) => {
                        refused.push(refusal(*index, indexed, field, message));
                        false
                    }
                    None => true,
                }
            });
            // An error declaration retracts the event it repeats, if held.
            let mut retractions = Vec::new();
            let mut kept = Vec::with_capacity(candidates.len());
            for (index, indexed, event) in candidates {
                if event.get("errorDeclaration").is_none() {
                    kept.push((index, indexed, event));
                    continue;
                }
                match epcis_event::held(conn, self.enterprise_id, &indexed.key)? {
                    Some((_, Some(source))) => refused.push(refusal(
                        index,
                        &indexed,
                        "/errorDeclaration",
                        format!(
                            "this event mirrors a batch event: correct or delete it through \
                             /api/v1/events/{source}"
                        ),
                    )),
                    Some((row, None)) => retractions.push((row, with_record_time(event, &now))),
                    None => kept.push((index, indexed, event)),
                }
            }
            if !refused.is_empty() && self.behaviour == ErrorBehaviour::Rollback {
                let count = refused.len();
                return Ok(Err(event_problem(refused, count)));
            }
            errors.extend(refused);
            for (row, body) in &retractions {
                epcis_event::retract(conn, row, &body.to_string(), now)?;
            }
            let candidates = kept;
            let keys: Vec<&str> = candidates.iter().map(|(_, i, _)| i.key.as_str()).collect();
            let mut held = epcis_event::existing_keys(conn, self.enterprise_id, &keys)?;

            let mut finder = BatchFinder::new(self.base_url, self.codec, self.enterprise_id);
            let mut events = Vec::with_capacity(candidates.len());
            let mut identifiers = Vec::new();
            for (_, indexed, event) in candidates {
                // A key seen earlier in this document is a repeat too.
                if !held.insert(indexed.key.clone()) {
                    continue;
                }
                let mut batches = Vec::new();
                for (_, value) in &indexed.identifiers {
                    if let Some(batch) = finder.batch_of(conn, value)? {
                        if !batches.contains(&batch) {
                            batches.push(batch);
                        }
                    }
                }
                let retracted = event.get("errorDeclaration").is_some();
                let body = with_record_time(event, &now);
                let mut stored = stored_event(
                    crate::domain::id::new_id(),
                    self.enterprise_id,
                    indexed,
                    &body,
                    now,
                    context.clone(),
                    batches,
                );
                stored.row.capture_id = Some(capture_id.clone());
                stored.row.retracted = retracted;
                events.push(stored.row);
                identifiers.extend(stored.identifiers);
            }
            let job = EpcisCapture {
                id: capture_id.clone(),
                enterprise_id: self.enterprise_id.to_owned(),
                account_id: self.account_id.to_owned(),
                error_behaviour: self.behaviour.as_str().to_owned(),
                event_count: event_count as i64,
                stored_count: events.len() as i64,
                success: errors.is_empty(),
                errors: (!errors.is_empty()).then(|| {
                    let refused = errors
                        .iter()
                        .filter_map(|e| e.event_index)
                        .collect::<HashSet<_>>();
                    serde_json::to_string(&event_problem(errors.clone(), refused.len()))
                        .unwrap_or_default()
                }),
                created_at: now,
                finished_at: crate::time::now(),
            };
            crate::models::epcis_capture::insert(conn, &job)?;
            epcis_event::insert_all(conn, &events, &identifiers)?;
            Ok::<_, diesel::result::Error>(Ok(Captured {
                job,
                retracted: retractions.len(),
            }))
        })
        .map_err(Problem::from)?
    }
}

/// A capture job as `GET /epcis/capture/{id}` shows it (EPCIS 2.0 REST).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureJobView {
    #[serde(rename = "captureID")]
    pub capture_id: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "crate::time::utc")]
    pub finished_at: NaiveDateTime,
    pub running: bool,
    pub success: bool,
    pub capture_error_behaviour: String,
    pub event_count: i64,
    pub stored_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Value>,
}

impl From<EpcisCapture> for CaptureJobView {
    fn from(job: EpcisCapture) -> Self {
        CaptureJobView {
            capture_id: job.id,
            created_at: job.created_at,
            finished_at: job.finished_at,
            running: false,
            success: job.success,
            capture_error_behaviour: job.error_behaviour,
            event_count: job.event_count,
            stored_count: job.stored_count,
            errors: job.errors.and_then(|e| serde_json::from_str(&e).ok()),
        }
    }
}
