//! Rate limits: login attempts per client address, failed logins per
//! (username, client) with a growing back-off, public resolver requests
//! per client address (against scraping the registry stamp by stamp), EPCIS
//! captures per enterprise, and reports of suspected fakes per client address
//! (against floods). GCRA
//! limiters from `governor`, one state per key; past the limit the answer is
//! 429 with `Retry-After`.
//!
//! Nothing is limited per username alone: such a limit is a lock anyone can
//! turn against the account's owner (ten wrong guesses from one address
//! would refuse the owner's right password from any other). A stranger's
//! failures slow only the stranger's own address for that username.
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
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    /// `None` when `per_hour` is 0 (the limit is off); the whole hour's
    /// allowance may be used at once.
    fn per_hour(per_hour: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_hour)?;
        let quota = Quota::with_period(Duration::from_secs(3600) / rate.get())?.allow_burst(rate);
        Some(Limiter {
            keyed: DefaultKeyedRateLimiter::keyed(quota),
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

/// Failed logins one (username, client) pair may make before each further
/// failure makes it wait.
pub const FREE_LOGIN_FAILURES: u32 = 5;
/// The longest wait after repeated failures.
pub const MAX_LOGIN_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Pairs tracked before stale ones are dropped.
const BACKOFF_PRUNE_AT: usize = 50_000;

/// Consecutive failed logins per (username, client): after
/// `FREE_LOGIN_FAILURES`, each failure blocks the pair for 1, 2, 4 … s, up to
/// `MAX_LOGIN_BACKOFF`; a success clears it.
#[derive(Default)]
struct LoginBackoff {
    pairs: Mutex<std::collections::HashMap<(String, IpAddr), Failures>>,
}

struct Failures {
    count: u32,
    blocked_until: Instant,
    last: Instant,
}

impl LoginBackoff {
    /// The map even after a panic elsewhere held its lock: the counts stay
    /// usable, and throttling must not stop because of one bad request.
    fn pairs(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<(String, IpAddr), Failures>> {
        self.pairs
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check(&self, key: &(String, IpAddr)) -> AppResult<()> {
        let now = Instant::now();
        match self.pairs().get(key) {
            Some(f) if f.blocked_until > now => {
                let wait = f.blocked_until - now;
                Err(AppError::TooManyRequests {
                    retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
                })
            }
            _ => Ok(()),
        }
    }

    fn failed(&self, key: (String, IpAddr)) {
        let now = Instant::now();
        let mut pairs = self.pairs();
        if pairs.len() >= BACKOFF_PRUNE_AT {
            pairs.retain(|_, f| now.duration_since(f.last) < MAX_LOGIN_BACKOFF);
        }
        let f = pairs.entry(key).or_insert(Failures {
            count: 0,
            blocked_until: now,
            last: now,
        });
        // A pair quiet for the longest wait starts over.
        if now.duration_since(f.last) >= MAX_LOGIN_BACKOFF {
            f.count = 0;
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
        if f.count > FREE_LOGIN_FAILURES {
            let doublings = (f.count - FREE_LOGIN_FAILURES - 1).min(20);
            f.blocked_until = now + Duration::from_secs(1 << doublings).min(MAX_LOGIN_BACKOFF);
        }
    }

    fn succeeded(&self, key: &(String, IpAddr)) {
        self.pairs().remove(key);
    }
}

/// The service's limiters, built once from the configuration.
pub struct Limits {
    login_by_client: Option<Limiter<IpAddr>>,
    login_backoff: Option<LoginBackoff>,
    resolver_by_client: Option<Limiter<IpAddr>>,
    captures_by_enterprise: Option<Limiter<String>>,
    report_by_client: Option<Limiter<IpAddr>>,
}

impl Limits {
    pub fn new(config: &Config) -> Self {
        let login = config.login_rate_per_minute;
        Limits {
            login_by_client: Limiter::new(login, login),
            login_backoff: (login > 0).then(LoginBackoff::default),
            resolver_by_client: Limiter::new(
                config.resolver_rate_per_minute,
                config.resolver_rate_burst,
            ),
            captures_by_enterprise: Limiter::new(
                config.epcis_captures_per_minute,
                config.epcis_captures_per_minute,
            ),
            report_by_client: Limiter::per_hour(config.report_rate_per_hour),
        }
    }

    /// One login attempt from `client` for `username` (case-insensitive,
    /// as typed): the client within its rate, and the pair not backing off.
    pub fn login(&self, client: Option<IpAddr>, username: &str) -> AppResult<()> {
        if let Some(backoff) = &self.login_backoff {
            backoff.check(&login_key(client, username))?;
        }
        if let (Some(limiter), Some(ip)) = (&self.login_by_client, client) {
            limiter.check(&client_key(ip))?;
        }
        Ok(())
    }

    /// Records the outcome of a login attempt that was let through.
    pub fn login_outcome(&self, client: Option<IpAddr>, username: &str, succeeded: bool) {
        if let Some(backoff) = &self.login_backoff {
            let key = login_key(client, username);
            if succeeded {
                backoff.succeeded(&key);
            } else {
                backoff.failed(key);
            }
        }
    }

    /// One EPCIS capture for `enterprise` (from any of its clients: a
    /// rate per enterprise bounds what its systems can make the service
    /// validate and store, however many addresses they use).
    pub fn capture(&self, enterprise: &str) -> AppResult<()> {
        match &self.captures_by_enterprise {
            Some(limiter) => limiter.check(&enterprise.to_owned()),
            None => Ok(()),
        }
    }

    /// One public resolver request from `client`.
    pub fn resolve(&self, client: Option<IpAddr>) -> AppResult<()> {
        match (&self.resolver_by_client, client) {
            (Some(limiter), Some(ip)) => limiter.check(&client_key(ip)),
            _ => Ok(()),
        }
    }

    /// One report of a suspected fake from `client`, counted whether or not
    /// it is then accepted (a flood of bad photos costs decoding too).
    pub fn report(&self, client: Option<IpAddr>) -> AppResult<()> {
        match (&self.report_by_client, client) {
            (Some(limiter), Some(ip)) => limiter.check(&client_key(ip)),
            _ => Ok(()),
        }
    }
}

/// The (username, client) pair a failure counts against; usernames are
/// folded and cut so the key stays small whatever was typed.
fn login_key(client: Option<IpAddr>, username: &str) -> (String, IpAddr) {
    let name: String = username.trim().to_lowercase().chars().take(64).collect();
    let ip = client.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), client_key);
    (name, ip)
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

/// Middleware: the resolver's per-client limit, on its public paths (stamps
/// with their QR images, every GS1 key's Digital Links, compressed links).
/// Refusals are JSON in the `AppError` shape, or the error page for browsers.
pub async fn limit_resolver(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if crate::resolver::public::is_public_path(req.path()) {
        if let Some(state) = req.app_data::<web::Data<AppState>>() {
            let client = state.client_ip(req.request());
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
    match refusal {
        // A phone's browser: the error page, in both languages.
        AppError::TooManyRequests { retry_after } if crate::pages::wants_html(req.request()) => {
            let mut page = crate::pages::error_page(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Quá nhiều lượt tra cứu từ địa chỉ này. Vui lòng thử lại sau {retry_after} giây."
                ),
                &format!("Too many look-ups from this address. Please try again in {retry_after} s."),
            );
            page.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
            page
        }
        other => other.error_response(),
    }
}
