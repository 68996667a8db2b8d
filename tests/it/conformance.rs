//! Every answer under `/api/v1` that any integration test receives is
//! checked against the OpenAPI document (`tracestamp::api::openapi::spec`):
//! its status must be one the operation describes, its media type one that
//! status describes, and a JSON body must validate against the described
//! schema — error bodies included. So the document cannot drift from the
//! handlers without some test failing, on either backend.
//!
//! The harness (`TestApp::send_request`) and the loopback clients
//! (`server::Client`, the CLI test's socket) call [`check`]; a failure names
//! the request, the status and what in the body broke the schema.
//!
//! The document is OpenAPI 3.0, whose schema objects are JSON Schema draft 4
//! with `nullable`; they are translated once (`nullable: true` becomes a
//! `null` type or enum member) and compiled once per test binary.

use jsonschema::{Draft, Registry, Validator};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Where the translated document is registered for `$ref`s.
const ROOT: &str = "urn:tracestamp:openapi";

/// The described operations, their responses compiled.
pub struct Contract {
    operations: Vec<Operation>,
    /// The `Error` schema, for answers to routes the document does not have.
    error: Validator,
}

struct Operation {
    method: String,
    template: String,
    /// `None` for a `{param}` segment.
    segments: Vec<Option<String>>,
    /// Status → media types → schema (`None`: not JSON, the media type alone
    /// is checked). An empty map: the status has no body.
    responses: BTreeMap<u16, BTreeMap<String, Option<Validator>>>,
}

/// The contract, built on first use and shared by every test of the binary.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| Contract::build(&tracestamp::api::openapi::spec()))
}

/// Checks one answer; `Err` says what does not match. Answers outside
/// `/api/v1` are not the document's concern.
pub fn check(
    method: &str,
    uri: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(), String> {
    let path = uri.split(['?', '#']).next().unwrap_or(uri);
    if path != "/api/v1" && !path.starts_with("/api/v1/") {
        return Ok(());
    }
    contract()
        .check(method, path, status, content_type, body)
        .map_err(|why| format!("OpenAPI: {method} {uri} answered {status}: {why}"))
}

/// [`check`], panicking with its message.
#[track_caller]
pub fn assert_conforms(
    method: &str,
    uri: &str,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) {
    if let Err(why) = check(method, uri, status, content_type, body) {
        panic!("{why}\nbody: {}", String::from_utf8_lossy(body));
    }
}

impl Contract {
    fn build(doc: &Value) -> Contract {
        // Each response schema is copied under `definitions/rN` of one
        // resource beside the document's components, so that their
        // `#/components/schemas/…` references resolve and the validators
        // refer to them by a plain pointer.
        let mut definitions = Map::new();
        let mut pending = Vec::new();
        for (template, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("path item") {
                let mut responses = BTreeMap::new();
                let described = operation["responses"].as_object().expect("responses");
                for (status, response) in described {
                    let status: u16 = status
                        .parse()
                        .unwrap_or_else(|_| panic!("{method} {template}: status {status}"));
                    let mut media = BTreeMap::new();
                    if let Some(content) = response.get("content").and_then(Value::as_object) {
                        for (media_type, entry) in content {
                            let slot = is_json(media_type).then(|| {
                                let name = format!("r{}", definitions.len());
                                let schema = entry.get("schema").cloned().unwrap_or(json!({}));
                                definitions.insert(name.clone(), openapi_to_json_schema(schema));
                                name
                            });
                            media.insert(media_type.to_ascii_lowercase(), slot);
                        }
                    }
                    responses.insert(status, media);
                }
                pending.push((method.to_ascii_uppercase(), template.clone(), responses));
            }
        }
        let resource = json!({
            "components": openapi_to_json_schema(doc["components"].clone()),
            "definitions": definitions,
        });
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(ROOT, resource)
            .expect("registry URI")
            .prepare()
            .expect("the OpenAPI document's schemas resolve");
        let compile = |pointer: &str| {
            jsonschema::options()
                .with_draft(Draft::Draft4)
                .with_registry(&registry)
                .should_validate_formats(true)
                .with_format("uuid", |s: &str| uuid::Uuid::try_parse(s).is_ok())
                .build(&json!({"$ref": format!("{ROOT}#{pointer}")}))
                .unwrap_or_else(|e| panic!("the schema at {pointer} compiles: {e}"))
        };
        let operations = pending
            .into_iter()
            .map(|(method, template, responses)| Operation {
                segments: template
                    .split('/')
                    .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                    .collect(),
                method,
                template,
                responses: responses
                    .into_iter()
                    .map(|(status, media)| {
                        let media = media
                            .into_iter()
                            .map(|(m, slot)| {
                                (m, slot.map(|n| compile(&format!("/definitions/{n}"))))
                            })
                            .collect();
                        (status, media)
                    })
                    .collect(),
            })
            .collect();
        Contract {
            operations,
            error: compile("/components/schemas/Error"),
        }
    }

    /// The described operation a request goes to: the template whose
    /// segments all match, literal segments preferred over parameters (as
    /// the router prefers them).
    fn operation(&self, method: &str, path: &str) -> Option<&Operation> {
        let segments: Vec<&str> = path.split('/').collect();
        self.operations
            .iter()
            .filter(|o| o.method == method && o.segments.len() == segments.len())
            .filter(|o| {
                o.segments
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t.as_deref().is_none_or(|t| t == *s))
            })
            .max_by_key(|o| o.segments.iter().filter(|s| s.is_some()).count())
    }

    fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let Some(operation) = self.operation(method, path) else {
            // Not a described operation: the API's own "no such route"
            // (404) or "method not allowed" (405), as an error body.
            if !matches!(status, 404 | 405) {
                return Err("no described operation has this method and path".into());
            }
            return validate(&self.error, content_type, body);
        };
        let Some(media) = operation.responses.get(&status) else {
            return Err(format!(
                "{} {} does not describe this status (it describes {:?})",
                operation.method,
                operation.template,
                operation.responses.keys().collect::<Vec<_>>()
            ));
        };
        if media.is_empty() {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "the status is described without a body, but {} bytes came",
                    body.len()
                ))
            };
        }
        let Some(answered) = content_type.map(media_type) else {
            return Err(format!(
                "no Content-Type; described: {:?}",
                media.keys().collect::<Vec<_>>()
            ));
        };
        match media.get(&answered) {
            None => Err(format!(
                "Content-Type {answered} is not described (described: {:?})",
                media.keys().collect::<Vec<_>>()
            )),
            Some(None) => Ok(()),
            Some(Some(validator)) => validate(validator, content_type, body),
        }
    }
}

/// A JSON body against its schema; every schema error is listed.
fn validate(validator: &Validator, content_type: Option<&str>, body: &[u8]) -> Result<(), String> {
    if !content_type.map(media_type).is_some_and(|m| is_json(&m)) {
        return Err(format!("Content-Type {content_type:?} is not JSON"));
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("at {:?}: {e}", e.instance_path().as_str()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("the body breaks the schema: {}", errors.join("; ")))
    }
}

/// `type/subtype` of a Content-Type, lower case, without parameters.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

/// An OpenAPI 3.0 schema object as plain JSON Schema (draft 4): what
/// differs is `nullable: true`, which allows `null` besides the type.
fn openapi_to_json_schema(value: Value) -> Value {
    match value {
        Value::Array(items) => {
            Value::Array(items.into_iter().map(openapi_to_json_schema).collect())
        }
        Value::Object(mut map) => {
            let nullable = map.remove("nullable") == Some(Value::Bool(true));
            let mut map: Map<String, Value> = map
                .into_iter()
                .map(|(k, v)| (k, openapi_to_json_schema(v)))
                .collect();
            if nullable {
                if let Some(Value::Array(values)) = map.get_mut("enum") {
                    values.push(Value::Null);
                }
                match map.remove("type") {
                    Some(Value::String(t)) => {
                        map.insert("type".into(), json!([t, "null"]));
                    }
                    Some(other) => {
                        map.insert("type".into(), other);
                    }
                    None if map.contains_key("$ref") => {
                        return json!({"anyOf": [Value::Object(map), {"type": "null"}]});
                    }
                    None => {}
                }
            }
            Value::Object(map)
        }
        other => other,
    }
}

/// The translation and the matching, on their own.
#[test]
fn nullable_becomes_a_null_type_and_statuses_are_matched() {
    assert_eq!(
        openapi_to_json_schema(json!({"type": "string", "enum": ["a"], "nullable": true})),
        json!({"type": ["string", "null"], "enum": ["a", null]})
    );
    assert_eq!(
        openapi_to_json_schema(json!({"$ref": "#/x", "nullable": true})),
        json!({"anyOf": [{"$ref": "#/x"}, {"type": "null"}]})
    );
    let error = br#"{"error":{"code":"not_found","message":"no such API route"}}"#;
    let json = Some("application/json");
    assert!(check("GET", "/api/v1/nowhere", 404, json, error).is_ok());
    assert!(check("GET", "/api/v1/nowhere", 200, json, b"{}").is_err());
    assert!(check("GET", "/api/v1/me", 404, json, error).is_ok());
    // An error body must be an error body, and a status must be described.
    assert!(check("GET", "/api/v1/me", 404, json, b"{}").is_err());
    assert!(check("GET", "/api/v1/me", 418, json, error).is_err());
    assert!(check("GET", "/api/v1/me", 200, Some("text/plain"), b"x").is_err());
    // 204 carries nothing.
    let id = uuid::Uuid::now_v7();
    assert!(check("DELETE", &format!("/api/v1/events/{id}"), 204, None, b"").is_ok());
    assert!(check("DELETE", &format!("/api/v1/events/{id}"), 204, None, b"{}").is_err());
    // Outside the API, nothing is checked.
    assert!(check("GET", "/s/ABC", 200, None, b"").is_ok());
}
