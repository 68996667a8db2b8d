//! GS1 link types in their spellings: the CURIE a producer registers and
//! the resolver matches (`gs1:pip`), and the vocabulary URIs clients send or
//! a linkset writes (`https://gs1.org/voc/pip`, `https://ref.gs1.org/voc/pip`).

pub const GS1_VOC: &str = "https://gs1.org/voc/";
/// The other spellings of GS1's vocabulary namespace that clients send.
const GS1_VOC_ALIASES: [&str; 4] = [
    "https://gs1.org/voc/",
    "http://gs1.org/voc/",
    "https://ref.gs1.org/voc/",
    "https://www.gs1.org/voc/",
];

/// `https://gs1.org/voc/recipeInfo`, `https://ref.gs1.org/voc/recipeInfo`
/// and `gs1:recipeInfo` name the same type; the namespace and the prefix are
/// matched without regard to case (URI schemes and hosts are
/// case-insensitive), the term as written.
pub fn short(link_type: &str) -> String {
    let lower = link_type.to_ascii_lowercase();
    for prefix in GS1_VOC_ALIASES.iter().chain(["gs1:"].iter()) {
        if lower.starts_with(prefix) {
            return format!("gs1:{}", &link_type[prefix.len()..]);
        }
    }
    link_type.to_owned()
}

/// The vocabulary URI of a CURIE (`gs1:pip` → `https://gs1.org/voc/pip`).
pub fn long(short: &str) -> String {
    match short.strip_prefix("gs1:") {
        Some(name) => format!("{GS1_VOC}{name}"),
        None => short.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_types_are_read_in_every_spelling() {
        for spelling in [
            "gs1:pip",
            "GS1:pip",
            "https://gs1.org/voc/pip",
            "https://ref.gs1.org/voc/pip",
            "HTTPS://REF.GS1.ORG/voc/pip",
            "http://gs1.org/voc/pip",
        ] {
            assert_eq!(short(spelling), "gs1:pip", "{spelling}");
        }
        assert_eq!(short("https://example.com/x"), "https://example.com/x");
    }
}
