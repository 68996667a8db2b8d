//! Times are stored as UTC without zone (portable across both backends) at
//! microsecond precision (PostgreSQL's), and shown to clients as RFC 3339 UTC.

use chrono::format::{Fixed, Item, Numeric, Pad};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SubsecRound, TimeDelta, Timelike, Utc};
use serde::Serializer;
use std::fmt::Write;

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

/// A time as `STORED` writes it, kept on the stack: the scan flusher writes
/// one or two a scan, and chrono's item formatter with its `String` was
/// about a twentieth of the flusher's work. Four-digit years (every time
/// this service stores) are written digit by digit; any other year, and a
/// leap second, as chrono writes them. 32 bytes hold chrono's longest text.
pub struct StoredText {
    bytes: [u8; 32],
    len: usize,
}

impl StoredText {
    pub fn of(t: &NaiveDateTime) -> Self {
        let mut text = StoredText {
            bytes: [0; 32],
            len: 0,
        };
        let nanos = t.nanosecond();
        match u32::try_from(t.year()) {
            Ok(year) if year <= 9999 && nanos < 1_000_000_000 => {
                text.digits(year, 4);
                text.push(b'-');
                text.digits(t.month(), 2);
                text.push(b'-');
                text.digits(t.day(), 2);
                text.push(b' ');
                text.digits(t.hour(), 2);
                text.push(b':');
                text.digits(t.minute(), 2);
                text.push(b':');
                text.digits(t.second(), 2);
                // `%.f`: nothing for a whole second, else 3, 6 or 9 digits.
                if nanos != 0 {
                    text.push(b'.');
                    if nanos % 1_000_000 == 0 {
                        text.digits(nanos / 1_000_000, 3);
                    } else if nanos % 1_000 == 0 {
                        text.digits(nanos / 1_000, 6);
                    } else {
                        text.digits(nanos, 9);
                    }
                }
            }
            // Never longer than the buffer, so the write cannot fail.
            _ => {
                let _ = write!(text, "{}", t.format_with_items(STORED.iter()));
            }
        }
        text
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits and separators, or chrono's own text.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// `value` in `width` digits, zero-padded (it has no more).
    fn digits(&mut self, mut value: u32, width: usize) {
        for slot in self.bytes[self.len..self.len + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width;
    }
}

impl Write for StoredText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

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

    /// Every shape of fraction, the ends of the four-digit years, and the
    /// times chrono writes itself (other years, a leap second).
    #[test]
    fn stored_text_is_what_chrono_writes() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(0x5eed);
        let mut next = move |below: u64| rng.gen_range(0..below);
        let mut times = Vec::new();
        for _ in 0..20_000 {
            let date = NaiveDate::from_num_days_from_ce_opt(next(3_652_059) as i32 + 1)
                .expect("a day of years 1 to 9999");
            let nanos = match next(4) {
                0 => 0,
                1 => next(1000) as u32 * 1_000_000,
                2 => next(1_000_000) as u32 * 1_000,
                _ => next(1_000_000_000) as u32,
            };
            let time = date
                .and_hms_nano_opt(next(24) as u32, next(60) as u32, next(60) as u32, nanos)
                .expect("a time");
            times.push(time);
        }
        for (y, m, d) in [
            (0, 1, 1),
            (9999, 12, 31),
            (10_000, 1, 1),
            (-1, 6, 30),
            (262_000, 1, 1),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("a date");
            times.push(date.and_hms_opt(0, 0, 0).expect("a time"));
            times.push(date.and_hms_nano_opt(23, 59, 59, 1).expect("a time"));
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 1_500));
        times.push(leap.expect("a leap second"));
        for time in times {
            assert_eq!(
                StoredText::of(&time).as_str(),
                time.format_with_items(STORED.iter()).to_string(),
                "{time:?}"
            );
        }
    }

    #[test]
    fn offsets_become_utc() {
        let t = parse_instant("2026-11-02T07:30:00+07:00").unwrap();
        assert_eq!(rfc3339(&t), "2026-11-02T00:30:00Z");
        assert!(parse_instant("2026-11-02 07:30").is_err());
    }
}
