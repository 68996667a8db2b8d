//! `tracestamp backup FILE`: a consistent copy of a SQLite database taken
//! while the service keeps running. `VACUUM INTO` reads one snapshot (a read
//! transaction, which WAL lets run beside the writer) and writes a compact,
//! self-contained file — no `-wal` beside it to forget. PostgreSQL has its
//! own tools for this (`pg_dump`/`pg_restore`), so the command points there
//! instead of doing a worse job of it.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::path::Path;

use super::DbTarget;
use crate::error::AppError;

/// What to run instead on PostgreSQL (also shown in README).
pub const PG_DUMP_HINT: &str = "tracestamp backup copies SQLite databases only; back up \
     PostgreSQL with its own tools: `pg_dump --format=custom --file=tracestamp.dump \"$DATABASE_URL\"`, \
     and restore with `pg_restore --dbname=\"$NEW_DATABASE_URL\" tracestamp.dump` \
     (see README, \"Backup and restore\")";

/// Copies the database at `target` into the new file `dest`. Refuses to
/// overwrite anything: an existing `dest` may be the only good copy.
pub fn backup(target: &DbTarget, dest: &Path) -> Result<(), AppError> {
    let source = match target {
        DbTarget::Postgres(_) => return Err(AppError::Config(PG_DUMP_HINT.into())),
        DbTarget::Sqlite(path) => path,
    };
    if !Path::new(source).is_file() {
        return Err(AppError::Config(format!(
            "there is no SQLite database at {source:?} to back up"
        )));
    }
    if dest.exists() {
        return Err(AppError::Config(format!(
            "{} already exists; choose a new file name (a backup never overwrites)",
            dest.display()
        )));
    }
    let dest_text = dest
        .to_str()
        .ok_or_else(|| AppError::Config(format!("{} is not a UTF-8 path", dest.display())))?;
    let mut conn = SqliteConnection::establish(source)
        .map_err(|e| AppError::Config(format!("cannot open {source:?}: {e}")))?;
    // Waits for the writer's lock rather than failing while the service
    // writes; the snapshot itself never blocks the service.
    conn.batch_execute("PRAGMA busy_timeout = 10000;")
        .and_then(|_| conn.batch_execute(&vacuum_into(dest_text)))
        .map_err(|e| AppError::Config(format!("backup to {dest_text:?} failed: {e}")))
}

/// The statement, with the file name as an SQL string literal (quotes
/// doubled), so no file name can end the literal early.
fn vacuum_into(dest: &str) -> String {
    format!("VACUUM INTO '{}'", dest.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_inside_the_literal() {
        assert_eq!(vacuum_into("a.db"), "VACUUM INTO 'a.db'");
        assert_eq!(
            vacuum_into("x'; DROP TABLE batch; --.db"),
            "VACUUM INTO 'x''; DROP TABLE batch; --.db'"
        );
    }

    #[test]
    fn existing_files_and_postgres_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.db");
        let dest = dir.path().join("dest.db");
        std::fs::write(&dest, b"precious").unwrap();
        SqliteConnection::establish(src.to_str().unwrap()).unwrap();
        let err = backup(&DbTarget::Sqlite(src.to_str().unwrap().into()), &dest).unwrap_err();
        assert!(err.to_string().contains("already exists"), "{err}");
        assert_eq!(std::fs::read(&dest).unwrap(), b"precious");
        let err = backup(&DbTarget::Postgres("postgres://h/db".into()), &dest).unwrap_err();
        assert!(err.to_string().contains("pg_dump"), "{err}");
    }
}
