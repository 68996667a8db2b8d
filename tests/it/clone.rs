//! Clone detection (README, "Clone detection"): a stamp turns suspicious on
//! distinct checkers — networks, and devices that keep our cookie — weighted
//! by how recently each was seen; reloads, cookies, embedded loads and
//! programs from one client add nothing.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::{json, Value};

use tracestamp::db::schema::{scan, scan_summary};

use crate::world::World;

/// The world behind a trusted proxy on loopback, so that each test request
/// names its client in `X-Forwarded-For`.
async fn world() -> World {
    let mut w = World::build().await;
    w.app.state_mut().clients =
        std::sync::Arc::new(tracestamp::client::ClientAddresses::new(&["127.0.0.1/32"
            .parse()
            .unwrap()]));
    w
}

/// A node that knows nothing yet of the stamps' scans: what it says next is
/// read from the database.
fn forget(w: &mut World) {
    w.app.state_mut().resolver = std::sync::Arc::new(
        tracestamp::resolver::cache::ResolverCache::new(std::time::Duration::ZERO),
    );
}

async fn serial(w: &World) -> String {
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 10}),
        )
        .await
        .expect(201)
        .body;
    roll["first_serial"].as_str().unwrap().to_owned()
}

/// A phone's request for the stamp's page from `ip`.
fn check(serial: &str, ip: &str) -> TestRequest {
    TestRequest::get()
        .uri(&format!("/s/{serial}"))
        .peer_addr("127.0.0.1:40000".parse().unwrap())
        .insert_header(("x-forwarded-for", ip.to_owned()))
        .insert_header((header::USER_AGENT, "Mozilla/5.0 (Linux; Android 14) Mobile"))
}

fn json(req: TestRequest) -> TestRequest {
    req.insert_header((header::ACCEPT, "application/json"))
}

async fn verdict_of(w: &World, req: TestRequest) -> Value {
    let answer = w.app.send_request(json(req)).await.expect(200);
    answer.body
}

fn scans(w: &World) -> i64 {
    scan::table
        .count()
        .get_result(&mut *w.app.conn())
        .expect("count")
}

/// `n` distinct networks (/24s in different /16s).
fn network(n: usize) -> String {
    format!("{}.{}.7.9", 14 + n, 160 + n)
}

#[actix_web::test]
async fn a_thousand_loads_from_one_client_leave_a_stamp_genuine() {
    let w = world().await;
    let serial = serial(&w).await;
    for i in 0..1000 {
        // Without cookies, with a new cookie every time, with one cookie:
        // one network is one checker.
        let mut req = json(check(&serial, &format!("203.113.5.{}", i % 250)));
        match i % 3 {
            0 => {}
            1 => req = req.cookie(Cookie::new("ts_device", format!("{i:032x}"))),
            _ => req = req.cookie(Cookie::new("ts_device", "ab".repeat(16))),
        }
        let answer = w.app.send_request(req).await.body;
        assert_eq!(answer["verdict"], "genuine", "load {i}: {answer}");
        if i % 100 == 0 {
            w.app.state().flush_scans().expect("flush");
        }
    }
    w.app.state().flush_scans().expect("flush");
    let last = verdict_of(&w, check(&serial, "203.113.5.1")).await;
    assert_eq!(last["verdict"], "genuine");
    assert_eq!(last["scan_count"], 1001, "every load is still counted");
    assert_eq!(last["checkers"], 1);
    assert_eq!(last["checked_before"], true);
}

#[actix_web::test]
async fn distinct_checkers_turn_a_stamp_suspicious_at_the_configured_evidence() {
    let w = world().await;
    let serial = serial(&w).await;
    // The default rule: five checkers seen now.
    for n in 0..4 {
        let answer = verdict_of(&w, check(&serial, &network(n))).await;
        assert_eq!(answer["verdict"], "genuine", "checker {}", n + 1);
        assert_eq!(answer["checkers"], n + 1);
        w.app.state().flush_scans().expect("flush");
    }
    let fifth = verdict_of(&w, check(&serial, &network(4))).await;
    assert_eq!(fifth["checkers"], 5);
    assert_eq!(fifth["verdict"], "suspicious");
    w.app.state().flush_scans().expect("flush");
    // Regulators see it, from the verdict the resolver recorded.
    let alerts = w
        .app
        .get("/api/v1/alerts", &w.regulator)
        .await
        .expect(200)
        .body;
    assert!(
        alerts["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "suspicious_scanned"),
        "{alerts}"
    );
}

#[actix_web::test]
async fn one_device_moving_between_networks_is_one_checker() {
    let mut w = world().await;
    let serial = serial(&w).await;
    let token = "0123456789abcdef0123456789abcdef";
    for n in 0..8 {
        let req = check(&serial, &network(n)).cookie(Cookie::new("ts_device", token));
        let answer = verdict_of(&w, req).await;
        assert_eq!(answer["verdict"], "genuine", "network {n}: {answer}");
        assert_eq!(answer["checkers"], 1);
        w.app.state().flush_scans().expect("flush");
    }
    // Read back from the database too, not only from this node's memory.
    forget(&mut w);
    let answer = verdict_of(
        &w,
        check(&serial, &network(9)).cookie(Cookie::new("ts_device", token)),
    )
    .await;
    assert_eq!(
        (answer["checkers"].clone(), answer["verdict"].clone()),
        (json!(1), json!("genuine"))
    );
}

#[actix_web::test]
async fn old_evidence_fades() {
    let mut w = world().await;
    w.app.state_mut().config.clone_half_life_hours = 24.0;
    let serial = serial(&w).await;
    for n in 0..4 {
        verdict_of(&w, check(&serial, &network(n))).await;
    }
    w.app.state().flush_scans().expect("flush");
    // Those four checks were two days ago: each weighs a quarter. The
    // resolver reads the stamp's summary, so that is what is aged.
    let rows: Vec<(i64, i64, String)> = scan_summary::table
        .select((
            scan_summary::roll_number,
            scan_summary::stamp_index,
            scan_summary::checkers,
        ))
        .load(&mut *w.app.conn())
        .expect("summaries");
    assert_eq!(rows.len(), 1);
    for (roll, index, checkers) in rows {
        assert_eq!(checkers.split(';').count(), 4, "{checkers}");
        let aged: Vec<String> = checkers
            .split(';')
            .map(|checker| {
                // Last seen, in microseconds since 1970.
                let (who, at) = checker.rsplit_once(',').expect("a time last");
                let at: i64 = at.parse().expect("a stored time");
                format!("{who},{}", at - 48 * 3_600_000_000)
            })
            .collect();
        diesel::update(scan_summary::table.find((roll, index)))
            .set(scan_summary::checkers.eq(aged.join(";")))
            .execute(&mut *w.app.conn())
            .expect("age the checkers");
    }
    forget(&mut w);
    let fifth = verdict_of(&w, check(&serial, &network(4))).await;
    assert_eq!(fifth["checkers"], 5, "counted, though faded");
    assert_eq!(fifth["verdict"], "genuine", "{fifth}");
}

#[actix_web::test]
async fn embedded_loads_and_programs_name_no_checker() {
    let w = world().await;
    let serial = serial(&w).await;
    let embedded: [&[(&str, &str)]; 5] = [
        &[("sec-fetch-dest", "image")],
        &[("sec-fetch-dest", "iframe"), ("sec-fetch-mode", "navigate")],
        &[
            ("sec-fetch-dest", "empty"),
            ("sec-fetch-mode", "cors"),
            ("sec-fetch-site", "cross-site"),
        ],
        &[("sec-purpose", "prefetch;prerender")],
        &[("accept", "image/avif,image/webp,*/*")],
    ];
    for n in 0..10 {
        for headers in embedded {
            let mut req = check(&serial, &network(n));
            for (name, value) in headers {
                req = req.insert_header((*name, *value));
            }
            let answer = w.app.send_request(req).await.expect(200);
            assert!(
                answer.headers.get(header::SET_COOKIE).is_none(),
                "no device cookie for an embedded load"
            );
        }
    }
    w.app.state().flush_scans().expect("flush");
    assert_eq!(scans(&w), 0, "embedded loads are not recorded");
    // Programs (crawlers, link previews) are recorded, but name no checker.
    for n in 0..10 {
        let req = check(&serial, &network(n))
            .insert_header((header::USER_AGENT, "Zalo-LinkPreview-bot/1.0"));
        assert_eq!(verdict_of(&w, req).await["verdict"], "genuine");
    }
    w.app.state().flush_scans().expect("flush");
    assert_eq!(scans(&w), 10);
    let phone = verdict_of(&w, check(&serial, &network(20))).await;
    assert_eq!(
        (phone["checkers"].clone(), phone["verdict"].clone()),
        (json!(1), json!("genuine"))
    );
}

#[actix_web::test]
async fn the_page_says_who_has_checked_and_gives_a_device_cookie() {
    let w = world().await;
    let serial = serial(&w).await;
    let first = w
        .app
        .send_request(check(&serial, &network(0)))
        .await
        .expect(200);
    assert!(
        first
            .text
            .contains("Bạn là người đầu tiên kiểm tra tem này"),
        "{}",
        first.text
    );
    let cookie = first
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("a device cookie")
        .to_owned();
    let parsed = Cookie::parse(cookie.clone()).expect("a cookie");
    assert_eq!(parsed.name(), "ts_device");
    assert_eq!(parsed.value().len(), 32);
    assert_eq!(parsed.http_only(), Some(true));
    assert_eq!(parsed.same_site(), Some(actix_web::cookie::SameSite::Lax));
    w.app.state().flush_scans().expect("flush");

    let second = w
        .app
        .send_request(check(&serial, &network(1)).uri(&format!("/s/{serial}?lang=en")))
        .await
        .expect(200);
    assert!(
        second
            .text
            .contains("You are the 2nd person to check this stamp; first checked on"),
        "{}",
        second.text
    );
    w.app.state().flush_scans().expect("flush");

    // The first device again, from elsewhere: recognised, and no new cookie.
    let again = w
        .app
        .send_request(
            check(&serial, &network(2)).cookie(Cookie::new("ts_device", parsed.value().to_owned())),
        )
        .await
        .expect(200);
    assert!(
        again
            .text
            .contains("Bạn đã kiểm tra tem này trước đây; có 2 người đã kiểm tra"),
        "{}",
        again.text
    );
    assert!(again.headers.get(header::SET_COOKIE).is_none());
}

/// The `n`th address the shipped places table puts in `province`, each in
/// a /24 of its own (README, "Clone detection": places).
fn address_in(province: &str, n: usize) -> String {
    let table =
        std::fs::read_to_string("data/places/networks.csv").expect("the shipped places table");
    table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split(',');
            let first: std::net::Ipv4Addr = f.next()?.parse().ok()?;
            let last: std::net::Ipv4Addr = f.next()?.parse().ok()?;
            (f.next()? == province && u32::from(last) - u32::from(first) >= 255)
                .then(|| std::net::Ipv4Addr::from(u32::from(first) + 1).to_string())
        })
        .nth(n)
        .unwrap_or_else(|| panic!("no {n}th network in {province}"))
}

#[actix_web::test]
async fn checks_in_far_apart_provinces_within_hours_weigh_double() {
    let w = world().await;
    // Three checkers in the Delta, neighbours all, within the hour: three.
    let near = serial(&w).await;
    for (n, province) in ["Vĩnh Long", "Cần Thơ", "Đồng Tháp"].iter().enumerate() {
        let answer = verdict_of(&w, check(&near, &address_in(province, n))).await;
        assert_eq!(answer["verdict"], "genuine", "{province}: {answer}");
        w.app.state().flush_scans().expect("flush");
    }
    // Three checkers 1,100 to 1,600 km apart within the hour: one label
    // cannot be in all three places, copies can. Hà Nội is far from both
    // others, and they from it: each counts double, six in all.
    let far = serial(&w).await;
    let mut last = Value::Null;
    for (n, province) in ["Vĩnh Long", "Hà Nội", "Thành phố Hồ Chí Minh"]
        .iter()
        .enumerate()
    {
        last = verdict_of(&w, check(&far, &address_in(province, n))).await;
        w.app.state().flush_scans().expect("flush");
    }
    assert_eq!(last["checkers"], 3);
    assert_eq!(last["verdict"], "suspicious", "{last}");
    // Two far apart weigh four: still under the five of the rule, so one
    // honest buyer who flies north and a shop at home never turn amber.
    let two = serial(&w).await;
    verdict_of(&w, check(&two, &address_in("Cần Thơ", 0))).await;
    w.app.state().flush_scans().expect("flush");
    let answer = verdict_of(&w, check(&two, &address_in("Hà Nội", 0))).await;
    assert_eq!(answer["verdict"], "genuine", "{answer}");
}

#[actix_web::test]
async fn the_page_names_the_province_of_the_first_check() {
    let mut w = world().await;
    let serial = serial(&w).await;
    let first = verdict_of(&w, check(&serial, &address_in("Vĩnh Long", 0))).await;
    assert_eq!(first["first_checked_in"], "Vĩnh Long");
    w.app.state().flush_scans().expect("flush");
    // From the database too, on a node that had not seen the first check.
    forget(&mut w);
    let page = w
        .app
        .send_request(check(&serial, &address_in("Cần Thơ", 0)))
        .await
        .expect(200);
    assert!(
        page.text
            .contains("Bạn là người thứ 2 kiểm tra tem này; lần đầu lúc")
            && page.text.contains(" tại Vĩnh Long."),
        "{}",
        page.text
    );
    assert!(
        page.text
            .contains(r#"href="https://db-ip.com">Vị trí theo DB-IP</a>"#),
        "DB-IP's licence asks for a link where its places are shown"
    );
    w.app.state().flush_scans().expect("flush");
    let english = w
        .app
        .send_request(
            check(&serial, &address_in("Cần Thơ", 1)).uri(&format!("/s/{serial}?lang=en")),
        )
        .await
        .expect(200);
    assert!(
        english.text.contains(" in Vĩnh Long.")
            && english.text.contains(">IP Geolocation by DB-IP</a>"),
        "{}",
        english.text
    );
    let rows: Vec<Option<String>> = scan::table
        .order(scan::id)
        .select(scan::place)
        .load(&mut *w.app.conn())
        .expect("places");
    assert_eq!(
        rows,
        [Some("Vĩnh Long".to_owned()), Some("Cần Thơ".to_owned())],
        "the province is stored with the scan, the address never is"
    );
    // An address the table does not place (abroad) names no province.
    let other = self::serial(&w).await;
    let abroad = verdict_of(&w, check(&other, "192.0.2.10")).await;
    assert!(abroad.get("first_checked_in").is_none(), "{abroad}");
}
