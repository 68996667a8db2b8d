//! tracestamp: agricultural traceability with QR stamps.
//!
//! `main.rs` and the tests both build the service from here: an `AppState`
//! (pool + config) and `configure`, so tests exercise the real app.

pub mod api;
pub mod audit;
pub mod auth;
pub mod body_deadline;
pub mod client;
pub mod config;
pub mod cross_site;
pub mod csv;
pub mod db;
pub mod demo;
pub mod domain;
pub mod epcis;
pub mod error;
pub mod headers;
pub mod labels;
pub mod limits;
pub mod models;
pub mod observe;
pub mod opendata;
pub mod pages;
pub mod public;
pub mod request_id;
pub mod resolver;
pub mod service;
pub mod time;

use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::middleware::from_fn;
use actix_web::{web, HttpRequest};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::client::ClientAddresses;
use crate::config::Config;
use crate::db::{DbConnection, Pool};
use crate::domain::admin_units::AdminUnits;
use crate::domain::places::Places;
use crate::domain::serial::SerialCodec;
use crate::error::{AppError, AppResult};
use crate::limits::Limits;
use crate::observe::metrics::Metrics;
use crate::resolver::cache::ResolverCache;
use crate::resolver::scans::ScanBuffer;

/// Largest JSON body accepted anywhere.
pub const MAX_JSON_BYTES: usize = 1024 * 1024;

/// What every request handler shares. Cloned cheaply (all behind `Arc`s).
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Config,
    /// Verifies and issues stamp serials; keys are read once at start.
    pub codec: Arc<SerialCodec>,
    /// Scans waiting to be written.
    pub scans: Arc<ScanBuffer>,
    /// Salt for hashing scan origins, derived from the serial key so every
    /// node hashes alike without another secret to distribute.
    pub origin_salt: Arc<[u8; 32]>,
    /// The resolver's records and scan index, shared by this node's workers.
    pub resolver: Arc<ResolverCache>,
    /// Rate limits on login and the public resolver.
    pub limits: Arc<Limits>,
    /// What `/metrics` shows.
    pub metrics: Arc<Metrics>,
    /// Decides each request's client address (trusted proxies only).
    pub clients: Arc<ClientAddresses>,
    /// Which province an address is in (`domain::places`).
    pub places: Arc<Places>,
    /// Provinces, communes and the pre-2025 conversion
    /// (`domain::admin_units`), parsed once at start.
    pub admin_units: Arc<AdminUnits>,
    queries: Arc<AtomicU64>,
}

impl AppState {
    /// Opens the pool and applies pending migrations.
    pub fn open(config: Config) -> AppResult<Self> {
        let target = db::DbTarget::parse(&config.database_url)?;
        let (pool, queries) = db::connect(&target, config.pool_size())?;
        let mut conn = pool.get()?;
        db::migrate(&mut conn)?;
        epcis::mapping::backfill(&mut conn, config.base_url())?;
        let admin_units = Arc::new(AdminUnits::shipped().map_err(AppError::Config)?);
        service::admin_units::convert_pending(&mut conn, &admin_units)?;
        let codec = models::serial_key::load_codec(&mut conn)?;
        drop(conn);
        let origin_salt = codec.derive_secret(b"tracestamp/scan-origin/v1");
        let metrics =
            Metrics::new().map_err(|e| AppError::Config(format!("metrics registry: {e}")))?;
        let scan_capacity = config.scan_buffer_max;
        let state = AppState {
            pool,
            resolver: Arc::new(ResolverCache::new(config.resolver_cache_interval())),
            limits: Arc::new(Limits::new(&config)),
            metrics: Arc::new(metrics),
            clients: Arc::new(ClientAddresses::new(&config.trusted_proxies)),
            places: Arc::new(Places::shipped().map_err(AppError::Config)?),
            admin_units,
            config,
            codec: Arc::new(codec),
            scans: Arc::new(ScanBuffer::new(scan_capacity)),
            origin_salt: Arc::new(origin_salt),
            queries,
        };
        state.keep_scans()?;
        Ok(state)
    }

    /// Queries run through the pool since start (for tests and diagnostics).
    pub fn queries_run(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// The request's client address (see `client.rs`).
    pub fn client_ip(&self, req: &HttpRequest) -> Option<std::net::IpAddr> {
        self.clients.of(req)
    }

    /// Writes the scans buffered now, a transaction (timed for `/metrics`)
    /// per `FLUSH_BATCH` of them; scans arriving meanwhile wait for the next
    /// call, so that a busy node's flush ends.
    pub fn flush_scans(&self) -> AppResult<usize> {
        let mut conn = self.pool.get()?;
        let mut left = self.scans.depth();
        let mut written = 0;
        while left > 0 {
            let started = std::time::Instant::now();
            let batch = self.scans.flush(&mut conn)?;
            if batch == 0 {
                break;
            }
            self.metrics.flushed(batch, started.elapsed());
            written += batch;
            left = left.saturating_sub(batch);
        }
        Ok(written)
    }

    /// Creates the scan table's partitions ahead and drops the months past
    /// `SCAN_RETENTION_MONTHS` (`resolver::retention`); run at start and
    /// hourly by the flusher. Answers how many partitions or rows went.
    pub fn keep_scans(&self) -> AppResult<u64> {
        let mut conn = self.pool.get()?;
        let now = crate::time::now();
        self.scans.partitions.ahead(&mut conn, now)?;
        Ok(self
            .scans
            .partitions
            .drop_old(&mut conn, self.config.scan_retention_months, now)?)
    }

    /// Brings the resolver's cache up to date with the database if its
    /// check is due (see `ResolverCache::check_if_due`).
    pub fn check_resolver_cache(&self) -> AppResult<()> {
        let mut conn = self.pool.get()?;
        self.resolver.check_if_due(&mut conn)?;
        Ok(())
    }

    /// Runs blocking diesel work on actix's blocking pool with a pooled
    /// connection, so no async worker ever waits on the database.
    pub async fn db<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&mut DbConnection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await?
    }
}

/// The whole service: shared state, extractor limits and error shapes,
/// routes, and around all of them security headers, the resolver's rate
/// limit, its cache's write watch and, outermost, the request id, metrics
/// and access log (`observe`).
pub fn configure(state: AppState) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(web::Data::new(state))
            .app_data(
                web::JsonConfig::default()
                    .limit(MAX_JSON_BYTES)
                    .error_handler(json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .service(
                web::scope("")
                    .wrap(from_fn(body_deadline::body_deadline))
                    .wrap(from_fn(resolver::cache::forget_on_write))
                    .wrap(from_fn(limits::limit_resolver))
                    .wrap(from_fn(resolver::public::public_answers))
                    .wrap(headers::secure())
                    .wrap(from_fn(observe::observe))
                    // The resolver first: routes are tried in order, and it
                    // takes most requests.
                    .configure(resolver::routes)
                    .configure(observe::routes)
                    .configure(api::routes)
                    .configure(api::epcis::routes)
                    .configure(opendata::routes)
                    .configure(pages::routes)
                    // Last, so that no page's path is taken for one.
                    .configure(resolver::compressed_routes)
                    .default_service(web::to(pages::no_such_path)),
            );
    }
}

fn json_error(err: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let app = match err {
        JsonPayloadError::ContentType => {
            AppError::UnsupportedMediaType("send the body as Content-Type: application/json".into())
        }
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => {
            AppError::PayloadTooLarge(format!("the body is larger than {limit} bytes"))
        }
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            AppError::BadRequest(format!("the JSON does not fit this request: {e}"))
        }
        JsonPayloadError::Deserialize(e) => AppError::BadRequest(format!("malformed JSON: {e}")),
        JsonPayloadError::Payload(PayloadError::Io(e))
            if e.kind() == std::io::ErrorKind::TimedOut =>
        {
            AppError::RequestTimeout(format!(
                "{e} (README, \"Configuration\": BODY_TIMEOUT_SECS)"
            ))
        }
        other => AppError::BadRequest(format!("unreadable body: {other}")),
    };
    app.into()
}

fn query_error(err: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    AppError::BadRequest(format!("bad query string: {err}")).into()
}

fn path_error(_: PathError, _: &HttpRequest) -> actix_web::Error {
    AppError::NotFound("not found".into()).into()
}
