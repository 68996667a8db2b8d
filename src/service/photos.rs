//! The photo store (issue 19): photos taken in the field with a phone's
//! camera, kept for the record that owns them — an event (shown on the
//! consumer page's timeline and on the batch pages), a producer's answer to
//! an inspection finding (shown to the producer and the regulators).
//!
//! An upload is cleaned before any connection is taken ([`clean`]: decoded
//! under limits, turned upright, shrunk, re-encoded as a JPEG without EXIF
//! by `domain::photo`), so a bad upload is refused with nothing written.
//! The owner's use case then keeps the cleaned photos in its own
//! transaction ([`keep`]). A photo never changes: its URL
//! (`/photos/{id}`) is cached for good, and its ETag is a hash of its bytes.
//!
//! Who may read one is the owner's question ([`readable`]): an event's
//! photo is as public as the consumer page; an answer's or an
//! inspection's, only for those who reach the inspected facility.

use sha2::{Digest, Sha256};

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Scope};
use crate::domain::photo;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::photo::{self as store, Photo, PhotoRef};
use crate::models::{event, finding_answer};

/// At most this many photos go with one record.
pub const MAX_PHOTOS: usize = 4;
/// The content type of every kept photo.
pub const JPEG: &str = "image/jpeg";

/// What a photo belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerKind {
    Event,
    FindingAnswer,
    /// A regulator's inspection (issue 19: photos with the checklist).
    Inspection,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Event => "event",
            OwnerKind::FindingAnswer => "finding_answer",
            OwnerKind::Inspection => "inspection",
        }
    }
}

/// A photo made safe to keep: only [`clean`] makes one.
#[derive(Debug, Clone)]
pub struct CleanPhoto(Vec<u8>);

/// The uploads as photos to keep (empty files — a file input left empty —
/// are skipped), or the refusal of the first bad one, in both languages.
/// No database: decoding is the slow part.
pub fn clean(uploads: Vec<Vec<u8>>) -> AppResult<Vec<CleanPhoto>> {
    let uploads: Vec<Vec<u8>> = uploads.into_iter().filter(|u| !u.is_empty()).collect();
    if uploads.len() > MAX_PHOTOS {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("photo"),
            format!("at most {MAX_PHOTOS} photos at a time"),
            format!("Tối đa {MAX_PHOTOS} ảnh mỗi lần"),
        ));
    }
    uploads
        .iter()
        .map(|u| {
            photo::clean(u)
                .map(CleanPhoto)
                .map_err(super::reports::photo_refusal)
        })
        .collect()
}

/// Keeps cleaned photos for their owner, inside the owner's transaction,
/// with an audit entry each (without the bytes). `alt` says what they
/// show, for screen readers.
pub fn keep(
    conn: &mut DbConnection,
    caller: &Caller,
    owner: OwnerKind,
    owner_id: &str,
    alt: &str,
    photos: Vec<CleanPhoto>,
) -> AppResult<Vec<PhotoRef>> {
    let now = crate::time::now();
    let mut kept = Vec::with_capacity(photos.len());
    for CleanPhoto(bytes) in photos {
        let row = Photo {
            id: crate::domain::id::new_id(),
            owner_kind: owner.as_str().to_owned(),
            owner_id: owner_id.to_owned(),
            alt: alt.chars().take(200).collect(),
            content_type: JPEG.to_owned(),
            etag: hex::encode(&Sha256::digest(&bytes)[..16]),
            bytes,
            created_by: caller.username.clone(),
            created_at: now,
        };
        store::insert(conn, &row)?;
        let shown = PhotoRef {
            id: row.id.clone(),
            owner_id: row.owner_id.clone(),
            alt: row.alt.clone(),
        };
        audit::created(conn, &Actor::from(caller), "photo", &row.id, &shown)?;
        kept.push(shown);
    }
    Ok(kept)
}

/// The photos of these owners, for a page that may show them all.
pub fn of(
    conn: &mut DbConnection,
    owner: OwnerKind,
    owner_ids: &[String],
) -> AppResult<Vec<PhotoRef>> {
    Ok(store::of_owners(conn, owner.as_str(), owner_ids)?)
}

/// A photo, if whoever asks (a signed-in caller, or a consumer) may see
/// it; otherwise not found, so its existence is not told either.
pub fn readable(conn: &mut DbConnection, caller: Option<&Caller>, id: &str) -> AppResult<Photo> {
    let missing = || AppError::not_found("photo");
    let found = store::find(conn, id)?.ok_or_else(missing)?;
    let allowed = match found.owner_kind.as_str() {
        // Shown on the consumer page, like the event itself.
        "event" => event::find(conn, &found.owner_id)?.is_some(),
        "finding_answer" => {
            let Some(caller) = caller else {
                return Err(missing());
            };
            answer_in_reach(conn, &caller.scope(), &found.owner_id)?
        }
        // Those who reach the inspected facility: its province's
        // regulators, its own enterprise, admins.
        "inspection" => {
            let Some(caller) = caller else {
                return Err(missing());
            };
            finding_answer::inspection_in_reach(conn, &caller.scope(), &found.owner_id)?.is_some()
        }
        _ => false,
    };
    if allowed {
        Ok(found)
    } else {
        Err(missing())
    }
}

fn answer_in_reach(conn: &mut DbConnection, scope: &Scope, answer_id: &str) -> AppResult<bool> {
    use crate::db::schema::finding_answer as fa;
    use diesel::prelude::*;
    let inspection: Option<String> = fa::table
        .filter(fa::id.eq(answer_id.to_owned()))
        .select(fa::inspection_id)
        .first(conn)
        .optional()?;
    Ok(match inspection {
        Some(id) => finding_answer::inspection_in_reach(conn, scope, &id)?.is_some(),
        None => false,
    })
}

/// Whether a photo of this owner kind may be cached by shared caches.
pub fn is_public(row: &Photo) -> bool {
    row.owner_kind == OwnerKind::Event.as_str()
}
