//! The OpenAPI document: served without login, and in step with the code —
//! every route registered under `/api/v1` is described, every described
//! operation is routed, and the length limits it states are the ones the
//! validators enforce.

use actix_web::http::Method;
use serde_json::{json, Value};
use std::collections::BTreeSet;

use crate::harness::TestApp;
use crate::world::{self, World};

/// `(METHOD, path)` of every route the handlers in `src/api/` register,
/// read from their source: `web::resource("P")` followed by
/// `.route(web::get()…)`s, and `.route("P", web::post()…)`.
fn registered_routes() -> BTreeSet<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/api");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        // The document describes /api/v1; EPCIS has its own standard.
        if path
            .file_name()
            .is_some_and(|n| n == "openapi.rs" || n == "epcis.rs")
        {
            continue;
        }
        let source: String = std::fs::read_to_string(&path)
            .unwrap()
            .split_whitespace()
            .collect();
        let mut resource: Option<String> = None;
        let mut rest = source.as_str();
        loop {
            let next = ["web::resource(\"", ".route(\"", ".route(web::"]
                .iter()
                .filter_map(|p| rest.find(p).map(|at| (at, *p)))
                .min();
            let Some((at, pattern)) = next else { break };
            rest = &rest[at + pattern.len()..];
            // `get().to(…)` → GET
            let method = |text: &str| text.split('(').next().unwrap().to_ascii_uppercase();
            match pattern {
                "web::resource(\"" => {
                    let end = rest.find('"').unwrap();
                    resource = Some(rest[..end].to_owned());
                }
                ".route(\"" => {
                    let end = rest.find('"').unwrap();
                    let route = rest[..end].trim_start_matches("/api/v1").to_owned();
                    let after = rest[end..].strip_prefix("\",web::").expect("a method");
                    found.insert((method(after), route));
                    resource = None;
                }
                _ => {
                    let route = resource.clone().expect("a route inside a resource");
                    found.insert((method(rest), route));
                }
            }
        }
    }
    found
}

#[actix_web::test]
async fn the_document_is_public_and_describes_every_route() {
    let app = TestApp::new();
    let doc = app
        .send(Method::GET, "/api/v1/openapi.json", None, None)
        .await
        .expect(200)
        .body;
    assert_eq!(doc["openapi"], "3.0.3");
    let mut described = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let path = path.strip_prefix("/api/v1").expect("under /api/v1");
            described.insert((method.to_ascii_uppercase(), path.to_owned()));
        }
    }
    let mut registered = registered_routes();
    registered.insert(("GET".into(), "/openapi.json".into()));
    assert!(
        registered.len() > 50,
        "routes read from src/api: {registered:?}"
    );
    let missing: Vec<_> = registered.difference(&described).collect();
    let extra: Vec<_> = described.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes not in the document: {missing:?}"
    );
    assert!(extra.is_empty(), "described but not routed: {extra:?}");
}

#[actix_web::test]
async fn every_described_operation_is_routed_and_answers_without_a_server_error() {
    let app = TestApp::new();
    let admin = app.account("admin", "admin", None, None);
    let unknown = uuid::Uuid::now_v7().to_string();
    for (method, path) in tracestamp::api::openapi::described() {
        let uri = format!("/api/v1{}", path.replace("{id}", &unknown));
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = matches!(method, Method::POST | Method::PATCH).then(|| json!({}));
        let answer = app.send(method.clone(), &uri, Some(&admin), body).await;
        let status = answer.status.as_u16();
        assert!(status < 500 && status != 405, "{method} {uri}: {status}");
        assert_ne!(
            answer.body["error"]["message"], "no such API route",
            "{method} {uri}"
        );
    }
}

/// The `maxLength` of every plain-text field of the create bodies is what
/// the validators enforce: one character more is a 422 on that field.
#[actix_web::test]
async fn stated_length_limits_are_enforced() {
    let w = World::build().await;
    let doc = tracestamp::api::openapi::spec();
    let schemas = &doc["components"]["schemas"];
    let cases: Vec<(&str, String, &str, Value)> = vec![
        (
            "EnterpriseFields",
            "/api/v1/enterprises".into(),
            &w.admin,
            world::enterprise_body("Hợp tác xã 9", "1500000009", "Vĩnh Long"),
        ),
        (
            "FacilityFields",
            "/api/v1/facilities".into(),
            &w.a.token,
            world::facility_body("Vườn 9", "Vĩnh Long"),
        ),
        (
            "ProductFields",
            "/api/v1/products".into(),
            &w.a.token,
            world::product_body("Bưởi 9"),
        ),
        (
            "CertificationFields",
            format!("/api/v1/facilities/{}/certifications", w.a.facility),
            &w.a.token,
            json!({"scheme": "vietgap", "number": "VG-9", "issuer": "QUACERT",
                   "valid_from": "2025-01-01", "valid_to": "2027-12-31"}),
        ),
        (
            "InspectionFields",
            format!("/api/v1/facilities/{}/inspections", w.a.facility),
            &w.regulator,
            json!({"inspected_on": "2026-01-05", "result": "pass", "findings": "ok"}),
        ),
    ];
    let before = w.app.snapshot();
    let mut checked = 0;
    for (schema, uri, token, base) in cases {
        let props = schemas[schema]["properties"].as_object().unwrap();
        for (field, rule) in props {
            if rule["type"] != "string" {
                continue;
            }
            let (Some(max), Some(1)) = (rule["maxLength"].as_u64(), rule["minLength"].as_u64())
            else {
                continue;
            };
            if rule.get("pattern").is_some() || rule.get("format").is_some() {
                continue;
            }
            let mut body = base.clone();
            body[field] = json!("ạ".repeat(max as usize + 1));
            let answer = w.app.post(&uri, token, body).await.expect(422);
            assert_eq!(answer.body["error"]["field"], *field, "{schema}.{field}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} limits checked");
    assert_eq!(before, w.app.snapshot(), "nothing written");
}
