//! GTIN validation (GS1 General Specifications §7.9): every GTIN accepted at the
//! edge is stored as GTIN-14 so that one product has exactly one key, whichever
//! length was printed on its pack.

use std::fmt;

/// Why a GTIN was refused; the message is shown to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GtinError {
    NotDigits,
    BadLength(usize),
    BadCheckDigit { expected: u8, found: u8 },
}

impl fmt::Display for GtinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GtinError::NotDigits => write!(f, "a GTIN holds digits only"),
            GtinError::BadLength(n) => {
                write!(f, "a GTIN has 8, 12, 13 or 14 digits, not {n}")
            }
            GtinError::BadCheckDigit { expected, found } => write!(
                f,
                "check digit is {found} but should be {expected}: the GTIN is mistyped"
            ),
        }
    }
}

impl std::error::Error for GtinError {}

/// The GS1 mod-10 check digit of `body` (all digits but the last).
pub fn check_digit(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Checks a GTIN-8/12/13/14 and returns it zero-padded to 14 digits.
pub fn normalize_gtin(input: &str) -> Result<String, GtinError> {
    let bytes = input.as_bytes();
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return Err(GtinError::NotDigits);
    }
    if !matches!(bytes.len(), 8 | 12 | 13 | 14) {
        return Err(GtinError::BadLength(bytes.len()));
    }
    let (body, last) = bytes.split_at(bytes.len() - 1);
    let expected = check_digit(body);
    let found = last[0] - b'0';
    if expected != found {
        return Err(GtinError::BadCheckDigit { expected, found });
    }
    Ok(format!("{input:0>14}"))
}

/// Whether the GTIN-14 `gtin` was allocated under the GS1 company prefix
/// `prefix`: the prefix follows the indicator digit (a GTIN-13 padded to 14
/// digits starts with 0, then its prefix).
pub fn under_prefix(gtin: &str, prefix: &str) -> bool {
    !prefix.is_empty() && gtin.get(1..).is_some_and(|rest| rest.starts_with(prefix))
}

/// Every company prefix the GTIN-14 `gtin` could fall under (GS1 company
/// prefixes are 4 to 12 digits), for finding its owner by an indexed lookup.
pub fn possible_prefixes(gtin: &str) -> Vec<&str> {
    (4..=12).filter_map(|n| gtin.get(1..1 + n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gtin_falls_under_the_prefix_after_its_indicator() {
        assert!(under_prefix("08934567890120", "893456"));
        assert!(!under_prefix("08934567890120", "893457"));
        assert!(!under_prefix("08934567890120", ""));
        assert!(!under_prefix("18934567890120", "189345"));
        assert_eq!(possible_prefixes("08934567890120").first(), Some(&"8934"));
        assert_eq!(possible_prefixes("08934567890120").len(), 9);
    }

    #[test]
    fn accepts_every_length_and_pads_to_14() {
        assert_eq!(normalize_gtin("96385074").unwrap(), "00000096385074");
        assert_eq!(normalize_gtin("614141000036").unwrap(), "00614141000036");
        assert_eq!(normalize_gtin("8934567890120").unwrap(), "08934567890120");
        assert_eq!(normalize_gtin("09506000134352").unwrap(), "09506000134352");
    }

    #[test]
    fn rejects_bad_check_digit_length_and_characters() {
        assert_eq!(
            normalize_gtin("8934567890127"),
            Err(GtinError::BadCheckDigit {
                expected: 0,
                found: 7
            })
        );
        assert_eq!(normalize_gtin("12345"), Err(GtinError::BadLength(5)));
        assert_eq!(normalize_gtin("89345678901a0"), Err(GtinError::NotDigits));
        assert_eq!(normalize_gtin(""), Err(GtinError::NotDigits));
    }
}
