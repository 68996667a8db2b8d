//! Core Business Vocabulary values: EPCIS 2.0 JSON-LD lets a document write
//! `shipping` where it means `https://ref.gs1.org/cbv/BizStep-shipping` (the
//! EPCIS context maps the short name), and older systems still send the
//! EPCIS 1.x URN `urn:epcglobal:cbv:bizstep:shipping`. All three are one
//! value; we store and compare the full web URI.

use serde_json::Value;

/// A CBV vocabulary: the prefix of its web URIs and of its 1.x URNs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    BizStep,
    Disposition,
    BizTransactionType,
    SourceDestType,
    ErrorReason,
}

impl Vocabulary {
    fn web_prefix(self) -> &'static str {
        match self {
            Vocabulary::BizStep => "https://ref.gs1.org/cbv/BizStep-",
            Vocabulary::Disposition => "https://ref.gs1.org/cbv/Disp-",
            Vocabulary::BizTransactionType => "https://ref.gs1.org/cbv/BTT-",
            Vocabulary::SourceDestType => "https://ref.gs1.org/cbv/SDT-",
            Vocabulary::ErrorReason => "https://ref.gs1.org/cbv/ER-",
        }
    }

    fn urn_prefix(self) -> &'static str {
        match self {
            Vocabulary::BizStep => "urn:epcglobal:cbv:bizstep:",
            Vocabulary::Disposition => "urn:epcglobal:cbv:disp:",
            Vocabulary::BizTransactionType => "urn:epcglobal:cbv:btt:",
            Vocabulary::SourceDestType => "urn:epcglobal:cbv:sdt:",
            Vocabulary::ErrorReason => "urn:epcglobal:cbv:er:",
        }
    }

    /// The full web URI of a short name, 1.x URN or URI; any other URI
    /// (a user vocabulary) is its own expansion.
    pub fn expand(self, value: &str) -> String {
        if let Some(name) = value.strip_prefix(self.urn_prefix()) {
            return format!("{}{name}", self.web_prefix());
        }
        if value.contains(':') {
            return value.to_owned();
        }
        format!("{}{value}", self.web_prefix())
    }

    /// The short name of a CBV value, if it is one.
    pub fn short_name(self, value: &str) -> Option<String> {
        let full = self.expand(value);
        full.strip_prefix(self.web_prefix()).map(str::to_owned)
    }
}

/// Rewrites every CBV-valued field of an event to its full URI, so that two
/// events differing only in how they spell CBV values compare equal.
pub fn expand_event(event: &mut Value) {
    let Some(map) = event.as_object_mut() else {
        return;
    };
    expand_field(map.get_mut("bizStep"), Vocabulary::BizStep);
    expand_field(map.get_mut("disposition"), Vocabulary::Disposition);
    if let Some(Value::Object(persistent)) = map.get_mut("persistentDisposition") {
        for list in ["set", "unset"] {
            if let Some(Value::Array(items)) = persistent.get_mut(list) {
                for item in items {
                    expand_field(Some(item), Vocabulary::Disposition);
                }
            }
        }
    }
    expand_list(
        map.get_mut("bizTransactionList"),
        "type",
        Vocabulary::BizTransactionType,
    );
    expand_list(
        map.get_mut("sourceList"),
        "type",
        Vocabulary::SourceDestType,
    );
    expand_list(
        map.get_mut("destinationList"),
        "type",
        Vocabulary::SourceDestType,
    );
    if let Some(Value::Object(declaration)) = map.get_mut("errorDeclaration") {
        expand_field(declaration.get_mut("reason"), Vocabulary::ErrorReason);
    }
}

fn expand_field(value: Option<&mut Value>, vocabulary: Vocabulary) {
    if let Some(Value::String(text)) = value {
        *text = vocabulary.expand(text);
    }
}

fn expand_list(list: Option<&mut Value>, key: &str, vocabulary: Vocabulary) {
    if let Some(Value::Array(items)) = list {
        for item in items {
            expand_field(item.get_mut(key), vocabulary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_names_urns_and_uris_are_one_value() {
        let full = "https://ref.gs1.org/cbv/BizStep-shipping";
        assert_eq!(Vocabulary::BizStep.expand("shipping"), full);
        assert_eq!(
            Vocabulary::BizStep.expand("urn:epcglobal:cbv:bizstep:shipping"),
            full
        );
        assert_eq!(Vocabulary::BizStep.expand(full), full);
        assert_eq!(
            Vocabulary::BizStep.expand("https://example.org/steps/drying"),
            "https://example.org/steps/drying"
        );
        assert_eq!(
            Vocabulary::Disposition.short_name("in_transit").as_deref(),
            Some("in_transit")
        );
        assert_eq!(Vocabulary::BizStep.short_name("urn:x:y"), None);
    }

    #[test]
    fn events_expand_every_cbv_field() {
        let mut event = json!({"bizStep": "receiving", "disposition": "in_progress",
            "bizTransactionList": [{"type": "po", "bizTransaction": "urn:x:1"}],
            "sourceList": [{"type": "location", "source": "urn:x:2"}],
            "persistentDisposition": {"set": ["completeness_verified"]},
            "errorDeclaration": {"declarationTime": "2020-01-01T00:00:00Z", "reason": "incorrect_data"}});
        expand_event(&mut event);
        assert_eq!(
            event["bizStep"],
            "https://ref.gs1.org/cbv/BizStep-receiving"
        );
        assert_eq!(
            event["disposition"],
            "https://ref.gs1.org/cbv/Disp-in_progress"
        );
        assert_eq!(
            event["bizTransactionList"][0]["type"],
            "https://ref.gs1.org/cbv/BTT-po"
        );
        assert_eq!(
            event["sourceList"][0]["type"],
            "https://ref.gs1.org/cbv/SDT-location"
        );
        assert_eq!(
            event["persistentDisposition"]["set"][0],
            "https://ref.gs1.org/cbv/Disp-completeness_verified"
        );
        assert_eq!(
            event["errorDeclaration"]["reason"],
            "https://ref.gs1.org/cbv/ER-incorrect_data"
        );
    }
}
