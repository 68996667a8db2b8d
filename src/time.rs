//! Times are stored as UTC without zone (portable across both backends) at
//! microsecond precision (PostgreSQL's), and shown to clients as RFC 3339 UTC.

use chrono::format::{Fixed, Item, Numeric, Pad};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, TimeDelta, Utc};
use serde::Serializer;

/// Now, truncated to what PostgreSQL keeps, so a value reads back unchanged
/// from either backend (the audit chain hashes it).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Today's date in Vietnam (UTC+7 all year). Dates such as a certificate's
/// validity are Vietnamese calendar dates: one that starts on the 1st holds
/// from midnight in Vĩnh Long, seven hours before the 1st begins in UTC.
pub fn today() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(7)).date_naive()
}

/// How a time is stored as text on SQLite: diesel's `%F %T%.f`
/// ("2026-11-01 08:07:00.123456"), as chrono's items, so that the scan
/// flusher writes and reads its times without parsing that format string
/// for each (chrono's format parser was a tenth of the flusher's profile).
pub const STORED: &[Item<'static>] = &[
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
    Item::Space(" "),
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Second, Pad::Zero),
    Item::Fixed(Fixed::Nanosecond),
];

pub fn rfc3339(t: &NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// A stored UTC time in Vietnam's offset ("2026-11-10T06:00:00+07:00"):
/// the local time of every facility, for EPCIS and the FSMA 204 export.
pub fn vietnam_rfc3339(t: &NaiveDateTime) -> String {
    let zone = chrono::FixedOffset::east_opt(7 * 3600).expect("+07:00 is a valid offset");
    t.and_utc()
        .with_timezone(&zone)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// Parses an RFC 3339 instant with an offset ("2026-11-02T07:30:00+07:00").
pub fn parse_instant(text: &str) -> Result<NaiveDateTime, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc).naive_utc().trunc_subsecs(6))
        .map_err(|e| {
            format!("must be an RFC 3339 time with offset, e.g. 2026-11-02T07:30:00+07:00 ({e})")
        })
}

/// serde `serialize_with` for stored UTC times.
pub fn utc<S: Serializer>(t: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(t))
}

/// serde `serialize_with` for optional stored UTC times.
pub fn utc_opt<S: Serializer>(t: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_is_diesels() {
        let whole = NaiveDate::from_ymd_opt(2026, 1, 2)
            .and_then(|d| d.and_hms_opt(3, 4, 5))
            .expect("a time");
        let fraction = NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.and_hms_micro_opt(8, 7, 0, 123_456))
            .expect("a time");
        for time in [whole, fraction] {
            assert_eq!(
                time.format_with_items(STORED.iter()).to_string(),
                time.format("%F %T%.f").to_string()
            );
        }
        assert_eq!(
            fraction.format_with_items(STORED.iter()).to_string(),
            "2026-11-01 08:07:00.123456"
        );
    }

    #[test]
    fn offsets_become_utc() {
        let t = parse_instant("2026-11-02T07:30:00+07:00").unwrap();
        assert_eq!(rfc3339(&t), "2026-11-02T00:30:00Z");
        assert!(parse_instant("2026-11-02 07:30").is_err());
    }
}
