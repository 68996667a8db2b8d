//! PATCH semantics: an absent field keeps its value, `null` clears an optional
//! one. serde alone cannot tell absent from null, so nullable fields of a
//! PATCH body are `Option<Option<T>>` read through `deserialize` below.

use serde::{Deserialize, Deserializer};

/// Reads a present field (even `null`) as `Some(..)`; an absent field stays
/// `None` through `#[serde(default)]`.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Overwrites `slot` when the request carried a value.
pub fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default, with = "super")]
        phone: Option<Option<String>>,
    }

    #[test]
    fn absent_null_and_value_differ() {
        let absent: Body = serde_json::from_str("{}").unwrap();
        let null: Body = serde_json::from_str(r#"{"phone": null}"#).unwrap();
        let value: Body = serde_json::from_str(r#"{"phone": "0270"}"#).unwrap();
        assert_eq!(absent.phone, None);
        assert_eq!(null.phone, Some(None));
        assert_eq!(value.phone, Some(Some("0270".into())));
    }
}
