//! The photo store: photos taken in the field, each owned by one record
//! (`owner_kind` + `owner_id`: an event, an answer to an inspection
//! finding…). Bytes are read only one photo at a time, never with a list.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::photo;
use crate::db::DbConnection;

/// A photo as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = photo)]
pub struct Photo {
    pub id: String,
    pub owner_kind: String,
    pub owner_id: String,
    pub alt: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub etag: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// A photo as a page links it: its id (the URL is `/photos/{id}`), its
/// owner and its alternative text.
#[derive(Debug, Clone, Queryable, Serialize, PartialEq, Eq)]
pub struct PhotoRef {
    pub id: String,
    pub owner_id: String,
    pub alt: String,
}

pub fn insert(conn: &mut DbConnection, row: &Photo) -> QueryResult<usize> {
    diesel::insert_into(photo::table).values(row).execute(conn)
}

/// The photos of these owners of one kind, oldest first.
pub fn of_owners(
    conn: &mut DbConnection,
    owner_kind: &str,
    owner_ids: &[String],
) -> QueryResult<Vec<PhotoRef>> {
    if owner_ids.is_empty() {
        return Ok(Vec::new());
    }
    photo::table
        .filter(photo::owner_kind.eq(owner_kind.to_owned()))
        .filter(photo::owner_id.eq_any(owner_ids.to_vec()))
        .order((photo::created_at, photo::id))
        .select((photo::id, photo::owner_id, photo::alt))
        .load(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Photo>> {
    photo::table
        .filter(photo::id.eq(id.to_owned()))
        .select(Photo::as_select())
        .first(conn)
        .optional()
}

/// Removes an owner's photos (the owner is being deleted).
pub fn delete_of(conn: &mut DbConnection, owner_kind: &str, owner_id: &str) -> QueryResult<usize> {
    diesel::delete(
        photo::table
            .filter(photo::owner_kind.eq(owner_kind.to_owned()))
            .filter(photo::owner_id.eq(owner_id.to_owned())),
    )
    .execute(conn)
}
