//! Rate limits: login attempts per client address and per username (against
//! password guessing from one place and against one account from many), and
//! public resolver requests per client address (against scraping the
//! registry stamp by stamp). GCRA limiters from `governor`, one state per
//! key; past the limit the answer is 429 with `Retry-After`.
//!
//! Memory stays bounded: IPv6 clients are keyed by their /64 (one subscriber
//! holds a whole /64, and would otherwise get 2^64 keys), and every few
//! thousand checks the keys whose state has returned to "fresh" are dropped,
//! so a limiter holds only clients seen within its replenish period.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse, ResponseError};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::AppState;

/// Checks between two sweeps of keys back to fresh.
const SWEEP_EVERY: u64 = 4096;

/// One limiter with its sweep counter.
struct Limiter<K: Hash + Eq + Clone> {
    keyed: DefaultKeyedRateLimiter<K>,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// `None` when `per_minute` is 0 (the limit is off).
    fn new(per_minute: u32, burst: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_minute)?;
        let burst = NonZeroU32::new(burst).unwrap_or(rate);
        Some(Limiter {
            keyed: DefaultKeyedRateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst)),
            checks: AtomicU64::new(0),
        })
    }

    fn check(&self, key: &K) -> AppResult<()> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.keyed.retain_recent();
        }
        self.keyed.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            AppError::TooManyRequests {
                retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            }
        })
    }
}

/// The service's limiters, built once from the configuration.
pub struct Limits {
    login_by_client: Option<Limiter<IpAddr>>,
    login_by_user: Option<Limiter<String>>,
    resolver_by_client: Option<Limiter<IpAddr>>,
}

impl Limits {
    pub fn new(config: &Config) -> Self {
        let login = config.login_rate_per_minute;
        Limits {
            login_by_client: Limiter::new(login, login),
            login_by_user: Limiter::new(login, login),
            resolver_by_client: Limiter::new(
                config.resolver_rate_per_minute,
                config.resolver_rate_burst,
            ),
        }
    }

    /// One login attempt from `client` for `username` (case-insensitive,
    /// as typed); both must be within their limits.
    pub fn login(&self, client: Option<IpAddr>, username: &str) -> AppResult<()> {
        if let (Some(limiter), Some(ip)) = (&self.login_by_client, client) {
            limiter.check(&client_key(ip))?;
        }
        if let Some(limiter) = &self.login_by_user {
            limiter.check(&username.trim().to_lowercase())?;
        }
        Ok(())
    }

    /// One public resolver request from `client`.
    pub fn resolve(&self, client: Option<IpAddr>) -> AppResult<()> {
        match (&self.resolver_by_client, client) {
            (Some(limiter), Some(ip)) => limiter.check(&client_key(ip)),
            _ => Ok(()),
        }
    }
}

/// The key a client is limited by: its address, or its /64 for IPv6.
fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::V6([s[0], s[1], s[2], s[3], 0, 0, 0, 0].into())
        }
        v4 => v4,
    }
}

/// Whether a path is the public resolver's (stamps, Digital Links, QR images).
fn is_resolver_path(path: &str) -> bool {
    ["/s/", "/S/", "/01/"].iter().any(|p| path.starts_with(p))
        || crate::resolver::public::is_public_path(path)
}

/// Middleware: the resolver's per-client limit. Refusals are JSON in the
/// `AppError` shape, or a short bilingual page for browsers.
pub async fn limit_resolver(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if is_resolver_path(req.path()) {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            let client = crate::resolver::client_ip(req.request(), state);
            if let Err(refusal) = state.limits.resolve(client) {
                let response = refusal_for(&req, &refusal);
                return Ok(req.into_response(response).map_into_right_body());
            }
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

fn refusal_for(req: &ServiceRequest, refusal: &AppError) -> HttpResponse {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    match refusal {
        AppError::TooManyRequests { retry_after } if wants_html => {
            HttpResponse::build(StatusCode::TOO_MANY_REQUESTS)
                .insert_header((header::RETRY_AFTER, retry_after.to_string()))
                .content_type("text/plain; charset=utf-8")
                .body(format!(
            "Quá nhiều lượt tra cứu từ địa chỉ này. Vui lòng thử lại sau {retry_after} giây.\n\
                     Too many look-ups from this address. Please try again in {retry_after} s.\n"
        ))
        }
        other => other.error_response(),
    }
}
