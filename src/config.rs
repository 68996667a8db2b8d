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
}

impl Config {
    /// The settings tests and tools start from: the given database, defaults
    /// for everything else.
    pub fn for_database(database_url: &str) -> Self {
        Config {
            database_url: database_url.to_owned(),
            public_base_url: "http://127.0.0.1:8080".into(),
            db_pool_size: 4,
            session_hours: 12,
            cookie_secure: false,
        }
    }
}
