//! Row ids as they arrive from outside (paths, bodies, query strings): only a
//! UUID is accepted, so junk such as NUL bytes or megabyte strings is refused
//! at the edge and never reaches a query.

use serde::{Deserialize, Deserializer};
use std::ops::Deref;

/// A fresh row id: UUID v7, time-ordered, which keeps B-tree inserts local.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Id(String);

impl Id {
    /// The hyphenated form only (in either case), as the API writes ids and
    /// its OpenAPI document states them: uuid's other spellings (simple,
    /// braced, URN) or surrounding blanks would let one row answer to many
    /// ids, and requests the document calls malformed change data.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 36 {
            return None;
        }
        uuid::Uuid::try_parse(text)
            .ok()
            .map(|u| Id(u.hyphenated().to_string()))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl Deref for Id {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Id::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an id (a UUID)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_uuids() {
        let id = Id::parse("01A20840-1500-77F9-B002-AD7F78C0FF8E").unwrap();
        assert_eq!(&*id, "01a20840-1500-77f9-b002-ad7f78c0ff8e");
        assert!(Id::parse("\u{0}").is_none());
        assert!(Id::parse("1; DROP TABLE batch").is_none());
        for other in [
            "01a20840150077f9b002ad7f78c0ff8e",
            "{01a20840-1500-77f9-b002-ad7f78c0ff8e}",
            "urn:uuid:01a20840-1500-77f9-b002-ad7f78c0ff8e",
            " 01a20840-1500-77f9-b002-ad7f78c0ff8e",
        ] {
            assert!(Id::parse(other).is_none(), "{other}");
        }
        assert!(serde_json::from_str::<Id>("\"x\"").is_err());
    }
}
