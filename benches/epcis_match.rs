//! An EPCIS query with 100 MATCH_ alternatives (10 `urn:epc:idpat:`
//! patterns, the most a parameter may list, and 90 identifiers) against
//! 300,000 stored identifiers of 10 enterprises, whose identifiers all share
//! the patterns' prefixes: the shape of issue 16's attack. Answered for a
//! producer (its enterprise's identifiers only) and for an admin (all).
//!
//! SQLite in a temporary file by default; `BENCH_DATABASE_URL` names another
//! database (an empty PostgreSQL one, or a SQLite path to keep the data).

use chrono::NaiveDate;
use criterion::{criterion_group, criterion_main, Criterion};
use diesel::connection::Connection;
use std::hint::black_box;

use tracestamp::db::DbConnection;
use tracestamp::domain::access::Scope;
use tracestamp::epcis::query::EventQuery;
use tracestamp::models::enterprise::{self, Enterprise};
use tracestamp::models::epcis_event::{self as stored, EpcisEventEpc, EpcisEventRow};

mod support;

const ENTERPRISES: usize = 10;
const EVENTS_EACH: usize = 3_000;
const EPCS_EACH_EVENT: usize = 10;
/// Item references the events cycle through: each pattern names one.
const ITEMS: usize = 100;

fn epc(item: usize, serial: usize) -> String {
    format!("urn:epc:id:sgtin:0614141.{}.{serial}", 100_000 + item)
}

/// Enterprise `e`, event `n`: its identifiers are one item's, numbered
/// apart from every other event's.
fn serial(e: usize, n: usize, k: usize) -> usize {
    (e * EVENTS_EACH + n) * EPCS_EACH_EVENT + k
}

fn fill(conn: &mut DbConnection) {
    let now = NaiveDate::from_ymd_opt(2026, 11, 20)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("a time");
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for e in 0..ENTERPRISES {
            let id = format!("enterprise-{e}");
            enterprise::insert(
                conn,
                &Enterprise {
                    id: id.clone(),
                    name: format!("Enterprise {e}"),
                    tax_code: format!("{:010}", e),
                    address: "Ấp Mỹ Hòa".into(),
                    province: if e % 2 == 0 {
                        "Vĩnh Long"
                    } else {
                        "Cần Thơ"
                    }
                    .into(),
                    gs1_prefix: None,
                    phone: None,
                    email: None,
                    created_at: now,
                    updated_at: now,
                    contact_phone: None,
                    zalo_url: None,
                    commune_code: None,
                    province_code: if e % 2 == 0 { "86" } else { "92" }.into(),
                    former_address: None,
                },
            )?;
            let mut events = Vec::with_capacity(EVENTS_EACH);
            let mut epcs = Vec::with_capacity(EVENTS_EACH * EPCS_EACH_EVENT);
            for n in 0..EVENTS_EACH {
                let row_id = uuid::Uuid::now_v7().to_string();
                let item = n % ITEMS;
                let list: Vec<String> = (0..EPCS_EACH_EVENT)
                    .map(|k| epc(item, serial(e, n, k)))
                    .collect();
                let event_id = format!("urn:uuid:{row_id}");
                let body = serde_json::json!({"eventID": event_id, "type": "ObjectEvent",
                    "action": "OBSERVE", "eventTime": "2026-11-20T08:00:00Z",
                    "eventTimeZoneOffset": "+07:00", "epcList": list});
                for value in list {
                    epcs.push(EpcisEventEpc {
                        event_id: row_id.clone(),
                        role: "epc".into(),
                        value,
                        enterprise_id: id.clone(),
                    });
                }
                events.push(EpcisEventRow {
                    id: row_id,
                    enterprise_id: id.clone(),
                    event_key: event_id.clone(),
                    event_id: Some(event_id),
                    event_type: "ObjectEvent".into(),
                    action: Some("OBSERVE".into()),
                    event_time: now,
                    record_time: now,
                    biz_step: None,
                    disposition: None,
                    read_point: None,
                    biz_location: None,
                    source_event_id: None,
                    capture_id: None,
                    body: body.to_string(),
                    context: None,
                    retracted: false,
                });
            }
            stored::insert_all(conn, &events, &epcs)?;
        }
        Ok(())
    })
    .expect("the identifiers are stored");
}

/// 10 patterns, each one item's identifiers in every enterprise, and 90
/// identifiers of events spread over all enterprises.
fn query() -> EventQuery {
    let patterns = (0..10).map(|i| format!("urn:epc:idpat:sgtin:0614141.{}.*", 100_000 + i * 7));
    let exact = (0..90).map(|i| {
        let (e, n) = (i % ENTERPRISES, i * 31 % EVENTS_EACH);
        epc(n % ITEMS, serial(e, n, i % EPCS_EACH_EVENT))
    });
    let alternatives: Vec<String> = patterns.chain(exact).collect();
    assert_eq!(alternatives.len(), 100);
    EventQuery::parse(&[("MATCH_epc".to_owned(), alternatives.join("|"))])
        .expect("100 alternatives are a valid query")
}

fn bench(c: &mut Criterion) {
    let (_dir, mut conn) = support::database();
    fill(&mut conn);
    let query = query();
    let producer = Scope::Enterprise("enterprise-3".into());
    let page = query
        .run(&mut conn, &producer)
        .expect("the producer's page");
    // 10 patterns × 30 events of its own, and its 9 of the 90 identifiers'.
    assert_eq!(page.events.len(), 100, "a full page");
    assert!(page.next_page_token.is_some());
    assert!(page
        .events
        .iter()
        .all(|e| e.enterprise_id == "enterprise-3"));

    let mut group = c.benchmark_group("epcis_match_100_alternatives_300k_identifiers");
    group.sample_size(20);
    group.bench_function("producer", |b| {
        b.iter(|| black_box(query.run(&mut conn, &producer).expect("a page")))
    });
    group.bench_function("admin", |b| {
        b.iter(|| black_box(query.run(&mut conn, &Scope::All).expect("a page")))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
