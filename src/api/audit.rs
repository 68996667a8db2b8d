//! `/api/v1/audit`: proof, for those who oversee the registry, that the
//! audit log is unbroken.

use actix_web::web;
use serde_json::{json, Value};

use crate::auth::{Caller, Role};
use crate::error::{AppError, AppResult};
use crate::models::audit_log::{self, Verification};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit/verify", web::get().to(verify));
}

/// A broken chain is still a successful check: it answers 200 with
/// `"ok": false` and where the chain first breaks. Producers are refused:
/// the log spans every enterprise, so even its length tells of others'
/// activity, and watching over it is the regulators' and admins' job.
async fn verify(caller: Caller, state: web::Data<AppState>) -> AppResult<web::Json<Value>> {
    if let Role::Producer { .. } = caller.role {
        return Err(AppError::Forbidden(
            "only admins and regulators verify the audit log".into(),
        ));
    }
    let verification = state.db(|conn| Ok(audit_log::verify(conn)?)).await?;
    Ok(web::Json(match verification {
        Verification::Ok { entries } => json!({"ok": true, "entries": entries}),
        Verification::Broken {
            first_broken,
            reason,
        } => json!({"ok": false, "first_broken": first_broken, "reason": reason}),
    }))
}
