//! Compressed GS1 Digital Link URIs, turned back into the uncompressed path
//! and query that `DigitalLink::parse` and `KeyPath::parse` then check. This
//! module only undoes the encoding, so that every rule about keys, qualifiers
//! and values stays in one place (`super`).
//!
//! A compressed URI is the domain followed by one path segment in the
//! URL-safe base64 alphabet (`A–Z a–z 0–9 - _`, six bits a character),
//! holding a bit string of, one after another:
//! - an AI: two 4-bit digits h1h2 whose entry in `AI_LENGTH` (GS1's
//!   `tableP`) says whether the AI has 2, 3 or 4 digits, the rest following
//!   as 4-bit digits; then its value, read as `FORMATS` (`tableF`) says;
//! - a code h1h2 with a hex letter, naming a sequence of AIs in `SEQUENCES`
//!   (`tableOpt`): the values of those AIs follow in order;
//! - h1 = `F`: a non-GS1 query pair, a 7-bit key length (h2 and 3 more
//!   bits), the key in base64 characters, then its value as text of at most
//!   127 characters.
//!
//! Numeric components are one binary number of ⌈digits × log2 10 + 0.01⌉
//! bits; a variable one is preceded by its digit count. Text starts with 3
//! bits naming its encoding (0 one number, 1 lower-case hex, 2 upper-case
//! hex, 3 base64, 4 seven-bit ASCII), then its length if variable. Up to 8
//! bits left at the end are padding.
//!
//! The algorithm is the one of GS1's toolkit (`decompressGS1DigitalLink`,
//! github.com/gs1/GS1DigitalLinkToolkit.js, commit 52dc9ce); the code is
//! ours and the tables are copied as data (`tables.rs`). Where we differ,
//! on purpose:
//! - Numbers are decoded exactly, with the leading zeros their encoded
//!   length gives: the toolkit goes through JavaScript numbers, so it loses
//!   digits past 2^53 (most SSCCs) and drops leading zeros (it decompresses
//!   its own compressed lot `0042` as `42`, another lot).
//! - What the toolkit skips or guesses is refused with a reason: missing
//!   bits, an unknown encoding or code, an AI without a format, an AI given
//!   twice, no primary key or two. A qualifier that is not the key's is put
//!   in the query (the toolkit drops it), where the parser refuses it.
//! - Values are escaped like `DigitalLink::path` escapes them; for GS1
//!   set-82 values this is the toolkit's escaping, except that `"` is
//!   written `%22` so that the result is always a valid URI.

mod tables;

use percent_encoding::utf8_percent_encode;

use super::{push_segment, LinkError, COMPONENT};
use crate::domain::gs1;

/// How a component of an AI's value is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Digits, as one binary number.
    Numeric,
    /// Characters, in one of five encodings.
    Text,
}

/// One component of an AI's value in `tables::FORMATS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    pub part: Part,
    /// Fixed length, or a maximum whose actual length is encoded first.
    pub fixed: bool,
    pub length: u8,
}

/// The URL-safe base64 alphabet of the segment, of key names and of text
/// encoding 3.
const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const HEX: &[u8; 16] = b"0123456789abcdef";

/// The shortest compressed URI that names one of our keys: a GTIN alone is
/// 8 bits of AI and 47 of value, 10 characters. Shorter segments are never
/// taken for compressed links, so short page names cannot be.
pub const MIN_SEGMENT_LEN: usize = 10;

/// Whether `path` is one segment that may be a compressed Digital Link: at
/// least `MIN_SEGMENT_LEN` base64 characters whose first 8 bits begin
/// something the format knows (an AI range, a sequence code, a non-GS1
/// pair). An uncompressed Digital Link has several segments, so it never
/// matches; other one-segment paths fail on the alphabet, the length or the
/// first code (the resolver routes such paths only when no page has them).
pub fn looks_compressed(path: &str) -> bool {
    let Some(segment) = path.strip_prefix('/') else {
        return false;
    };
    if segment.len() < MIN_SEGMENT_LEN {
        return false;
    }
    let Ok(mut bits) = Bits::new(segment) else {
        return false;
    };
    match (bits.take(4), bits.take(4)) {
        (Ok(h1), Ok(h2)) => {
            let (h1, h2) = (hex_digit(h1), hex_digit(h2));
            ai_length(h1, h2).is_some() || sequence(h1, h2).is_some() || h1 == 'F'
        }
        _ => false,
    }
}

/// The uncompressed path (`/01/…/10/…`, escaped like `DigitalLink::path`)
/// and query (data attributes, then non-GS1 pairs; `None` if there are
/// none) of a compressed segment, given without its leading '/'.
pub fn decompress(segment: &str) -> Result<(String, Option<String>), LinkError> {
    let mut bits = Bits::new(segment)?;
    let mut ais: Vec<(String, String)> = Vec::new();
    let mut others: Vec<(String, String)> = Vec::new();
    while bits.remaining() > 8 {
        let h1 = hex_digit(bits.take(4)?);
        let h2 = hex_digit(bits.take(4)?);
        if let Some(length) = ai_length(h1, h2) {
            let mut ai = String::from_iter([h1, h2]);
            while ai.len() < usize::from(length) {
                match hex_digit(bits.take(4)?) {
                    digit @ '0'..='9' => ai.push(digit),
                    other => return Err(bad(format!("the AI {ai}{other}… is not all digits"))),
                }
            }
            let value = read_value(&mut bits, &ai)?;
            push_ai(&mut ais, ai, value)?;
        } else if let Some(sequence) = sequence(h1, h2) {
            for ai in sequence {
                let value = read_value(&mut bits, ai)?;
                push_ai(&mut ais, (*ai).to_owned(), value)?;
            }
        } else if h1 == 'F' {
            // h2 holds the key length's first 4 bits.
            let key_len = (u64::from(h2.to_digit(16).unwrap_or(0)) << 3) | bits.take(3)?;
            let mut key = String::new();
            for _ in 0..key_len {
                key.push(base64_char(bits.take(6)?));
            }
            let encoding = bits.take(3)?;
            let chars = bits.take(7)?;
            others.push((key, read_text(&mut bits, encoding, chars)?));
        } else if h1.is_ascii_digit() && h2.is_ascii_digit() {
            return Err(bad(format!(
                "it names an AI beginning {h1}{h2}, a range GS1 has not assigned"
            )));
        } else {
            return Err(bad(format!(
                "its code {h1}{h2} is neither an AI nor a known AI sequence"
            )));
        }
    }
    build(&ais, &others)
}

/// The path and query of the decoded AIs, ordered as the toolkit orders
/// them: the key, its qualifiers in their sequence's order, then the data
/// attributes in JavaScript's object-key order (AIs without a leading zero
/// by value, then the others as decoded), then non-GS1 pairs as decoded.
fn build(
    ais: &[(String, String)],
    others: &[(String, String)],
) -> Result<(String, Option<String>), LinkError> {
    let keys: Vec<&(String, String)> = ais
        .iter()
        .filter(|(ai, _)| gs1::is_primary_key(ai))
        .collect();
    let (key, value) = match keys.as_slice() {
        [one] => *one,
        [] => return Err(bad("it holds no GS1 primary key".to_owned())),
        [first, second, ..] => {
            return Err(bad(format!(
                "it holds two primary keys, ({}) and ({})",
                first.0, second.0
            )))
        }
    };
    let mut path = String::new();
    push_segment(&mut path, key, value);
    let mut in_path = vec![key.as_str()];
    for sequence in gs1::qualifier_sequences(key) {
        for qualifier in sequence {
            if let Some((ai, value)) = ais.iter().find(|(ai, _)| ai == qualifier) {
                if !in_path.contains(&ai.as_str()) {
                    push_segment(&mut path, ai, value);
                    in_path.push(ai);
                }
            }
        }
    }
    let mut attributes: Vec<&(String, String)> = ais
        .iter()
        .filter(|(ai, _)| !in_path.contains(&ai.as_str()))
        .collect();
    attributes.sort_by_key(|(ai, _)| match ai.strip_prefix('0') {
        Some(_) => (true, 0),
        None => (false, ai.parse::<u32>().unwrap_or(u32::MAX)),
    });
    let query: Vec<String> = attributes
        .into_iter()
        .chain(others)
        .map(|(key, value)| format!("{key}={}", utf8_percent_encode(value, COMPONENT)))
        .collect();
    Ok((path, (!query.is_empty()).then(|| query.join("&"))))
}

fn push_ai(ais: &mut Vec<(String, String)>, ai: String, value: String) -> Result<(), LinkError> {
    if ais.iter().any(|(seen, _)| *seen == ai) {
        return Err(bad(format!("it gives ({ai}) twice")));
    }
    ais.push((ai, value));
    Ok(())
}

/// Reads the value of `ai`, component by component.
fn read_value(bits: &mut Bits, ai: &str) -> Result<String, LinkError> {
    let format = tables::FORMATS
        .binary_search_by(|(key, _)| (*key).cmp(ai))
        .ok()
        .and_then(|i| tables::FORMATS.get(i))
        .map(|(_, format)| *format)
        .ok_or_else(|| {
            bad(format!(
                "the AI ({ai}) has no entry in the compression table"
            ))
        })?;
    let mut value = String::new();
    for component in format {
        let max = u64::from(component.length);
        let part = match component.part {
            Part::Numeric => {
                let digits = if component.fixed {
                    max
                } else {
                    bits.take(length_bits(max))?
                };
                read_number(bits, digits)
            }
            Part::Text => {
                let encoding = bits.take(3)?;
                let chars = if component.fixed {
                    max
                } else {
                    bits.take(length_bits(max))?
                };
                read_text(bits, encoding, chars)
            }
        };
        value.push_str(&part.map_err(|why| bad(format!("the value of ({ai}) {why}")))?);
    }
    Ok(value)
}

/// Reads `chars` characters in `encoding` (0–4).
fn read_text(bits: &mut Bits, encoding: u64, chars: u64) -> Result<String, LinkError> {
    let (width, alphabet): (u32, Option<&[u8]>) = match encoding {
        0 => return read_number(bits, chars),
        1 => (4, Some(HEX)),
        2 => (4, Some(b"0123456789ABCDEF")),
        3 => (6, Some(BASE64)),
        4 => (7, None),
        other => {
            return Err(bad(format!(
                "it uses text encoding {other}, which does not exist"
            )))
        }
    };
    let mut text = String::new();
    for _ in 0..chars {
        let index = bits.take(width)?;
        let byte = match alphabet {
            // Fewer than 2^width entries is impossible: 16 for 4 bits, 64 for 6.
            Some(alphabet) => usize::try_from(index)
                .ok()
                .and_then(|i| alphabet.get(i))
                .copied()
                .unwrap_or(b'?'),
            // Seven bits: ASCII, whatever the parser then makes of it.
            None => u8::try_from(index).unwrap_or(b'?'),
        };
        text.push(char::from(byte));
    }
    Ok(text)
}

/// Reads a number of `digits` digits, written in binary, keeping the
/// leading zeros its length gives. Done in decimal digit by digit, since
/// 90 digits do not fit any integer type.
fn read_number(bits: &mut Bits, digits: u64) -> Result<String, LinkError> {
    // Least significant digit first.
    let mut decimal: Vec<u8> = Vec::new();
    for _ in 0..value_bits(digits) {
        let mut carry = u8::from(bits.take(1)? == 1);
        for digit in &mut decimal {
            let doubled = *digit * 2 + carry;
            *digit = doubled % 10;
            carry = doubled / 10;
        }
        if carry > 0 {
            decimal.push(carry);
        }
    }
    let width = usize::try_from(digits).unwrap_or(usize::MAX);
    if decimal.len() > width {
        return Err(bad(format!(
            "holds a number of {} digits where {digits} were announced",
            decimal.len()
        )));
    }
    let mut number = "0".repeat(width - decimal.len());
    number.extend(decimal.iter().rev().map(|d| char::from(b'0' + d)));
    Ok(number)
}

/// Bits of a number of `digits` decimal digits: ⌈digits × log2 10 + 0.01⌉,
/// the toolkit's formula, whose 0.01 gives 1 bit to zero digits.
fn value_bits(digits: u64) -> u32 {
    // At most 127 digits (a 7-bit length), so the float is exact enough and
    // the result small.
    let bits = (digits as f64 * std::f64::consts::LOG2_10 + 0.01).ceil();
    bits as u32
}

/// Bits of a length up to `max`: enough to write `max` itself.
fn length_bits(max: u64) -> u32 {
    u64::BITS - max.leading_zeros()
}

fn ai_length(h1: char, h2: char) -> Option<u8> {
    let code = [h1 as u8, h2 as u8];
    tables::AI_LENGTH
        .binary_search_by(|(key, _)| key.as_bytes().cmp(&code[..]))
        .ok()
        .and_then(|i| tables::AI_LENGTH.get(i))
        .map(|(_, length)| *length)
}

fn sequence(h1: char, h2: char) -> Option<&'static [&'static str]> {
    let code = [h1 as u8, h2 as u8];
    tables::SEQUENCES
        .binary_search_by(|(key, _)| key.as_bytes().cmp(&code[..]))
        .ok()
        .and_then(|i| tables::SEQUENCES.get(i))
        .map(|(_, ais)| *ais)
}

/// An upper-case hex digit of 4 bits (callers pass 0–15).
fn hex_digit(nibble: u64) -> char {
    char::from_digit(u32::try_from(nibble).unwrap_or(0), 16)
        .unwrap_or('0')
        .to_ascii_uppercase()
}

/// A base64 character of 6 bits (callers pass 0–63).
fn base64_char(sextet: u64) -> char {
    usize::try_from(sextet)
        .ok()
        .and_then(|i| BASE64.get(i))
        .map_or('?', |b| char::from(*b))
}

fn bad(why: String) -> LinkError {
    LinkError::Compressed(why)
}

/// The segment's bits, read from the most significant of its first
/// character on.
struct Bits {
    sextets: Vec<u8>,
    cursor: usize,
}

impl Bits {
    fn new(segment: &str) -> Result<Self, LinkError> {
        let sextets = segment
            .chars()
            .map(|c| {
                u8::try_from(c)
                    .ok()
                    .and_then(|b| BASE64.iter().position(|a| *a == b))
                    .and_then(|i| u8::try_from(i).ok())
                    .ok_or_else(|| {
                        bad(format!(
                            "it contains {c:?}, which is not in the URL-safe base64 alphabet"
                        ))
                    })
            })
            .collect::<Result<Vec<u8>, LinkError>>()?;
        Ok(Bits { sextets, cursor: 0 })
    }

    fn remaining(&self) -> usize {
        self.sextets.len() * 6 - self.cursor
    }

    /// The next `n` bits (at most 64) as a number; an error if the segment
    /// ends first.
    fn take(&mut self, n: u32) -> Result<u64, LinkError> {
        let wanted = usize::try_from(n).unwrap_or(usize::MAX);
        if wanted > self.remaining() {
            return Err(bad(
                "it ends in the middle of a value (truncated or not compressed by GS1's rules)"
                    .to_owned(),
            ));
        }
        let mut value = 0u64;
        for _ in 0..n {
            let sextet = self.sextets.get(self.cursor / 6).copied().unwrap_or(0);
            let bit = (sextet >> (5 - self.cursor % 6)) & 1;
            value = (value << 1) | u64::from(bit);
            self.cursor += 1;
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::digital_link::{DigitalLink, KeyPath};
    use proptest::prelude::*;

    /// Vectors made with GS1's toolkit (src/GS1DigitalLinkToolkit.js at
    /// commit 52dc9ce) under node 20:
    /// `new T().compressGS1DigitalLink(uri, false, "https://id.example",
    /// false, useOptimisations, true)` for each URI below, with
    /// optimisations on and off, the compressed segment then checked with
    /// the toolkit's own `decompressGS1DigitalLink`, which gave back the URI
    /// (query attributes in its order: 17 before 3103).
    const TOOLKIT_VECTORS: &[(&str, &str, Option<&str>)] = &[
        // A demo stamp: /01/{gtin}/10/{lot}/21/{serial} (sequence 1A off: 0B + 21).
        (
            "CxBCYREnFNype3Wnuvfx-m_2pC6aaeLpA-6aaaaLcJMamdcg",
            "/01/08938641200010/10/VL260917-P03-1/21/008XSB900000W4SY1M65",
            None,
        ),
        (
            "ARBCYREnFCDcqXt1p7r38fpv9qQummni6QPummmmi3CTGpnXI",
            "/01/08938641200010/10/VL260917-P03-1/21/008XSB900000W4SY1M65",
            None,
        ),
        // A GTIN alone.
        ("ARBAe32ZkA", "/01/08934567890120", None),
        // A lot with an expiry (sequence 1A: 01, 10, 21, 17).
        (
            "GhFKk4XBoIlXgn-N4KMDk",
            "/01/09506000134352/10/ABC1/21/12345",
            Some("17=261231"),
        ),
        (
            "ARFKk4XBoCCJV4Iuf43kIKMDk",
            "/01/09506000134352/10/ABC1/21/12345",
            Some("17=261231"),
        ),
        // A lot needing 7-bit ASCII ('/'), with an expiry.
        (
            "CxFKk4XBoQsyfUXtxc_xv",
            "/01/09506000134352/10/LOT%2F7",
            Some("17=261231"),
        ),
        (
            "ARFKk4XBoCELMn1F7cXP8bw",
            "/01/09506000134352/10/LOT%2F7",
            Some("17=261231"),
        ),
        // An SSCC (one a JavaScript number holds exactly: the toolkit's own
        // round trip changes most others).
        ("ABeRcNWtKMcA", "/00/106141412345678960", None),
        // A GLN with its extension (sequence 9D, and without).
        ("nWQRdPWKVJwNQI", "/414/9506000000008/254/EXT1", None),
        ("JUZBF09UFIpUnA1Ag", "/414/9506000000008/254/EXT1", None),
        ("nQQTSilScDUCA", "/414/9506000000008/254/1234", None),
        // Non-GS1 query pairs, compressed too.
        (
            "CxFKk4XBoMRevhJWp4GCen8Q41NS1FBOw9r1u2m3Y",
            "/01/09506000134352/10/L1",
            Some("lang=en&campaign=tet2027"),
        ),
        (
            "ARFKk4XBoCDEXr4SVqeBgnp_EONTUtRQTsPa9btpt2",
            "/01/09506000134352/10/L1",
            Some("lang=en&campaign=tet2027"),
        ),
        // Hex, lower and upper case; two attributes put in JavaScript order.
        ("DBFKk4XBoFNXgke94", "/01/09506000134352/21/abc123def", None),
        (
            "LRFKk4XBoAAXouf43kKTV4JHve",
            "/01/09506000134352/21/ABC123DEF",
            Some("17=261231&3103=000189"),
        ),
        (
            "ARFKk4XBoC5_jeQpNXgke95iBgAXo",
            "/01/09506000134352/21/ABC123DEF",
            Some("17=261231&3103=000189"),
        ),
        // Another key (GIAI).
        ("gARKlQYACrw", "/8004/9506000ABC", None),
        // The lot of the integration tests' product.
        (
            "CxBAe32ZkNCJHX23Wuo",
            "/01/08934567890120/10/RI6-2611",
            None,
        ),
    ];

    #[test]
    fn toolkit_vectors_decompress_to_the_toolkits_uri() {
        for (segment, path, query) in TOOLKIT_VECTORS {
            let (got_path, got_query) =
                decompress(segment).unwrap_or_else(|e| panic!("{segment}: {e}"));
            assert_eq!(
                (got_path.as_str(), got_query.as_deref()),
                (*path, *query),
                "{segment}"
            );
            assert!(looks_compressed(&format!("/{segment}")), "{segment}");
            // And the existing parser accepts the result.
            if path.starts_with("/01/") {
                DigitalLink::parse(&got_path, got_query.as_deref())
                    .unwrap_or_else(|e| panic!("{segment}: {e}"));
            } else {
                KeyPath::parse(&got_path).unwrap_or_else(|e| panic!("{segment}: {e}"));
            }
        }
    }

    #[test]
    fn leading_zeros_survive_unlike_in_the_toolkit() {
        // The toolkit compresses /01/09506000134352/10/0042 to this segment
        // and decompresses it to lot "42"; the digit count says 0042.
        assert_eq!(
            decompress("CxFKk4XBoAgBU").unwrap().0,
            "/01/09506000134352/10/0042"
        );
    }

    #[test]
    fn bit_counts_are_the_toolkits() {
        // numberOfValueBits(0..=90) and numberOfLengthBits(1..=90), printed
        // by the toolkit under node.
        let value: Vec<u32> = (0..=90).map(value_bits).collect();
        assert_eq!(
            value,
            [
                1, 4, 7, 10, 14, 17, 20, 24, 27, 30, 34, 37, 40, 44, 47, 50, 54, 57, 60, 64, 67,
                70, 74, 77, 80, 84, 87, 90, 94, 97, 100, 103, 107, 110, 113, 117, 120, 123, 127,
                130, 133, 137, 140, 143, 147, 150, 153, 157, 160, 163, 167, 170, 173, 177, 180,
                183, 187, 190, 193, 197, 200, 203, 206, 210, 213, 216, 220, 223, 226, 230, 233,
                236, 240, 243, 246, 250, 253, 256, 260, 263, 266, 270, 273, 276, 280, 283, 286,
                290, 293, 296, 299
            ]
        );
        let length: Vec<u32> = (1..=90).map(length_bits).collect();
        let mut expected = vec![1, 2, 2];
        for (bits, count) in [(3, 4), (4, 8), (5, 16), (6, 32), (7, 27)] {
            expected.extend(std::iter::repeat_n(bits, count));
        }
        assert_eq!(length, expected);
    }

    fn reason(segment: &str) -> String {
        match decompress(segment) {
            Err(LinkError::Compressed(why)) => why,
            other => panic!("{segment}: {other:?}"),
        }
    }

    #[test]
    fn each_class_of_error_has_its_reason() {
        // Outside the alphabet ('+' and '/' are standard base64, not ours).
        assert!(reason("ARBAe32Zk+").contains("'+'"));
        assert!(reason("ARBAe32Zk/").contains("alphabet"));
        // Truncated: a GTIN cut short.
        assert!(reason("ARBAe32").contains("truncated"));
        // An AI range with no tableP entry: 0x50.
        assert!(reason("UAAAAAAAAAAA").contains("not assigned"));
        // A hex code that is no sequence: 0x4B.
        assert!(reason("SwAAAAAAAAAA").contains("neither an AI"));
        // An AI with a tableP entry but no format: 230 (tableP 23: 3 digits).
        assert!(reason("IwAAAAAAAAAA").contains("(230)"));
        // A 3-digit AI whose third digit is a hex letter: 0x40 then 0xA.
        assert!(reason("QKAAAAAAAAAA").contains("not all digits"));
        // An unknown text encoding: 10 (lot) with encoding 7.
        assert!(reason("EOEA").contains("encoding 7"));
        // A fixed-length number too large for its digits: 11 (N6) with all
        // 20 bits set is 1048575, seven digits.
        assert!(reason("Ef__8AAAAAAA").contains("7 digits"));
        // No primary key: a lone expiry date, 17=261231.
        assert!(reason("Fz_G8").contains("no GS1 primary key"));
        // Two primary keys: a GTIN and an SSCC.
        assert!(reason("ARBAe32ZkAAvIuGrWlIwg").contains("(01) and (00)"));
        // The same AI twice: a GTIN given twice.
        assert!(reason("ARBAe32ZkAIggPb7MyA").contains("twice"));
        // The error becomes the 400's reason.
        let shown = decompress("ARBAe32").unwrap_err().to_string();
        assert!(shown.starts_with("cannot decompress"), "{shown}");
    }

    #[test]
    fn long_numbers_are_exact_unlike_in_the_toolkit() {
        // The toolkit compresses /00/106141412345680260 to this segment, but
        // through a JavaScript number: the bits hold 106141412345680256,
        // which its decompression prints back as …260. Read exactly, it is
        // …256, whose check digit is wrong, so the parser refuses it.
        let (path, _) = decompress("ABeRcNWtKRgA").unwrap();
        assert_eq!(path, "/00/106141412345680256");
        assert!(KeyPath::parse(&path).is_err());
    }

    #[test]
    fn a_wrong_value_is_left_to_the_parser() {
        // A GTIN with a bad check digit decompresses, and the parser refuses
        // it as it would uncompressed: 08934567890121.
        let (path, _) = decompress("ARBAe32Zkg").unwrap();
        assert_eq!(path, "/01/08934567890121");
        assert!(matches!(
            DigitalLink::parse(&path, None),
            Err(LinkError::Gtin(_))
        ));
    }

    #[test]
    fn only_likely_segments_look_compressed() {
        for path in [
            "/",
            "/ARBAe32Zk",
            "/01/08934567890120",
            "/ARBAe32ZkA/",
            "/ARBAe32Zk.",
            "ARBAe32ZkA",
            // Resource names of ten or more base64 characters (under
            // /api/v1 today; no root page is that long).
            "/enterprises",
            "/facilities",
            "/fake-reports",
            "/facility-moves",
            "/inspections",
        ] {
            assert!(!looks_compressed(path), "{path}");
        }
        assert!(looks_compressed("/ARBAe32ZkA"));
    }

    proptest! {
        #[test]
        fn random_segments_never_panic(segment in "[A-Za-z0-9_-]{0,80}") {
            let _ = looks_compressed(&format!("/{segment}"));
            if let Ok((path, query)) = decompress(&segment) {
                let _ = KeyPath::parse(&path);
                let _ = DigitalLink::parse(&path, query.as_deref());
            }
        }

        #[test]
        fn any_text_never_panics(segment in any::<String>()) {
            let _ = looks_compressed(&segment);
            let _ = decompress(&segment);
        }

        #[test]
        fn plausible_starts_never_panic(
            start in proptest::sample::select(vec!["AR", "Cx", "Gh", "nW", "gA", "AB", "-_", "_A", "DB", "LR"]),
            rest in "[A-Za-z0-9_-]{0,60}",
        ) {
            let _ = decompress(&format!("{start}{rest}"));
        }
    }
}
