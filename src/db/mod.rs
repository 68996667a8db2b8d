//! The database: one connection type over SQLite and PostgreSQL, picked at run
//! time from the URL, an r2d2 pool, and the embedded migrations of both.

pub mod backup;
pub mod schema;

use diesel::connection::InstrumentationEvent;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, R2D2Connection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::domain::checker_groups::SeenGroups;
use crate::error::AppError;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type of `DbConnection`, for boxed queries.
pub type Backend = <DbConnection as Connection>::Backend;

/// Where the data lives, parsed once from the configured URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DbTarget {
    Sqlite(String),
    Postgres(String),
}

impl DbTarget {
    /// `sqlite://path` or a bare path → SQLite; `postgres://` or
    /// `postgresql://` → PostgreSQL; any other scheme is refused by name, so a
    /// typo such as `postgress://` never silently creates a SQLite file.
    pub fn parse(url: &str) -> Result<Self, AppError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(AppError::Config("DATABASE_URL is empty".into()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(AppError::Config("sqlite:// needs a file path".into()));
            }
            return Ok(DbTarget::Sqlite(path.to_owned()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbTarget::Postgres(url.to_owned()));
        }
        if url.contains("://") {
            return Err(AppError::Config(format!(
                "DATABASE_URL {url:?} has an unknown scheme; use sqlite://PATH, a bare file path, \
                 postgres://… or postgresql://…"
            )));
        }
        Ok(DbTarget::Sqlite(url.to_owned()))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbTarget::Sqlite(_))
    }

    /// The pool's size unless `DB_POOL_SIZE` sets it. SQLite runs in this
    /// process, one writer at a time: its queries use this machine's cores,
    /// so more connections than that only queue, and each keeps its own
    /// page cache and copy of the schema (about 1.5 MB: with eight the load
    /// script's server peaked 6 MB higher, README "Figures"). A PostgreSQL
    /// connection mostly waits on the network and the server.
    pub fn default_pool_size(&self) -> u32 {
        match self {
            DbTarget::Sqlite(_) => 4,
            DbTarget::Postgres(_) => 8,
        }
    }
}

/// Sets the bundled SQLite library up before its first connection, once per
/// process: multi-thread mode, in which a connection takes no mutex of its
/// own (a pooled connection is only ever used by one thread at a time: diesel
/// needs `&mut` to use it), and no memory statistics, which take a global
/// mutex at every allocation SQLite makes. Both locks were a ninth of the
/// scan flusher's time (`cargo bench --bench flush`). Past its first
/// connection the library refuses a change (`SQLITE_MISUSE`) and stays
/// serialized, which is safe, only slower.
fn configure_sqlite() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        use libsqlite3_sys::{
            sqlite3_config, SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD, SQLITE_OK,
        };
        // SAFETY: sqlite3_config is called before any other SQLite call of
        // this process (`Once`, ahead of the first connection), as SQLite
        // requires; the MEMSTATUS option takes one int.
        let (threads, memstatus) = unsafe {
            (
                sqlite3_config(SQLITE_CONFIG_MULTITHREAD),
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int),
            )
        };
        if threads != SQLITE_OK || memstatus != SQLITE_OK {
            tracing::warn!("SQLite kept its default locking ({threads}, {memstatus})");
        }
    });
}

/// The SQL function SQLite's scan-summary upsert merges a flush's checker
/// groups of a stamp into its stored ones with
/// (`domain::checker_groups::SeenGroups::merge_stored`).
pub const MERGE_CHECKERS: &str = "merge_checkers";

/// Registers the functions our SQLite statements call, on every connection
/// as it opens.
fn register_functions(conn: &mut SqliteConnection) -> QueryResult<()> {
    use diesel::sql_types::Text;
    conn.register_sql_function::<(Text, Text), Text, _, _, _>(
        MERGE_CHECKERS,
        true,
        |(stored, added): (String, String)| SeenGroups::merge_stored(&stored, &added),
    )
}

/// Opens connections for the pool; SQLite ones get the pragmas every
/// connection needs (they are per connection, not per file).
#[derive(Debug, Clone)]
pub struct DbManager {
    target: DbTarget,
    queries: Arc<AtomicU64>,
}

/// Counts every query any pooled connection starts: lets tests prove that a
/// path (such as rejecting a forged serial) never touches the database.
fn count_queries(conn: &mut impl Connection, queries: &Arc<AtomicU64>) {
    let queries = Arc::clone(queries);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            queries.fetch_add(1, Ordering::Relaxed);
        }
    });
}

impl r2d2::ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        use r2d2::Error as E;
        match &self.target {
            DbTarget::Postgres(url) => {
                let mut conn = PgConnection::establish(url).map_err(E::ConnectionError)?;
                count_queries(&mut conn, &self.queries);
                Ok(DbConnection::Postgres(conn))
            }
            DbTarget::Sqlite(path) => {
                configure_sqlite();
                let mut conn = SqliteConnection::establish(path).map_err(E::ConnectionError)?;
                // The busy timeout comes first so that even switching a new file
                // to WAL waits for a lock instead of failing; WAL lets readers
                // run beside the one writer. Pages of 16 KiB, set before WAL
                // writes a new file's header (an existing file keeps its own):
                // each scan flush rewrites most of the stamps' summary pages,
                // and with a quarter as many pages the flusher reads and writes
                // the file a sixth as often (README, "Figures"). A page
                // cache of 1 MB rather than 2: every pooled connection fills
                // its own, and the file's pages stay in the system's cache
                // anyway.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA page_size = 16384;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA cache_size = -1024;",
                )
                .map_err(E::QueryError)?;
                register_functions(&mut conn).map_err(E::QueryError)?;
                count_queries(&mut conn, &self.queries);
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

pub type Pool = r2d2::Pool<DbManager>;
pub type PooledConnection = r2d2::PooledConnection<DbManager>;

/// Builds the pool and checks that the database answers. The counter
/// returned counts the queries run through it.
pub fn connect(target: &DbTarget, max_size: u32) -> Result<(Pool, Arc<AtomicU64>), AppError> {
    let queries = Arc::new(AtomicU64::new(0));
    // Connections are opened as work needs them and closed after ten idle
    // minutes, one kept: the resolver answers from memory, so under load
    // only the scan flusher and a few reads hold one, and each SQLite
    // connection keeps its own page cache and copy of the schema (the load
    // script's server held 11 MB of SQLite's memory with all eight open).
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(1))
        .connection_timeout(Duration::from_secs(10))
        .build(DbManager {
            target: target.clone(),
            queries: Arc::clone(&queries),
        })
        .map_err(|e| AppError::Config(format!("cannot open the database: {e}")))?;
    Ok((pool, queries))
}

/// Applies the pending migrations of the connection's backend.
pub fn migrate(conn: &mut DbConnection) -> Result<usize, AppError> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConnection::Postgres(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    };
    applied.map_err(|e| AppError::Config(format!("migration failed: {e}")))
}

/// Whether migrations this build embeds are not yet applied (a node
/// started against a database another, older node still migrates, or one
/// restored from an old backup): `/readyz` is not ready then.
pub fn migrations_pending(conn: &mut DbConnection) -> Result<bool, AppError> {
    let pending = match conn {
        DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
        DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
    };
    pending.map_err(|e| AppError::Unavailable(format!("migrations not readable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert_eq!(
            DbTarget::parse("sqlite://data/t.db").unwrap(),
            DbTarget::Sqlite("data/t.db".into())
        );
        assert_eq!(
            DbTarget::parse("./tracestamp.db").unwrap(),
            DbTarget::Sqlite("./tracestamp.db".into())
        );
        assert!(matches!(
            DbTarget::parse("postgresql://u@h/db").unwrap(),
            DbTarget::Postgres(_)
        ));
        let err = DbTarget::parse("mysql://u@h/db").unwrap_err().to_string();
        assert!(err.contains("postgres://"), "{err}");
        assert!(DbTarget::parse("").is_err());
    }

    #[test]
    fn a_new_sqlite_file_has_16_kib_pages_and_a_wal() {
        let dir = tempfile::tempdir().unwrap();
        let target = DbTarget::Sqlite(dir.path().join("new.db").display().to_string());
        let (pool, _) = connect(&target, 1).unwrap();
        let mut conn = pool.get().unwrap();
        migrate(&mut conn).unwrap();
        let DbConnection::Sqlite(c) = &mut *conn else {
            unreachable!("a SQLite target")
        };
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let setting = |c: &mut SqliteConnection, name: &str| {
            diesel::sql_query(format!(
                "SELECT CAST({name} AS TEXT) AS value FROM pragma_{name}"
            ))
            .get_result::<Setting>(c)
            .unwrap()
            .value
        };
        assert_eq!(setting(c, "page_size"), "16384");
        assert_eq!(setting(c, "journal_mode"), "wal");
    }
}
