//! The scratch-off PIN through the real app: the owner's PIN file, the PIN
//! on labels (never in the QR), the first claim, a later claim (clone
//! evidence), wrong PINs and their limit, and cross-site posts.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::json;

use tracestamp::db::schema::{audit_log, stamp_claim};

use crate::harness::{Answer, TestApp};
use crate::world::World;

/// A roll of `count` stamps of tenant a: its id and its `(serial, pin)` pairs
/// from the PIN file.
async fn roll_with_pins(w: &World, count: i64) -> (String, Vec<(String, String)>) {
    let roll = crate::stamps::issue(w, &w.a.batch, count).await;
    let id = roll["id"].as_str().unwrap().to_owned();
    let file = w
        .app
        .get(&format!("/api/v1/stamp-rolls/{id}/pins"), &w.a.token)
        .await
        .expect(200);
    assert!(file
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let mut lines = file.text.lines();
    assert_eq!(lines.next(), Some("serial,pin"));
    let pins: Vec<(String, String)> = lines
        .map(|l| {
            let (s, p) = l.split_once(',').unwrap();
            (s.to_owned(), p.to_owned())
        })
        .collect();
    assert_eq!(pins.len() as i64, count);
    (id, pins)
}

/// Posts the consumer page's form as a browser on our own page would.
fn claim_request(serial: &str, pin: &str, lang: &str) -> TestRequest {
    TestRequest::post()
        .uri(&format!("/s/{serial}/claim"))
        .peer_addr("203.113.5.7:40000".parse().unwrap())
        .insert_header((header::HOST, "localhost:8080"))
        .insert_header((header::ORIGIN, "http://localhost:8080"))
        .insert_header(("sec-fetch-site", "same-origin"))
        .insert_header((header::ACCEPT, "text/html"))
        .set_form([("pin", pin), ("lang", lang)])
}

async fn claim(app: &TestApp, serial: &str, pin: &str, lang: &str) -> Answer {
    app.send_request(claim_request(serial, pin, lang)).await
}

async fn stamp_json(app: &TestApp, serial: &str) -> serde_json::Value {
    app.send_request(
        TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "application/json")),
    )
    .await
    .expect(200)
    .body
}

async fn stamp_page(app: &TestApp, serial: &str, lang: &str) -> String {
    app.send_request(TestRequest::get().uri(&format!("/s/{serial}?lang={lang}")))
        .await
        .expect(200)
        .text
}

/// The claim row's counters: (claimed, later claims, wrong PINs, in window).
fn claim_row(app: &TestApp, serial_roll: (i64, i64)) -> Option<(bool, i32, i32, i32)> {
    stamp_claim::table
        .find(serial_roll)
        .select((
            stamp_claim::claimed_at.is_not_null(),
            stamp_claim::later_claims,
            stamp_claim::wrong_attempts,
            stamp_claim::window_wrong,
        ))
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

fn stamp_of(app: &TestApp, serial: &str) -> (i64, i64) {
    let stamp = app.state().codec.decode(serial).unwrap();
    (i64::from(stamp.roll), i64::from(stamp.index))
}

fn audit_entries(app: &TestApp) -> i64 {
    audit_log::table
        .count()
        .get_result(&mut *app.conn())
        .unwrap()
}

/// A PIN of the right shape that is not this one.
fn other_pin(pin: &str) -> String {
    let last = pin.as_bytes()[7] - b'0';
    format!("{}{}", &pin[..7], (last + 1) % 10)
}

#[actix_web::test]
async fn the_pin_file_is_the_owners_and_apart_from_the_serials() {
    let w = World::build().await;
    let (id, pins) = roll_with_pins(&w, 50).await;
    let serials = w
        .app
        .get(&format!("/api/v1/stamp-rolls/{id}/serials"), &w.a.token)
        .await
        .expect(200)
        .text;
    assert!(serials.starts_with("serial,url\n"), "{serials}");
    for (serial, pin) in &pins {
        assert_eq!(pin.len(), 8, "{pin}");
        assert!(pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");
        assert!(serials.contains(serial.as_str()));
        assert!(
            !serials.contains(&format!(",{pin}")),
            "a PIN in the serial CSV"
        );
    }
    let distinct: std::collections::BTreeSet<&String> = pins.iter().map(|(_, p)| p).collect();
    assert_eq!(distinct.len(), pins.len());
    // A range, as the serial CSV offers.
    let part = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/pins?from=10&count=2"),
            &w.a.token,
        )
        .await
        .expect(200)
        .text;
    assert_eq!(
        part,
        format!(
            "serial,pin\n{},{}\n{},{}\n",
            pins[10].0, pins[10].1, pins[11].0, pins[11].1
        )
    );
    let path = format!("/api/v1/stamp-rolls/{id}/pins");
    w.app.get(&path, &w.b.token).await.expect(404);
    w.app.get(&path, &w.regulator).await.expect(403);
    w.app.send(Method::GET, &path, None, None).await.expect(401);
    w.app
        .get(&format!("{path}?count=51"), &w.a.token)
        .await
        .expect(422);
}

#[actix_web::test]
async fn the_pin_is_printed_in_the_scratch_box_and_never_in_the_qr() {
    let w = World::build().await;
    let (id, pins) = roll_with_pins(&w, 3).await;
    let pdf = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/labels.pdf?layout=a4-3x8-pin"),
            &w.a.token,
        )
        .await
        .expect(200)
        .bytes;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pins.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let file = file.to_str().unwrap();
    let run = |tool: &str, args: &[&str]| {
        let out = std::process::Command::new(tool)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{tool} is needed (apt-get install poppler-utils): {e}"));
        assert!(out.status.success(), "{tool}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = run("pdftotext", &[file, "-"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Cào lớp phủ / Scratch here"), "{text}");
    for (_, pin) in &pins {
        let grouped = format!("{} {}", &pin[..4], &pin[4..]);
        assert!(text.contains(&grouped), "{grouped} not in {text}");
    }
    // Rendered, each QR decodes to its stamp's address, which holds no PIN.
    let prefix = dir.path().join("page");
    run(
        "pdftoppm",
        &["-r", "300", "-gray", "-png", file, prefix.to_str().unwrap()],
    );
    let page = dir.path().join("page-1.png");
    // Kept for people to look at, beside the browser tests' screenshots.
    let shots = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::copy(&page, shots.join("labels-a4-3x8-pin.png")).unwrap();
    let img = image::open(page).unwrap().into_luma8();
    let px = |mm: f32| (mm / 25.4 * 300.0).round() as u32;
    let mut decoded = Vec::new();
    for slot in 0..3u32 {
        // The 3 × 8 sheet's labels are 70 × 37 mm; the QR sits top left.
        let cell =
            image::imageops::crop_imm(&img, px(70.0 * slot as f32), px(0.5), px(30.0), px(30.0));
        let mut prepared = rqrr::PreparedImage::prepare(cell.to_image());
        decoded.extend(
            prepared
                .detect_grids()
                .into_iter()
                .filter_map(|g| g.decode().ok().map(|(_, text)| text)),
        );
    }
    assert_eq!(decoded.len(), 3, "{decoded:?}");
    for ((serial, pin), url) in pins.iter().zip(&decoded) {
        assert!(url.ends_with(serial.as_str()), "{url} is not {serial}'s");
        assert!(!url.contains(pin.as_str()), "the PIN is in the QR: {url}");
    }
    // The plain layout prints no PIN.
    let plain = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/labels.pdf?layout=a4-3x8"),
            &w.a.token,
        )
        .await
        .expect(200)
        .bytes;
    std::fs::write(dir.path().join("plain.pdf"), &plain).unwrap();
    let plain_text = run(
        "pdftotext",
        &[dir.path().join("plain.pdf").to_str().unwrap(), "-"],
    );
    assert!(!plain_text.contains("Scratch"), "{plain_text}");
    for (_, pin) in &pins {
        let grouped = format!("{} {}", &pin[..4], &pin[4..]);
        assert!(!plain_text.contains(&grouped), "{plain_text}");
    }
}

#[actix_web::test]
async fn the_first_right_pin_claims_and_a_later_one_is_clone_evidence() {
    let w = World::build().await;
    let (_, pins) = roll_with_pins(&w, 3).await;
    let (serial, pin) = &pins[0];
    let before = stamp_json(&w.app, serial).await;
    assert_eq!(before["claimed"], false);
    assert_eq!(before["claimed_at"], json!(null));
    assert_eq!(before["later_claims"], 0);
    let page = stamp_page(&w.app, serial, "vi").await;
    assert!(page.contains("Nhập mã PIN dưới lớp cào"), "{page}");
    assert!(page.contains(&format!("action=\"/s/{serial}/claim\"")));
    assert!(!page.contains("<script"));
    let audited = audit_entries(&w.app);

    // Typed as printed, in two groups.
    let typed = format!("{} {}", &pin[..4], &pin[4..]);
    let first = claim(&w.app, serial, &typed, "vi").await.expect(200);
    assert!(first.text.contains("Đã xác nhận tem"), "{}", first.text);
    assert!(first.text.contains("người đầu tiên"), "{}", first.text);
    assert_eq!(
        claim_row(&w.app, stamp_of(&w.app, serial)),
        Some((true, 0, 0, 0))
    );
    let origin: Option<String> = stamp_claim::table
        .find(stamp_of(&w.app, serial))
        .select(stamp_claim::origin)
        .first(&mut *w.app.conn())
        .unwrap();
    assert_eq!(
        origin.map(|o| o.len()),
        Some(16),
        "the coarse origin's hash"
    );

    let after = stamp_json(&w.app, serial).await;
    assert_eq!(after["claimed"], true);
    let claimed_at = after["claimed_at"].as_str().unwrap().to_owned();
    assert!(claimed_at.ends_with('Z'), "{claimed_at}");
    let date = chrono::DateTime::parse_from_rfc3339(&claimed_at)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap());
    let vi_page = stamp_page(&w.app, serial, "vi").await;
    let vi_date = date.format("%d/%m/%Y").to_string();
    assert!(
        vi_page.contains(&format!("Tem này đã được xác nhận ngày {vi_date}")),
        "{vi_page}"
    );
    let en_page = stamp_page(&w.app, serial, "en").await;
    let en_date = date.format("%-d %b %Y").to_string();
    assert!(
        en_page.contains(&format!("This stamp was already claimed on {en_date}")),
        "{en_page}"
    );
    // The other stamps of the roll are untouched.
    assert_eq!(stamp_json(&w.app, &pins[1].0).await["claimed"], false);

    // The same PIN again: already claimed, counted as clone evidence.
    let again = claim(&w.app, serial, pin, "en").await.expect(200);
    assert!(
        again
            .text
            .contains(&format!("This stamp was already claimed on {en_date}")),
        "{}",
        again.text
    );
    let again_vi = claim(&w.app, serial, pin, "vi").await.expect(200);
    assert!(again_vi
        .text
        .contains(&format!("Tem này đã được xác nhận ngày {vi_date}")));
    assert_eq!(
        claim_row(&w.app, stamp_of(&w.app, serial)),
        Some((true, 2, 0, 0))
    );
    let counted = stamp_json(&w.app, serial).await;
    assert_eq!(counted["later_claims"], 2);
    assert_eq!(counted["claimed_at"], claimed_at.as_str());
    // The first claim and both later ones are in the audit log.
    assert_eq!(audit_entries(&w.app), audited + 3);

    // A client asking for JSON gets the outcome as JSON.
    let json_claim = w
        .app
        .send_request(
            claim_request(serial, pin, "en").insert_header((header::ACCEPT, "application/json")),
        )
        .await
        .expect(200);
    assert_eq!(json_claim.body["outcome"], "already_claimed");
    assert_eq!(json_claim.body["claimed_at"], claimed_at.as_str());
    assert_eq!(json_claim.body["later_claims"], 3);
    // README, "Clone detection": each later claim weighs two checkers.
    // Two (4) from a client that names no checker are not enough; a third
    // (6) passes CLONE_CHECKERS (5).
    assert_eq!(counted["verdict"], "genuine", "{counted}");
    let copied = stamp_json(&w.app, serial).await;
    assert_eq!(copied["verdict"], "suspicious", "{copied}");
}

#[actix_web::test]
async fn wrong_pins_are_limited_per_stamp_and_then_refused_with_429() {
    let w = World::build().await;
    let (_, pins) = roll_with_pins(&w, 2).await;
    let (serial, pin) = &pins[0];
    let stamp = stamp_of(&w.app, serial);
    let wrong = other_pin(pin);

    // Not shaped like a PIN: explained, not counted.
    for (typed, vi, en) in [
        ("1234", "mã PIN có 8 chữ số", "a PIN has 8 digits"),
        ("1234567x", "chỉ gồm chữ số", "digits only"),
    ] {
        let vi_answer = claim(&w.app, serial, typed, "vi").await.expect(422);
        assert!(vi_answer.text.contains(vi), "{}", vi_answer.text);
        let en_answer = claim(&w.app, serial, typed, "en").await.expect(422);
        assert!(en_answer.text.contains(en), "{}", en_answer.text);
    }
    assert_eq!(claim_row(&w.app, stamp), None);

    // Five wrong PINs a day are compared and counted.
    for n in 1..=5 {
        let answer = claim(&w.app, serial, &wrong, "vi").await.expect(422);
        assert!(answer.text.contains("Mã PIN không đúng"), "{}", answer.text);
        assert!(
            answer.text.contains(&format!("Bạn còn {} lần thử", 5 - n)),
            "{}",
            answer.text
        );
    }
    assert_eq!(claim_row(&w.app, stamp), Some((false, 0, 5, 5)));

    // Then nothing is compared, the right PIN neither; nothing changes.
    let snapshot = w.app.snapshot();
    let json_before = stamp_json(&w.app, serial).await;
    let limited = claim(&w.app, serial, pin, "vi").await.expect(429);
    assert!(
        limited.text.contains("nhập sai mã PIN quá nhiều lần"),
        "{}",
        limited.text
    );
    let retry: i64 = limited
        .headers
        .get(header::RETRY_AFTER)
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((23 * 3600..=24 * 3600).contains(&retry), "{retry}");
    let limited_en = claim(&w.app, serial, &wrong, "en").await.expect(429);
    assert!(
        limited_en.text.contains("Too many wrong PINs"),
        "{}",
        limited_en.text
    );
    let limited_json = w
        .app
        .send_request(
            claim_request(serial, pin, "en").insert_header((header::ACCEPT, "application/json")),
        )
        .await
        .expect(429);
    assert_eq!(limited_json.body["outcome"], "too_many_wrong");
    assert_eq!(claim_row(&w.app, stamp), Some((false, 0, 5, 5)));
    assert_eq!(w.app.snapshot(), snapshot);
    let json_after = stamp_json(&w.app, serial).await;
    assert_eq!(json_after["claimed"], json_before["claimed"]);
    assert_eq!(json_after["claimed_at"], json_before["claimed_at"]);

    // The limit is per stamp: its neighbour is claimed at once.
    claim(&w.app, &pins[1].0, &pins[1].1, "en")
        .await
        .expect(200);

    // A day after the window opened, five more; past 20 in all, never again.
    let day_ago = tracestamp::time::now() - chrono::Duration::hours(25);
    diesel::update(stamp_claim::table.find(stamp))
        .set((
            stamp_claim::wrong_attempts.eq(19),
            stamp_claim::window_started_at.eq(Some(day_ago)),
        ))
        .execute(&mut *w.app.conn())
        .unwrap();
    let last = claim(&w.app, serial, &wrong, "en").await.expect(422);
    assert!(last.text.contains("0 tries left"), "{}", last.text);
    let final_vi = claim(&w.app, serial, pin, "vi").await.expect(429);
    assert!(
        final_vi.text.contains("không nhận thêm mã nào"),
        "{}",
        final_vi.text
    );
    assert!(final_vi.headers.get(header::RETRY_AFTER).is_none());
    let final_en = claim(&w.app, serial, pin, "en").await.expect(429);
    assert!(
        final_en.text.contains("it takes no more"),
        "{}",
        final_en.text
    );
    assert_eq!(claim_row(&w.app, stamp), Some((false, 0, 20, 1)));
}

#[actix_web::test]
async fn cross_site_posts_are_refused_and_write_nothing() {
    let w = World::build().await;
    let (_, pins) = roll_with_pins(&w, 1).await;
    let (serial, pin) = &pins[0];
    let stamp = stamp_of(&w.app, serial);
    let snapshot = w.app.snapshot();
    let attempts = [
        // Another site's form: the browser names it.
        claim_request(serial, pin, "vi")
            .insert_header((header::ORIGIN, "https://evil.example"))
            .insert_header(("sec-fetch-site", "cross-site")),
        // A browser that sends only Origin.
        TestRequest::post()
            .uri(&format!("/s/{serial}/claim"))
            .insert_header((header::HOST, "localhost:8080"))
            .insert_header((header::ORIGIN, "https://evil.example"))
            .set_form([("pin", pin.as_str())]),
        // A sibling subdomain is another site for this form too.
        claim_request(serial, pin, "vi").insert_header(("sec-fetch-site", "same-site")),
        // An opaque origin (a sandboxed frame).
        TestRequest::post()
            .uri(&format!("/s/{serial}/claim"))
            .insert_header((header::ORIGIN, "null"))
            .set_form([("pin", pin.as_str())]),
    ];
    for request in attempts {
        let answer = w.app.send_request(request).await.expect(403);
        assert!(
            answer
                .text
                .contains("this form can only be sent from our own page"),
            "{}",
            answer.text
        );
    }
    assert_eq!(claim_row(&w.app, stamp), None);
    assert_eq!(w.app.snapshot(), snapshot);
    // Posted from the official address (PUBLIC_BASE_URL) it is accepted.
    let base = w.app.state().config.base_url().to_owned();
    let official = TestRequest::post()
        .uri(&format!("/s/{serial}/claim"))
        .insert_header((header::HOST, "internal-node:9000"))
        .insert_header((header::ORIGIN, base.as_str()))
        .set_form([("pin", pin.as_str()), ("lang", "en")]);
    let answer = w.app.send_request(official).await.expect(200);
    assert!(answer.text.contains("Stamp claimed"), "{}", answer.text);
}

#[actix_web::test]
async fn unknown_and_voided_stamps_cannot_be_claimed() {
    let w = World::build().await;
    let (id, pins) = roll_with_pins(&w, 2).await;
    // A forged serial and an absurd one: not found, nothing written.
    claim(&w.app, "7K3QM9XTMA0B1C2D3E4F", "12345678", "vi")
        .await
        .expect(404);
    let long = "A".repeat(300);
    claim(&w.app, &long, "12345678", "vi").await.expect(404);
    w.app
        .post(
            &format!("/api/v1/stamp-rolls/{id}/void"),
            &w.a.token,
            json!({"serials": [pins[0].0], "reason": "in hỏng"}),
        )
        .await
        .expect(200);
    let voided = claim(&w.app, &pins[0].0, &pins[0].1, "vi")
        .await
        .expect(409);
    assert!(
        voided.text.contains("tem này đã bị nhà sản xuất hủy"),
        "{}",
        voided.text
    );
    let rows: i64 = stamp_claim::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(rows, 0);
    // An oversized form is refused before anything is read.
    let huge = "1".repeat(100_000);
    let answer = w
        .app
        .send_request(claim_request(&pins[1].0, &huge, "vi"))
        .await;
    assert!(answer.status.is_client_error(), "{}", answer.status);
}
