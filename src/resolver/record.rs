//! A batch's public record as the resolver caches it, and a stamp's scan
//! figures: what each answer splices in without redoing per scan.

use actix_web::web::Bytes;
use chrono::NaiveDateTime;

use crate::domain::checkers::Evidence;
use crate::domain::places::Place;
use crate::pages::i18n::Lang;
use crate::public::record::BatchRecord;

/// What follows a stamp's own fields in its JSON answer: the record's
/// members, then the closing brace (`StampAnswer::to_json`). Serialised
/// once per cached record instead of once per scan, and kept as `Bytes` so
/// that every answer sends it as it is kept, without a copy of its own.
pub fn json_tail(record: &BatchRecord) -> serde_json::Result<Bytes> {
    let object = serde_json::to_string(record)?;
    let members = object
        .strip_prefix('{')
        .and_then(|o| o.strip_suffix('}'))
        .unwrap_or_default();
    Ok(if members.is_empty() {
        Bytes::from_static(b"}")
    } else {
        Bytes::from(format!(",{members}}}"))
    })
}

/// A batch's record as the resolver caches it, with what every stamp's
/// answer takes from the record alone, made once for all its stamps' scans
/// instead of once per scan.
#[derive(Debug)]
pub struct PublicRecord {
    pub record: BatchRecord,
    /// The end of every JSON answer vouching for it (see `json_tail`).
    pub json: Bytes,
    /// The record's section of the stamp page, in Vietnamese and in English.
    html: [String; 2],
    /// The same in Chinese, made on the first Chinese page asked for: most
    /// records are never read in Chinese.
    html_zh: std::sync::OnceLock<String>,
}

impl PublicRecord {
    pub fn new(record: BatchRecord) -> serde_json::Result<Self> {
        Ok(PublicRecord {
            json: json_tail(&record)?,
            html: [Lang::Vi, Lang::En].map(|l| super::page::record_section(&record, l)),
            html_zh: std::sync::OnceLock::new(),
            record,
        })
    }

    pub fn html(&self, l: Lang) -> &str {
        match l {
            Lang::Vi => &self.html[0],
            Lang::En => &self.html[1],
            Lang::Zh => self
                .html_zh
                .get_or_init(|| super::page::record_section(&self.record, Lang::Zh)),
        }
    }
}

/// A stamp's scan history as recorded so far (the buffer's last second aside).
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanStats {
    /// Loads of the stamp, every one.
    pub count: i64,
    pub first_at: Option<NaiveDateTime>,
    /// The province of the first scan, when the places table knew it.
    pub first_place: Option<Place>,
    /// Its checkers, the one being answered included.
    pub evidence: Evidence,
}

impl ScanStats {
    /// A stamp never scanned before: the scan being answered is its first,
    /// by one checker if the client can be told apart.
    pub fn unscanned(counted: bool) -> Self {
        ScanStats {
            count: 0,
            first_at: None,
            first_place: None,
            evidence: Evidence {
                score: f64::from(u8::from(counted)),
                checkers: i64::from(counted),
                returning: false,
            },
        }
    }
}
