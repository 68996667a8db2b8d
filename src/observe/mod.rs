//! What an operator sees of a running node: `/healthz` and `/readyz`,
//! `/metrics`, the request id on every answer and log line, and the logs
//! themselves (`tracing`, text or JSON).

pub mod health;
pub mod logging;
pub mod metrics;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::middleware::Next;
use actix_web::web;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

use crate::request_id;
use crate::AppState;
use metrics::RouteClass;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(metrics::metrics));
}

/// The target of the access log's lines (`RUST_LOG=tracestamp::access=off`
/// silences them alone).
pub const ACCESS_TARGET: &str = "tracestamp::access";

/// Middleware around every request: gives it its id (the proxy's or a new
/// one) for its whole course, counts and times it, sets `X-Request-Id` on
/// the answer and, when its target is enabled, writes the access log line.
/// An error that reached here unanswered (a middleware's refusal, such as a
/// rate limit) is rendered here, inside the request's id, so that its body
/// carries the id too.
///
/// When the access log is filtered out, `tracing` decides so once per call
/// site and the line's fields are never formatted: the resolver pays a
/// clock read, the id, and the counters' atomic increments.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|state| Arc::clone(&state.metrics));
    let id = request_id::from_proxy_or_new(req.headers().get(&request_id::HEADER));
    let class = RouteClass::of(req.path());
    let logged = tracing::enabled!(target: ACCESS_TARGET, tracing::Level::INFO)
        .then(|| (req.method().clone(), req.uri().clone()));
    let span = tracing::info_span!(
        target: ACCESS_TARGET,
        "request",
        request_id = id.to_str().unwrap_or(""),
    );
    // Boxed: held inline, the request's whole course made this future,
    // allocated per request, over 1 KB (see `resolver`'s note on why that
    // size matters).
    let outcome = Box::pin(
        request_id::scope(id.clone(), async move {
            next.call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
                .map_err(|err| (err.to_string(), err.as_response_error().error_response()))
        })
        .instrument(span.clone()),
    )
    .await;
    let request_id = request_id::HEADER.clone();
    let (status, answered) = match outcome {
        Ok(mut response) => {
            response.headers_mut().insert(request_id, id);
            (response.status(), Ok(response))
        }
        Err((cause, mut response)) => {
            response.headers_mut().insert(request_id, id);
            let status = response.status();
            (
                status,
                Err(InternalError::from_response(cause, response).into()),
            )
        }
    };
    let elapsed = started.elapsed();
    if let Some(metrics) = metrics {
        metrics.answered(class, status.as_u16(), elapsed);
    }
    if let Some((method, uri)) = logged {
        span.in_scope(|| {
            tracing::info!(
                target: ACCESS_TARGET,
                method = %method,
                path = uri.path(),
                status = status.as_u16(),
                micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
                "answered",
            );
        });
    }
    answered
}
