//! The pages on a phone and on a desk screen, in a real browser (headless
//! Chromium through chromedriver, as in `browser.rs`), on the demo set: a
//! producer, a regulator, an admin and a consumer walk their main pages at
//! 390×844 and at 1366×768. On both, nothing is wider than the window; on
//! the phone, every visible link, button and field is at least 44 px tall
//! and every table reads as cards, each value under its column's heading;
//! on the desk, tables stay tables. A full-height screenshot of each page
//! and size lands in `target/tmp/screenshots/<role>-<page>-<phone|desk>.png`.
//!
//! Layout does not depend on the database, so this runs on SQLite only (the
//! other browser tests run on both backends).

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use std::path::PathBuf;

use crate::browser::{arrive, browser, check_basics, log_in, serve};
use crate::harness::TestApp;

const PHONE: (u32, u32) = (390, 844);
const DESK: (u32, u32) = (1366, 768);

/// Controls allowed under 44 px on a phone, each with its reason: none yet.
const SMALL_ALLOWED: &[(&str, &str)] = &[];

/// Sets the page area (not the window) to `width`×`height`.
async fn view_size(client: &Client, (width, height): (u32, u32)) {
    client.set_window_size(width, height).await.expect("resize");
    let inner = client
        .execute("return [window.innerWidth, window.innerHeight]", vec![])
        .await
        .expect("inner size");
    let (w, h) = (inner[0].as_u64().unwrap(), inner[1].as_u64().unwrap());
    if (w, h) != (u64::from(width), u64::from(height)) {
        let grow = |want: u32, got: u64| (2 * i64::from(want) - got as i64) as u32;
        client
            .set_window_size(grow(width, w), grow(height, h))
            .await
            .expect("resize");
    }
    let inner = client
        .execute("return window.innerWidth", vec![])
        .await
        .unwrap();
    assert_eq!(inner, json!(width), "the page is {width} px wide");
}

/// What the test checks, measured in the page.
const MEASURE: &str = r#"
const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
  return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && !e.closest('details:not([open]) > :not(summary)'); };
const name = e => e.tagName.toLowerCase() + (e.name ? '[name=' + e.name + ']' : '') +
  (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : '') + ' "' + (e.innerText || e.value || '').trim().slice(0, 40) + '"';
const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(visible);
const small = controls.map(e => ['checkbox', 'radio'].includes(e.type) ? (e.closest('label') || e) : e)
  .filter(e => e.getBoundingClientRect().height < 43.5)
  .map(e => name(e) + ' ' + Math.round(e.getBoundingClientRect().height) + 'px');
const tables = [...document.querySelectorAll('table')].map(t => {
  const rows = [...t.querySelectorAll('tbody tr')];
  const cells = [...t.querySelectorAll('tbody td[data-label]')];
  return {cards: t.hasAttribute('data-cards'), head: !!t.tHead,
          rows: [...new Set(rows.map(r => getComputedStyle(r).display))],
          labels: cells.filter(c => getComputedStyle(c, '::before').content === 'none').length,
          cells: cells.length};
});
const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
  .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
return {scroll: document.documentElement.scrollWidth, inner: innerWidth, height: document.documentElement.scrollHeight,
        small, tables, wide, controls: controls.length};
"#;

/// Opens `path`, checks it at both sizes and saves its screenshots.
async fn walk(client: &Client, base: &str, role: &str, page: &str, path: &str) {
    for (size, view) in [("phone", PHONE), ("desk", DESK)] {
        view_size(client, view).await;
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{base}{path}")
        };
        client.goto(&url).await.expect("open the page");
        arrive(client, path.trim_start_matches(base)).await;
        let what = format!("{role} {page} ({size}, {path})");
        check_basics(client, &what).await;
        let m: Value = client.execute(MEASURE, vec![]).await.expect("measure");
        assert!(
            m["scroll"].as_u64() <= m["inner"].as_u64(),
            "{what}: wider than the window: {m}"
        );
        assert!(m["controls"].as_u64().unwrap() > 0, "{what}: no control");
        for table in m["tables"].as_array().unwrap() {
            if table["head"] == json!(false) {
                continue;
            }
            assert_eq!(table["cards"], json!(true), "{what}: {table}");
            if size == "phone" {
                assert_eq!(table["labels"], json!(0), "{what}: unlabelled: {table}");
            }
            let expected = if size == "phone" {
                "block"
            } else {
                "table-row"
            };
            for display in table["rows"].as_array().unwrap() {
                assert_eq!(display, expected, "{what}: rows: {table}");
            }
        }
        if size == "phone" {
            let small: Vec<&str> = m["small"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !SMALL_ALLOWED.iter().any(|(name, _)| s.starts_with(name)))
                .collect();
            assert!(small.is_empty(), "{what}: under 44 px: {small:?}");
        }
        // The whole page in one picture: the window as tall as the page.
        let height = m["height"].as_u64().unwrap().clamp(200, 6000) as u32;
        view_size(client, (view.0, height)).await;
        let png = client.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"));
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("screenshot folder");
        std::fs::write(dir.join(format!("{role}-{page}-{size}.png")), png).expect("write");
    }
}

/// The address of the first link matching `css` on the current page.
async fn first_link(client: &Client, css: &str) -> String {
    let link = client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("a link {css}"));
    link.attr("href")
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{css} has an address"))
}

#[actix_web::test]
async fn main_pages_fit_a_phone_and_a_desk() {
    let app = TestApp::new();
    if super::browser::sqlite_only(&app, "phone::main_pages_fit_a_phone_and_a_desk") {
        return;
    }
    let (_server, port, demo_stamp) = serve(&app.database_url);
    let base = format!("http://127.0.0.1:{port}");
    let (_driver, client) = browser().await;

    // A consumer.
    walk(&client, &base, "consumer", "home", "/").await;
    walk(&client, &base, "consumer", "stamp", &demo_stamp).await;
    // The consumer's page stays tiny: its HTML and the one stylesheet.
    let size = client
        .execute(
            "const css = performance.getEntriesByType('resource').find(r => r.name.endsWith('/static/site.css'));
             return {html: new TextEncoder().encode(document.documentElement.outerHTML).length,
                     css: css ? css.decodedBodySize : null, scripts: document.scripts.length};",
            vec![],
        )
        .await
        .expect("measure the stamp page");
    eprintln!("the demo stamp's page: {size}");
    assert!(size["html"].as_u64().unwrap() < 16 * 1024, "{size}");
    assert!(size["css"].as_u64().unwrap() < 8 * 1024, "{size}");
    assert_eq!(size["scripts"], json!(0), "{size}");
    walk(&client, &base, "consumer", "report", "/report").await;
    walk(&client, &base, "consumer", "login", "/login").await;

    // A producer: the dashboard shows its actions before its statistics.
    log_in(&client, &base, "producer1").await;
    arrive(&client, "/portal").await;
    walk(&client, &base, "producer", "dashboard", "/portal").await;
    let order = client
        .execute(
            "const a = document.querySelector('main .actions'), s = document.querySelector('main .stats');
             return !!a && !!s && !!(a.compareDocumentPosition(s) & Node.DOCUMENT_POSITION_FOLLOWING);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(order, json!(true), "actions come before the statistics");
    let batch = first_link(&client, "tbody a[href^='/portal/batches/']").await;
    let facility = first_link(&client, "a[href^='/portal/facilities/'][href$='/edit']").await;
    walk(&client, &base, "producer", "batch", &batch).await;
    walk(
        &client,
        &base,
        "producer",
        "new-batch",
        "/portal/batches/new",
    )
    .await;
    walk(&client, &base, "producer", "facility", &facility).await;
    walk(
        &client,
        &base,
        "producer",
        "new-product",
        "/portal/products/new",
    )
    .await;
    walk(&client, &base, "producer", "receipts", "/portal/receipts").await;
    walk(
        &client,
        &base,
        "producer",
        "export-codes",
        "/portal/export-codes",
    )
    .await;
    walk(&client, &base, "producer", "account", "/account").await;

    // A regulator.
    log_in(&client, &base, "regulator1").await;
    arrive(&client, "/oversight").await;
    walk(&client, &base, "regulator", "overview", "/oversight").await;
    walk(
        &client,
        &base,
        "regulator",
        "facilities",
        "/oversight/facilities",
    )
    .await;
    walk(
        &client,
        &base,
        "regulator",
        "export-codes",
        "/oversight/export-codes",
    )
    .await;
    // The demo stamp's orchard: a facility with lots.
    client
        .goto(&format!("{base}/oversight/facilities?q=nam+roi+my+hoa"))
        .await
        .unwrap();
    let facility = first_link(&client, "tbody a[href^='/oversight/facilities/']").await;
    walk(&client, &base, "regulator", "facility", &facility).await;
    let lot = first_link(
        &client,
        "tbody a[href^='/oversight/batches/']:not([href$='recall'])",
    )
    .await;
    let recall = first_link(&client, "a.recall").await;
    let inspect = format!("{facility}/inspect");
    walk(&client, &base, "regulator", "inspect", &inspect).await;
    walk(&client, &base, "regulator", "batch", &lot).await;
    walk(&client, &base, "regulator", "recall", &recall).await;

    // An admin.
    log_in(&client, &base, "admin").await;
    arrive(&client, "/admin").await;
    walk(&client, &base, "admin", "enterprises", "/admin/enterprises").await;
    let enterprise = first_link(&client, "tbody a[href^='/admin/enterprises/']").await;
    walk(&client, &base, "admin", "enterprise", &enterprise).await;
    walk(&client, &base, "admin", "accounts", "/admin/accounts").await;
    let account = first_link(&client, "tbody a[href^='/admin/accounts/']").await;
    walk(&client, &base, "admin", "account", &account).await;
    walk(&client, &base, "admin", "addresses", "/admin/addresses").await;
    client.close().await.expect("close the browser");
}
