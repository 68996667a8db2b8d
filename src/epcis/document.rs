//! Reading a captured EPCISDocument: JSON syntax, the standard's JSON schema
//! (GS1's `EPCIS-JSON-Schema.json`, embedded), then `rules`. Errors are
//! sorted by event so that `GS1-Capture-Error-Behaviour: proceed` can keep
//! the good events and report the bad ones. What a document may cost is
//! bounded first (`bounds`).

use serde_json::Value;
use std::sync::OnceLock;

use crate::epcis::bounds;
use crate::epcis::problem::{EventError, Problem};
use crate::epcis::rules;

/// The JSON-LD context every EPCIS 2.0 document names.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// Most errors listed in one problem body: a document of ten thousand bad
/// events is explained well enough by its first hundred errors.
const MAX_LISTED_ERRORS: usize = 100;

/// GS1's EPCIS 2.0 JSON schema (draft-07), compiled on first use: once
/// per worker, and never by a worker (or test app) that captures nothing.
#[derive(Default)]
pub struct SchemaValidator(OnceLock<jsonschema::Validator>);

impl SchemaValidator {
    pub fn new() -> Self {
        SchemaValidator::default()
    }

    /// The embedded schema is a constant of the build, and a unit test
    /// compiles it, so failing here is a packaging bug.
    fn validator(&self) -> &jsonschema::Validator {
        self.0.get_or_init(|| {
            let schema: Value = serde_json::from_str(include_str!("EPCIS-JSON-Schema.json"))
                .expect("the embedded EPCIS schema is JSON");
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .should_validate_formats(true)
                .build(&schema)
                .expect("the embedded EPCIS schema compiles")
        })
    }
}

/// A syntactically and structurally valid document, split into events.
#[derive(Debug)]
pub struct Document {
    /// The `@context` entries besides the EPCIS context: the namespaces of
    /// the document's extension fields, needed to read its events later.
    pub context: Vec<Value>,
    pub events: Vec<Value>,
    /// What is wrong with single events, by their index in `events`: the
    /// first `MAX_LISTED_ERRORS`, then one entry counting the rest.
    pub errors: Vec<EventError>,
    /// Every event with an error, ascending (also those not listed).
    failed: Vec<usize>,
}

/// Errors as they are found: the first few in full, the rest only counted,
/// so a document of many small mistakes costs no more than a few.
#[derive(Default)]
struct Found {
    errors: Vec<EventError>,
    failed: Vec<usize>,
    unlisted: usize,
    /// Invalid events found after the list was full, their errors not read.
    unexamined: usize,
}

impl Found {
    fn is_full(&self) -> bool {
        self.errors.len() >= MAX_LISTED_ERRORS
    }

    fn unexamined(&mut self, index: usize) {
        self.failed.push(index);
        self.unexamined += 1;
    }

    fn add(&mut self, index: usize, field: String, message: String) {
        if self.failed.last() != Some(&index) {
            self.failed.push(index);
        }
        if self.errors.len() < MAX_LISTED_ERRORS {
            self.errors.push(EventError {
                event_index: Some(index),
                event_id: None,
                field,
                message,
            });
        } else {
            self.unlisted += 1;
        }
    }
}

impl Document {
    /// Parses and validates; a problem with the document as a whole (not
    /// JSON, not an EPCISDocument, too many events) is an `Err`.
    pub fn read(
        bytes: &[u8],
        schema: &SchemaValidator,
        max_events: usize,
    ) -> Result<Document, Problem> {
        bounds::check_shape(bytes)?;
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            Problem::validation(
                format!("the body is not JSON: {e}"),
                vec![document_error("", format!("malformed JSON: {e}"))],
            )
        })?;
        if value.get("type").and_then(Value::as_str) != Some("EPCISDocument") {
            return Err(Problem::validation(
                "the body must be an EPCISDocument",
                vec![document_error("/type", "must be \"EPCISDocument\"")],
            ));
        }
        let count = value
            .pointer("/epcisBody/eventList")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if count > max_events {
            return Err(Problem::capture_limit(format!(
                "the document holds {count} events; at most {max_events} are accepted per capture"
            )));
        }

        let mut value = value;
        let mut events = match value.pointer_mut("/epcisBody/eventList") {
            Some(Value::Array(list)) => std::mem::take(list),
            _ => Vec::new(),
        };
        bounds::check_identifiers(&events)?;

        // The document without its events first, then each event alone in
        // it: errors (which the schema validator collects all at once) are
        // bounded by one event's size, not the document's.
        let validator = schema.validator();
        let document_errors: Vec<EventError> = validator
            .iter_errors(&value)
            .map(|error| document_error(error.instance_path().as_str(), describe(&error)))
            .collect();
        if !document_errors.is_empty() {
            return Err(Problem::validation(
                "the document does not follow the EPCIS 2.0 JSON schema",
                limited(document_errors),
            ));
        }
        let mut found = Found::default();
        for (index, event) in events.iter_mut().enumerate() {
            if let Some(Value::Array(slot)) = value.pointer_mut("/epcisBody/eventList") {
                slot.push(std::mem::take(event));
            }
            if validator.is_valid(&value) {
                // Valid: nothing to note.
            } else if found.is_full() {
                // Its errors would not be listed: collecting them (the
                // validator builds every one) is the costly part.
                found.unexamined(index);
            } else {
                for error in validator.iter_errors(&value) {
                    let path = error.instance_path().as_str().to_owned();
                    let field = event_path(&path).map_or(path.as_str(), |(_, field)| field);
                    found.add(index, field.to_owned(), describe(&error));
                }
            }
            if let Some(Value::Array(slot)) = value.pointer_mut("/epcisBody/eventList") {
                *event = slot.pop().unwrap_or_default();
            }
        }
        let context = extra_context(value.get("@context"));
        drop(value);
        for (index, event) in events.iter().enumerate() {
            for rules::Breach { field, message } in rules::check(event) {
                found.add(index, field, message);
            }
        }
        let Found {
            mut errors,
            mut failed,
            unlisted,
            unexamined,
        } = found;
        errors.sort_by_key(|e| e.event_index);
        errors.dedup();
        failed.sort_unstable();
        failed.dedup();
        for error in &mut errors {
            error.event_id = error
                .event_index
                .and_then(|i| events.get(i))
                .and_then(|e| e.get("eventID"))
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        if unlisted > 0 || unexamined > 0 {
            errors.push(document_error(
                "",
                format!(
                    "{unlisted} more error(s), and the errors of {unexamined} more invalid \
                     event(s),{NOT_LISTED}"
                ),
            ));
        }
        Ok(Document {
            context,
            events,
            errors,
            failed,
        })
    }

    /// Indexes of the events with errors, ascending.
    pub fn failed_events(&self) -> Vec<usize> {
        self.failed.clone()
    }
}

/// The problem body of refused events, listing at most `MAX_LISTED_ERRORS`.
pub fn event_problem(errors: Vec<EventError>, failed: usize) -> Problem {
    Problem::validation(
        format!("{failed} event(s) are not valid EPCIS 2.0; see errors"),
        limited(errors),
    )
}

fn limited(mut errors: Vec<EventError>) -> Vec<EventError> {
    // `Document::read` already cut its list and counted the rest.
    let counted = errors
        .last()
        .filter(|e| e.event_index.is_none() && e.message.ends_with(NOT_LISTED))
        .is_some();
    if errors.len() > MAX_LISTED_ERRORS + usize::from(counted) {
        let more = errors.len() - MAX_LISTED_ERRORS;
        errors.truncate(MAX_LISTED_ERRORS);
        errors.push(document_error(
            "",
            format!("{more} more error(s){NOT_LISTED}"),
        ));
    }
    errors
}

/// How the entry counting unlisted errors ends.
const NOT_LISTED: &str = " not listed";

fn document_error(field: &str, message: impl Into<String>) -> EventError {
    EventError {
        event_index: None,
        event_id: None,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// `/epcisBody/eventList/3/action` → (3, "/action").
fn event_path(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("/epcisBody/eventList/")?;
    let (index, field) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    Some((index.parse().ok()?, field))
}

/// A schema error's message; values that are objects or arrays are left
/// out, since echoing a whole event back says nothing more.
fn describe(error: &jsonschema::ValidationError<'_>) -> String {
    match error.instance().as_ref() {
        Value::Object(_) | Value::Array(_) => error.masked().to_string(),
        _ => error.to_string(),
    }
}

fn extra_context(context: Option<&Value>) -> Vec<Value> {
    let entries = match context {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    };
    entries
        .into_iter()
        .filter(|entry| {
            !entry
                .as_str()
                .is_some_and(|url| url.ends_with("epcis-context.jsonld"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(events: Value) -> Vec<u8> {
        json!({"@context": [EPCIS_CONTEXT, {"ex": "https://example.org/ns/"}],
               "type": "EPCISDocument", "schemaVersion": "2.0",
               "creationDate": "2026-11-02T00:00:00Z", "epcisBody": {"eventList": events}})
        .to_string()
        .into_bytes()
    }

    #[test]
    fn the_embedded_schema_accepts_a_plain_event() {
        let schema = SchemaValidator::new();
        let doc = Document::read(
            &document(json!([{"type": "ObjectEvent", "action": "OBSERVE",
                "eventTime": "2026-11-02T07:30:00+07:00", "eventTimeZoneOffset": "+07:00",
                "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"], "ex:note": "kept"}])),
            &schema,
            10,
        )
        .unwrap();
        assert!(doc.errors.is_empty(), "{:?}", doc.errors);
        assert_eq!(doc.context, vec![json!({"ex": "https://example.org/ns/"})]);
        assert_eq!(doc.events.len(), 1);
    }

    #[test]
    fn errors_name_the_event_and_the_field() {
        let schema = SchemaValidator::new();
        let doc = Document::read(
            &document(json!([
                {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-11-02T07:30:00Z",
                 "eventTimeZoneOffset": "+00:00", "epcList": []},
                {"eventID": "urn:uuid:5d9b0f62-3b5c-4f57-9b8a-1a1a1a1a1a1a", "type": "ObjectEvent",
                 "action": "SHOUT", "eventTime": "2026-11-02T07:30:00Z",
                 "eventTimeZoneOffset": "+00:00", "epcList": []}])),
            &schema,
            10,
        )
        .unwrap();
        assert_eq!(doc.failed_events(), [1]);
        assert!(doc.errors.iter().all(
            |e| e.event_id.as_deref() == Some("urn:uuid:5d9b0f62-3b5c-4f57-9b8a-1a1a1a1a1a1a")
        ));
        assert!(
            doc.errors.iter().any(|e| e.field == "/action"),
            "{:?}",
            doc.errors
        );
    }

    #[test]
    fn too_many_events_or_not_json_is_refused_whole() {
        let schema = SchemaValidator::new();
        let err = Document::read(&document(json!([{}, {}])), &schema, 1).unwrap_err();
        assert_eq!(err.status, 413);
        let err = Document::read(b"{\"type\": ", &schema, 1).unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.detail.contains("not JSON"), "{}", err.detail);
    }
}
