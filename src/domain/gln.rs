//! GS1 Global Location Numbers (GLN, AI 414): a facility's key in the
//! world's registries and the path `/414/{gln}` the resolver answers. Like
//! a GTIN, a GLN is allocated under a GS1 company prefix, which here starts
//! at its first digit (no indicator digit before it).

use crate::domain::gs1;
use crate::domain::validate::{field_error, Checked};

/// Checks a typed GLN: 13 digits whose last is the GS1 mod-10 check digit.
/// Spaces around it are dropped; an empty one is no GLN.
pub fn check(field: &str, value: Option<&str>) -> Checked<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(gln) => gs1::check_value("414", gln)
            .map(|()| Some(gln.to_owned()))
            .map_err(|why| field_error(field, format!("a GLN {why}"))),
    }
}

/// Whether `gln` was allocated under the GS1 company prefix `prefix`.
pub fn under_prefix(gln: &str, prefix: &str) -> bool {
    !prefix.is_empty() && gln.starts_with(prefix)
}

/// Every company prefix (4 to 12 digits) `gln` could fall under, for
/// finding its owner by an indexed lookup.
pub fn possible_prefixes(gln: &str) -> Vec<&str> {
    (4..=12).filter_map(|n| gln.get(..n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gln_is_checked_by_its_check_digit() {
        assert_eq!(
            check("gln", Some(" 8931234500009 ")).expect("valid"),
            Some("8931234500009".to_owned())
        );
        assert_eq!(check("gln", Some("")).expect("empty"), None);
        assert!(check("gln", Some("8931234500008")).is_err());
        assert!(check("gln", Some("893123450000")).is_err());
        assert!(check("gln", Some("89312345000A7")).is_err());
    }

    #[test]
    fn a_gln_falls_under_its_prefix_from_the_first_digit() {
        assert!(under_prefix("8931234500009", "8931234"));
        assert!(!under_prefix("8931234500009", "8934567"));
        assert!(!under_prefix("8931234500009", ""));
        assert_eq!(possible_prefixes("8931234500009")[0], "8931");
        assert_eq!(possible_prefixes("8931234500009").len(), 9);
    }
}
