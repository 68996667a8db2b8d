//! Probes for a load balancer and a service manager. `/healthz` says the
//! process answers HTTP (no database work, so a slow database never gets a
//! live node restarted); `/readyz` says it can serve: the database answers
//! and every migration this build carries is applied. nginx's open-source
//! build has no active health checks, so it leans on passive ones (a node
//! that refuses connections is skipped); `/readyz` is for the operator's
//! monitoring and for orchestrators that have them.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;
use std::time::Duration;

use crate::AppState;

/// How long `/readyz` waits for a pooled connection: a probe must answer
/// quickly, and a pool that cannot hand one out in that time is not ready.
const READY_WAIT: Duration = Duration::from_secs(2);

#[derive(Serialize)]
struct Health {
    status: &'static str,
}

/// `GET /healthz`: 200 while the process serves.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Health { status: "ok" })
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    database: Check,
    migrations: Check,
}

#[derive(Serialize)]
struct Check {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

impl Check {
    fn ok() -> Self {
        Check {
            ok: true,
            reason: None,
        }
    }

    fn failed(reason: impl Into<String>) -> Self {
        Check {
            ok: false,
            reason: Some(reason.into()),
        }
    }
}

/// `GET /readyz`: 200 when the database answers and no migration is
/// pending, else 503 naming what failed.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let checked = web::block(move || {
        let mut conn = match pool.get_timeout(READY_WAIT) {
            Ok(conn) => conn,
            Err(e) => {
                return (
                    Check::failed(format!("no database connection: {e}")),
                    Check::failed("not checked: no database connection"),
                )
            }
        };
        use diesel::r2d2::R2D2Connection;
        let database = match conn.ping() {
            Ok(()) => Check::ok(),
            Err(e) => Check::failed(format!("database does not answer: {e}")),
        };
        let migrations = match crate::db::migrations_pending(&mut conn) {
            Ok(false) => Check::ok(),
            Ok(true) => Check::failed("migrations pending: run `tracestamp migrate`"),
            Err(e) => Check::failed(e.to_string()),
        };
        (database, migrations)
    })
    .await;
    let (database, migrations) = checked.unwrap_or_else(|_| {
        (
            Check::failed("server busy: the check did not run"),
            Check::failed("server busy: the check did not run"),
        )
    });
    let ready = database.ok && migrations.ok;
    let mut answer = if ready {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    answer
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(Readiness {
            status: if ready { "ready" } else { "not_ready" },
            database,
            migrations,
        })
}
