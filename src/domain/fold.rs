//! Accent-insensitive matching of Vietnamese text: a regulator types
//! "tra on" on a phone without a Vietnamese keyboard and expects "Trà Ôn".
//! The one place where text is folded for search, so every list matches
//! the same way.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Lower case without diacritics: tones and vowel marks dropped (NFD, then
/// no combining marks), and đ, which is a letter of its own and does not
/// decompose, read as d.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `needle` occurs in `haystack`, both folded.
pub fn matches(haystack: &str, needle: &str) -> bool {
    fold(haystack).contains(&fold(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones_marks_and_d_fold_away() {
        assert_eq!(fold("Trà Ôn"), "tra on");
        assert_eq!(fold("Đồng  Tháp"), "dong thap");
        assert!(matches("Xã Trà Ôn, Vĩnh Long", "tra on"));
        assert!(matches("Bình Minh", "BINH"));
        assert!(!matches("Long Hồ", "tra on"));
    }
}
