//! The OpenAPI document: served without login, and in step with the code —
//! every route registered under `/api/v1` is described, every described
//! operation is routed, and every limit it states (lengths, bounds, counts,
//! vocabularies) is the one the validators enforce, in both directions.

use actix_web::http::Method;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

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

/// A valid body carrying `k` items of an array field.
type Items = Box<dyn Fn(usize) -> Value>;

/// A body the limits of an operation are tried on: where, as whom, and a
/// valid body (`n`: a fresh number, for fields that must be unique).
struct Fixture {
    uri: String,
    token: String,
    body: Box<dyn Fn(u32) -> Value>,
    /// For an array field with `maxItems`: a valid body carrying that many
    /// items of it.
    items: Option<(&'static str, Items)>,
}

fn fixture(uri: String, token: &str, body: impl Fn(u32) -> Value + 'static) -> Fixture {
    Fixture {
        uri,
        token: token.to_owned(),
        body: Box::new(body),
        items: None,
    }
}

/// One stated limit of one field: values at the limit (each must be
/// accepted) and one past it (refused, naming the field).
struct Limit {
    field: String,
    rule: String,
    at: Vec<Value>,
    past: Option<Value>,
}

/// The limits a schema states for one value, read from the document:
/// `maxLength` (of plain text: a pattern or format sets its own shape),
/// `maximum`, `minimum`, `enum`, `maxItems`.
fn limits_of(field: &str, schema: &Value) -> Vec<Limit> {
    let mut out = Vec::new();
    let limit = |rule: &str, at: Vec<Value>, past: Option<Value>| Limit {
        field: field.to_owned(),
        rule: rule.to_owned(),
        at,
        past,
    };
    let integer = schema["type"] == "integer";
    if let Some(values) = schema["enum"].as_array() {
        out.push(limit(
            "enum",
            values.clone(),
            Some(json!("not-a-listed-value")),
        ));
    } else if let Some(max) = schema["maxLength"].as_u64() {
        // Plain text is padded with a Vietnamese letter (characters, not
        // bytes, are counted); text of a stated shape from its `example`.
        let shaped = schema.get("pattern").is_some() || schema.get("format").is_some();
        let text = match schema["example"].as_str() {
            Some(example) => Some((example.to_owned(), "a")),
            None if !shaped => Some((String::new(), "ạ")),
            None => None,
        };
        if let Some((start, pad)) = text {
            let text = |n: u64| {
                let fill = n as usize - start.chars().count();
                json!(format!("{start}{}", pad.repeat(fill)))
            };
            out.push(limit("maxLength", vec![text(max)], Some(text(max + 1))));
        }
    }
    let number = |x: f64| if integer { json!(x as i64) } else { json!(x) };
    if let Some(max) = schema["maximum"].as_f64() {
        // An exclusive bound: one under it is in, the bound itself out.
        if schema["exclusiveMaximum"] == true {
            out.push(limit(
                "exclusiveMaximum",
                vec![number(max - 1.0)],
                Some(number(max)),
            ));
        } else {
            out.push(limit("maximum", vec![number(max)], Some(number(max + 1.0))));
        }
    }
    if let Some(min) = schema["minimum"].as_f64() {
        if schema["exclusiveMinimum"] == true {
            out.push(limit(
                "exclusiveMinimum",
                vec![number(min + 1.0)],
                Some(number(min)),
            ));
        } else {
            out.push(limit("minimum", vec![number(min)], Some(number(min - 1.0))));
        }
    }
    if let Some(max) = schema["maxItems"].as_u64() {
        // The items themselves come from the operation's fixture.
        out.push(limit("maxItems", vec![json!(max)], Some(json!(max + 1))));
    }
    out
}

/// A schema with its `$ref` followed into `components`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc
            .pointer(r.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{r} resolves")),
        None => schema,
    }
}

fn refused_naming(answer: &crate::harness::Answer, field: &str) -> bool {
    matches!(answer.status.as_u16(), 400 | 422) && answer.body["error"]["field"] == field
}

/// Taken: a success, or a 409 (the fixture's state conflicts, as a second
/// suspension does) or a 422 naming another field (a rule across fields,
/// such as a transformation's inputs) — either shows the value passed.
fn accepted(answer: &crate::harness::Answer, field: &str) -> bool {
    let status = answer.status.as_u16();
    let error_field = &answer.body["error"]["field"];
    answer.status.is_success()
        || status == 409
        || (status == 422 && error_field.is_string() && error_field != field)
}

/// Every limit the document states on a request body or a query parameter
/// holds in both directions: the value at the limit is accepted, the value
/// one past it is refused with a 400/422 naming the field, and a refused
/// request writes nothing. The limits are read from the document, so a
/// limit added to it is tried here; an operation with limits and no fixture
/// below fails the test.
#[actix_web::test]
async fn stated_limits_hold_in_both_directions() {
    let w = World::build().await;
    let doc = tracestamp::api::openapi::spec();
    let a = &w.a;
    // PATCHes go to the third tenant, so that the values tried there (a
    // facility moved to the last province listed…) change nothing the other
    // fixtures stand on.
    let c = &w.c;
    // A Chinese name, so that Chinese labels (`lang=zh`) print.
    w.app
        .patch(
            &format!("/api/v1/products/{}", a.product),
            &a.token,
            json!({"name_zh": "南罗柚"}),
        )
        .await
        .expect(200);
    // A roll of 10,001 stamps for the void and listing limits.
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", a.batch),
            &a.token,
            json!({"count": 10_001}),
        )
        .await
        .expect(201)
        .id();
    let serials: Vec<Value> = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{roll}/serials?format=json&count=10001"),
            &a.token,
        )
        .await
        .expect(200)
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["serial"].clone())
        .collect();
    assert_eq!(serials.len(), 10_001);
    // 101 batches of the tenant, as the inputs of one transformation.
    let mut inputs = Vec::new();
    for n in 0..101 {
        let batch = w
            .app
            .post(
                "/api/v1/batches",
                &a.token,
                world::batch_body(&a.product, &a.facility, &format!("IN-{n}")),
            )
            .await
            .expect(201)
            .id();
        inputs.push(json!({"batch_id": batch}));
    }
    let (facility, product) = (a.facility.clone(), a.product.clone());
    let v1 = |p: &str| format!("/api/v1{p}");
    let mut fixtures: BTreeMap<(&str, String), Fixture> = BTreeMap::new();
    let mut add = |method: &'static str, template: &str, f: Fixture| {
        fixtures.insert((method, v1(template)), f);
    };
    add(
        "POST",
        "/tokens",
        fixture(
            v1("/tokens"),
            &a.token,
            |n| json!({"name": format!("t{n}")}),
        ),
    );
    add(
        "POST",
        "/enterprises",
        fixture(v1("/enterprises"), &w.admin, |n| {
            world::enterprise_body(
                "Hợp tác xã",
                &format!("{:010}", 3_000_000_000u64 + u64::from(n)),
                "Vĩnh Long",
            )
        }),
    );
    add(
        "PATCH",
        "/enterprises/{id}",
        fixture(
            v1(&format!("/enterprises/{}", c.enterprise)),
            &w.admin,
            |_| json!({}),
        ),
    );
    add(
        "PUT",
        "/enterprises/{id}/contact",
        fixture(
            v1(&format!("/enterprises/{}/contact", a.enterprise)),
            &a.token,
            |_| json!({}),
        ),
    );
    add(
        "POST",
        "/facilities",
        fixture(v1("/facilities"), &a.token, |_| {
            world::facility_body("Vườn", "Vĩnh Long")
        }),
    );
    add(
        "PATCH",
        "/facilities/{id}",
        fixture(v1(&format!("/facilities/{}", c.facility)), &c.token, |_| {
            json!({})
        }),
    );
    let certification = |n: u32| {
        json!({"scheme": "vietgap", "number": format!("VG-{n}"), "issuer": "QUACERT",
               "valid_from": "2025-01-01", "valid_to": "2027-12-31"})
    };
    add(
        "POST",
        "/facilities/{id}/certifications",
        fixture(
            v1(&format!("/facilities/{facility}/certifications")),
            &a.token,
            certification,
        ),
    );
    add(
        "PATCH",
        "/certifications/{id}",
        fixture(
            v1(&format!("/certifications/{}", c.certification)),
            &c.token,
            |_| json!({}),
        ),
    );
    add(
        "POST",
        "/products",
        fixture(v1("/products"), &a.token, |_| world::product_body("Bưởi")),
    );
    add(
        "PATCH",
        "/products/{id}",
        fixture(v1(&format!("/products/{}", c.product)), &c.token, |_| {
            json!({})
        }),
    );
    add(
        "POST",
        "/products/{id}/links",
        fixture(
            v1(&format!("/products/{product}/links")),
            &a.token,
            |_| json!({"link_type": "gs1:recipeInfo", "href": "https://example.vn/r", "title": "Công thức"}),
        ),
    );
    {
        let (p, f) = (product.clone(), facility.clone());
        add(
            "POST",
            "/batches",
            fixture(v1("/batches"), &a.token, move |n| {
                world::batch_body(&p, &f, &format!("L-{n}"))
            }),
        );
    }
    add(
        "PATCH",
        "/batches/{id}",
        fixture(
            v1(&format!("/batches/{}", c.batch)),
            &c.token,
            |_| json!({}),
        ),
    );
    {
        let f = facility.clone();
        let mut events = fixture(
            v1(&format!("/batches/{}/events", a.batch)),
            &a.token,
            move |_| world::harvest_body(&f),
        );
        let f = facility.clone();
        let inputs = inputs.clone();
        events.items = Some((
            "inputs",
            Box::new(move |k| {
                json!({"kind": "transformation", "occurred_at": "2026-11-03T08:00:00+07:00",
                       "facility_id": f, "inputs": inputs[..k]})
            }),
        ));
        add("POST", "/batches/{id}/events", events);
    }
    add(
        "PATCH",
        "/events/{id}",
        fixture(v1(&format!("/events/{}", c.event)), &c.token, |_| json!({})),
    );
    // Another tenant's event, so that the PATCH fixture's event above is
    // not retracted by the value at the limit.
    add(
        "POST",
        "/events/{id}/retract",
        fixture(
            v1(&format!("/events/{}/retract", w.b.event)),
            &w.b.token,
            |_| json!({"reason": "ghi nhầm"}),
        ),
    );
    add(
        "POST",
        "/batches/{id}/stamp-rolls",
        fixture(
            v1(&format!("/batches/{}/stamp-rolls", a.batch)),
            &a.token,
            |_| json!({"count": 1}),
        ),
    );
    {
        let mut void = fixture(
            v1(&format!("/stamp-rolls/{roll}/void")),
            &a.token,
            |_| json!({"reason": "in hỏng"}),
        );
        void.items = Some((
            "serials",
            Box::new(move |k| json!({"serials": serials[..k], "reason": "in hỏng"})),
        ));
        add("POST", "/stamp-rolls/{id}/void", void);
    }
    {
        // A processing plant: its checklist is the longest (`maxItems`).
        let mut body = world::facility_body("Xưởng chế biến", "Vĩnh Long");
        body["kind"] = json!("processing_plant");
        body["area_code"] = json!(null);
        let plant = w
            .app
            .post("/api/v1/facilities", &a.token, body)
            .await
            .expect(201)
            .id();
        let codes: Vec<&'static str> = tracestamp::domain::checklist::items(
            tracestamp::domain::kinds::FacilityKind::ProcessingPlant,
        )
        .iter()
        .map(|i| i.code)
        .collect();
        let base = || json!({"inspected_on": "2026-01-05", "result": "pass", "findings": "ok"});
        let mut inspect = fixture(
            v1(&format!("/facilities/{plant}/inspections")),
            &w.regulator,
            move |_| base(),
        );
        inspect.items = Some((
            "checklist",
            Box::new(move |k| {
                // Past the kind's list, an item is repeated: refused anyway.
                let list: Vec<Value> = (0..k)
                    .map(|n| json!({"code": codes[n % codes.len()], "answer": "pass"}))
                    .collect();
                let mut body = base();
                body["checklist"] = json!(list);
                body
            }),
        ));
        add("POST", "/facilities/{id}/inspections", inspect);
    }
    let reason = |_| json!({"reason": "kiểm tra"});
    for action in ["suspend", "reinstate"] {
        let template: &'static str = if action == "suspend" {
            "/facilities/{id}/suspend"
        } else {
            "/facilities/{id}/reinstate"
        };
        add(
            "POST",
            template,
            fixture(
                v1(&format!("/facilities/{}/{action}", w.b.facility)),
                &w.regulator,
                reason,
            ),
        );
    }
    // Each accepted relocation must move the facility: the commune, and
    // with it the province, alternates. An admin's
    // reach follows it wherever it goes.
    let moved = w.c.facility.clone();
    add(
        "POST",
        "/facilities/{id}/relocate",
        fixture(
            v1(&format!("/facilities/{moved}/relocate")),
            &w.admin,
            |n| {
                // Phường Cái Vồn (Vĩnh Long) and Phường Ninh Kiều (Cần Thơ).
                let commune = if n % 2 == 0 { "29770" } else { "31135" };
                json!({"commune_code": commune, "reason": "địa giới mới"})
            },
        ),
    );
    for action in ["recall", "unrecall"] {
        let template: &'static str = if action == "recall" {
            "/batches/{id}/recall"
        } else {
            "/batches/{id}/unrecall"
        };
        add(
            "POST",
            template,
            fixture(
                v1(&format!("/batches/{}/{action}", w.b.batch)),
                &w.regulator,
                reason,
            ),
        );
    }

    // The supply chain: parties, a shipment, a receipt to accept and one to
    // refuse, and an external lot.
    add(
        "POST",
        "/parties",
        fixture(v1("/parties"), &a.token, |n| {
            json!({"business_name": format!("Vựa trái cây {n}"), "street": "Ấp Phú Thạnh",
                   "province": "Cần Thơ"})
        }),
    );
    let outside = w
        .app
        .post(
            "/api/v1/parties",
            &c.token,
            json!({"business_name": "Vựa cá Hai Lúa", "street": "Ấp 1", "province": "Cần Thơ"}),
        )
        .await
        .expect(201)
        .id();
    add(
        "PATCH",
        "/parties/{id}",
        fixture(v1(&format!("/parties/{outside}")), &c.token, |_| json!({})),
    );
    let party_of = |enterprise: &str| json!({"enterprise_id": enterprise});
    let to_b = w
        .app
        .post("/api/v1/parties", &a.token, party_of(&w.b.enterprise))
        .await
        .expect(201)
        .id();
    let to_c = w
        .app
        .post("/api/v1/parties", &a.token, party_of(&c.enterprise))
        .await
        .expect(201)
        .id();
    let shipment = {
        let facility = facility.clone();
        move |to: &str| {
            json!({"to_party_id": to, "facility_id": facility,
                   "occurred_at": "2026-11-03T07:00:00+07:00", "quantity": 10.0, "unit": "kg",
                   "details": {"reference_document": {"type": "delivery_note", "number": "PGH-1"}}})
        }
    };
    {
        let (shipment, to_b) = (shipment.clone(), to_b.clone());
        add(
            "POST",
            "/batches/{id}/shipments",
            fixture(
                v1(&format!("/batches/{}/shipments", a.batch)),
                &a.token,
                move |_| shipment(&to_b),
            ),
        );
    }
    let receipt = |to: &str| {
        let body = shipment(to);
        let app = &w.app;
        let token = a.token.clone();
        let batch = a.batch.clone();
        async move {
            app.post(&format!("/api/v1/batches/{batch}/shipments"), &token, body)
                .await
                .expect(201)
                .body["handover"]["id"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let to_accept = receipt(&to_b).await;
    let to_refuse = receipt(&to_c).await;
    let receiving = w.b.facility.clone();
    add(
        "POST",
        "/handovers/{id}/accept",
        fixture(
            v1(&format!("/handovers/{to_accept}/accept")),
            &w.b.token,
            move |_| {
                json!({"quantity": 1.0, "facility_id": receiving, "reference_type": "delivery_note",
                       "reference_number": "PNK-1"})
            },
        ),
    );
    add(
        "POST",
        "/handovers/{id}/refuse",
        fixture(
            v1(&format!("/handovers/{to_refuse}/refuse")),
            &c.token,
            reason,
        ),
    );
    {
        let (product, facility) = (c.product.clone(), c.facility.clone());
        let outside = outside.clone();
        add(
            "POST",
            "/external-lots",
            fixture(v1("/external-lots"), &c.token, move |n| {
                json!({"party_id": outside, "product_id": product, "facility_id": facility,
                       "lot_code": format!("HL-{n}"), "product_description": "Cá tra nguyên con",
                       "quantity": 5.0, "unit": "kg", "reference_type": "invoice",
                       "reference_number": "HD-1", "occurred_at": "2026-11-07T09:00:00+07:00"})
            }),
        );
    }

    // Export codes and lab results (`export_codes::`, `lab_results::`): a
    // code of the first tenant's facility whose status the regulator sets,
    // twenty-one more for the batch's list at and past its limit, and a laboratory.
    {
        let code_body = |facility: &str, code: String| {
            json!({"code": code, "kind": "planting_area", "facility_id": facility,
                   "crop": "durian", "area_ha": 10.0, "markets": ["cn"]})
        };
        let mut codes = Vec::new();
        for k in 0..22 {
            let code = format!("VN-LIMIT-{k:04}");
            let id = w
                .app
                .post(
                    "/api/v1/export-codes",
                    &a.token,
                    code_body(&facility, code.clone()),
                )
                .await
                .expect(201)
                .id();
            codes.push((id, code));
        }
        let f = facility.clone();
        add(
            "POST",
            "/export-codes",
            fixture(v1("/export-codes"), &a.token, move |n| {
                code_body(&f, format!("VN-FIX-{n:05}"))
            }),
        );
        add(
            "POST",
            "/export-codes/{id}/status",
            fixture(
                v1(&format!("/export-codes/{}/status", codes[0].0)),
                &w.regulator,
                |_| json!({"market": "cn", "status": "approved", "reason": "GACC list"}),
            ),
        );
        let names: Vec<String> = codes[1..].iter().map(|(_, c)| c.clone()).collect();
        let mut batch_codes = fixture(
            v1(&format!("/batches/{}/export-codes", a.batch)),
            &a.token,
            |_| json!({"codes": []}),
        );
        batch_codes.items = Some(("codes", Box::new(move |k| json!({"codes": names[..k]}))));
        add("PUT", "/batches/{id}/export-codes", batch_codes);
        add(
            "POST",
            "/laboratories",
            fixture(v1("/laboratories"), &w.admin, |n| {
                json!({"name": "Phòng thử nghiệm", "accreditation": format!("VILAS {n}"),
                       "markets": ["cn"]})
            }),
        );
        let lab = w
            .app
            .post(
                "/api/v1/laboratories",
                &w.admin,
                json!({"name": "Phòng thử nghiệm", "accreditation": "VILAS 0", "markets": ["cn"]}),
            )
            .await
            .expect(201)
            .id();
        let lab_for_withdrawal = lab.clone();
        let result = move |analytes: Value| {
            json!({"laboratory_id": lab, "sampled_on": "2026-11-01", "sampled_by": "Người lấy mẫu",
                   "reported_on": "2026-11-04", "analytes": analytes})
        };
        let analyte =
            || json!({"analyte": "cadmium", "result": 0.01, "limit": 0.05, "unit": "mg/kg"});
        let one = result.clone();
        let mut lab_results = fixture(
            v1(&format!("/batches/{}/lab-results", a.batch)),
            &a.token,
            move |_| one(json!([analyte()])),
        );
        lab_results.items = Some((
            "analytes",
            Box::new(move |k| result(Value::Array(vec![analyte(); k]))),
        ));
        add("POST", "/batches/{id}/lab-results", lab_results);
        // A result to withdraw: the value at the limit withdraws it, the
        // one past it is refused before the result is looked at.
        let recorded = w
            .app
            .post(
                &format!("/api/v1/batches/{}/lab-results", a.batch),
                &a.token,
                json!({"laboratory_id": lab_for_withdrawal, "sampled_on": "2026-11-01",
                       "sampled_by": "Người lấy mẫu", "reported_on": "2026-11-04",
                       "analytes": [{"analyte": "cadmium", "result": 0.01, "limit": 0.05,
                                     "unit": "mg/kg"}]}),
            )
            .await
            .expect(201)
            .id();
        add(
            "POST",
            "/lab-results/{id}/withdraw",
            fixture(
                v1(&format!("/lab-results/{recorded}/withdraw")),
                &a.token,
                |_| json!({"reason": "Ghi nhầm kết quả của lô khác"}),
            ),
        );
    }

    // Query parameters: the path's ids, and a base query that keeps the
    // answer small (one stamp's serial, one label).
    let id_for = |template: &str| -> String {
        if !template.contains("{id}") {
            return template.to_owned();
        }
        let first = template
            .trim_start_matches("/api/v1/")
            .split('/')
            .next()
            .unwrap();
        let id = match first {
            "enterprises" => a.enterprise.clone(),
            "facilities" => a.facility.clone(),
            "certifications" => a.certification.clone(),
            "products" => a.product.clone(),
            "batches" => a.batch.clone(),
            "events" => a.event.clone(),
            "stamp-rolls" => roll.clone(),
            other => panic!("no id for /{other}/{{id}}: add one to the test"),
        };
        template.replace("{id}", &id)
    };
    let base_query = |template: &str| match template {
        t if t.ends_with("/serials") || t.ends_with("/pins") => "count=1",
        // The largest sheet, so `start` reaches its stated maximum.
        t if t.ends_with("/labels.pdf") => "count=1&layout=a4-4x10",
        "/api/v1/scans" => "origin=none",
        _ => "",
    };
    // A count at its stated maximum on these streams millions of serials or
    // a 10,000-label PDF: its upper bound is checked on `stamp_range` itself.
    let too_large_at_limit = |template: &str, field: &str| {
        field == "count"
            && (template.ends_with("/serials")
                || template.ends_with("/pins")
                || template.ends_with("/labels.pdf"))
    };

    let mut checked = 0;
    let mut failures = Vec::new();
    let mut missing = BTreeSet::new();
    let mut n = 0u32;
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method_up = method.to_ascii_uppercase();
            // Request bodies.
            if let Some(body) = operation.pointer("/requestBody/content/application~1json/schema") {
                let schema = resolve(&doc, body);
                let empty = Map::new();
                let props = schema["properties"].as_object().unwrap_or(&empty);
                let limits: Vec<Limit> = props
                    .iter()
                    .flat_map(|(f, s)| limits_of(f, resolve(&doc, s)))
                    .collect();
                if limits.is_empty() {
                    continue;
                }
                // Accepted, these revoke every secret of the account, the
                // fixture's too: their limits are tried in `credentials::`.
                if matches!(
                    template.as_str(),
                    "/api/v1/auth/password" | "/api/v1/auth/reset"
                ) {
                    continue;
                }
                let Some(fx) = fixtures.get(&(method_up.as_str(), template.clone())) else {
                    missing.insert(format!("{method_up} {template}"));
                    continue;
                };
                let method = Method::from_bytes(method_up.as_bytes()).unwrap();
                for limit in limits {
                    let with = |value: &Value, n: u32| -> Value {
                        if limit.rule == "maxItems" {
                            let (field, items) = fx
                                .items
                                .as_ref()
                                .filter(|(f, _)| *f == limit.field)
                                .unwrap_or_else(|| {
                                    panic!("{method_up} {template}: no items for {}", limit.field)
                                });
                            let _ = field;
                            items(value.as_u64().unwrap() as usize)
                        } else {
                            let mut body = (fx.body)(n);
                            body[&limit.field] = value.clone();
                            body
                        }
                    };
                    let what = |v: &Value| {
                        let shown = v.to_string();
                        let shown: String = shown.chars().take(40).collect();
                        format!(
                            "{method_up} {template} {}.{} = {shown}",
                            limit.rule, limit.field
                        )
                    };
                    for value in &limit.at {
                        n += 1;
                        let answer = w
                            .app
                            .send(
                                method.clone(),
                                &fx.uri,
                                Some(&fx.token),
                                Some(with(value, n)),
                            )
                            .await;
                        if !accepted(&answer, &limit.field) {
                            failures.push(format!(
                                "{} (at the limit) refused: {} {}",
                                what(value),
                                answer.status,
                                answer.text
                            ));
                        }
                        checked += 1;
                    }
                    if let Some(value) = &limit.past {
                        n += 1;
                        let before = w.app.snapshot();
                        let answer = w
                            .app
                            .send(
                                method.clone(),
                                &fx.uri,
                                Some(&fx.token),
                                Some(with(value, n)),
                            )
                            .await;
                        if !refused_naming(&answer, &limit.field) {
                            failures.push(format!(
                                "{} (past the limit) not refused naming it: {} {}",
                                what(value),
                                answer.status,
                                answer.text
                            ));
                        }
                        if before != w.app.snapshot() {
                            failures
                                .push(format!("{} (past the limit) wrote something", what(value)));
                        }
                        checked += 1;
                    }
                }
            }
            // Query parameters.
            let params = operation["parameters"].as_array().unwrap();
            for param in params.iter().filter(|p| p["in"] == "query") {
                let field = param["name"].as_str().unwrap();
                for limit in limits_of(field, &param["schema"]) {
                    let uri = |value: &Value| {
                        let value = match value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let base: Vec<&str> = base_query(template)
                            .split('&')
                            .filter(|kv| !kv.is_empty() && !kv.starts_with(&format!("{field}=")))
                            .collect();
                        let value: String = percent_encoding::utf8_percent_encode(
                            &value,
                            percent_encoding::NON_ALPHANUMERIC,
                        )
                        .collect();
                        let mut query = base.join("&");
                        if !query.is_empty() {
                            query.push('&');
                        }
                        format!("{}?{query}{field}={value}", id_for(template))
                    };
                    let method = Method::from_bytes(method_up.as_bytes()).unwrap();
                    if !too_large_at_limit(template, field) {
                        for value in &limit.at {
                            let answer = w
                                .app
                                .send(method.clone(), &uri(value), Some(&w.admin), None)
                                .await;
                            if !accepted(&answer, field) {
                                failures.push(format!(
                                    "{method_up} {} (at the {} limit) refused: {} {}",
                                    uri(value),
                                    limit.rule,
                                    answer.status,
                                    answer.text
                                ));
                            }
                            checked += 1;
                        }
                    }
                    if let Some(value) = &limit.past {
                        let before = w.app.snapshot();
                        let answer = w
                            .app
                            .send(method.clone(), &uri(value), Some(&w.admin), None)
                            .await;
                        if !refused_naming(&answer, field) {
                            failures.push(format!(
                                "{method_up} {} (past the {} limit) not refused naming it: {} {}",
                                uri(value),
                                limit.rule,
                                answer.status,
                                answer.text
                            ));
                        }
                        if before != w.app.snapshot() {
                            failures.push(format!("{method_up} {} wrote something", uri(value)));
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    // The stream counts' upper bounds, where the test cannot ask for that much.
    let spec_max = |path: &str| {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "count")
            .unwrap()["schema"]["maximum"]
            .as_i64()
            .unwrap()
    };
    for path in [
        "/api/v1/stamp-rolls/{id}/serials",
        "/api/v1/stamp-rolls/{id}/pins",
        "/api/v1/stamp-rolls/{id}/labels.pdf",
    ] {
        let max = spec_max(path);
        assert_eq!(
            tracestamp::api::stamps::stamp_range(max, None, Some(max), max).unwrap(),
            (0, max),
            "{path}"
        );
    }
    assert!(
        missing.is_empty(),
        "operations with stated limits and no fixture here: {missing:?}"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} limit checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 200, "only {checked} limit checks");
}
