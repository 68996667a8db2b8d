//! EPCIS 2.0 capture and query through the real app: the GS1 examples
//! round-trip intact, every query parameter filters, pages chain, capture
//! is idempotent, rollback and proceed differ, and tenants stay apart.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tracestamp::epcis::cbv::expand_event;

use crate::harness::{Answer, TestApp};
use crate::world::World;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

fn document(events: Vec<Value>) -> Value {
    json!({"@context": [CONTEXT, {"ex": "https://example.org/ns/"}],
           "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-11-20T00:00:00Z", "epcisBody": {"eventList": events}})
}

fn object_event(id: &str, time: &str, extra: Value) -> Value {
    let mut event = json!({"eventID": id, "type": "ObjectEvent", "action": "OBSERVE",
        "eventTime": time, "eventTimeZoneOffset": "+07:00",
        "epcList": [format!("urn:epc:id:sgtin:0614141.107346.{}", id.len())]});
    if let (Some(event), Value::Object(extra)) = (event.as_object_mut(), extra) {
        event.extend(extra);
    }
    event
}

async fn capture_with(
    app: &TestApp,
    token: Option<&str>,
    body: String,
    content_type: &str,
    behaviour: Option<&str>,
) -> Answer {
    let mut req = TestRequest::default()
        .method(Method::POST)
        .uri("/epcis/capture")
        .insert_header((header::CONTENT_TYPE, content_type))
        .set_payload(body);
    if let Some(t) = token {
        req = req.insert_header((header::AUTHORIZATION, format!("Bearer {t}")));
    }
    if let Some(b) = behaviour {
        req = req.insert_header(("GS1-Capture-Error-Behaviour", b));
    }
    app.send_request(req).await
}

async fn capture(app: &TestApp, token: &str, doc: &Value) -> Answer {
    capture_with(
        app,
        Some(token),
        doc.to_string(),
        "application/ld+json",
        None,
    )
    .await
}

fn events_of(answer: &Answer) -> Vec<Value> {
    answer.body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        .as_array()
        .unwrap_or_else(|| panic!("not a query document: {}", answer.text))
        .clone()
}

/// The eventIDs a query answers, in order.
async fn ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let answer = app
        .get(&format!("/epcis/events?{query}"), token)
        .await
        .expect(200);
    events_of(&answer)
        .iter()
        .map(|e| e["eventID"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn conformance_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("conformance folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "jsonld") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/epcis/JSON"),
        &mut files,
    );
    files.sort();
    files
}

/// An event as JSON-LD means it: CBV short names expanded; the repository
/// adds `recordTime`, so it is left out of the comparison.
fn meaning(event: &Value) -> Value {
    let mut event = event.clone();
    expand_event(&mut event);
    if let Some(map) = event.as_object_mut() {
        map.remove("recordTime");
    }
    event
}

#[actix_web::test]
async fn every_gs1_example_is_captured_and_queried_back_intact() {
    let w = World::build().await;
    let files = conformance_files();
    assert_eq!(
        files.len(),
        28,
        "the 28 documents of the conformance README"
    );
    let mut sent = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("read example");
        let answer = capture_with(
            &w.app,
            Some(&w.a.token),
            text.clone(),
            "application/ld+json",
            None,
        )
        .await;
        assert_eq!(answer.status, 202, "{}: {}", file.display(), answer.text);
        assert_eq!(answer.body["success"], true, "{}", answer.text);
        let doc: Value = serde_json::from_str(&text).unwrap();
        sent.extend(doc["epcisBody"]["eventList"].as_array().unwrap().clone());
    }
    assert_eq!(sent.len(), 32);

    let answer = w
        .app
        .get("/epcis/events?perPage=1000", &w.a.token)
        .await
        .expect(200);
    let back = events_of(&answer);
    // The producer's own harvest event is mirrored too.
    assert_eq!(back.len(), 33, "{}", answer.text);
    let contexts = answer.body["@context"].to_string();
    for prefix in ["example", "ext1", "cbvmda"] {
        assert!(
            contexts.contains(&format!("\"{prefix}\"")) || prefix == "cbvmda",
            "@context lacks {prefix}: {contexts}"
        );
    }
    // Every answered event names who captured it; the rest is as sent.
    for event in &back {
        assert!(
            event["http://127.0.0.1:8080/epcis/ns/capturedBy"]
                .as_str()
                .is_some_and(|by| by.ends_with(&w.a.enterprise)),
            "{event}"
        );
    }
    let back_meanings: Vec<Value> = back
        .iter()
        .map(|event| {
            let mut event = event.clone();
            if let Some(map) = event.as_object_mut() {
                map.remove("http://127.0.0.1:8080/epcis/ns/capturedBy");
            }
            meaning(&event)
        })
        .collect();
    for event in &sent {
        let wanted = meaning(event);
        let found = match event.get("eventID") {
            Some(id) => back_meanings.iter().find(|b| b.get("eventID") == Some(id)),
            None => back_meanings.iter().find(|b| **b == wanted),
        };
        let found = found.unwrap_or_else(|| panic!("not returned: {event}"));
        assert_eq!(found, &wanted, "changed in the round trip");
    }
    for event in &back {
        assert!(event["recordTime"].is_string(), "{event}");
    }

    // One event by its eventID, percent-encoded as a path segment.
    let id =
        "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0";
    let encoded: String =
        percent_encoding::utf8_percent_encode(id, percent_encoding::NON_ALPHANUMERIC).to_string();
    let one = w
        .app
        .get(&format!("/epcis/events/{encoded}"), &w.a.token)
        .await
        .expect(200);
    assert_eq!(one.body["eventID"], id);
    assert!(one.body["@context"].is_array(), "{}", one.text);
    w.app
        .get("/epcis/events/urn%3Auuid%3Anone", &w.a.token)
        .await
        .expect(404);
}

/// Five events of the producer of tenant a, differing in every field the
/// query parameters look at.
fn query_fixture() -> Value {
    document(vec![
        object_event(
            "urn:uuid:00000000-0000-4000-8000-000000000001",
            "2026-11-01T08:00:00+07:00",
            json!({"bizStep": "shipping", "disposition": "in_transit",
                   "readPoint": {"id": "urn:epc:id:sgln:0614141.00001.0"},
                   "bizLocation": {"id": "urn:epc:id:sgln:0614141.00001.1"},
                   "epcList": ["urn:epc:id:sgtin:0614141.107346.1", "urn:epc:id:sgtin:0614141.107346.2"]}),
        ),
        object_event(
            "urn:uuid:00000000-0000-4000-8000-000000000002",
            "2026-11-02T08:00:00+07:00",
            json!({"action": "ADD", "bizStep": "https://ref.gs1.org/cbv/BizStep-receiving",
                   "disposition": "in_progress", "readPoint": {"id": "urn:epc:id:sgln:0614141.00002.0"},
                   "epcList": [], "quantityList": [{"epcClass": "urn:epc:class:lgtin:0614141.107346.LOT7",
                   "quantity": 200, "uom": "KGM"}]}),
        ),
        json!({"eventID": "urn:uuid:00000000-0000-4000-8000-000000000003", "type": "AggregationEvent",
               "action": "ADD", "eventTime": "2026-11-03T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
               "parentID": "urn:epc:id:sscc:0614141.1234567890", "bizStep": "packing",
               "childEPCs": ["urn:epc:id:sgtin:0614141.107346.2"]}),
        json!({"eventID": "urn:uuid:00000000-0000-4000-8000-000000000004", "type": "TransformationEvent",
               "eventTime": "2026-11-04T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
               "inputEPCList": ["urn:epc:id:sgtin:0614141.107346.1"],
               "outputEPCList": ["urn:epc:id:sgtin:0614141.999999.9"]}),
        object_event(
            "urn:uuid:00000000-0000-4000-8000-000000000005",
            "2026-11-05T08:00:00+07:00",
            json!({"action": "DELETE", "bizStep": "destroying",
                   "disposition": "destroyed", "epcList": ["urn:epc:id:sgtin:0614141.200000.5"]}),
        ),
    ])
}

fn n(ids: &[&str]) -> Vec<String> {
    ids.iter()
        .map(|i| format!("urn:uuid:00000000-0000-4000-8000-00000000000{i}"))
        .collect()
}

#[actix_web::test]
async fn each_query_parameter_filters() {
    let w = World::build().await;
    let t = &w.a.token;
    capture(&w.app, t, &query_fixture()).await.expect(202);
    // Captured ones only: our own mirrored harvest is an ObjectEvent ADD
    // of 2026-11-02 too, so the fixture's cases steer clear of it by type
    // or time where they would otherwise meet it.
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("eventType=AggregationEvent|TransformationEvent", vec!["3", "4"]),
        ("GE_eventTime=2026-11-03T08:00:00%2B07:00", vec!["3", "4", "5"]),
        ("LT_eventTime=2026-11-01T12:00:00Z", vec!["1"]),
        ("GE_eventTime=2026-11-02T00:00:00Z&LT_eventTime=2026-11-03T01:00:01Z", vec!["2", "3"]),
        ("EQ_action=DELETE", vec!["5"]),
        ("EQ_bizStep=receiving", vec!["2"]),
        ("EQ_bizStep=https%3A%2F%2Fref.gs1.org%2Fcbv%2FBizStep-shipping", vec!["1"]),
        ("EQ_bizStep=urn:epcglobal:cbv:bizstep:destroying", vec!["5"]),
        ("EQ_disposition=in_transit|destroyed", vec!["1", "5"]),
        ("EQ_readPoint=urn:epc:id:sgln:0614141.00002.0", vec!["2"]),
        ("EQ_bizLocation=urn:epc:id:sgln:0614141.00001.1", vec!["1"]),
        ("MATCH_epc=urn:epc:id:sgtin:0614141.107346.2", vec!["1", "3"]),
        ("MATCH_anyEPC=urn:epc:id:sgtin:0614141.107346.1", vec!["1", "4"]),
        ("MATCH_anyEPC=urn:epc:id:sscc:0614141.1234567890", vec!["3"]),
        ("MATCH_epcClass=urn:epc:class:lgtin:0614141.107346.LOT7", vec!["2"]),
        ("MATCH_epcClass=urn:epc:idpat:sgtin:0614141.107346.*", vec!["2"]),
        ("MATCH_inputEPC=urn:epc:id:sgtin:0614141.107346.1", vec!["4"]),
        ("MATCH_outputEPC=urn:epc:id:sgtin:0614141.999999.9", vec!["4"]),
        ("MATCH_epc=urn:epc:idpat:sgtin:0614141.200000.*", vec!["5"]),
        ("eventType=ObjectEvent&EQ_action=ADD&MATCH_epcClass=urn:epc:class:lgtin:0614141.107346.LOT7", vec!["2"]),
    ];
    for (query, expected) in cases {
        assert_eq!(ids(&w.app, t, query).await, n(&expected), "{query}");
    }
    // Record time: everything was recorded just now.
    let all = ids(&w.app, t, "GE_recordTime=2000-01-01T00:00:00Z").await;
    assert_eq!(all.len(), 6);
    assert!(ids(&w.app, t, "LT_recordTime=2000-01-01T00:00:00Z")
        .await
        .is_empty());
    // Path forms.
    let typed = w
        .app
        .get("/epcis/eventTypes/TransformationEvent/events", t)
        .await
        .expect(200);
    assert_eq!(events_of(&typed).len(), 1);
    w.app
        .get("/epcis/eventTypes/PartyEvent/events", t)
        .await
        .expect(404);
    let epc = w
        .app
        .get(
            "/epcis/epcs/urn%3Aepc%3Aid%3Asgtin%3A0614141.107346.2/events",
            t,
        )
        .await
        .expect(200);
    assert_eq!(events_of(&epc).len(), 2);

    for bad in [
        "perPage=0",
        "GE_eventTime=yesterday",
        "EQ_action=SHOUT",
        "colour=red",
        "nextPageToken=abc",
    ] {
        let answer = w
            .app
            .get(&format!("/epcis/events?{bad}"), t)
            .await
            .expect(400);
        assert_eq!(
            answer.headers.get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        assert_eq!(
            answer.body["type"], "epcisException:QueryParameterException",
            "{bad}"
        );
    }
}

#[actix_web::test]
async fn pages_chain_through_link_headers() {
    let w = World::build().await;
    capture(&w.app, &w.a.token, &query_fixture())
        .await
        .expect(202);
    let mut seen = Vec::new();
    let mut next = Some(
        "/epcis/events?perPage=2&eventType=ObjectEvent|AggregationEvent|TransformationEvent"
            .to_owned(),
    );
    let mut pages = 0;
    while let Some(path) = next.take() {
        let answer = w.app.get(&path, &w.a.token).await.expect(200);
        let events = events_of(&answer);
        assert!(events.len() <= 2);
        seen.extend(
            events
                .iter()
                .map(|e| e["eventID"].as_str().unwrap().to_owned()),
        );
        pages += 1;
        next = answer.headers.get(header::LINK).map(|link| {
            let link = link.to_str().unwrap();
            assert!(link.ends_with("rel=\"next\""), "{link}");
            link[1..link.find('>').unwrap()].to_owned()
        });
    }
    assert_eq!(pages, 3, "6 events, 2 per page");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 6);
}

#[actix_web::test]
async fn capturing_twice_stores_once() {
    let w = World::build().await;
    let mut doc = query_fixture();
    // One event without eventID: recognised by its canonical hash, even
    // when sent again with a CBV URI in place of the short name.
    let anonymous = json!({"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
        "eventTime": "2026-11-06T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.77"]});
    doc["epcisBody"]["eventList"]
        .as_array_mut()
        .unwrap()
        .push(anonymous.clone());
    let first = capture(&w.app, &w.a.token, &doc).await.expect(202);
    assert_eq!(first.body["storedCount"], 6);
    let mut again = doc.clone();
    let list = again["epcisBody"]["eventList"].as_array_mut().unwrap();
    list[5]["bizStep"] = json!("https://ref.gs1.org/cbv/BizStep-shipping");
    let second = capture(&w.app, &w.a.token, &again).await.expect(202);
    assert_eq!(second.body["storedCount"], 0, "{}", second.text);
    assert_eq!(second.body["success"], true);
    assert_eq!(ids(&w.app, &w.a.token, "perPage=100").await.len(), 7);
    // The job is kept and readable at its Location.
    let location = second
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let job = w.app.get(&location, &w.a.token).await.expect(200);
    assert_eq!(job.body["running"], false);
    assert_eq!(job.body["eventCount"], 6);
    // Another enterprise may not capture the same eventIDs: an eventID
    // names one event, the first enterprise's (README, "Rules").
    let refused = capture(&w.app, &w.b.token, &doc).await.expect(400);
    assert!(
        refused.text.contains("another enterprise"),
        "{}",
        refused.text
    );
    assert_eq!(ids(&w.app, &w.b.token, "perPage=100").await.len(), 1);
}

/// Rows of capture jobs and of events held.
fn stored(app: &TestApp) -> (i64, i64) {
    use diesel::prelude::*;
    use tracestamp::db::schema::{epcis_capture, epcis_event};
    let mut conn = app.conn();
    (
        epcis_capture::table.count().get_result(&mut *conn).unwrap(),
        epcis_event::table.count().get_result(&mut *conn).unwrap(),
    )
}

fn mixed_document() -> Value {
    document(vec![
        object_event(
            "urn:uuid:00000000-0000-4000-8000-0000000000a1",
            "2026-11-01T08:00:00+07:00",
            json!({}),
        ),
        json!({"eventID": "urn:uuid:00000000-0000-4000-8000-0000000000a2", "type": "AggregationEvent",
               "action": "ADD", "eventTime": "2026-11-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
               "childEPCs": ["urn:epc:id:sgtin:0614141.107346.3"]}),
        object_event(
            "urn:uuid:00000000-0000-4000-8000-0000000000a3",
            "2026-11-01T08:00:00",
            json!({"ilmd": {"cbvmda:lotNumber": "L1"}}),
        ),
        object_event(
            "urn:uuid:00000000-0000-4000-8000-0000000000a4",
            "2026-11-01T09:00:00+07:00",
            json!({}),
        ),
    ])
}

#[actix_web::test]
async fn rollback_refuses_all_and_proceed_keeps_the_valid_events() {
    let w = World::build().await;
    let before = w.app.snapshot();
    let refused = capture(&w.app, &w.a.token, &mixed_document())
        .await
        .expect(400);
    assert_eq!(
        refused.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    assert_eq!(refused.body["type"], "epcisException:ValidationException");
    let errors = refused.body["errors"].as_array().unwrap();
    let named: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["eventIndex"].as_u64().unwrap(),
                e["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(named.contains(&(1, "/parentID")), "{named:?}");
    assert!(named.contains(&(2, "/eventTime")), "{named:?}");
    assert!(named.contains(&(2, "/ilmd")), "{named:?}");
    assert!(errors
        .iter()
        .any(|e| e["eventID"] == "urn:uuid:00000000-0000-4000-8000-0000000000a2"));
    assert!(ids(&w.app, &w.a.token, "eventType=ObjectEvent|AggregationEvent&GE_eventTime=2026-11-01T00:00:00Z&LT_eventTime=2026-11-01T12:00:00Z").await.is_empty());
    assert_eq!(w.app.snapshot(), before);
    assert_eq!(
        stored(&w.app),
        (0, 3),
        "no job, only the three mirrored harvests"
    );

    let kept = capture_with(
        &w.app,
        Some(&w.a.token),
        mixed_document().to_string(),
        "application/json",
        Some("proceed"),
    )
    .await
    .expect(202);
    assert_eq!(kept.body["success"], false);
    assert_eq!(stored(&w.app), (1, 5));
    assert_eq!(kept.body["storedCount"], 2);
    assert_eq!(
        kept.body["errors"]["errors"].as_array().unwrap().len(),
        errors.len()
    );
    assert_eq!(
        ids(
            &w.app,
            &w.a.token,
            "GE_eventTime=2026-11-01T00:00:00Z&LT_eventTime=2026-11-01T12:00:00Z"
        )
        .await,
        [
            "urn:uuid:00000000-0000-4000-8000-0000000000a1",
            "urn:uuid:00000000-0000-4000-8000-0000000000a4"
        ]
    );
    capture_with(
        &w.app,
        Some(&w.a.token),
        "{}".into(),
        "application/json",
        Some("sometimes"),
    )
    .await
    .expect(400);
}

#[actix_web::test]
async fn invalid_documents_get_useful_problems() {
    let w = World::build().await;
    let t = Some(w.a.token.as_str());
    let syntax = capture_with(
        &w.app,
        t,
        "{\"type\": \"EPCISDocument\",".into(),
        "application/ld+json",
        None,
    )
    .await
    .expect(400);
    assert!(
        syntax.body["detail"].as_str().unwrap().contains("not JSON"),
        "{}",
        syntax.text
    );
    let schema = capture_with(&w.app, t, document(vec![json!({"type": "ObjectEvent", "action": "SHOUT",
        "eventTime": "2026-11-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00", "epcList": ["not a uri"]})]).to_string(),
        "application/ld+json", None).await.expect(400);
    let fields: Vec<&str> = schema.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.iter().any(|f| f.starts_with("/action")),
        "{}",
        schema.text
    );
    assert!(
        fields.iter().any(|f| f.starts_with("/epcList")),
        "{}",
        schema.text
    );
    let transformation = capture(
        &w.app,
        &w.a.token,
        &document(vec![json!({"type": "TransformationEvent",
        "eventTime": "2026-11-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
        "inputEPCList": ["urn:epc:id:sgtin:0614141.107346.1"]})]),
    )
    .await
    .expect(400);
    assert!(
        transformation.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "/outputEPCList"
                && e["message"]
                    .as_str()
                    .unwrap()
                    .contains("at least one output")),
        "{}",
        transformation.text
    );
    capture_with(&w.app, t, document(vec![]).to_string(), "text/plain", None)
        .await
        .expect(415);
    let not_doc = capture(&w.app, &w.a.token, &json!({"type": "EPCISQueryDocument"}))
        .await
        .expect(400);
    assert_eq!(not_doc.body["errors"][0]["field"], "/type");
    let many: Vec<Value> = (0..10_001).map(|_| json!({})).collect();
    capture(&w.app, &w.a.token, &document(many))
        .await
        .expect(413);
}

#[actix_web::test]
async fn options_and_description_state_limits_and_versions() {
    let w = World::build().await;
    let options = w
        .app
        .send(Method::OPTIONS, "/epcis/capture", Some(&w.a.token), None)
        .await
        .expect(204);
    assert_eq!(
        options.headers.get("GS1-EPCIS-Capture-Limit").unwrap(),
        "10000"
    );
    assert_eq!(
        options
            .headers
            .get("GS1-EPCIS-Capture-File-Size-Limit")
            .unwrap(),
        "16777216"
    );
    assert_eq!(options.headers.get("GS1-EPCIS-Version").unwrap(), "2.0.0");
    let about = w.app.get("/epcis", &w.a.token).await.expect(200);
    assert_eq!(about.body["epcisVersion"], "2.0.0");
    assert_eq!(about.body["cbvVersion"], "2.0.0");
}

#[actix_web::test]
async fn tenants_see_their_own_events_only() {
    let w = World::build().await;
    let unauthenticated = w
        .app
        .send(Method::GET, "/epcis/events", None, None)
        .await
        .expect(401);
    assert_eq!(
        unauthenticated.body["type"],
        "epcisException:SecurityException"
    );
    assert_eq!(
        unauthenticated.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    capture_with(
        &w.app,
        None,
        document(vec![]).to_string(),
        "application/ld+json",
        None,
    )
    .await
    .expect(401);
    let doc = document(vec![object_event(
        "urn:uuid:00000000-0000-4000-8000-0000000000c1",
        "2026-11-01T08:00:00+07:00",
        json!({}),
    )]);
    let job = capture(&w.app, &w.c.token, &doc).await.expect(202);
    capture(&w.app, &w.regulator, &doc).await.expect(403);
    capture(&w.app, &w.admin, &doc).await.expect(403);
    let count = |answer: Answer| events_of(&answer).len();
    // Each producer: its own mirrored harvest (+ c's capture).
    assert_eq!(
        count(w.app.get("/epcis/events", &w.a.token).await.expect(200)),
        1
    );
    assert_eq!(
        count(w.app.get("/epcis/events", &w.c.token).await.expect(200)),
        2
    );
    // Regulators: their province's enterprises.
    assert_eq!(
        count(w.app.get("/epcis/events", &w.regulator).await.expect(200)),
        2
    );
    assert_eq!(
        count(
            w.app
                .get("/epcis/events", &w.other_regulator)
                .await
                .expect(200)
        ),
        2
    );
    assert_eq!(
        count(w.app.get("/epcis/events", &w.admin).await.expect(200)),
        4
    );
    w.app
        .get(
            "/epcis/events/urn%3Auuid%3A00000000-0000-4000-8000-0000000000c1",
            &w.a.token,
        )
        .await
        .expect(404);
    let location = job
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    w.app.get(&location, &w.a.token).await.expect(404);
    w.app.get(&location, &w.c.token).await.expect(200);
}

#[actix_web::test]
async fn batch_events_are_epcis_events() {
    let w = World::build().await;
    let t = &w.a.token;
    let f = &w.a.facility;
    let base = w.app.state().config.base_url().to_owned();
    for body in [
        json!({"kind": "packing", "occurred_at": "2026-11-03T08:00:00+07:00", "facility_id": f, "details": {"packages": 120, "quantity": 1200, "unit": "kg"}}),
        json!({"kind": "shipping", "occurred_at": "2026-11-04T08:00:00+07:00", "facility_id": f,
               "details": {"ship_to": {"business_name": "Chợ đầu mối Bình Điền"}, "quantity": 1000, "unit": "kg",
                           "reference_document": {"type": "delivery_note", "number": "PX-1"}}}),
        json!({"kind": "input_application", "occurred_at": "2026-10-01T08:00:00+07:00", "facility_id": f,
               "details": {"product": "Kali sunfat", "dose": 50, "dose_unit": "kg_per_ha", "pre_harvest_interval_days": 7}}),
    ] {
        w.app
            .post(&format!("/api/v1/batches/{}/events", w.a.batch), t, body)
            .await
            .expect(201);
    }
    // A second batch made from the first: a transformation.
    let second = w
        .app
        .post(
            "/api/v1/batches",
            t,
            crate::world::batch_body(&w.a.product, f, "LOT-1B"),
        )
        .await
        .expect(201)
        .id();
    w.app.post(&format!("/api/v1/batches/{second}/events"), t,
        json!({"kind": "transformation", "occurred_at": "2026-11-05T08:00:00+07:00", "facility_id": f,
               "details": {"quantity": 400, "unit": "kg"},
               "inputs": [{"batch_id": w.a.batch, "quantity": 500, "unit": "kg"}]})).await.expect(201);

    let answer = w.app.get("/epcis/events", t).await.expect(200);
    let events = events_of(&answer);
    assert_eq!(events.len(), 5);
    let by_kind = |kind: &str| {
        events
            .iter()
            .find(|e| e["tracestamp:kind"] == kind)
            .unwrap_or_else(|| panic!("{kind}: {}", answer.text))
            .clone()
    };
    let lot = format!("{base}/lots/{}", w.a.batch);
    let harvest = by_kind("harvesting");
    assert_eq!(
        (harvest["type"].as_str(), harvest["action"].as_str()),
        (Some("ObjectEvent"), Some("ADD"))
    );
    assert_eq!(harvest["ilmd"]["cbvmda:lotNumber"], "LOT-1");
    assert_eq!(harvest["quantityList"][0]["epcClass"], lot.as_str());
    assert_eq!(harvest["quantityList"][0]["uom"], "KGM");
    assert_eq!(harvest["readPoint"]["id"], format!("{base}/facilities/{f}"));
    assert_eq!(harvest["eventID"], format!("urn:uuid:{}", w.a.event));
    assert_eq!(by_kind("packing")["type"], "AggregationEvent");
    let shipping = by_kind("shipping");
    assert_eq!(shipping["bizStep"], "shipping");
    assert!(shipping["destinationList"][0]["destination"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{base}/parties/")));
    assert_eq!(
        by_kind("input_application")["tracestamp:product"],
        "Kali sunfat"
    );
    let transformation = by_kind("transformation");
    assert_eq!(transformation["type"], "TransformationEvent");
    assert_eq!(
        transformation["inputQuantityList"][0]["epcClass"],
        lot.as_str()
    );
    assert_eq!(transformation["inputQuantityList"][0]["quantity"], 500.0);

    // What we publish is valid EPCIS: it passes the same capture checks
    // (under eventIDs of its own: an eventID names one enterprise's event).
    let mut republished: Vec<Value> = events.clone();
    for e in &mut republished {
        e.as_object_mut().unwrap().remove("recordTime");
        e.as_object_mut().unwrap().remove("eventID");
    }
    let mut doc = document(republished);
    doc["@context"] = answer.body["@context"].clone();
    capture(&w.app, &w.b.token, &doc).await.expect(202);

    // Queries reach them by our identifiers.
    assert_eq!(
        ids(&w.app, t, &format!("MATCH_epcClass={}", urlencode(&lot)))
            .await
            .len(),
        4
    );
    assert_eq!(ids(&w.app, t, "EQ_bizStep=shipping").await.len(), 1);

    // An edit rewrites the mirror; a delete removes it.
    let shipping_id = shipping["eventID"]
        .as_str()
        .unwrap()
        .trim_start_matches("urn:uuid:")
        .to_owned();
    w.app
        .patch(
            &format!("/api/v1/events/{shipping_id}"),
            t,
            json!({"details": {"ship_to": {"business_name": "Cảng Cát Lái"}, "quantity": 1000, "unit": "kg",
                "reference_document": {"type": "delivery_note", "number": "PX-1"}}}),
        )
        .await
        .expect(200);
    let edited = w
        .app
        .get(&format!("/epcis/events/urn%3Auuid%3A{shipping_id}"), t)
        .await
        .expect(200);
    assert!(
        edited.body["destinationList"][0]["destination"]
            .as_str()
            .unwrap()
            .ends_with("C%E1%BA%A3ng%20C%C3%A1t%20L%C3%A1i"),
        "{}",
        edited.text
    );
    w.app
        .delete(&format!("/api/v1/events/{shipping_id}"), t)
        .await
        .expect(204);
    w.app
        .get(&format!("/epcis/events/urn%3Auuid%3A{shipping_id}"), t)
        .await
        .expect(404);
}

fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[actix_web::test]
async fn captured_events_about_our_lots_join_the_consumer_timeline() {
    let w = World::build().await;
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 1}),
        )
        .await
        .expect(201);
    let id = roll.body["id"].as_str().unwrap().to_owned();
    let serials = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?format=json"),
            &w.a.token,
        )
        .await
        .expect(200);
    let url = serials.body[0]["url"].as_str().unwrap().to_owned();
    let serial = serials.body[0]["serial"].as_str().unwrap().to_owned();
    let doc = document(vec![object_event(
        "urn:uuid:00000000-0000-4000-8000-0000000000d1",
        "2026-11-09T08:00:00+07:00",
        json!({"bizStep": "receiving", "epcList": [url],
        "bizLocation": {"id": "urn:epc:id:sgln:0614141.00009.0"}}),
    )]);
    // Another enterprise naming our stamp does not reach our timeline.
    let mut theirs = doc.clone();
    theirs["epcisBody"]["eventList"][0]["eventID"] =
        json!("urn:uuid:00000000-0000-4000-8000-0000000000d2");
    capture(&w.app, &w.b.token, &theirs).await.expect(202);
    let record = tracestamp::public::record::load(&mut w.app.conn(), &w.a.batch)
        .unwrap()
        .unwrap();
    assert!(record.events.iter().all(|e| e.kind != "receiving"));
    capture(&w.app, &w.a.token, &doc).await.expect(202);
    let page = w
        .app
        .send_request(
            TestRequest::default()
                .uri(&format!("/s/{serial}"))
                .insert_header((header::ACCEPT, "application/json")),
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("\"source\":\"epcis\""), "{}", page.text);
    let record = tracestamp::public::record::load(&mut w.app.conn(), &w.a.batch)
        .unwrap()
        .unwrap();
    let kinds: Vec<&str> = record.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["harvesting", "receiving"]);
    assert_eq!(record.events[1].facility, "urn:epc:id:sgln:0614141.00009.0");
}

/// `cargo test --release --test it epcis::capture_10k -- --ignored --nocapture`
#[actix_web::test]
#[ignore = "a measurement: run in release"]
async fn capture_10k() {
    let w = World::build().await;
    let events: Vec<Value> = (0..10_000)
        .map(|i| json!({"eventID": format!("urn:uuid:00000000-0000-4000-8000-{i:012}"), "type": "ObjectEvent",
            "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
            "eventTime": "2026-11-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
            "epcList": [format!("urn:epc:id:sgtin:0614141.107346.{i}")],
            "readPoint": {"id": "urn:epc:id:sgln:0614141.00001.0"},
            "bizTransactionList": [{"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:0614141073467:1152"}],
            "ex:temperature": 4.5}))
        .collect();
    let body = document(events).to_string();
    let started = std::time::Instant::now();
    let answer = capture_with(
        &w.app,
        Some(&w.a.token),
        body.clone(),
        "application/ld+json",
        None,
    )
    .await;
    let took = started.elapsed();
    assert_eq!(answer.status, 202, "{}", answer.text);
    assert_eq!(answer.body["storedCount"], 10_000);
    println!("captured 10,000 events ({} bytes) in {took:?}", body.len());
    let query = std::time::Instant::now();
    let page = w
        .app
        .get(
            "/epcis/events?MATCH_epc=urn:epc:id:sgtin:0614141.107346.9999",
            &w.a.token,
        )
        .await
        .expect(200);
    assert_eq!(events_of(&page).len(), 1);
    println!("MATCH_epc among 10,000: {:?}", query.elapsed());
}

/// The hostile documents of issue 16: each refused quickly with a problem
/// body naming the cap, and nothing stored.
#[actix_web::test]
async fn documents_over_the_work_caps_are_refused_quickly() {
    let w = World::build().await;
    let before = stored(&w.app);
    // One event with an epcList of 2,000,000 integers (about 4 MB).
    let mut huge = String::from(
        r#"{"@context":["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],"type":"EPCISDocument","schemaVersion":"2.0","creationDate":"2026-11-20T00:00:00Z","epcisBody":{"eventList":[{"type":"ObjectEvent","action":"OBSERVE","eventTime":"2026-11-20T00:00:00Z","eventTimeZoneOffset":"+00:00","epcList":["#,
    );
    huge.push_str(&vec!["1"; 2_000_000].join(","));
    huge.push_str("]}]}}");
    let started = std::time::Instant::now();
    let refused = capture_with(&w.app, Some(&w.a.token), huge, "application/ld+json", None)
        .await
        .expect(413);
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(3), "took {took:?}");
    assert_eq!(
        refused.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("10000 items"),
        "{}",
        refused.text
    );
    // Identifiers over the per-event cap, each list under the array cap.
    let ids = |n: usize, tag: &str| -> Vec<String> {
        (0..n)
            .map(|i| format!("urn:epc:id:sgtin:0614141.107346.{tag}{i}"))
            .collect()
    };
    let fat = object_event(
        "urn:uuid:6d9b0f62-3b5c-4f57-9b8a-1a1a1a1a1a1a",
        "2026-11-20T08:00:00+07:00",
        json!({"epcList": ids(6_000, "a"), "childEPCs": ids(4_001, "b")}),
    );
    let refused = capture(&w.app, &w.a.token, &document(vec![fat]))
        .await
        .expect(413);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("10001 identifiers"),
        "{}",
        refused.text
    );
    // Many wrong values, each an error: the list is cut, the count stated.
    let bad: Vec<Value> = (0..300)
        .map(|i| {
            object_event(
                &format!("urn:uuid:00000000-0000-4000-8000-{i:012}"),
                "2026-11-20T08:00:00+07:00",
                json!({"epcList": vec![1; 20]}),
            )
        })
        .collect();
    let refused = capture(&w.app, &w.a.token, &document(bad))
        .await
        .expect(400);
    let errors = refused.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101, "{}", refused.text);
    // 6,000 wrong identifiers, at least one error each, 100 listed; the
    // events after the list filled are counted, their errors not built.
    let summary = errors[100]["message"].as_str().unwrap();
    assert!(
        summary.ends_with("more invalid event(s), not listed") && summary.contains(" 29"),
        "{summary}"
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("300 event(s)"),
        "{}",
        refused.text
    );
    assert_eq!(stored(&w.app), before, "nothing stored");
}

/// `count` distinct events, numbered from `from` (`prefix`: two hex digits).
fn numbered(prefix: &str, from: usize, count: usize) -> Value {
    document(
        (from..from + count)
            .map(|n| {
                object_event(
                    &format!("urn:uuid:6a1c2f0e-0000-4000-8000-{prefix}{n:010}"),
                    "2026-11-20T08:00:00+07:00",
                    json!({}),
                )
            })
            .collect(),
    )
}

#[actix_web::test]
async fn an_enterprise_has_a_storage_quota_and_a_capture_rate() {
    let mut w = World::build().await;
    w.app.state_mut().config.epcis_event_quota = 3;
    capture(&w.app, &w.a.token, &numbered("aa", 0, 2))
        .await
        .expect(202);
    let before = stored(&w.app);
    // Two more would make four: refused whole, nothing stored.
    let refused = capture(&w.app, &w.a.token, &numbered("aa", 2, 2))
        .await
        .expect(413);
    assert_eq!(
        refused.body["type"],
        "epcisException:CaptureLimitExceededException"
    );
    assert!(
        refused.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("EPCIS_EVENT_QUOTA") && d.contains("2 are stored")),
        "{}",
        refused.text
    );
    assert_eq!(stored(&w.app), before, "nothing stored");
    // One more fits exactly; another enterprise has a quota of its own.
    capture(&w.app, &w.a.token, &numbered("aa", 2, 1))
        .await
        .expect(202);
    capture(&w.app, &w.b.token, &numbered("bb", 0, 3))
        .await
        .expect(202);
    capture(&w.app, &w.a.token, &numbered("aa", 3, 1))
        .await
        .expect(413);

    // The rate: per enterprise, whatever address its systems use.
    w.app.state_mut().config.epcis_event_quota = 1_000;
    w.app.state_mut().config.epcis_captures_per_minute = 2;
    w.app.state_mut().limits =
        std::sync::Arc::new(tracestamp::limits::Limits::new(&w.app.state().config));
    for n in 0..2 {
        capture(&w.app, &w.a.token, &numbered("cc", n * 10, 1))
            .await
            .expect(202);
    }
    let before = stored(&w.app);
    let limited = capture(&w.app, &w.a.token, &numbered("cc", 50, 1))
        .await
        .expect(429);
    assert_eq!(
        limited.body["type"],
        "epcisException:CaptureLimitExceededException"
    );
    assert!(limited.body["detail"]
        .as_str()
        .is_some_and(|d| d.contains("try again in")));
    assert_eq!(stored(&w.app), before, "nothing stored");
    capture(&w.app, &w.b.token, &numbered("dd", 0, 1))
        .await
        .expect(202);
}
