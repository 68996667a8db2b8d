//! A request body must keep arriving: a client gets `BODY_TIMEOUT_SECS`
//! (10 s) for its body plus one second per 32 KiB it has delivered, so
//! that a login trickled a byte at a time is cut after the base time while
//! a 16 MiB EPCIS document on a slow 3G line (≥ 32 KiB/s) never is. The
//! head is bounded by actix's own client request timeout; without this, a
//! client could hold a worker's connection and a request slot for as long
//! as it liked. A body cut short fails its extractor with "timed out",
//! answered 408 (`error::AppError::RequestTimeout`).

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::{Bytes, Data};
use actix_web::HttpMessage;
use futures_util::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

use crate::AppState;

/// The slowest rate a body may arrive at, past the base time.
const MIN_BYTES_PER_SECOND: u64 = 32 * 1024;

/// Wraps the body of a request that has one; GETs (the resolver's
/// traffic) pass untouched.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0");
    let base = req
        .app_data::<Data<AppState>>()
        .map(|s| Duration::from_secs(s.config.body_timeout_secs));
    if let (true, Some(base)) = (has_body, base) {
        let inner = req.take_payload();
        let started = Instant::now();
        let body = Deadline {
            inner,
            base,
            started,
            received: 0,
            sleep: Box::pin(tokio::time::sleep_until(started + base)),
            cut: false,
        };
        req.set_payload(Payload::Stream {
            payload: Box::pin(body),
        });
    }
    next.call(req).await
}

/// The body's stream, cut with a "timed out" error once it falls behind.
struct Deadline {
    inner: Payload,
    base: Duration,
    started: Instant,
    received: u64,
    sleep: Pin<Box<Sleep>>,
    cut: bool,
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.cut {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                self.received += bytes.len() as u64;
                let allowed = self.base + Duration::from_secs(self.received / MIN_BYTES_PER_SECOND);
                let due = self.started + allowed;
                self.sleep.as_mut().reset(due);
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Pending => match self.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.cut = true;
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body did not arrive in time",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}
