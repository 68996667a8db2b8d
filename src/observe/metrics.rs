//! `GET /metrics`: the node's figures in Prometheus's text format, from the
//! `prometheus` crate (chosen over `metrics` + `metrics-exporter-prometheus`
//! for its smaller tree — 17 crates against 38 — and because its registry is
//! a value we own, not a process-wide recorder).
//!
//! What a request pays is kept to atomic increments: its count goes into a
//! plain array indexed by route class and status, and its latency into the
//! class's histogram, resolved once at start. The counts, the resolver
//! cache's hits and misses, the scan buffer's depth, the pool and the audit
//! log's length are copied into the registry when it is scraped.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use crate::error::{AppError, AppResult};
use crate::AppState;

/// What a request was for, by its path's first segment: few enough classes
/// to keep every series, distinct enough to tell the public resolver's load
/// from the portals' and the API's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    Resolver,
    Api,
    Epcis,
    OpenData,
    Static,
    Probe,
    Pages,
}

impl RouteClass {
    const ALL: [RouteClass; 7] = [
        RouteClass::Resolver,
        RouteClass::Api,
        RouteClass::Epcis,
        RouteClass::OpenData,
        RouteClass::Static,
        RouteClass::Probe,
        RouteClass::Pages,
    ];

    /// The resolver's paths are the ones its rate limit and CORS headers
    /// take (`resolver::public::is_public_path`): every GS1 primary key's and
    /// compressed links too; the rest by the path's first segment.
    pub fn of(path: &str) -> Self {
        if crate::resolver::public::is_public_path(path) {
            return RouteClass::Resolver;
        }
        let first = path
            .strip_prefix('/')
            .unwrap_or(path)
            .split('/')
            .next()
            .unwrap_or("");
        match first {
            "api" => RouteClass::Api,
            "epcis" => RouteClass::Epcis,
            "open-data" => RouteClass::OpenData,
            "static" => RouteClass::Static,
            "healthz" | "readyz" | "metrics" => RouteClass::Probe,
            _ => RouteClass::Pages,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RouteClass::Resolver => "resolver",
            RouteClass::Api => "api",
            RouteClass::Epcis => "epcis",
            RouteClass::OpenData => "open_data",
            RouteClass::Static => "static",
            RouteClass::Probe => "probe",
            RouteClass::Pages => "pages",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// HTTP statuses are 100–599.
const STATUSES: usize = 500;

/// Latency buckets in seconds: the resolver answers in well under a
/// millisecond, label sheets and 10,000,000-stamp CSVs take seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Scan flushes: a few milliseconds idle, up to seconds behind a burst.
const FLUSH_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The node's metrics; one per `AppState`.
pub struct Metrics {
    registry: Registry,
    /// Requests answered, by class and status (status − 100).
    answered: Vec<[AtomicU64; STATUSES]>,
    latency: Vec<Histogram>,
    requests: IntCounterVec,
    /// Serialises scrapes: copying a count is read-then-add.
    scrape: Mutex<()>,
    scan_flush: Histogram,
    scans_written: IntCounter,
    scans_dropped: IntCounter,
    scan_buffer: IntGauge,
    cache_hits: IntCounter,
    cache_misses: IntCounter,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    audit_entries: IntGauge,
    database_up: IntGauge,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("tracestamp".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "Requests answered, by route class and status",
            ),
            &["class", "status"],
        )?;
        let latency_vec = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's arrival to its answer's head, by route class",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["class"],
        )?;
        let latency = RouteClass::ALL
            .iter()
            .map(|c| latency_vec.get_metric_with_label_values(&[c.label()]))
            .collect::<Result<Vec<_>, _>>()?;
        let scan_flush = Histogram::with_opts(
            HistogramOpts::new(
                "scan_flush_seconds",
                "Time to write one flush of buffered scans",
            )
            .buckets(FLUSH_BUCKETS.to_vec()),
        )?;
        let counter = |name: &str, help: &str| IntCounter::new(name, help);
        let gauge = |name: &str, help: &str| IntGauge::new(name, help);
        let metrics = Metrics {
            answered: RouteClass::ALL
                .iter()
                .map(|_| std::array::from_fn(|_| AtomicU64::new(0)))
                .collect(),
            latency,
            requests,
            scrape: Mutex::new(()),
            scan_flush,
            scans_written: counter("scans_written_total", "Scans written to the database")?,
            scans_dropped: counter(
                "scans_dropped_total",
                "Scans answered but dropped because the buffer was full (SCAN_BUFFER_MAX)",
            )?,
            scan_buffer: gauge(
                "scan_buffer_depth",
                "Scans answered but not yet written (lost if the node is killed)",
            )?,
            cache_hits: counter(
                "resolver_cache_hits_total",
                "Stamp lookups answered from memory alone",
            )?,
            cache_misses: counter(
                "resolver_cache_misses_total",
                "Stamp lookups that went to the database (a check due, a roll or history not cached)",
            )?,
            pool_connections: gauge("db_pool_connections", "Open pooled connections")?,
            pool_idle: gauge("db_pool_idle_connections", "Pooled connections not in use")?,
            pool_max: gauge("db_pool_max_connections", "DB_POOL_SIZE")?,
            audit_entries: gauge(
                "audit_log_entries",
                "Entries of the hash-chained audit log",
            )?,
            database_up: gauge(
                "database_up",
                "1 when the last scrape could read the database",
            )?,
            registry,
        };
        let r = &metrics.registry;
        r.register(Box::new(metrics.requests.clone()))?;
        r.register(Box::new(latency_vec))?;
        r.register(Box::new(metrics.scan_flush.clone()))?;
        for c in [
            &metrics.scans_written,
            &metrics.scans_dropped,
            &metrics.cache_hits,
            &metrics.cache_misses,
        ] {
            r.register(Box::new(c.clone()))?;
        }
        for g in [
            &metrics.scan_buffer,
            &metrics.pool_connections,
            &metrics.pool_idle,
            &metrics.pool_max,
            &metrics.audit_entries,
            &metrics.database_up,
        ] {
            r.register(Box::new(g.clone()))?;
        }
        Ok(metrics)
    }

    /// One answered request: two atomic increments and a histogram's four.
    pub fn answered(&self, class: RouteClass, status: u16, elapsed: Duration) {
        let slot = usize::from(status).wrapping_sub(100);
        if let Some(count) = self
            .answered
            .get(class.index())
            .and_then(|row| row.get(slot))
        {
            count.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(h) = self.latency.get(class.index()) {
            h.observe(elapsed.as_secs_f64());
        }
    }

    /// One flush of `scans` scans that took `elapsed`.
    pub fn flushed(&self, scans: usize, elapsed: Duration) {
        self.scan_flush.observe(elapsed.as_secs_f64());
        self.scans_written.inc_by(scans as u64);
    }

    /// The text exposition, after copying in what is read at scrape time.
    fn render(&self, state: &AppState, audit_entries: Option<i64>) -> AppResult<String> {
        let _one_at_a_time = self.scrape.lock().unwrap_or_else(|p| p.into_inner());
        for class in RouteClass::ALL {
            let Some(row) = self.answered.get(class.index()) else {
                continue;
            };
            for (slot, count) in row.iter().enumerate() {
                let now = count.load(Ordering::Relaxed);
                if now == 0 {
                    continue;
                }
                let status = (slot + 100).to_string();
                let series = self
                    .requests
                    .get_metric_with_label_values(&[class.label(), &status])
                    .map_err(internal)?;
                series.inc_by(now.saturating_sub(series.get()));
            }
        }
        catch_up(&self.cache_hits, state.resolver.hits());
        catch_up(&self.cache_misses, state.resolver.misses());
        self.scan_buffer.set(gauge_value(state.scans.depth()));
        catch_up(&self.scans_dropped, state.scans.dropped());
        let pool = state.pool.state();
        self.pool_connections.set(i64::from(pool.connections));
        self.pool_idle.set(i64::from(pool.idle_connections));
        self.pool_max.set(i64::from(state.config.pool_size()));
        self.database_up.set(i64::from(audit_entries.is_some()));
        if let Some(entries) = audit_entries {
            self.audit_entries.set(entries);
        }
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(internal)?;
        String::from_utf8(out).map_err(internal)
    }
}

/// Brings a counter up to a total kept elsewhere (monotonic).
fn catch_up(counter: &IntCounter, total: u64) {
    counter.inc_by(total.saturating_sub(counter.get()));
}

fn gauge_value(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("metrics: {e}"))
}

/// How long a scrape waits for a connection to read the audit log's length
/// before answering without it (`database_up 0`).
const SCRAPE_DB_WAIT: Duration = Duration::from_secs(1);

/// `GET /metrics`. Answers even when the database does not: the figures
/// that need it are then left as they were and `tracestamp_database_up` is 0.
pub async fn metrics(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let pool = state.pool.clone();
    let audit_entries = web::block(move || {
        let mut conn = pool.get_timeout(SCRAPE_DB_WAIT).ok()?;
        crate::models::audit_log::length(&mut conn).ok()
    })
    .await?;
    let body = state.metrics.render(&state, audit_entries)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, prometheus::TEXT_FORMAT))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_the_resolvers_paths_then_by_first_segment() {
        assert_eq!(RouteClass::of("/s/ABC"), RouteClass::Resolver);
        assert_eq!(RouteClass::of("/S/ABC"), RouteClass::Resolver);
        assert_eq!(RouteClass::of("/01/08930000000017"), RouteClass::Resolver);
        // Every primary key, the description file and a compressed link.
        assert_eq!(RouteClass::of("/414/8930000000019"), RouteClass::Resolver);
        assert_eq!(
            RouteClass::of("/00/089300000000000017"),
            RouteClass::Resolver
        );
        assert_eq!(
            RouteClass::of("/.well-known/gs1resolver"),
            RouteClass::Resolver
        );
        assert_eq!(
            RouteClass::of("/ARBAe32ZkCDQiR19t1rq"),
            RouteClass::Resolver
        );
        assert_eq!(RouteClass::of("/api/v1/batches"), RouteClass::Api);
        assert_eq!(RouteClass::of("/epcis/events"), RouteClass::Epcis);
        assert_eq!(
            RouteClass::of("/open-data/facilities.csv"),
            RouteClass::OpenData
        );
        assert_eq!(RouteClass::of("/static/site.css"), RouteClass::Static);
        assert_eq!(RouteClass::of("/healthz/baseline"), RouteClass::Probe);
        assert_eq!(RouteClass::of("/metrics"), RouteClass::Probe);
        assert_eq!(RouteClass::of("/"), RouteClass::Pages);
        assert_eq!(RouteClass::of("/portal/batches"), RouteClass::Pages);
        assert_eq!(RouteClass::of("/apiary"), RouteClass::Pages);
    }

    #[test]
    fn statuses_out_of_range_are_not_counted() {
        let m = Metrics::new().expect("metrics");
        m.answered(RouteClass::Api, 99, Duration::ZERO);
        m.answered(RouteClass::Api, 600, Duration::ZERO);
        m.answered(RouteClass::Api, 404, Duration::ZERO);
        let row = &m.answered[RouteClass::Api.index()];
        let total: u64 = row.iter().map(|c| c.load(Ordering::Relaxed)).sum();
        assert_eq!(total, 1);
        assert_eq!(row[304].load(Ordering::Relaxed), 1);
    }
}
