//! What the database benchmarks share (`mod support;` in each).

use tempfile::TempDir;
use tracestamp::db::{self, DbTarget, PooledConnection};

/// A migrated database: SQLite in a file of a temporary folder (there while
/// the folder returned lives), or the one `BENCH_DATABASE_URL` names (an
/// empty PostgreSQL one, or a SQLite path to keep the data).
pub fn database() -> (TempDir, PooledConnection) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| dir.path().join("bench.sqlite").display().to_string());
    let target = DbTarget::parse(&url).expect("a database URL");
    let (pool, _) = db::connect(&target, 1).expect("the database answers");
    let mut conn = pool.get().expect("a connection");
    db::migrate(&mut conn).expect("migrations");
    (dir, conn)
}
