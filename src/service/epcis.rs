//! EPCIS capture as a use case: a producer's systems send events for its
//! enterprise. Like every write it is audited in its own transaction, it
//! moves the resolver's change counter (a trigger on `epcis_event`), and its
//! events obey the rules the registry's own events do: dated no further
//! ahead than allowed, and an eventID belongs to the one enterprise that
//! captured it first. An enterprise retracts its own event by capturing the
//! event again with an EPCIS 2.0 `errorDeclaration`.

use crate::audit::{self, Actor};
use diesel::prelude::*;

use crate::config::Config;
use crate::db::schema::epcis_event;
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role};
use crate::domain::serial::SerialCodec;
use crate::epcis::capture::{Capturer, ErrorBehaviour};
use crate::epcis::document::Document;
use crate::epcis::problem::Problem;
use crate::error::AppError;
use crate::models::epcis_capture::EpcisCapture;

/// The enterprise a producer captures for; nobody else captures.
pub fn capturing_enterprise(caller: &Caller) -> Result<String, Problem> {
    match &caller.role {
        Role::Producer { enterprise_id } => Ok(enterprise_id.clone()),
        _ => Err(AppError::Forbidden(
            "capture needs a producer's token: captured events belong to its enterprise".into(),
        )
        .into()),
    }
}

/// Everything capture needs besides the caller and the document.
pub struct CaptureSettings<'a> {
    pub config: &'a Config,
    pub codec: &'a SerialCodec,
    pub behaviour: ErrorBehaviour,
}

/// Stores a read and validated EPCISDocument (`Document::read`, which the
/// adapter runs off the pool), and records the capture in the audit log in
/// the same transaction.
pub fn capture(
    conn: &mut DbConnection,
    caller: &Caller,
    settings: &CaptureSettings,
    document: Document,
) -> Result<EpcisCapture, Problem> {
    let enterprise_id = capturing_enterprise(caller)?;
    let capturer = Capturer {
        enterprise_id: &enterprise_id,
        account_id: &caller.account_id,
        behaviour: settings.behaviour,
        base_url: settings.config.base_url(),
        codec: settings.codec,
        latest_event_time: settings.config.latest_event_time(crate::time::now()),
    };
    let quota = settings.config.epcis_event_quota;
    let outcome = audit::write_transaction(conn, |conn| {
        // Captured events only: the registry's own, mirrored, are not the
        // enterprise's systems' to spend.
        let stored = epcis_event::table
            .filter(epcis_event::enterprise_id.eq(&enterprise_id))
            .filter(epcis_event::capture_id.is_not_null())
            .count()
            .get_result::<i64>(conn)?;
        let sent = i64::try_from(document.events.len()).unwrap_or(i64::MAX);
        if stored.saturating_add(sent) > quota {
            return Ok(Err(Problem::capture_limit(format!(
                "the enterprise's EPCIS storage quota is {quota} events (EPCIS_EVENT_QUOTA): \
                 {stored} are stored and this document has {sent}; nothing was stored"
            ))));
        }
        let captured = match capturer.capture(conn, document) {
            Ok(captured) => captured,
            Err(problem) => return Ok(Err(problem)),
        };
        let job = &captured.job;
        let recorded = serde_json::json!({
            "enterprise_id": job.enterprise_id,
            "error_behaviour": job.error_behaviour,
            "event_count": job.event_count,
            "stored_count": job.stored_count,
            "retracted_count": captured.retracted,
            "success": job.success,
        });
        audit::created(
            conn,
            &Actor::from(caller),
            "epcis_capture",
            &job.id,
            &recorded,
        )?;
        Ok(Ok(captured.job))
    });
    match outcome {
        Ok(result) => result,
        Err(e) => Err(e.into()),
    }
}
