//! Run-time configuration, read from the command line and the environment by
//! clap and handed to whoever needs it — there is no global.

use clap::Args;

/// Settings shared by every command that opens the database or serves.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://PATH`, a bare file path (SQLite), or `postgres://…` / `postgresql://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "./tracestamp.db")]
    pub database_url: String,

    /// Public base URL printed in stamps' QR codes (scheme and host, no trailing slash).
    #[arg(long, env = "PUBLIC_BASE_URL", default_value = "http://127.0.0.1:8080")]
    pub public_base_url: String,

    /// Largest number of pooled database connections.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,

    /// How long a login session lasts, in hours.
    #[arg(long, env = "SESSION_HOURS", default_value_t = 12)]
    pub session_hours: i64,

    /// Mark the session cookie `Secure` (set when served over HTTPS).
    #[arg(long, env = "COOKIE_SECURE", default_value_t = false)]
    pub cookie_secure: bool,

    /// Header holding the client address when behind a proxy (e.g.
    /// `X-Forwarded-For`); the peer address is used when unset.
    #[arg(long, env = "CLIENT_IP_HEADER")]
    pub client_ip_header: Option<String>,

    /// Scans of one stamp from which its verdict turns "suspicious".
    #[arg(long, env = "SUSPICIOUS_SCANS", default_value_t = 50)]
    pub suspicious_scans: i64,

    /// Distinct coarse origins within the window that make a stamp "suspicious".
    #[arg(long, env = "SUSPICIOUS_ORIGINS", default_value_t = 3)]
    pub suspicious_origins: i64,

    /// The window, in hours, for counting a stamp's distinct origins.
    #[arg(long, env = "SUSPICIOUS_WINDOW_HOURS", default_value_t = 24)]
    pub suspicious_window_hours: i64,

    /// How often (milliseconds) a node checks the database for changes to
    /// public records it has cached; writes served by the node itself show
    /// at once. 0 checks on every lookup.
    #[arg(long, env = "RESOLVER_CACHE_MS", default_value_t = 500)]
    pub resolver_cache_ms: u64,

    /// Login attempts per minute per client address and per username
    /// (answered 429 past it); 0 turns the limit off.
    #[arg(long, env = "LOGIN_RATE_PER_MINUTE", default_value_t = 10)]
    pub login_rate_per_minute: u32,

    /// Public resolver requests per minute per client address (`/s/…`,
    /// `/S/…`, `/01/…`, QR images); 0 turns the limit off.
    #[arg(long, env = "RESOLVER_RATE_PER_MINUTE", default_value_t = 600)]
    pub resolver_rate_per_minute: u32,

    /// Resolver requests a client may send at once before the per-minute
    /// rate applies.
    #[arg(long, env = "RESOLVER_RATE_BURST", default_value_t = 100)]
    pub resolver_rate_burst: u32,

    /// How far ahead of now (hours) an event may be dated, by the API,
    /// the portal or EPCIS capture: enough for clocks and time zones, not
    /// for a typo that would sit atop the public timeline for years.
    #[arg(long, env = "EVENT_MAX_AHEAD_HOURS", default_value_t = 24)]
    pub event_max_ahead_hours: i64,

    /// Log lines as text or as one JSON object a line.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// How log lines are written (`observe::logging`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

impl Config {
    pub fn clone_thresholds(&self) -> crate::domain::verdict::CloneThresholds {
        crate::domain::verdict::CloneThresholds {
            max_scans: self.suspicious_scans,
            max_origins: self.suspicious_origins,
            window_hours: self.suspicious_window_hours,
        }
    }

    pub fn resolver_cache_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.resolver_cache_ms)
    }

    /// The latest time an event recorded at `now` may carry.
    pub fn latest_event_time(&self, now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        now + chrono::Duration::hours(self.event_max_ahead_hours.max(0))
    }

    /// The public base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.public_base_url.trim_end_matches('/')
    }

    /// The settings tests and tools start from: the given database, defaults
    /// for everything else.
    pub fn for_database(database_url: &str) -> Self {
        Config {
            database_url: database_url.to_owned(),
            public_base_url: "http://127.0.0.1:8080".into(),
            db_pool_size: 4,
            session_hours: 12,
            cookie_secure: false,
            client_ip_header: None,
            suspicious_scans: 50,
            suspicious_origins: 3,
            suspicious_window_hours: 24,
            // Tests and tools edit the database directly, behind the
            // resolver's back: check for changes on every lookup.
            resolver_cache_ms: 0,
            login_rate_per_minute: 10,
            resolver_rate_per_minute: 600,
            resolver_rate_burst: 100,
            event_max_ahead_hours: 24,
            log_format: LogFormat::Text,
        }
    }
}
