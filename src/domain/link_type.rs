//! GS1 link types in their two spellings: the CURIE a producer registers and
//! the resolver matches (`gs1:pip`) and the full vocabulary URI a linkset
//! writes (`https://gs1.org/voc/pip`).

pub const GS1_VOC: &str = "https://gs1.org/voc/";

/// `https://gs1.org/voc/recipeInfo` and `gs1:recipeInfo` name the same type.
pub fn short(link_type: &str) -> String {
    match link_type.strip_prefix(GS1_VOC) {
        Some(name) => format!("gs1:{name}"),
        None => link_type.to_owned(),
    }
}

pub fn long(short: &str) -> String {
    match short.strip_prefix("gs1:") {
        Some(name) => format!("{GS1_VOC}{name}"),
        None => short.to_owned(),
    }
}
