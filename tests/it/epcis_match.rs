//! EPCIS `MATCH_` parameters through the real app (issue 16): patterns are
//! looked up within the caller's enterprises only, a pattern is exactly its
//! prefix's range of identifiers, and a parameter's 100 alternatives are
//! answered while a 101st is refused.

use serde_json::{json, Value};

use crate::harness::TestApp;
use crate::world::World;

const CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

fn document(events: Vec<Value>) -> Value {
    json!({"@context": [CONTEXT], "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2026-11-20T00:00:00Z", "epcisBody": {"eventList": events}})
}

/// An ObjectEvent naming `epcs`, its eventID ending in `name`.
fn observing(name: &str, epcs: &[&str]) -> Value {
    json!({"eventID": format!("urn:uuid:00000000-0000-4000-8000-{name:0>12}"),
           "type": "ObjectEvent", "action": "OBSERVE",
           "eventTime": "2026-11-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
           "epcList": epcs})
}

/// Captures with the default rollback behaviour: a 202 means every event
/// was stored.
async fn capture(app: &TestApp, token: &str, events: Vec<Value>) {
    app.send_request(
        actix_web::test::TestRequest::post()
            .uri("/epcis/capture")
            .insert_header(("Content-Type", "application/ld+json"))
            .insert_header(("Authorization", format!("Bearer {token}")))
            .set_payload(document(events).to_string()),
    )
    .await
    .expect(202);
}

/// The endings of the eventIDs a query answers, sorted.
async fn names(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let answer = app
        .get(&format!("/epcis/events?perPage=1000&{query}"), token)
        .await
        .expect(200);
    let mut names: Vec<String> = answer.body["epcisBody"]["queryResults"]["resultsBody"]
        ["eventList"]
        .as_array()
        .unwrap_or_else(|| panic!("not a query document: {}", answer.text))
        .iter()
        .filter_map(|e| e["eventID"].as_str())
        .filter_map(|id| id.rsplit('-').next())
        .map(|n| n.trim_start_matches('0').to_owned())
        .collect();
    names.sort();
    names
}

fn v(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[actix_web::test]
async fn a_pattern_never_reaches_another_enterprises_events() {
    let w = World::build().await;
    // The three enterprises name the same identifiers.
    let epcs = [
        "urn:epc:id:sgtin:0614141.107346.1",
        "urn:epc:id:sgtin:0614141.107346.2",
    ];
    capture(&w.app, &w.a.token, vec![observing("a1", &epcs)]).await;
    capture(&w.app, &w.b.token, vec![observing("b1", &epcs)]).await;
    capture(&w.app, &w.c.token, vec![observing("c1", &epcs[..1])]).await;
    for query in [
        "MATCH_epc=urn:epc:idpat:sgtin:0614141.107346.*",
        "MATCH_anyEPC=urn:epc:idpat:sgtin:0614141.*.*",
        "MATCH_epc=urn:epc:idpat:sgtin:*.*.*",
        "MATCH_epc=urn:epc:id:sgtin:0614141.107346.1",
        "MATCH_epc=urn:epc:id:sgtin:0614141.107346.1|urn:epc:idpat:sgtin:0614141.107346.*",
    ] {
        assert_eq!(
            names(&w.app, &w.a.token, query).await,
            v(&["a1"]),
            "{query}"
        );
        assert_eq!(
            names(&w.app, &w.c.token, query).await,
            v(&["c1"]),
            "{query}"
        );
        // A regulator: its province's enterprises (a and b), not c's.
        assert_eq!(
            names(&w.app, &w.regulator, query).await,
            v(&["a1", "b1"]),
            "{query}"
        );
        assert_eq!(
            names(&w.app, &w.admin, query).await,
            v(&["a1", "b1", "c1"]),
            "{query}"
        );
    }
    // The path form is scoped alike.
    let path = w
        .app
        .get(
            "/epcis/epcs/urn%3Aepc%3Aid%3Asgtin%3A0614141.107346.2/events",
            &w.c.token,
        )
        .await
        .expect(200);
    assert_eq!(
        path.body["epcisBody"]["queryResults"]["resultsBody"]["eventList"],
        json!([])
    );
}

#[actix_web::test]
async fn a_pattern_finds_exactly_the_identifiers_with_its_prefix() {
    let w = World::build().await;
    let t = &w.a.token;
    capture(
        &w.app,
        t,
        vec![
            observing("1", &["urn:epc:id:sgtin:0614141.107346.1"]),
            // Right after the prefix "…107346." in byte order: '/' follows '.'.
            observing("2", &["urn:epc:id:sgtin:0614141.107346/1"]),
            // The next item reference: the fixed field's last digit differs.
            observing("3", &["urn:epc:id:sgtin:0614141.107347.1"]),
            // A prefix of the prefix.
            observing("4", &["urn:epc:id:sgtin:0614141.10734.1"]),
            // Another scheme, the same digits.
            observing("5", &["urn:epc:id:sscc:0614141.1073461"]),
            // Near the top of the range: '~' is the highest character a URI
            // holds (the unit tests of `prefix_range` go beyond).
            observing("6", &["urn:epc:id:sgtin:0614141.107346.~~"]),
            json!({"eventID": "urn:uuid:00000000-0000-4000-8000-000000000007",
                   "type": "ObjectEvent", "action": "OBSERVE",
                   "eventTime": "2026-11-01T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
                   "epcList": [], "quantityList": [
                       {"epcClass": "urn:epc:class:lgtin:0614141.107346.LOT1", "quantity": 5}]}),
        ],
    )
    .await;
    let cases: [(&str, &[&str]); 8] = [
        (
            "MATCH_epc=urn:epc:idpat:sgtin:0614141.107346.*",
            &["1", "6"],
        ),
        ("MATCH_epc=urn:epc:idpat:sgtin:0614141.107347.*", &["3"]),
        ("MATCH_epc=urn:epc:idpat:sgtin:0614141.10734.*", &["4"]),
        (
            "MATCH_epc=urn:epc:idpat:sgtin:0614141.*.*",
            &["1", "2", "3", "4", "6"],
        ),
        ("MATCH_epc=urn:epc:idpat:sscc:0614141.*", &["5"]),
        // A class pattern matches classes, not instances, and the reverse.
        (
            "MATCH_epcClass=urn:epc:idpat:sgtin:0614141.107346.*",
            &["7"],
        ),
        ("MATCH_epcClass=urn:epc:idpat:sgtin:0614141.107347.*", &[]),
        (
            "MATCH_anyEPC=urn:epc:idpat:sgtin:0614141.107347.*|urn:epc:id:sgtin:0614141.10734.1",
            &["3", "4"],
        ),
    ];
    for (query, expected) in cases {
        assert_eq!(names(&w.app, t, query).await, v(expected), "{query}");
    }
}

#[actix_web::test]
async fn a_hundred_alternatives_are_answered_and_more_are_refused() {
    let w = World::build().await;
    let t = &w.a.token;
    let epc = |item: usize, serial: usize| format!("urn:epc:id:sgtin:0614141.{item}.{serial}");
    // Events 1–10: one of each of the ten patterns' items; 11–20: ten of
    // the exact identifiers.
    let mut events = Vec::new();
    for i in 1..=10 {
        events.push(observing(&i.to_string(), &[&epc(100_000 + i, 1)]));
        events.push(observing(&(10 + i).to_string(), &[&epc(200_000, i)]));
    }
    capture(&w.app, t, events).await;
    let patterns = (1..=10).map(|i| format!("urn:epc:idpat:sgtin:0614141.{}.*", 100_000 + i));
    let exact = (1..=90).map(|i| epc(200_000, i));
    let hundred: Vec<String> = patterns.chain(exact).collect();
    let expected: Vec<String> = {
        let mut all: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
        all.sort();
        all
    };
    assert_eq!(
        names(&w.app, t, &format!("MATCH_epc={}", hundred.join("|"))).await,
        expected
    );
    // Repeats are dropped before they are counted.
    let repeated = [hundred.clone(), hundred.clone()].concat();
    assert_eq!(
        names(&w.app, t, &format!("MATCH_epc={}", repeated.join("|"))).await,
        expected
    );

    let refused = |query: String| {
        let app = &w.app;
        async move {
            let answer = app
                .get(&format!("/epcis/events?{query}"), t)
                .await
                .expect(400);
            assert_eq!(
                answer.body["type"], "epcisException:QueryParameterException",
                "{}",
                answer.text
            );
            answer.body["detail"].as_str().unwrap_or("").to_owned()
        }
    };
    let hundred_and_one = [hundred.clone(), vec![epc(300_000, 1)]].concat();
    let detail = refused(format!("MATCH_epc={}", hundred_and_one.join("|"))).await;
    assert!(detail.contains("at most 100"), "{detail}");
    let eleven_patterns = (0..11)
        .map(|i| format!("urn:epc:idpat:sgtin:0614141.{}.*", 100_000 + i))
        .collect::<Vec<_>>()
        .join("|");
    let detail = refused(format!("MATCH_anyEPC={eleven_patterns}")).await;
    assert!(detail.contains("at most 10"), "{detail}");
}
