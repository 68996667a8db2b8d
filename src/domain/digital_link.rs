//! GS1 Digital Link URI paths (Digital Link standard 1.x, GS1 General
//! Specifications) for the only key stamps carry: the GTIN.
//!
//! A scanned stamp arrives as `/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]`
//! plus a query. Parsing is strict because whatever is accepted here is used
//! as a database key and echoed on public pages; every refusal carries a
//! reason fit for a 400 response. The router hands over the raw path (still
//! percent-encoded) with no prefix before `/01/`, and the query without `?`.
//!
//! Decisions beyond the standard's letter:
//! - `+` in the query is a literal plus, not a space: Digital Link follows
//!   RFC 3986, not HTML form encoding, and `+` is a valid character of GS1
//!   set 82 that real values (lots, attributes) may hold.
//! - Numeric query keys of 2–4 digits are GS1 data attributes. Values must be
//!   non-empty set-82 text; the date AIs are checked as dates. AIs that belong
//!   in the path (01, 22, 10, 21) are refused in the query so that a link
//!   cannot carry two different lots.
//! - Other numeric keys cannot be AIs, so like every non-numeric key they are
//!   kept, unvalidated, in `params` (resolvers pass unknown parameters on).
//! - Empty `&&` pieces are skipped; a key with no `=` has an empty value.

use std::fmt;

use chrono::NaiveDate;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::domain::gs1;
use crate::domain::gtin::{normalize_gtin, GtinError};

pub mod compressed;

/// Whether `ai` is a GS1 Digital Link primary key.
pub fn is_primary_key(ai: &str) -> bool {
    gs1::is_primary_key(ai)
}

/// Key qualifiers of a GTIN, in the only order the standard allows.
const QUALIFIERS: [&str; 3] = ["22", "10", "21"];
/// GS1 gives CPV (22), lot (10) and serial (21) the format X..20.
const MAX_QUALIFIER_LEN: usize = 20;
/// Production, packaging, best-before, sell-by and expiry dates (YYMMDD).
const DATE_AIS: [&str; 5] = ["11", "13", "15", "16", "17"];
/// Escapes everything outside RFC 3986's unreserved set, so a value never
/// needs the reader to know which reserved characters a path tolerates.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A parsed GTIN Digital Link; values are percent-decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    /// Always 14 digits, so one product has one key whatever was printed.
    pub gtin: String,
    pub cpv: Option<String>,
    pub lot: Option<String>,
    pub serial: Option<String>,
    /// A third-party controlled serial (AI 235), the alternative to 22/10/21.
    pub tpx: Option<String>,
    /// GS1 data attributes from the query as (AI, value), in query order.
    pub attributes: Vec<(String, String)>,
    /// Every other query parameter (`linkType`, `lang`, ...) in query order.
    pub params: Vec<(String, String)>,
}

/// Why a link was refused; `Display` is the reason sent in a 400 response.
/// Values quoted in messages come from the request: escape them for HTML.
/// `Compressed`: a compressed link (`compressed`) that cannot be decompressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    Malformed(String),
    UnknownPrimaryKey(String),
    Gtin(GtinError),
    QualifierOrder { found: String, after: String },
    RepeatedQualifier(String),
    UnexpectedPathElement(String),
    BadValue { ai: String, reason: String },
    BadAttribute { key: String, reason: String },
    Compressed(String),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Malformed(why) => write!(f, "malformed Digital Link: {why}"),
            LinkError::UnknownPrimaryKey(key) => write!(
                f,
                "unsupported primary key /{key}/: only GTIN links (/01/) are resolved here"
            ),
            LinkError::Gtin(e) => write!(f, "invalid GTIN: {e}"),
            LinkError::QualifierOrder { found, after } => write!(
                f,
                "/{found}/ cannot follow /{after}/: qualifiers go in the order /22/, /10/, /21/"
            ),
            LinkError::RepeatedQualifier(ai) => write!(f, "/{ai}/ appears more than once"),
            LinkError::UnexpectedPathElement(ai) => write!(
                f,
                "/{ai}/ cannot appear in a GTIN link path: only /22/, /10/ and /21/ may follow the GTIN"
            ),
            LinkError::BadValue { ai, reason } => write!(f, "the value of /{ai}/ {reason}"),
            LinkError::BadAttribute { key, reason } => {
                write!(f, "query parameter '{key}' {reason}")
            }
            LinkError::Compressed(why) => {
                write!(f, "cannot decompress this compressed Digital Link: {why}")
            }
        }
    }
}

impl std::error::Error for LinkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LinkError::Gtin(e) => Some(e),
            _ => None,
        }
    }
}

impl DigitalLink {
    /// Parses a raw (percent-encoded) path starting with `/01/` and the raw
    /// query string, if any, without its leading `?`.
    pub fn parse(path: &str, query: Option<&str>) -> Result<Self, LinkError> {
        let mut link = parse_path(path)?;
        if let Some(query) = query {
            parse_query(query, &mut link)?;
        }
        Ok(link)
    }

    /// The first value of a non-AI query parameter, e.g. `linkType`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// Path form `/01/{gtin14}[/22/..][/10/..][/21/..]` with every character
    /// outside RFC 3986's unreserved set percent-encoded; no query.
    pub fn path(&self) -> String {
        let mut path = String::new();
        push_segment(&mut path, "01", &self.gtin);
        for (ai, value) in [
            ("22", &self.cpv),
            ("10", &self.lot),
            ("21", &self.serial),
            ("235", &self.tpx),
        ] {
            if let Some(value) = value {
                push_segment(&mut path, ai, value);
            }
        }
        path
    }
}

/// The path of a product (`/01/{gtin14}`) or of one of its lots
/// (`/01/{gtin14}/10/{lot}`), escaped like `DigitalLink::path`.
pub fn class_path(gtin14: &str, lot: Option<&str>) -> String {
    let mut path = String::with_capacity(32);
    push_segment(&mut path, "01", gtin14);
    if let Some(lot) = lot {
        push_segment(&mut path, "10", lot);
    }
    path
}

/// Builds the URL printed in a stamp's QR: `{base}/01/{gtin14}/10/{lot}/21/{serial}`.
/// A trailing '/' on `base` is dropped. Escapes use uppercase hex and serials
/// are uppercase, so with an uppercase base and lot the URL fits the QR
/// alphanumeric mode, which makes the code smaller than byte mode would.
pub fn stamp_url(base: &str, gtin14: &str, lot: &str, serial: &str) -> String {
    let mut url = base.trim_end_matches('/').to_owned();
    push_segment(&mut url, "01", gtin14);
    push_segment(&mut url, "10", lot);
    push_segment(&mut url, "21", serial);
    url
}

fn push_segment(out: &mut String, ai: &str, value: &str) {
    out.push('/');
    out.push_str(ai);
    out.push('/');
    out.extend(utf8_percent_encode(value, COMPONENT));
}

/// A Digital Link path of any GS1 primary key, checked against the AI
/// table: the key's value, then qualifiers from one of its sequences, in
/// order, each at most once (GS1 Digital Link URI syntax 1.x, §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath {
    /// The primary key's AI (`01`, `414`, `00` …).
    pub key: String,
    /// Its value; a GTIN is padded to 14 digits.
    pub value: String,
    /// (AI, value) in path order.
    pub qualifiers: Vec<(String, String)>,
}

impl KeyPath {
    /// Parses a raw (percent-encoded) path; see `DigitalLink::parse`.
    pub fn parse(path: &str) -> Result<Self, LinkError> {
        let malformed = |why: &str| LinkError::Malformed(why.to_owned());
        let rest = path
            .strip_prefix('/')
            .ok_or_else(|| malformed("the path must start with / and a primary key"))?;
        // GS1's resolver standard: a trailing slash SHOULD be tolerated.
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Err(malformed(
                "the path is empty; expected a primary key such as /01/",
            ));
        }
        let segments: Vec<&str> = rest.split('/').collect();
        if segments.iter().any(|segment| segment.is_empty()) {
            return Err(malformed("the path has an empty segment ('//')"));
        }
        if segments.len() % 2 != 0 {
            return Err(malformed(
                "the path must alternate keys and values, but its last key has no value",
            ));
        }
        // Slices of exactly two, so indexing cannot fail.
        let mut pairs = segments.chunks_exact(2).map(|pair| (pair[0], pair[1]));
        let Some((key, raw)) = pairs.next() else {
            return Err(malformed(
                "the path is empty; expected a primary key such as /01/",
            ));
        };
        if !gs1::is_primary_key(key) {
            return Err(LinkError::UnknownPrimaryKey(key.to_owned()));
        }
        let raw_value = decode_component(raw).map_err(|reason| bad_value(key, reason))?;
        let value = if key == "01" {
            normalize_gtin(&raw_value).map_err(LinkError::Gtin)?
        } else {
            gs1::check_value(key, &raw_value).map_err(|reason| bad_value(key, reason))?;
            raw_value
        };
        let sequences = gs1::qualifier_sequences(key);
        // The sequence chosen by the first qualifier, and the position of
        // the last one in it.
        let mut chosen: Option<(usize, usize, &str)> = None;
        let mut qualifiers: Vec<(String, String)> = Vec::new();
        for (ai, raw) in pairs {
            if qualifiers.iter().any(|(seen, _)| seen == ai) {
                return Err(LinkError::RepeatedQualifier(ai.to_owned()));
            }
            let place = sequences.iter().enumerate().find_map(|(s, seq)| {
                let pos = seq.iter().position(|q| *q == ai)?;
                match chosen {
                    Some((c, _, _)) if c != s => None,
                    _ => Some((s, pos)),
                }
            });
            let Some((s, pos)) = place else {
                return Err(LinkError::UnexpectedPathElement(ai.to_owned()));
            };
            if let Some((_, last, after)) = chosen {
                if pos < last {
                    return Err(LinkError::QualifierOrder {
                        found: ai.to_owned(),
                        after: after.to_owned(),
                    });
                }
            }
            let value = decode_component(raw).map_err(|reason| bad_value(ai, reason))?;
            let short = QUALIFIERS.contains(&ai).then_some(MAX_QUALIFIER_LEN);
            check_set_82(&value, short).map_err(|reason| bad_value(ai, reason))?;
            gs1::check_value(ai, &value).map_err(|reason| bad_value(ai, reason))?;
            chosen = Some((s, pos, ai));
            qualifiers.push((ai.to_owned(), value));
        }
        Ok(KeyPath {
            key: key.to_owned(),
            value,
            qualifiers,
        })
    }

    /// Checks a raw query's data attributes by the rules of
    /// `DigitalLink::parse`.
    pub fn check_query(query: &str) -> Result<(), LinkError> {
        let mut scratch = DigitalLink {
            gtin: String::new(),
            cpv: None,
            lot: None,
            serial: None,
            tpx: None,
            attributes: Vec::new(),
            params: Vec::new(),
        };
        parse_query(query, &mut scratch)
    }

    /// The path, escaped like `DigitalLink::path`.
    pub fn path(&self) -> String {
        let mut path = String::new();
        push_segment(&mut path, &self.key, &self.value);
        for (ai, value) in &self.qualifiers {
            push_segment(&mut path, ai, value);
        }
        path
    }
}

fn parse_path(path: &str) -> Result<DigitalLink, LinkError> {
    let key_path = KeyPath::parse(path)?;
    if key_path.key != "01" {
        return Err(LinkError::UnknownPrimaryKey(key_path.key));
    }
    let mut link = DigitalLink {
        gtin: key_path.value,
        cpv: None,
        lot: None,
        serial: None,
        tpx: None,
        attributes: Vec::new(),
        params: Vec::new(),
    };
    for (ai, value) in key_path.qualifiers {
        let slot = match ai.as_str() {
            "22" => &mut link.cpv,
            "10" => &mut link.lot,
            "21" => &mut link.serial,
            _ => &mut link.tpx,
        };
        *slot = Some(value);
    }
    Ok(link)
}

fn parse_query(query: &str, link: &mut DigitalLink) -> Result<(), LinkError> {
    for piece in query.split('&').filter(|piece| !piece.is_empty()) {
        let (raw_key, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let key = decode_component(raw_key).map_err(|reason| bad_attribute(raw_key, reason))?;
        let value = decode_component(raw_value).map_err(|reason| bad_attribute(&key, reason))?;
        if key.is_empty() {
            return Err(bad_attribute(&key, "has an empty name".to_owned()));
        }
        let is_ai = (2..=4).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_digit());
        if !is_ai {
            link.params.push((key, value));
            continue;
        }
        if key == "01" || key == "235" || QUALIFIERS.contains(&key.as_str()) {
            return Err(bad_attribute(
                &key,
                "belongs in the path, not in the query".to_owned(),
            ));
        }
        let Some(entry) = gs1::entry(&key) else {
            return Err(bad_attribute(
                &key,
                "is not a GS1 Application Identifier".to_owned(),
            ));
        };
        if !entry.attribute {
            return Err(bad_attribute(
                &key,
                "cannot be a Digital Link data attribute".to_owned(),
            ));
        }
        check_set_82(&value, None).map_err(|reason| bad_attribute(&key, reason))?;
        if DATE_AIS.contains(&key.as_str()) {
            if link.attributes.iter().any(|(ai, _)| *ai == key) {
                return Err(bad_attribute(&key, "is given more than once".to_owned()));
            }
            check_date(&value).map_err(|reason| bad_attribute(&key, reason))?;
        }
        gs1::check_value(&key, &value).map_err(|reason| bad_attribute(&key, reason))?;
        link.attributes.push((key, value));
    }
    Ok(())
}

fn bad_value(ai: &str, reason: String) -> LinkError {
    LinkError::BadValue {
        ai: ai.to_owned(),
        reason,
    }
}

fn bad_attribute(key: &str, reason: String) -> LinkError {
    LinkError::BadAttribute {
        key: key.to_owned(),
        reason,
    }
}

/// Percent-decodes strictly: the `percent-encoding` crate passes malformed
/// escapes through as text, which would let "%zz" and "%7A" mean different
/// things, so every '%' is checked to start a two-hex-digit escape first.
fn decode_component(raw: &str) -> Result<String, String> {
    let bytes = raw.as_bytes();
    for (at, byte) in bytes.iter().enumerate() {
        if *byte == b'%' {
            let escape = bytes.get(at + 1..at + 3);
            if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                return Err("has a malformed percent-escape ('%' must start %XX)".to_owned());
            }
        }
    }
    percent_decode_str(raw)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| "is not valid UTF-8 once percent-decoded".to_owned())
}

/// GS1 AI encodable character set 82 (GenSpecs figure 7.11-1): the only
/// characters any AI value may hold.
fn is_set_82(c: char) -> bool {
    matches!(c,
        '!' | '"' | '%' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | '-' | '.' | '/'
        | '0'..='9' | ':' | ';' | '<' | '=' | '>' | '?' | 'A'..='Z' | '_' | 'a'..='z')
}

fn check_set_82(value: &str, max_len: Option<usize>) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".to_owned());
    }
    if let Some(bad) = value.chars().find(|c| !is_set_82(*c)) {
        return Err(format!(
            "contains {bad:?}, which is outside the GS1 character set 82"
        ));
    }
    // All set-82 characters are ASCII, so bytes are characters here.
    match max_len {
        Some(max) if value.len() > max => Err(format!(
            "is {} characters long; at most {max} are allowed",
            value.len()
        )),
        _ => Ok(()),
    }
}

/// Checks a GS1 date YYMMDD (GenSpecs §7.12). Day 00 means the last day of
/// the month. The century is taken as 20YY: GS1's sliding window picks the
/// century from today's date, which a pure check cannot read, and for
/// validation the century only matters for YY=00 (leap in 2000, not in 1900
/// or 2100), which the window reads as 2000 until the year 2050.
fn check_date(value: &str) -> Result<(), String> {
    let digits: u32 = value
        .parse()
        .ok()
        .filter(|_| value.len() == 6 && value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| "must be a date written YYMMDD".to_owned())?;
    let (yy, mm, dd) = (digits / 10_000, digits / 100 % 100, digits % 100);
    if !(1..=12).contains(&mm) {
        return Err(format!("has month {mm:02}, but months run from 01 to 12"));
    }
    // yy is below 100, so the cast cannot wrap.
    let year = 2000 + yy as i32;
    if dd != 0 && NaiveDate::from_ymd_opt(year, mm, dd).is_none() {
        return Err(format!(
            "has day {dd:02}, which month {mm:02} of {year} does not have"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const GTIN: &str = "09506000134352";

    fn parse(path: &str) -> Result<DigitalLink, LinkError> {
        DigitalLink::parse(path, None)
    }

    fn with_query(query: &str) -> Result<DigitalLink, LinkError> {
        DigitalLink::parse(&format!("/01/{GTIN}/10/L1"), Some(query))
    }

    fn bad_value_reason(path: &str, ai: &str) -> String {
        match parse(path) {
            Err(LinkError::BadValue { ai: found, reason }) if found == ai => reason,
            other => panic!("{path}: expected BadValue for {ai}, got {other:?}"),
        }
    }

    fn bad_attribute_reason(query: &str, key: &str) -> String {
        match with_query(query) {
            Err(LinkError::BadAttribute { key: found, reason }) if found == key => reason,
            other => panic!("{query}: expected BadAttribute for {key}, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_qualifier() {
        let link = parse(&format!("/01/{GTIN}/22/2A/10/ABC123/21/XYZ")).unwrap();
        assert_eq!(
            link,
            DigitalLink {
                gtin: GTIN.to_owned(),
                cpv: Some("2A".to_owned()),
                lot: Some("ABC123".to_owned()),
                serial: Some("XYZ".to_owned()),
                tpx: None,
                attributes: Vec::new(),
                params: Vec::new(),
            }
        );
        let bare = parse(&format!("/01/{GTIN}")).unwrap();
        assert_eq!((bare.cpv, bare.lot, bare.serial), (None, None, None));
        let serial_only = parse(&format!("/01/{GTIN}/21/S")).unwrap();
        assert_eq!(serial_only.serial.as_deref(), Some("S"));
        assert_eq!(serial_only.lot, None);
    }

    #[test]
    fn short_gtins_are_padded_to_14() {
        for (short, padded) in [
            ("96385074", "00000096385074"),
            ("614141000036", "00614141000036"),
            ("8934567890120", "08934567890120"),
        ] {
            assert_eq!(parse(&format!("/01/{short}")).unwrap().gtin, padded);
        }
    }

    #[test]
    fn gtin_errors_are_passed_on() {
        assert_eq!(
            parse("/01/8934567890127"),
            Err(LinkError::Gtin(GtinError::BadCheckDigit {
                expected: 0,
                found: 7
            }))
        );
        assert_eq!(
            parse("/01/12345"),
            Err(LinkError::Gtin(GtinError::BadLength(5)))
        );
        assert_eq!(
            parse("/01/0950600013435X"),
            Err(LinkError::Gtin(GtinError::NotDigits))
        );
    }

    #[test]
    fn only_primary_keys_start_a_path() {
        for key in ["10", "21", "99", "gtin", "tracestamp"] {
            assert_eq!(
                parse(&format!("/{key}/{GTIN}")),
                Err(LinkError::UnknownPrimaryKey(key.to_owned()))
            );
        }
        // Other primary keys are valid paths, but not GTIN links.
        assert_eq!(
            parse("/414/9506000000008"),
            Err(LinkError::UnknownPrimaryKey("414".to_owned()))
        );
        // A prefix before /01/ is not stripped.
        assert_eq!(
            parse(&format!("/s/x/01/{GTIN}")),
            Err(LinkError::UnknownPrimaryKey("s".to_owned()))
        );
    }

    #[test]
    fn qualifiers_must_keep_their_order() {
        for (path, found, after) in [
            ("/10/L/22/C", "22", "10"),
            ("/21/S/10/L", "10", "21"),
            ("/21/S/22/C", "22", "21"),
            ("/22/C/21/S/10/L", "10", "21"),
        ] {
            assert_eq!(
                parse(&format!("/01/{GTIN}{path}")),
                Err(LinkError::QualifierOrder {
                    found: found.to_owned(),
                    after: after.to_owned()
                }),
                "{path}"
            );
        }
    }

    #[test]
    fn qualifiers_may_not_repeat() {
        for (path, ai) in [
            ("/10/A/10/B", "10"),
            ("/21/A/21/A", "21"),
            ("/22/A/10/L/22/B", "22"),
        ] {
            assert_eq!(
                parse(&format!("/01/{GTIN}{path}")),
                Err(LinkError::RepeatedQualifier(ai.to_owned()))
            );
        }
    }

    #[test]
    fn other_path_elements_are_refused() {
        for ai in ["17", "01", "414", "foo"] {
            assert_eq!(
                parse(&format!("/01/{GTIN}/10/L/{ai}/X")),
                Err(LinkError::UnexpectedPathElement(ai.to_owned()))
            );
        }
    }

    #[test]
    fn broken_structure_is_malformed() {
        for path in [
            "".to_owned(),
            "/".to_owned(),
            format!("01/{GTIN}"),
            format!("/01/{GTIN}//"),
            format!("/01/{GTIN}/10"),
            "/01//10/L".to_owned(),
            format!("/01/{GTIN}//10/L"),
            format!("/01/{GTIN}/10//21/S"),
            "/01".to_owned(),
        ] {
            assert!(
                matches!(parse(&path), Err(LinkError::Malformed(_))),
                "{path}: {:?}",
                parse(&path)
            );
        }
    }

    #[test]
    fn a_trailing_slash_is_tolerated() {
        assert_eq!(
            parse(&format!("/01/{GTIN}/")),
            parse(&format!("/01/{GTIN}"))
        );
        assert_eq!(
            parse(&format!("/01/{GTIN}/10/L/")),
            parse(&format!("/01/{GTIN}/10/L"))
        );
    }

    #[test]
    fn values_are_1_to_20_characters() {
        let twenty = "A".repeat(20);
        for ai in ["22", "10", "21"] {
            let ok = parse(&format!("/01/{GTIN}/{ai}/{twenty}")).unwrap();
            assert_eq!(ok.path(), format!("/01/{GTIN}/{ai}/{twenty}"));
            let reason = bad_value_reason(&format!("/01/{GTIN}/{ai}/{twenty}B"), ai);
            assert!(reason.contains("21 characters"), "{reason}");
        }
        // An empty value can only be an empty segment.
        assert!(matches!(
            parse(&format!("/01/{GTIN}/10//21/S")),
            Err(LinkError::Malformed(_))
        ));
    }

    #[test]
    fn characters_outside_set_82_are_refused() {
        for (raw, bad) in [
            ("A%23B", '#'),
            ("A%20B", ' '),
            ("caf%C3%A9", 'é'),
            ("café", 'é'),
            ("A~B", '~'),
            ("%40", '@'),
        ] {
            let reason = bad_value_reason(&format!("/01/{GTIN}/10/{raw}"), "10");
            assert!(reason.contains(&format!("{bad:?}")), "{raw}: {reason}");
        }
    }

    #[test]
    fn values_are_percent_decoded() {
        let link = parse(&format!("/01/{GTIN}/22/%3C%3e/10/A%2FB/21/%21x%25")).unwrap();
        assert_eq!(link.cpv.as_deref(), Some("<>"));
        assert_eq!(link.lot.as_deref(), Some("A/B"));
        assert_eq!(link.serial.as_deref(), Some("!x%"));
        // Escaped digits in the GTIN are digits too.
        assert_eq!(parse("/01/%39%36385074").unwrap().gtin, "00000096385074");
    }

    #[test]
    fn broken_escapes_are_refused() {
        for raw in ["A%", "A%2", "%zz", "%G0", "50%"] {
            let reason = bad_value_reason(&format!("/01/{GTIN}/10/{raw}"), "10");
            assert!(reason.contains("percent-escape"), "{raw}: {reason}");
        }
        let reason = bad_value_reason(&format!("/01/{GTIN}/21/%FF%FE"), "21");
        assert!(reason.contains("UTF-8"), "{reason}");
        assert!(matches!(
            parse("/01/%3"),
            Err(LinkError::BadValue { ai, .. }) if ai == "01"
        ));
    }

    #[test]
    fn date_attributes_are_checked() {
        for ai in DATE_AIS {
            for valid in ["240229", "240100", "241231", "000229", "991130"] {
                let link = with_query(&format!("{ai}={valid}")).unwrap();
                assert_eq!(link.attributes, vec![(ai.to_owned(), valid.to_owned())]);
            }
            for (invalid, why) in [
                ("130229", "day 29"),
                ("241300", "month 13"),
                ("240000", "month 00"),
                ("240431", "day 31"),
                ("24013", "YYMMDD"),
                ("2401011", "YYMMDD"),
                ("24O101", "YYMMDD"),
                ("+24011", "YYMMDD"),
            ] {
                let reason = bad_attribute_reason(&format!("{ai}={invalid}"), ai);
                assert!(reason.contains(why), "{ai}={invalid}: {reason}");
            }
        }
    }

    #[test]
    fn a_date_attribute_may_not_repeat() {
        let reason = bad_attribute_reason("17=240101&15=240101&17=240101", "17");
        assert!(reason.contains("more than once"), "{reason}");
        // Other attributes are kept as given, repeats included.
        let link = with_query("3103=000189&3103=000190").unwrap();
        assert_eq!(link.attributes.len(), 2);
    }

    #[test]
    fn attributes_need_a_set_82_value() {
        assert!(bad_attribute_reason("3103=", "3103").contains("empty"));
        assert!(bad_attribute_reason("17", "17").contains("empty"));
        assert!(bad_attribute_reason("7003=a%20b", "7003").contains("set 82"));
        assert!(bad_attribute_reason("7003=%zz", "7003").contains("percent-escape"));
    }

    #[test]
    fn path_keys_are_refused_in_the_query() {
        for key in ["01", "10", "21", "22"] {
            let reason = bad_attribute_reason(&format!("{key}=X"), key);
            assert!(reason.contains("path"), "{reason}");
        }
    }

    #[test]
    fn other_parameters_are_kept_unvalidated() {
        let link = with_query(
            "linkType=gs1%3Apip&lang=en&&context=a+b&lang=fr&x=%C3%A9%20&flag&5=1&12345=2",
        )
        .unwrap();
        assert_eq!(link.param("linkType"), Some("gs1:pip"));
        assert_eq!(link.param("lang"), Some("en"));
        assert_eq!(link.param("context"), Some("a+b"));
        assert_eq!(link.param("x"), Some("é "));
        assert_eq!(link.param("flag"), Some(""));
        assert_eq!(link.param("5"), Some("1"));
        assert_eq!(link.param("12345"), Some("2"));
        assert_eq!(link.param("format"), None);
        assert_eq!(link.params.len(), 8);
        assert!(link.attributes.is_empty());
        assert_eq!(link.lot.as_deref(), Some("L1"));
    }

    #[test]
    fn bad_parameter_names_are_refused() {
        assert_eq!(bad_attribute_reason("=x", ""), "has an empty name");
        assert!(bad_attribute_reason("%zz=x", "%zz").contains("percent-escape"));
        assert!(bad_attribute_reason("lang=%FF", "lang").contains("UTF-8"));
        assert!(with_query("").unwrap().params.is_empty());
    }

    #[test]
    fn path_escapes_everything_but_unreserved() {
        let link = DigitalLink {
            gtin: GTIN.to_owned(),
            cpv: Some("a-b.c_d".to_owned()),
            lot: Some("A/B?C%D".to_owned()),
            serial: Some("x y#é~".to_owned()),
            tpx: None,
            attributes: vec![("17".to_owned(), "240101".to_owned())],
            params: vec![("lang".to_owned(), "en".to_owned())],
        };
        assert_eq!(
            link.path(),
            format!("/01/{GTIN}/22/a-b.c_d/10/A%2FB%3FC%25D/21/x%20y%23%C3%A9~")
        );
    }

    #[test]
    fn stamp_urls_parse_back() {
        let url = stamp_url("HTTPS://TS.EXAMPLE/", GTIN, "LOT/7", "7K3QM9XTMA0123456789");
        assert_eq!(
            url,
            format!("HTTPS://TS.EXAMPLE/01/{GTIN}/10/LOT%2F7/21/7K3QM9XTMA0123456789")
        );
        let path = url.trim_start_matches("HTTPS://TS.EXAMPLE");
        let link = parse(path).unwrap();
        assert_eq!(link.lot.as_deref(), Some("LOT/7"));
        assert_eq!(link.serial.as_deref(), Some("7K3QM9XTMA0123456789"));
        assert_eq!(
            stamp_url("https://ts.example", GTIN, "L", "S"),
            format!("https://ts.example/01/{GTIN}/10/L/21/S")
        );
    }

    #[test]
    fn messages_give_the_reason() {
        let shown = |path: &str| parse(path).unwrap_err().to_string();
        assert!(shown("/99/x").contains("only GTIN links"));
        assert!(shown(&format!("/01/{GTIN}/21/S/10/L")).contains("/10/ cannot follow /21/"));
        assert!(shown(&format!("/01/{GTIN}/10/L/10/L")).contains("more than once"));
        assert!(shown(&format!("/01/{GTIN}/17/L")).contains("only /22/, /10/ and /21/"));
        assert!(shown(&format!("/01/{GTIN}/10")).contains("no value"));
        assert!(shown(&format!("/01/{GTIN}/10/A%23")).contains("the value of /10/ contains '#'"));
        assert!(shown("/01/8934567890127").contains("invalid GTIN: check digit"));
        let attribute = with_query("17=241300").unwrap_err().to_string();
        assert!(
            attribute.starts_with("query parameter '17' has month 13"),
            "{attribute}"
        );
    }

    #[test]
    fn gtin_error_is_the_source() {
        use std::error::Error;
        let error = parse("/01/12345").unwrap_err();
        assert!(error.source().is_some());
        assert!(LinkError::RepeatedQualifier("10".to_owned())
            .source()
            .is_none());
    }

    fn key_path(path: &str) -> Result<KeyPath, LinkError> {
        KeyPath::parse(path)
    }

    #[test]
    fn every_primary_key_is_parsed_with_its_qualifiers() {
        // One valid value per key (GS1 General Specifications formats).
        for (path, key, qualifiers) in [
            ("/00/106141412345678908", "00", 0),
            (&format!("/01/{GTIN}/22/C/10/L/21/S") as &str, "01", 3),
            (&format!("/01/{GTIN}/235/TPX-1") as &str, "01", 1),
            ("/253/9506000134352ABC", "253", 0),
            ("/255/9506000134352123", "255", 0),
            ("/401/950600013ABC", "401", 0),
            ("/402/95060001343521236", "402", 0),
            ("/414/9506000000008/254/EXT1", "414", 1),
            ("/414/9506000000008/7040/1A2B", "414", 1),
            ("/415/9506000000008/8020/INV7", "415", 1),
            ("/417/9506000000008", "417", 0),
            ("/8003/095060001343521XY", "8003", 0),
            ("/8004/9506000ABC/7040/1A2B", "8004", 1),
            ("/8006/095060001343520102/10/L", "8006", 1),
            ("/8010/9506000ABC#-/8011/123", "8010", 1),
            ("/8013/1987654Ad4X4bL5ttr2310c2K", "8013", 0),
            ("/8017/950600013435200008", "8017", 0),
            ("/8018/950600013435200008/8019/1", "8018", 1),
        ] {
            let parsed = key_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(
                (parsed.key.as_str(), parsed.qualifiers.len()),
                (key, qualifiers),
                "{path}"
            );
            assert_eq!(key_path(&parsed.path()), Ok(parsed), "{path}");
        }
    }

    #[test]
    fn each_class_of_syntax_error_is_named() {
        // Check digit of a non-GTIN key.
        assert!(matches!(
            key_path("/00/106141412345678909"),
            Err(LinkError::BadValue { ai, reason }) if ai == "00" && reason.contains("check digit")
        ));
        // Wrong length and wrong characters of a key.
        assert!(matches!(
            key_path("/414/950600000000"),
            Err(LinkError::BadValue { .. })
        ));
        assert!(matches!(
            key_path("/414/95060000000A8"),
            Err(LinkError::BadValue { .. })
        ));
        // A qualifier of another key, or mixing 01's two sequences.
        assert_eq!(
            key_path("/414/9506000000008/10/L"),
            Err(LinkError::UnexpectedPathElement("10".to_owned()))
        );
        assert_eq!(
            key_path(&format!("/01/{GTIN}/10/L/235/T")),
            Err(LinkError::UnexpectedPathElement("235".to_owned()))
        );
        // A key that takes no qualifier.
        assert_eq!(
            key_path("/00/106141412345678908/21/S"),
            Err(LinkError::UnexpectedPathElement("21".to_owned()))
        );
        // Qualifier value format (254: X..20).
        assert!(matches!(
            key_path(&format!("/414/9506000000008/254/{}", "A".repeat(21))),
            Err(LinkError::BadValue { ai, .. }) if ai == "254"
        ));
    }

    #[test]
    fn attributes_are_checked_against_the_ai_table() {
        // Unknown AI, AI that is not an attribute, format of known ones.
        assert!(bad_attribute_reason("9999=1", "9999").contains("not a GS1"));
        assert!(bad_attribute_reason("235=X", "235").contains("path"));
        assert!(bad_attribute_reason("3103=12345", "3103").contains("6 characters"));
        assert!(bad_attribute_reason("422=VNM", "422").contains("digits"));
        assert!(bad_attribute_reason("7006=250200", "7006").contains("day 00"));
        let link = with_query("3103=000189&422=704&7006=250201").unwrap();
        assert_eq!(link.attributes.len(), 3);
    }

    fn arb_gtin() -> impl Strategy<Value = String> {
        "[0-9]{13}".prop_map(|body| {
            let check = crate::domain::gtin::check_digit(body.as_bytes());
            format!("{body}{check}")
        })
    }

    fn arb_value() -> impl Strategy<Value = Option<String>> {
        proptest::option::of("[!\"%&'()*+,\\-./0-9:;<=>?A-Z_a-z]{1,20}")
    }

    proptest! {
        #[test]
        fn path_round_trips(
            gtin in arb_gtin(),
            cpv in arb_value(),
            lot in arb_value(),
            serial in arb_value(),
        ) {
            let link = DigitalLink {
                gtin,
                cpv,
                lot,
                serial,
                tpx: None,
                attributes: Vec::new(),
                params: Vec::new(),
            };
            prop_assert_eq!(DigitalLink::parse(&link.path(), None), Ok(link));
        }

        #[test]
        fn key_paths_round_trip(
            body in "[0-9]{12}",
            ext in proptest::option::of("[!\"%&'()*+,\\-./0-9:;<=>?A-Z_a-z]{1,20}"),
            sscc in "[0-9]{17}",
        ) {
            let check = crate::domain::gtin::check_digit(body.as_bytes());
            let gln = KeyPath {
                key: "414".to_owned(),
                value: format!("{body}{check}"),
                qualifiers: ext.into_iter().map(|e| ("254".to_owned(), e)).collect(),
            };
            prop_assert_eq!(KeyPath::parse(&gln.path()), Ok(gln));
            let check = crate::domain::gtin::check_digit(sscc.as_bytes());
            let unit = KeyPath { key: "00".to_owned(), value: format!("{sscc}{check}"), qualifiers: vec![] };
            prop_assert_eq!(KeyPath::parse(&unit.path()), Ok(unit));
        }

        #[test]
        fn parse_never_panics(path in any::<String>(), query in any::<Option<String>>()) {
            let _ = DigitalLink::parse(&path, query.as_deref());
        }

        #[test]
        fn parse_never_panics_on_near_misses(
            path in "(/(01|22|10|21|17|414|[0-9]{1,5}|%[0-9A-Fa-fz]{0,2}|[A-Za-z\u{e9}#]{0,3})){0,8}/?",
            query in "(&?[0-9a-zA-Z%]{0,5}=?[0-9A-Za-z%+\u{e9}]{0,7}){0,4}",
        ) {
            let _ = DigitalLink::parse(&path, Some(&query));
        }
    }
}
