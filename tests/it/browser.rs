//! The pages in a real browser: headless Chromium driven through
//! chromedriver (WebDriver), against the real binary serving the demo set.
//! A producer logs in, creates a batch, records its harvest, issues a roll
//! and downloads its labels; a consumer opens a stamp in Vietnamese and
//! English; a regulator recalls the batch and the consumer's page turns red.
//! Screenshots land in `target/tmp/screenshots/` for people to look at.

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A child process stopped when the test ends, however it ends.
pub(crate) struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn wait_for(port: u16, what: &str) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "{what} did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Serves the demo set; also returns the demo stamp the server names.
pub(crate) fn serve(database_url: &str) -> (Running, u16, String) {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tracestamp"))
        .args(["serve", "--demo", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("PUBLIC_BASE_URL", format!("http://127.0.0.1:{port}"))
        .env("RECALL_HOTLINES", "Vĩnh Long=0270 3822 123")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("run tracestamp serve");
    let stdout = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let running = Running(child);
    let mut sample = None;
    for line in std::io::BufRead::lines(stdout) {
        let line = line.expect("server output");
        if let Some(url) = line.strip_prefix("a demo stamp, as a consumer sees it: ") {
            sample = Some(url.to_owned());
        }
        if line.starts_with("tracestamp listening") {
            break;
        }
    }
    wait_for(port, "tracestamp");
    (
        running,
        port,
        sample.expect("serve --demo names a demo stamp"),
    )
}

/// Whether to leave this browser test out: on PostgreSQL it would drive
/// the same pages over the same service functions, which the suite's other
/// tests already run there, and it costs minutes of CI (README, "Tests").
pub(crate) fn sqlite_only(app: &TestApp, test: &str) -> bool {
    let skip = app.postgres_admin().is_some();
    if skip {
        eprintln!("{test} runs on SQLite only");
    }
    skip
}

pub(crate) async fn browser() -> (Running, Client) {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "the browser tests need Debian's chromium and chromium-driver: \
         apt-get install -y chromium chromium-driver (.ci/run installs them)"
    );
    let port = free_port();
    let driver = Running(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run chromedriver"),
    );
    wait_for(port, "chromedriver");
    let profile = std::env::temp_dir().join(format!("tracestamp-chromium-{port}"));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--window-size=412,915",
                "--lang=vi-VN",
                format!("--user-data-dir={}", profile.display()),
            ],
            // A phone sold in Vietnam asks for Vietnamese.
            "prefs": {"intl.accept_languages": "vi-VN,vi"}
        }),
    );
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session in headless Chromium");
    (driver, client)
}

/// Saves what the browser shows, for a person to look at.
pub(crate) async fn screenshot(client: &Client, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let png = client.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

/// The basics an accessibility checker asks first: a language, a title,
/// a label for every input, one main heading.
pub(crate) async fn check_basics(client: &Client, page: &str) {
    let report = client
        .execute(
            "const unlabeled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                .map(e => e.name);
             return {lang: document.documentElement.lang, title: document.title,
                     unlabeled, h1: document.querySelectorAll('h1').length};",
            vec![],
        )
        .await
        .expect("run the check");
    assert!(
        ["vi", "en"].contains(&report["lang"].as_str().unwrap_or("")),
        "{page}: {report}"
    );
    assert!(
        !report["title"].as_str().unwrap_or("").is_empty(),
        "{page} has no title"
    );
    assert_eq!(
        report["unlabeled"],
        json!([]),
        "{page} has inputs without labels"
    );
    assert_eq!(report["h1"], json!(1), "{page} needs one main heading");
}

pub(crate) async fn text(client: &Client, css: &str) -> String {
    // A page may still be replacing the last one: retry briefly.
    for _ in 0..100 {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                return text;
            }
        }
        tokio_sleep(100).await;
    }
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    let body = client.source().await.unwrap_or_default();
    panic!("no {css} on {url}\n{body}")
}

pub(crate) async fn tokio_sleep(ms: u64) {
    actix_web::rt::time::sleep(Duration::from_millis(ms)).await;
}

/// Waits until the browser's address contains `needle` and the page has
/// loaded: a form post or a click navigates on its own time.
pub(crate) async fn arrive(client: &Client, needle: &str) {
    for _ in 0..150 {
        let url = client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        if url.contains(needle) {
            let ready = client
                .execute("return document.readyState", vec![])
                .await
                .map(|v| v == json!("complete"))
                .unwrap_or(false);
            if ready {
                return;
            }
        }
        tokio_sleep(100).await;
    }
    let url = client
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    panic!("the browser did not reach {needle}; it is at {url}");
}

pub(crate) async fn log_in(client: &Client, base: &str, username: &str) {
    client.delete_all_cookies().await.expect("clear cookies");
    client
        .goto(&format!("{base}/login"))
        .await
        .expect("open login");
    check_basics(client, "login").await;
    let form = client
        .form(Locator::Css("form.stack"))
        .await
        .expect("login form");
    form.set_by_name("username", username).await.unwrap();
    form.set_by_name("password", "demo").await.unwrap();
    form.submit().await.expect("log in");
}

/// GET with the browser's session cookie, outside the browser: a download.
pub(crate) fn download(port: u16, path: &str, session: &str) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: tracestamp_session={session}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (head, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size line");
        let size =
            usize::from_str_radix(std::str::from_utf8(&data[..line_end]).unwrap().trim(), 16)
                .unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&data[line_end + 2..line_end + 2 + size]);
        data = &data[line_end + 2 + size + 2..];
    }
}

/// A demo stamp's page holds every part of the record and stays under
/// 50 KB without its picture.
async fn demo_page_is_whole(client: &Client, lang: &str) {
    let report = client
        .execute(
            "return {bytes: new TextEncoder().encode(document.documentElement.outerHTML).length,
                     parts: ['#verdict', '.scans', '.serial', '.product h2', '.facts', '.certs li',
                             '.timeline li', 'meta[property=\"og:title\"]']
                            .filter(css => !document.querySelector(css)),
                     headings: [...document.querySelectorAll('h3')].map(h => h.textContent),
                     record: document.querySelector('.record').innerText};",
            vec![],
        )
        .await
        .expect("inspect the page");
    assert!(
        report["bytes"].as_u64().unwrap() < 50 * 1024,
        "{lang}: {report}"
    );
    assert_eq!(
        report["parts"],
        json!([]),
        "{lang}: parts missing: {report}"
    );
    let expected = if lang == "vi" {
        json!(["Chứng nhận", "Nhật ký lô hàng", "Kiểm tra gần nhất"])
    } else {
        json!(["Certifications", "Batch history", "Latest inspection"])
    };
    assert_eq!(report["headings"], expected);
}

/// A consumer page stays under 50 KB and runs no script of its own.
pub(crate) async fn stays_small(client: &Client, page: &str) {
    let report = client
        .execute(
            "return {bytes: new TextEncoder().encode(document.documentElement.outerHTML).length,
                     scripts: document.querySelectorAll('script').length};",
            vec![],
        )
        .await
        .expect("measure the page");
    assert!(
        report["bytes"].as_u64().unwrap() < 50 * 1024,
        "{page}: {report}"
    );
    assert_eq!(report["scripts"], json!(0), "{page}: {report}");
}

#[actix_web::test]
async fn producer_consumer_and_regulator_in_a_real_browser() {
    let app = TestApp::new();
    if sqlite_only(
        &app,
        "browser::producer_consumer_and_regulator_in_a_real_browser",
    ) {
        return;
    }
    let (_server, port, demo_stamp) = serve(&app.database_url);
    let base = format!("http://127.0.0.1:{port}");
    let (_driver, client) = browser().await;

    // A producer logs in and creates a batch.
    log_in(&client, &base, "producer1").await;
    arrive(&client, "/portal").await;
    check_basics(&client, "dashboard").await;
    screenshot(&client, "01-producer-dashboard").await;
    client
        .find(Locator::Css("a[href='/portal/batches/new']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "/portal/batches/new").await;
    check_basics(&client, "new batch").await;
    let form = client.form(Locator::Css("form.stack")).await.unwrap();
    form.set_by_name("lot_code", "WEB-2611").await.unwrap();
    form.set_by_name("quantity", "850").await.unwrap();
    let facility_id = client
        .find(Locator::Css("#f-facility_id"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .expect("a facility is chosen");
    form.submit().await.unwrap();
    arrive(&client, "notice=saved").await;
    let batch_url = client.current_url().await.unwrap();
    assert!(
        batch_url.path().starts_with("/portal/batches/"),
        "{batch_url}"
    );
    let batch_id = batch_url
        .path()
        .trim_start_matches("/portal/batches/")
        .to_owned();
    assert_eq!(text(&client, ".flash").await, "Đã lưu.");

    // Records the harvest in a few taps: the form comes filled in but for
    // the quantity harvested.
    let event_form = client
        .form(Locator::Css("form[action$='/events']"))
        .await
        .unwrap();
    event_form.set_by_name("quantity", "850").await.unwrap();
    event_form.set_by_name("unit", "kg").await.unwrap();
    event_form
        .set_by_name("note", "Cắt 850 kg, trái đạt chuẩn")
        .await
        .unwrap();
    event_form.submit().await.unwrap();
    arrive(&client, "notice=event").await;
    assert_eq!(text(&client, ".flash").await, "Đã ghi nhật ký.");
    assert!(text(&client, ".timeline").await.contains("Thu hoạch"));

    // Issues a roll of 24 stamps and downloads its label sheet.
    let roll_form = client
        .form(Locator::Css("form[action$='/rolls']"))
        .await
        .unwrap();
    roll_form.set_by_name("count", "24").await.unwrap();
    roll_form.submit().await.unwrap();
    arrive(&client, "notice=roll").await;
    assert_eq!(text(&client, ".flash").await, "Đã cấp cuộn tem.");
    check_basics(&client, "batch").await;
    screenshot(&client, "02-producer-batch").await;
    let (pdf_path, session) = label_link_and_session(&client).await;
    let (head, pdf) = download(port, &pdf_path, &session);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("application/pdf"), "{head}");
    assert!(pdf.starts_with(b"%PDF-"), "the download is a PDF");
    let serials_path = pdf_path.replace(
        &pdf_path[pdf_path.find("/labels.pdf").unwrap()..],
        "/serials?format=csv",
    );
    let (_, csv) = download(port, &serials_path, &session);
    let csv = String::from_utf8(csv).unwrap();
    let serial = csv
        .lines()
        .nth(1)
        .expect("a serial")
        .split(',')
        .next()
        .unwrap()
        .to_owned();

    // A consumer scans a stamp: Vietnamese by default, English on demand.
    client.delete_all_cookies().await.unwrap();
    client.goto(&format!("{base}/s/{serial}")).await.unwrap();
    assert_eq!(text(&client, "#verdict").await, "Chính hãng");
    assert!(text(&client, ".timeline").await.contains("Cắt 850 kg"));
    let photo = client
        .execute("const i = document.querySelector('.product img'); return i && i.complete ? i.naturalWidth : 0;", vec![])
        .await
        .unwrap();
    assert!(
        photo.as_u64().unwrap_or(0) > 0,
        "the product's picture shows"
    );
    check_basics(&client, "stamp vi").await;
    screenshot(&client, "03-consumer-genuine-vi").await;
    client
        .find(Locator::Css("a[hreflang='en']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "lang=en").await;
    assert_eq!(text(&client, "#verdict").await, "Genuine");
    let lang: String = client
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(lang, "en");
    screenshot(&client, "04-consumer-genuine-en").await;

    // From the stamp page, the consumer reports a suspected fake: the form
    // opens with the code filled in and is sent by the real browser (its
    // Origin and Sec-Fetch-Site pass the cross-site checks).
    client
        .find(Locator::Css("p.report a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "/report?code=").await;
    check_basics(&client, "report form").await;
    let report = client.form(Locator::Css("form.stack")).await.unwrap();
    report
        .set_by_name("shop_name", "Vựa trái cây Bảy Hùng")
        .await
        .unwrap();
    report
        .set_by_name("shop_address", "12 Phạm Thái Bường")
        .await
        .unwrap();
    report.submit().await.unwrap();
    arrive(&client, "/report/sent").await;
    assert_eq!(text(&client, "h1").await, "Report sent");

    // A demo stamp's page holds the whole record, in both languages.
    client.goto(&format!("{demo_stamp}?lang=vi")).await.unwrap();
    demo_page_is_whole(&client, "vi").await;
    client.goto(&format!("{demo_stamp}?lang=en")).await.unwrap();
    demo_page_is_whole(&client, "en").await;
    screenshot(&client, "05-demo-stamp-en").await;

    // A regulator of the province recalls the batch, after confirming.
    log_in(&client, &base, "regulator1").await;
    arrive(&client, "/oversight").await;
    check_basics(&client, "overview").await;
    screenshot(&client, "06-regulator-overview").await;
    client
        .goto(&format!(
            "{base}/oversight/facilities/{facility_id}?lang=vi"
        ))
        .await
        .unwrap();
    check_basics(&client, "facility record").await;
    client
        .find(Locator::Css(&format!(
            "a[href='/oversight/batches/{batch_id}/recall']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "/recall").await;
    // The preview names what the recall reaches before it is confirmed.
    assert!(text(&client, "p.errors")
        .await
        .contains("cảnh báo đỏ “Đã thu hồi”"));
    assert!(text(&client, "#recall-preview")
        .await
        .contains("Lô được thu hồi"));
    check_basics(&client, "recall confirmation").await;
    let recall = client.form(Locator::Css("form.stack")).await.unwrap();
    recall
        .set_by_name(
            "reason",
            "Phát hiện dư lượng thuốc trừ sâu vượt mức cho phép",
        )
        .await
        .unwrap();
    recall.submit().await.unwrap();
    arrive(&client, "notice=recalled").await;
    assert_eq!(text(&client, ".flash").await, "Đã thu hồi lô hàng.");
    screenshot(&client, "07-regulator-recalled").await;

    // The consumer's page is red within the resolver's cache interval (on
    // this node it should be the next scan; under a loaded CI run on
    // PostgreSQL one run saw the old verdict once, so the bound tested here
    // is the documented one, RESOLVER_CACHE_MS, with a margin).
    client.delete_all_cookies().await.unwrap();
    let mut verdict = String::new();
    for _ in 0..20 {
        client
            .goto(&format!("{base}/s/{serial}?lang=vi"))
            .await
            .unwrap();
        verdict = text(&client, "#verdict").await;
        if verdict == "Đã thu hồi" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(verdict, "Đã thu hồi");
    let tone = client
        .find(Locator::Css("section.verdict"))
        .await
        .unwrap()
        .attr("class")
        .await
        .unwrap();
    assert_eq!(tone.as_deref(), Some("verdict bad"));
    let verdict = text(&client, "section.verdict").await;
    assert!(verdict.contains("dư lượng thuốc trừ sâu"));
    assert!(
        verdict.contains("Cơ quan quản lý tỉnh/thành phố Vĩnh Long"),
        "{verdict}"
    );
    assert!(
        verdict.contains("ngừng sử dụng, trả lại nơi mua"),
        "{verdict}"
    );
    assert!(verdict.contains("0270 3822 123"), "{verdict}");
    check_basics(&client, "stamp recalled").await;
    stays_small(&client, "stamp recalled").await;
    screenshot(&client, "08-consumer-recalled").await;

    // A typed typo is amber, kept in the box, in either language.
    let typo = &serial[..19];
    for (lang, heading) in [
        ("vi", "Mã chưa đúng — kiểm tra lại"),
        ("en", "This code is not right — check it again"),
    ] {
        client
            .goto(&format!("{base}/lookup?code={typo}&lang={lang}"))
            .await
            .unwrap();
        assert_eq!(text(&client, ".typo h2").await, heading);
        let kept = client
            .execute("return document.querySelector('#code').value", vec![])
            .await
            .unwrap();
        assert_eq!(kept.as_str(), Some(typo));
        check_basics(&client, "typo").await;
    }
    screenshot(&client, "09-typed-typo-en").await;
    client.close().await.expect("close the browser");
}

/// A consumer scratches a demo stamp's coating and types its PIN on the
/// consumer page: the stamp is claimed; the page then says so in both
/// languages, and a second entry of the PIN is answered as a copy's would be.
#[actix_web::test]
async fn a_consumer_claims_a_stamp_with_its_pin_in_a_real_browser() {
    let app = TestApp::new();
    if sqlite_only(
        &app,
        "browser::a_consumer_claims_a_stamp_with_its_pin_in_a_real_browser",
    ) {
        return;
    }
    let (_server, _port, demo_stamp) = serve(&app.database_url);
    let (_driver, client) = browser().await;
    let serial = demo_stamp
        .rsplit('/')
        .next()
        .expect("a serial at the end of the stamp's address")
        .to_ascii_uppercase();
    // The server reads the serial keys this test's app made: its PINs are
    // the ones the PIN file would list.
    let stamp = app.state().codec.decode(&serial).expect("a genuine serial");
    let pin = tracestamp::domain::pin::PinKey::new(&app.state().codec, stamp.key_id)
        .expect("the stamp's key")
        .pin(stamp.roll, stamp.index);
    let wrong = format!("{}{}", &pin[..7], (pin.as_bytes()[7] - b'0' + 1) % 10);

    client.goto(&format!("{demo_stamp}?lang=vi")).await.unwrap();
    check_basics(&client, "stamp before the claim").await;
    let label = text(&client, "label[for=pin]").await;
    assert_eq!(label, "Nhập mã PIN dưới lớp cào");
    let form = client
        .form(Locator::Css("form[action$='/claim']"))
        .await
        .expect("the PIN form");
    form.set_by_name("pin", &format!("{} {}", &pin[..4], &pin[4..]))
        .await
        .unwrap();
    form.submit().await.unwrap();
    arrive(&client, "/claim").await;
    assert_eq!(text(&client, "#claim-result").await, "Đã xác nhận tem");
    assert!(text(&client, "section.verdict")
        .await
        .contains("Bạn là người đầu tiên xác nhận tem này"));
    check_basics(&client, "claim vi").await;
    screenshot(&client, "09-consumer-claimed-vi").await;

    // The stamp's page says so now, in English too, and stays small.
    client.goto(&format!("{demo_stamp}?lang=en")).await.unwrap();
    assert!(text(&client, ".claimed")
        .await
        .starts_with("This stamp was already claimed on"));
    demo_page_is_whole(&client, "en").await;
    screenshot(&client, "10-consumer-stamp-claimed-en").await;
    let form = client
        .form(Locator::Css("form[action$='/claim']"))
        .await
        .unwrap();
    form.set_by_name("pin", &wrong).await.unwrap();
    form.submit().await.unwrap();
    arrive(&client, "/claim").await;
    assert_eq!(text(&client, "#claim-result").await, "Wrong PIN");
    check_basics(&client, "wrong PIN en").await;
    // The answer offers the form again: the right PIN is a second claim.
    let form = client
        .form(Locator::Css("form[action$='/claim']"))
        .await
        .unwrap();
    form.set_by_name("pin", &pin).await.unwrap();
    form.submit().await.unwrap();
    // The address stays `/claim`: wait for the new answer's heading.
    let mut heading = String::new();
    for _ in 0..100 {
        heading = text(&client, "#claim-result").await;
        if heading != "Wrong PIN" {
            break;
        }
        tokio_sleep(100).await;
    }
    assert_eq!(heading, "Already claimed");
    assert!(text(&client, "section.verdict")
        .await
        .contains("This stamp was already claimed on"));
    screenshot(&client, "11-consumer-already-claimed-en").await;
    // Its language switch leads back to the stamp's page.
    client
        .find(Locator::Css("a[hreflang='vi']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "lang=vi").await;
    assert!(text(&client, ".claimed")
        .await
        .starts_with("Tem này đã được xác nhận ngày"));
    client.goto(&format!("{demo_stamp}?lang=vi")).await.unwrap();
    assert!(text(&client, ".claimed")
        .await
        .starts_with("Tem này đã được xác nhận ngày"));
    demo_page_is_whole(&client, "vi").await;
    client.close().await.expect("close the browser");
}

/// A regulator of the demo province recalls the lot of the demo stamp, a
/// consumer scans that stamp, and the regulator finds on the overview's work
/// queue the demo's overdue corrective actions, its certificates about to
/// expire, the recalled lot and the alert its scan raised, named in words;
/// the alert and an overdue corrective action each lead to their evidence.
#[actix_web::test]
async fn a_regulator_works_through_the_queue_in_a_real_browser() {
    let app = TestApp::new();
    if sqlite_only(
        &app,
        "browser::a_regulator_works_through_the_queue_in_a_real_browser",
    ) {
        return;
    }
    let (_server, port, demo_stamp) = serve(&app.database_url);
    let base = format!("http://127.0.0.1:{port}");
    let (_driver, client) = browser().await;
    client.goto(&format!("{demo_stamp}?lang=vi")).await.unwrap();
    let lot = text(&client, ".product p strong").await;
    log_in(&client, &base, "regulator1").await;
    arrive(&client, "/oversight").await;

    // Find the orchard typing without accents, and recall the stamp's lot.
    client
        .goto(&format!(
            "{base}/oversight/facilities?q=nam+roi+my+hoa&lang=vi"
        ))
        .await
        .unwrap();
    let found = text(&client, "tbody").await;
    assert!(found.contains("Vườn bưởi Năm Roi Mỹ Hòa"), "{found}");
    client
        .find(Locator::LinkText("Vườn bưởi Năm Roi Mỹ Hòa"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "/oversight/facilities/").await;
    client
        .find(Locator::XPath(&format!(
            "//tr[td[1]='{lot}']//a[@class='recall']"
        )))
        .await
        .expect("the demo stamp's lot at the orchard")
        .click()
        .await
        .unwrap();
    arrive(&client, "/recall").await;
    let batch_id = client
        .current_url()
        .await
        .unwrap()
        .path()
        .split('/')
        .nth(3)
        .expect("/oversight/batches/{id}/recall")
        .to_owned();
    let recall = client.form(Locator::Css("form.stack")).await.unwrap();
    recall
        .set_by_name("reason", "Phát hiện vi khuẩn Salmonella trong mẫu lưu")
        .await
        .unwrap();
    recall.submit().await.unwrap();
    arrive(&client, "notice=recalled").await;

    // A consumer scans the recalled stamp: an alert for the regulator.
    client.delete_all_cookies().await.unwrap();
    client.goto(&format!("{demo_stamp}?lang=vi")).await.unwrap();
    assert_eq!(text(&client, "#verdict").await, "Đã thu hồi");
    log_in(&client, &base, "regulator1").await;
    arrive(&client, "/oversight").await;
    let alert = format!("tr.alert[data-kind='recalled_scanned'] a[href*='#batch-{batch_id}']");
    // Scans are written to the database every second.
    for _ in 0..50 {
        client.goto(&format!("{base}/oversight")).await.unwrap();
        if client.find(Locator::Css(&alert)).await.is_ok() {
            break;
        }
        tokio_sleep(200).await;
    }
    check_basics(&client, "overview with its queue").await;
    let overdue = text(&client, "#overdue-actions + div table").await;
    assert!(overdue.contains("Đạt, có lỗi nhẹ"), "{overdue}");
    let expiring = text(&client, "#expiring + div table").await;
    assert!(
        expiring.contains("VietGAP-TT-23-07-86-0214") && expiring.contains("2418/QĐ-UBND"),
        "{expiring}"
    );
    let recalled = text(&client, "#recalled + div table").await;
    assert!(
        recalled.contains(&lot) && recalled.contains("Salmonella"),
        "{recalled}"
    );
    let alerts = text(&client, "#alerts + p + div table").await;
    assert!(
        alerts.contains("Hàng bị thu hồi vẫn được quét")
            && alerts.contains(&lot)
            && alerts.contains("Vườn bưởi Năm Roi Mỹ Hòa"),
        "{alerts}"
    );
    assert!(!alerts.contains("recalled_scanned"), "a raw code: {alerts}");
    screenshot(&client, "10-regulator-work-queue").await;

    // The alert's evidence: the lot's row in the facility's record.
    client
        .find(Locator::Css(&alert))
        .await
        .expect("the alert names the lot")
        .click()
        .await
        .unwrap();
    arrive(&client, &format!("#batch-{batch_id}")).await;
    assert_eq!(text(&client, "h1").await, "Vườn bưởi Năm Roi Mỹ Hòa");
    let row = text(&client, &format!("#batch-{batch_id}")).await;
    assert!(row.contains(&lot) && row.contains("Đã thu hồi"), "{row}");

    // One click from an overdue corrective action to its evidence.
    client.goto(&format!("{base}/oversight")).await.unwrap();
    let row = client
        .find(Locator::Css("tr.overdue-action a"))
        .await
        .unwrap();
    let facility = row.text().await.unwrap();
    row.click().await.unwrap();
    arrive(&client, "/oversight/facilities/").await;
    assert_eq!(text(&client, "h1").await, facility);
    // A column heading: on a phone (this window) the table reads as cards,
    // the heading shown above each value rather than as a header row.
    let headings = client
        .execute(
            "return [...document.querySelectorAll('main thead th')].map(th => th.textContent)",
            vec![],
        )
        .await
        .unwrap();
    assert!(headings.to_string().contains("Hạn khắc phục"), "{headings}");
    check_basics(&client, "facility record from the queue").await;

    // The map, from the overview: all 37 demo facilities (all in Vĩnh
    // Long) as points, each a link to its record.
    client.goto(&format!("{base}/oversight")).await.unwrap();
    client
        .find(Locator::Css("#map-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    arrive(&client, "/oversight/map").await;
    let points = client
        .find_all(Locator::Css("svg.map circle[data-facility]"))
        .await
        .unwrap();
    assert_eq!(points.len(), 37, "the demo's facilities on the map");
    let linked = client
        .find_all(Locator::Css("svg.map a circle[data-facility]"))
        .await
        .unwrap();
    assert_eq!(linked.len(), 37);
    screenshot(&client, "regulator-map").await;
    check_basics(&client, "regulator's map").await;
    client.close().await.expect("close the browser");
}

/// The label sheet's link on a batch page just given a roll, and the
/// browser's session cookie, to download it (and the roll's serials) as the
/// producer.
pub(crate) async fn label_link_and_session(client: &Client) -> (String, String) {
    let pdf_path = client
        .find(Locator::Css("a.pdf"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("a PDF link");
    let session = client
        .get_named_cookie("tracestamp_session")
        .await
        .expect("the browser holds the session")
        .value()
        .to_owned();
    (pdf_path, session)
}
