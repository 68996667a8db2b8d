//! GS1 Application Identifiers as data: which AIs exist, which may be a
//! Digital Link data attribute, which are primary keys and with which
//! qualifiers, and the format of each value. The table (`ai_table.rs`) is
//! generated from GS1's Barcode Syntax Dictionary by
//! `scripts/gs1-ai-table.py`; this module reads it.
//!
//! A value is checked component by component, as the dictionary says: type
//! (N digits, X GS1 set 82, Y set 39, Z base64url), length (fixed or up to a
//! maximum), then the named content checks ("linters"). Implemented: check
//! digits (`csum`, `csumalpha`), dates and times (`yymmd0`, `yymmdd`,
//! `yyyymmdd`, `hh`, `hhmi`, `mi`), `zero`, `nonzero`, `yesno` and
//! `pieceoftotal`. The others (company-prefix position, ISO code lists,
//! coordinates …) are accepted once type and length hold: they need lists
//! this table does not carry.

mod ai_table;

use chrono::NaiveDate;

/// One AI as the syntax dictionary describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiEntry {
    pub ai: &'static str,
    /// Flag `?`: may be given as a Digital Link data attribute (query).
    pub attribute: bool,
    /// Components such as `N14,csum,gcppos2` or `[X..17]` (optional).
    pub spec: &'static str,
    /// For a primary key: its qualifier sequences, `22,10,21|235`; empty
    /// when it takes none.
    pub dlpkey: Option<&'static str>,
}

/// The entry of `ai`, if GS1 has assigned it.
pub fn entry(ai: &str) -> Option<&'static AiEntry> {
    ai_table::AI_TABLE
        .binary_search_by(|e| e.ai.cmp(ai))
        .ok()
        .and_then(|i| ai_table::AI_TABLE.get(i))
}

/// Whether `ai` is a GS1 Digital Link primary key.
pub fn is_primary_key(ai: &str) -> bool {
    entry(ai).is_some_and(|e| e.dlpkey.is_some())
}

/// Every primary key, in the table's order.
pub fn primary_keys() -> impl Iterator<Item = &'static str> {
    ai_table::AI_TABLE
        .iter()
        .filter(|e| e.dlpkey.is_some())
        .map(|e| e.ai)
}

/// The alternative ordered qualifier sequences of a primary key: `01` gives
/// `[[22, 10, 21], [235]]`.
pub fn qualifier_sequences(key: &str) -> Vec<Vec<&'static str>> {
    entry(key)
        .and_then(|e| e.dlpkey)
        .filter(|q| !q.is_empty())
        .map(|q| q.split('|').map(|seq| seq.split(',').collect()).collect())
        .unwrap_or_default()
}

/// GS1 character set 82 (General Specifications, figure 7.11-1).
pub const SET_82: &str =
    "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const SET_39: &str = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const SET_32: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Checks `value` against the format of `ai`; the error is a reason fit for
/// a 400 answer ("must be …").
pub fn check_value(ai: &str, value: &str) -> Result<(), String> {
    let entry = entry(ai).ok_or_else(|| format!("({ai}) is not a GS1 Application Identifier"))?;
    if !value.is_ascii() {
        return Err("must hold only GS1 characters (ASCII)".into());
    }
    let mut rest = value;
    for component in entry.spec.split_whitespace() {
        let (optional, component) = match component.strip_prefix('[') {
            Some(inner) => (true, inner.trim_end_matches(']')),
            None => (false, component),
        };
        if rest.is_empty() && optional {
            break;
        }
        let mut parts = component.split(',');
        let format = parts.next().unwrap_or_default();
        let (kind, length) = format.split_at(1.min(format.len()));
        let (min, max) = match length.strip_prefix("..") {
            Some(max) => (1, max.parse::<usize>().unwrap_or(usize::MAX)),
            None => {
                let n = length.parse::<usize>().unwrap_or(0);
                (n, n)
            }
        };
        let take = rest.len().min(max);
        let (piece, tail) = rest.split_at(take);
        if piece.len() < min {
            return Err(if min == max {
                format!("must have {min} characters here, not {}", piece.len())
            } else {
                format!("must have at least {min} characters")
            });
        }
        check_kind(kind, piece)?;
        for linter in parts {
            lint(linter, piece)?;
        }
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(format!(
            "is too long: '{rest}' is left over after the format {}",
            entry.spec
        ));
    }
    Ok(())
}

fn check_kind(kind: &str, piece: &str) -> Result<(), String> {
    let (name, allowed): (&str, &dyn Fn(char) -> bool) = match kind {
        "N" => ("digits", &|c: char| c.is_ascii_digit()),
        "X" => ("GS1 set 82 characters", &|c: char| SET_82.contains(c)),
        "Y" => ("GS1 set 39 characters", &|c: char| SET_39.contains(c)),
        "Z" => ("base64url characters", &|c: char| {
            c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '='
        }),
        _ => return Ok(()),
    };
    match piece.chars().find(|c| !allowed(*c)) {
        Some(c) => Err(format!("must hold only {name}, not {c:?}")),
        None => Ok(()),
    }
}

fn two(piece: &str, at: usize) -> Option<u32> {
    piece.get(at..at + 2)?.parse().ok()
}

fn lint(linter: &str, piece: &str) -> Result<(), String> {
    match linter {
        "csum" => {
            let (body, check) = piece.split_at(piece.len().saturating_sub(1));
            let expected = crate::domain::gtin::check_digit(body.as_bytes());
            if check.parse::<u8>().ok() != Some(expected) {
                return Err(format!(
                    "has a wrong check digit: {check}, expected {expected}"
                ));
            }
        }
        "csumalpha" => check_alpha_pair(piece)?,
        "yymmd0" | "yymmdd" => {
            let (yy, mm, dd) = (two(piece, 0), two(piece, 2), two(piece, 4));
            let (Some(yy), Some(mm), Some(dd)) = (yy, mm, dd) else {
                return Err("must be a date written YYMMDD".into());
            };
            check_date(2000 + yy as i32, mm, dd, linter == "yymmd0")?;
        }
        "yyyymmdd" => {
            let year = piece.get(0..4).and_then(|y| y.parse::<i32>().ok());
            let (Some(year), Some(mm), Some(dd)) = (year, two(piece, 4), two(piece, 6)) else {
                return Err("must be a date written YYYYMMDD".into());
            };
            check_date(year, mm, dd, false)?;
        }
        "hh" if two(piece, 0).is_none_or(|h| h > 23) => {
            return Err("must be an hour from 00 to 23".into())
        }
        "hhmi" if two(piece, 0).is_none_or(|h| h > 23) || two(piece, 2).is_none_or(|m| m > 59) => {
            return Err("must be a time HHMI from 0000 to 2359".into())
        }
        "mi" if two(piece, 0).is_none_or(|m| m > 59) => {
            return Err("must be minutes from 00 to 59".into())
        }
        "zero" if piece.bytes().any(|b| b != b'0') => return Err("must be 0 here".into()),
        "nonzero" if piece.bytes().all(|b| b == b'0') => return Err("must not be zero".into()),
        "yesno" if piece != "0" && piece != "1" => return Err("must be 0 or 1".into()),
        "pieceoftotal" => {
            let half = piece.len() / 2;
            let (piece_no, total) = (piece[..half].parse::<u32>(), piece[half..].parse::<u32>());
            match (piece_no, total) {
                (Ok(p), Ok(t)) if p >= 1 && t >= 1 && p <= t => {}
                _ => return Err("must be a piece number from 1 to its total".into()),
            }
        }
        _ => {}
    }
    Ok(())
}

/// GS1 dates: day 00 means the month's last day where the AI allows it.
fn check_date(year: i32, mm: u32, dd: u32, day_zero: bool) -> Result<(), String> {
    if !(1..=12).contains(&mm) {
        return Err(format!("has month {mm:02}, but months run from 01 to 12"));
    }
    if dd == 0 && day_zero {
        return Ok(());
    }
    if NaiveDate::from_ymd_opt(year, mm, dd).is_none() {
        return Err(format!(
            "has day {dd:02}, which month {mm:02} of {year} does not have"
        ));
    }
    Ok(())
}

/// The two check characters of a GMN (AI 8013, GenSpecs §7.9.5): a weighted
/// sum of the set-82 positions with the primes as weights, mod 1021, written
/// in base 32 with the set-32 alphabet.
fn check_alpha_pair(piece: &str) -> Result<(), String> {
    const PRIMES: [u32; 23] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
    ];
    if piece.len() < 3 || piece.len() - 2 > PRIMES.len() {
        return Err("is too short for its two check characters".into());
    }
    let (body, check) = piece.split_at(piece.len() - 2);
    let n = body.len();
    let mut sum = 0u32;
    for (i, c) in body.chars().enumerate() {
        let value = SET_82.find(c).unwrap_or(0) as u32;
        sum += value * PRIMES.get(n - 1 - i).copied().unwrap_or(0);
    }
    sum %= 1021;
    let expected = [
        SET_32.get((sum >> 5) as usize).copied().unwrap_or(b'2') as char,
        SET_32.get((sum & 31) as usize).copied().unwrap_or(b'2') as char,
    ];
    let expected: String = expected.iter().collect();
    if check != expected {
        return Err(format!(
            "has wrong check characters: {check}, expected {expected}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_and_knows_the_keys() {
        let table = ai_table::AI_TABLE;
        assert!(table.windows(2).all(|w| w[0].ai < w[1].ai));
        for key in [
            "00", "01", "253", "255", "401", "402", "414", "417", "8003", "8004", "8006", "8010",
            "8013", "8017", "8018",
        ] {
            assert!(is_primary_key(key), "{key}");
        }
        for not_key in ["10", "21", "17", "99", "9999", ""] {
            assert!(!is_primary_key(not_key), "{not_key}");
        }
        assert_eq!(
            qualifier_sequences("01"),
            vec![vec!["22", "10", "21"], vec!["235"]]
        );
        assert_eq!(qualifier_sequences("414"), vec![vec!["254"], vec!["7040"]]);
        assert!(qualifier_sequences("00").is_empty());
        // Ranges are expanded.
        assert!(entry("3103").is_some_and(|e| e.attribute));
        assert!(entry("3106").is_none());
    }

    #[test]
    fn check_digits_are_verified() {
        check_value("00", "106141412345678908").unwrap();
        assert!(check_value("00", "106141412345678909")
            .unwrap_err()
            .contains("check digit"));
        check_value("414", "9506000000008").unwrap_or_else(|e| panic!("{e}"));
        check_value("01", "09506000134352").unwrap();
        // GRAI: a zero, a check-digit key, then an optional serial.
        check_value("8003", "095060001343520").unwrap_or_else(|e| panic!("{e}"));
        check_value("8003", "0950600013435201AB").unwrap();
        assert!(check_value("8003", "195060001343520")
            .unwrap_err()
            .contains("must be 0"));
        // GMN, the example of GenSpecs §7.9.5.
        check_value("8013", "1987654Ad4X4bL5ttr2310c2K").unwrap();
        assert!(check_value("8013", "1987654Ad4X4bL5ttr2310c2L").is_err());
    }

    #[test]
    fn formats_and_lengths_are_checked() {
        assert!(check_value("3103", "12345")
            .unwrap_err()
            .contains("6 characters"));
        check_value("3103", "000189").unwrap();
        assert!(check_value("3103", "0001890")
            .unwrap_err()
            .contains("too long"));
        assert!(check_value("422", "VNM").unwrap_err().contains("digits"));
        check_value("422", "704").unwrap();
        assert!(check_value("10", &"A".repeat(21))
            .unwrap_err()
            .contains("too long"));
        assert!(check_value("10", "A B").unwrap_err().contains("set 82"));
        assert!(check_value("99999", "1").unwrap_err().contains("not a GS1"));
    }

    #[test]
    fn dates_follow_their_ai() {
        // Expiry (17) allows day 00; a first freeze date (7006) does not.
        check_value("17", "250200").unwrap();
        assert!(check_value("7006", "250200")
            .unwrap_err()
            .contains("day 00"));
        assert!(check_value("17", "251301")
            .unwrap_err()
            .contains("month 13"));
        assert!(check_value("17", "230229").unwrap_err().contains("day 29"));
        check_value("7007", "250101").unwrap();
        assert!(check_value("4321", "2").unwrap_err().contains("0 or 1"));
    }
}
