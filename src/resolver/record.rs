//! A batch's public record as the resolver caches it, and a stamp's scan
//! figures: what each answer splices in without redoing per scan.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::public::record::BatchRecord;

/// The record's JSON object without its braces: the members a stamp's JSON
/// answer carries after its own. Serialised once per cached record instead
/// of once per scan.
pub fn json_members(record: &BatchRecord) -> serde_json::Result<String> {
    let object = serde_json::to_string(record)?;
    Ok(object
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'))
        .unwrap_or_default()
        .to_owned())
}

/// A batch's record as the resolver caches it, with what every stamp's
/// answer takes from the record alone, made once for all its stamps' scans
/// instead of once per scan.
#[derive(Debug)]
pub struct PublicRecord {
    pub record: BatchRecord,
    /// The record's JSON members (see `json_members`).
    pub json: String,
    /// The record's section of the stamp page, in Vietnamese and in English.
    html: [String; 2],
}

impl PublicRecord {
    pub fn new(record: BatchRecord) -> serde_json::Result<Self> {
        Ok(PublicRecord {
            json: json_members(&record)?,
            html: [false, true].map(|english| super::page::record_section(&record, english)),
            record,
        })
    }

    pub fn html(&self, english: bool) -> &str {
        &self.html[usize::from(english)]
    }
}

/// A stamp's scan history as recorded so far (the buffer's last second aside).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ScanStats {
    pub count: i64,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub first_at: Option<NaiveDateTime>,
    /// Distinct coarse origins within the clone-detection window, counting
    /// the scan being answered.
    pub recent_origins: i64,
}

impl ScanStats {
    /// A stamp never scanned before: the scan being answered is its first,
    /// from one origin if the client's is known.
    pub fn unscanned(origin_known: bool) -> Self {
        ScanStats {
            count: 0,
            first_at: None,
            recent_origins: i64::from(origin_known),
        }
    }
}
