//! NFC tags (NTAG 424 DNA) end to end: binding at packing, the key file,
//! genuine taps built here as a tag would build them, replays and forgeries.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use aes::cipher::{BlockEncrypt, KeyInit};
use diesel::prelude::*;
use serde_json::Value;

use tracestamp::db::schema::nfc_tag;
use tracestamp::domain::sun::{sdm_mac, PiccData};
use tracestamp::domain::tag_keys::RollTagKeys;

use crate::harness::{Answer, TestApp};
use crate::world::World;

async fn upload(app: &TestApp, token: &str, csv: &str) -> Answer {
    let req = TestRequest::default()
        .method(Method::POST)
        .uri("/api/v1/nfc-tags")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        .insert_header((header::CONTENT_TYPE, "text/csv"))
        .set_payload(csv.to_owned());
    app.send_request(req).await
}

/// A roll of `count` stamps of tenant A: its id and serials.
async fn roll(w: &World, count: i64) -> (String, Vec<String>) {
    let roll = crate::stamps::issue(w, &w.a.batch, count).await;
    let id = roll["id"].as_str().unwrap().to_owned();
    let serials = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?format=json"),
            &w.a.token,
        )
        .await
        .expect(200)
        .body;
    let serials = serials
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["serial"].as_str().unwrap().to_owned())
        .collect();
    (id, serials)
}

/// The key file's rows, by column name.
async fn key_file(app: &TestApp, token: &str, roll_id: &str) -> Vec<Vec<(String, String)>> {
    let answer = app
        .get(&format!("/api/v1/stamp-rolls/{roll_id}/nfc-keys"), token)
        .await
        .expect(200);
    assert_eq!(
        answer.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let text = answer.text.trim_start_matches('\u{feff}');
    let mut lines = text.lines();
    let names: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    lines
        .map(|l| {
            names
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

fn column<'a>(row: &'a [(String, String)], name: &str) -> &'a str {
    &row.iter().find(|(n, _)| n == name).unwrap().1
}

fn key(hex_key: &str) -> [u8; 16] {
    let mut k = [0u8; 16];
    hex::decode_to_slice(hex_key, &mut k).unwrap();
    k
}

/// The query a tag mirrors on a read with `counter`, as the chip makes it:
/// PICC data encrypted under the meta-read key (one block, so CBC with a
/// zero IV is one AES encryption), the MAC under the file-read key.
fn tap_query(meta: &[u8; 16], file: &[u8; 16], uid: [u8; 7], counter: u32) -> String {
    let mut plain = [0xA5u8; 16];
    plain[0] = 0xC7;
    plain[1..8].copy_from_slice(&uid);
    plain[8..11].copy_from_slice(&counter.to_le_bytes()[..3]);
    let mut block = aes::Block::from(plain);
    aes::Aes128::new(meta.into()).encrypt_block(&mut block);
    let mac = sdm_mac(file, &PiccData { uid, counter }, b"");
    format!(
        "picc_data={}&cmac={}",
        hex::encode_upper(block),
        hex::encode_upper(mac)
    )
}

/// A bound tag's tap, from the key file's row.
struct Tag {
    uid: [u8; 7],
    serial: String,
    meta: [u8; 16],
    file: [u8; 16],
}

impl Tag {
    fn from_row(row: &[(String, String)]) -> Self {
        let mut uid = [0u8; 7];
        hex::decode_to_slice(column(row, "uid"), &mut uid).unwrap();
        Tag {
            uid,
            serial: column(row, "serial").to_owned(),
            meta: key(column(row, "sdm_meta_read_key")),
            file: key(column(row, "sdm_file_read_key")),
        }
    }

    fn url(&self, counter: u32) -> String {
        format!(
            "/s/{}?{}",
            self.serial,
            tap_query(&self.meta, &self.file, self.uid, counter)
        )
    }
}

async fn public(app: &TestApp, path: &str, accept: &str) -> Answer {
    let req = TestRequest::default()
        .method(Method::GET)
        .uri(path)
        .insert_header((header::ACCEPT, accept));
    app.send_request(req).await
}

fn tag_row(app: &TestApp, uid: &str) -> (i64, i64) {
    nfc_tag::table
        .find(uid)
        .select((nfc_tag::last_counter, nfc_tag::replays))
        .first(&mut *app.conn())
        .unwrap()
}

fn tags(app: &TestApp) -> i64 {
    nfc_tag::table.count().get_result(&mut *app.conn()).unwrap()
}

fn message(answer: &Answer) -> &str {
    answer.body["error"]["message"].as_str().unwrap_or("")
}

#[actix_web::test]
async fn binding_checks_the_whole_file_and_binds_it_at_once() {
    let w = World::build().await;
    let (_, serials) = roll(&w, 5).await;
    let theirs = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.b.batch),
            &w.b.token,
            serde_json::json!({"count": 1}),
        )
        .await
        .expect(201)
        .body["first_serial"]
        .as_str()
        .unwrap()
        .to_owned();

    // Every kind of bad line at once, each named by its line; nothing bound.
    let mut forged = serials[1].clone();
    let last = if forged.ends_with('0') { "1" } else { "0" };
    forged.replace_range(19..20, last);
    let bad = format!(
        "uid,serial\n\
         04A1B2C3D4E501,{s0}\n\
         04A1B2C3D4E5,{s1}\n\
         04A1B2C3D4E502,{forged}\n\
         04A1B2C3D4E503\n\
         04a1b2c3d4e501,{s2}\n\
         04A1B2C3D4E504,{s0}\n\
         04A1B2C3D4E505,{theirs}\n",
        s0 = serials[0],
        s1 = serials[1],
        s2 = serials[2],
    );
    let before = w.app.snapshot();
    let answer = upload(&w.app, &w.a.token, &bad).await.expect(422);
    assert_eq!(w.app.snapshot(), before, "a refused upload writes nothing");
    let text = message(&answer);
    assert_eq!(answer.body["error"]["field"], "csv");
    for expected in [
        "line 3: \"04A1B2C3D4E5\" is not a 7-byte tag UID",
        "line 4: ",
        "line 5: expected 2 fields",
        "line 6: tag 04A1B2C3D4E501 is also on line 2",
        "line 7: stamp",
        "also on line 2",
        "line 8: not a stamp of your enterprise",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(!text.contains("line 2:"), "{text}");
    assert_eq!(tags(&w.app), 0);

    // A good file: no header, UIDs with separators and in lower case,
    // grouped serials.
    let good = format!(
        "04:a1:b2:c3:d4:e5:01 , {}\r\n\r\n04A1B2C3D4E502,{}\r\n",
        crate_group(&serials[0]),
        serials[1]
    );
    let answer = upload(&w.app, &w.a.token, &good).await.expect(200);
    assert_eq!(answer.body["bound"], 2);
    assert_eq!(tags(&w.app), 2);

    // Bound once: the same tag again, or another tag on a tagged stamp.
    let again = format!(
        "uid,serial\n04A1B2C3D4E501,{}\n04A1B2C3D4E509,{}\n",
        serials[3], serials[1]
    );
    let before = w.app.snapshot();
    let answer = upload(&w.app, &w.a.token, &again).await.expect(422);
    assert_eq!(w.app.snapshot(), before);
    let text = message(&answer);
    assert!(
        text.contains("line 2: tag 04A1B2C3D4E501 is already bound"),
        "{text}"
    );
    assert!(
        text.contains("line 3: this stamp already has an NFC tag"),
        "{text}"
    );
    assert_eq!(tags(&w.app), 2);

    // Another enterprise, a regulator: not theirs to bind.
    let mine = format!("04A1B2C3D4E507,{}\n", serials[4]);
    let answer = upload(&w.app, &w.b.token, &mine).await.expect(422);
    assert!(message(&answer).contains("not a stamp of your enterprise"));
    upload(&w.app, &w.regulator, &mine).await.expect(403);
    // Not CSV, empty, oversized.
    let answer = w
        .app
        .post(
            "/api/v1/nfc-tags",
            &w.a.token,
            serde_json::json!({"csv": mine}),
        )
        .await
        .expect(415);
    assert!(message(&answer).contains("text/csv"));
    upload(&w.app, &w.a.token, "uid,serial\n\n")
        .await
        .expect(422);
    let huge = "x".repeat(tracestamp::service::nfc::MAX_BIND_BYTES + 1);
    upload(&w.app, &w.a.token, &huge).await.expect(413);
    let many: String = (0..=tracestamp::service::nfc::MAX_BIND_ROWS)
        .map(|i| format!("{i:014X},{}\n", serials[4]))
        .collect();
    let answer = upload(&w.app, &w.a.token, &many).await.expect(422);
    assert!(
        message(&answer).contains("at most 10000"),
        "{}",
        answer.text
    );
    assert_eq!(tags(&w.app), 2);
    // Admins bind any enterprise's stamps.
    upload(&w.app, &w.admin, &format!("04A1B2C3D4E508,{theirs}\n"))
        .await
        .expect(200);
}

fn crate_group(serial: &str) -> String {
    tracestamp::domain::serial::group(serial)
}

#[actix_web::test]
async fn a_genuine_tap_verifies_and_a_replay_is_refused_and_counted() {
    let w = World::build().await;
    let (roll_id, serials) = roll(&w, 3).await;
    let csv = format!(
        "uid,serial\n04DE5F1EACC040,{}\n04DE5F1EACC041,{}\n",
        serials[0], serials[1]
    );
    upload(&w.app, &w.a.token, &csv).await.expect(200);

    // The key file: the roll's enterprise only.
    w.app
        .get(
            &format!("/api/v1/stamp-rolls/{roll_id}/nfc-keys"),
            &w.b.token,
        )
        .await
        .expect(404);
    let rows = key_file(&w.app, &w.a.token, &roll_id).await;
    assert_eq!(rows.len(), 2);
    let url = column(&rows[0], "url");
    assert!(
        url.ends_with(&format!(
            "/s/{}?picc_data={}&cmac={}",
            serials[0],
            "0".repeat(32),
            "0".repeat(16)
        )),
        "{url}"
    );
    // The offsets point at the zeros in the NDEF file (7 bytes before the
    // URL less its prefix).
    let stripped = url.split_once("://").unwrap().1;
    let at = |name: &str| column(&rows[0], name).parse::<usize>().unwrap() - 7;
    assert!(stripped[..at("picc_data_offset")].ends_with("picc_data="));
    assert!(stripped[..at("mac_offset")].ends_with("&cmac="));
    // One meta-read key per roll, one file-read key per tag.
    assert_eq!(
        column(&rows[0], "sdm_meta_read_key"),
        column(&rows[1], "sdm_meta_read_key")
    );
    assert_ne!(
        column(&rows[0], "sdm_file_read_key"),
        column(&rows[1], "sdm_file_read_key")
    );
    let tag = Tag::from_row(&rows[0]);
    assert_eq!(tag.serial, serials[0]);

    // A HEAD (a link checker) does not use the tap up.
    let head = TestRequest::default().method(Method::HEAD).uri(&tag.url(1));
    w.app.send_request(head).await.expect(200);
    // Nor does a load that is no check: the URL embedded as an image.
    let embedded = TestRequest::default()
        .uri(&tag.url(1))
        .insert_header(("sec-fetch-dest", "image"));
    let embedded = w.app.send_request(embedded).await.expect(200);
    assert!(!embedded.text.contains("Chip NFC xác thực"));
    assert_eq!(tag_row(&w.app, "04DE5F1EACC040"), (-1, 0));

    // A genuine tap: the stamp's page, with the chip verified.
    let page = public(&w.app, &tag.url(1), "text/html").await.expect(200);
    assert!(page.text.contains("Chip NFC xác thực"), "{}", page.text);
    assert!(!page.text.contains("<script"));
    let page = public(&w.app, &format!("{}&lang=en", tag.url(2)), "text/html")
        .await
        .expect(200);
    assert!(page.text.contains("NFC tag verified"));
    let json = public(&w.app, &tag.url(5), "application/json")
        .await
        .expect(200);
    assert_eq!(json.body["verdict"], "genuine");
    assert_eq!(json.body["nfc_verified"], true);
    assert_eq!(tag_row(&w.app, "04DE5F1EACC040"), (5, 0));
    // The plain page says nothing of NFC.
    let plain = public(&w.app, &format!("/s/{}", serials[0]), "application/json")
        .await
        .expect(200);
    assert!(plain.body.get("nfc_verified").is_none());

    // The same URL again (a copy), or an older one: refused, counted.
    let copied = public(&w.app, &tag.url(5), "text/html").await.expect(409);
    assert!(copied.text.contains("bản sao"), "{}", copied.text);
    let copied = public(&w.app, &format!("{}&lang=en", tag.url(2)), "text/html")
        .await
        .expect(409);
    assert!(
        copied.text.contains("This NFC tap was copied"),
        "{}",
        copied.text
    );
    let copied = public(&w.app, &tag.url(5), "application/json")
        .await
        .expect(409);
    assert_eq!(copied.body["error"]["code"], "replayed");
    assert_eq!(tag_row(&w.app, "04DE5F1EACC040"), (5, 3));
    // The chip's next read verifies.
    public(&w.app, &tag.url(6), "text/html").await.expect(200);
    assert_eq!(tag_row(&w.app, "04DE5F1EACC040"), (6, 3));
}

#[actix_web::test]
async fn forged_tampered_and_malformed_taps_are_refused() {
    let w = World::build().await;
    let (roll_id, serials) = roll(&w, 3).await;
    let csv = format!("04DE5F1EACC040,{}\n", serials[0]);
    upload(&w.app, &w.a.token, &csv).await.expect(200);
    let rows = key_file(&w.app, &w.a.token, &roll_id).await;
    let tag = Tag::from_row(&rows[0]);

    // A tampered MAC, a MAC under another key, the PICC data of another
    // key: refused before any database work, and nothing counted.
    let genuine = tag.url(7);
    let (head, mac) = genuine.rsplit_once("cmac=").unwrap();
    let flipped = if mac.starts_with('0') { "1" } else { "0" };
    let tampered = format!("{head}cmac={flipped}{}", &mac[1..]);
    let wrong_file = Tag {
        file: [9; 16],
        serial: tag.serial.clone(),
        ..Tag::from_row(&rows[0])
    };
    let wrong_meta = Tag {
        meta: [9; 16],
        serial: tag.serial.clone(),
        ..Tag::from_row(&rows[0])
    };
    for url in [tampered, wrong_file.url(7), wrong_meta.url(7)] {
        let before = w.app.state().queries_run();
        let answer = public(&w.app, &url, "application/json").await.expect(404);
        assert_eq!(
            w.app.state().queries_run(),
            before,
            "{url} touched the database"
        );
        assert_eq!(answer.body["verdict"], "unknown");
        assert!(
            message(&answer).contains("did not verify"),
            "{}",
            answer.text
        );
    }
    assert_eq!(tag_row(&w.app, "04DE5F1EACC040"), (-1, 0));

    // Genuine keys, but a tag never bound, or this tag's tap on another
    // stamp's URL.
    let stamp = w.app.state().codec.decode(&serials[1]).unwrap();
    let keys = RollTagKeys::of_roll(&w.app.state().codec, stamp.key_id, stamp.roll).unwrap();
    let uid = [4, 0xDE, 0x5F, 0x1E, 0xAC, 0xC0, 0x99];
    let unbound = Tag {
        uid,
        serial: serials[1].clone(),
        meta: keys.meta_read(),
        file: keys.file_read(&uid),
    };
    // The derived keys are the key file's.
    assert_eq!(unbound.meta, tag.meta);
    let url = format!("{}&lang=en", unbound.url(1));
    let answer = public(&w.app, &url, "text/html").await.expect(404);
    assert!(
        answer.text.contains("not bound to this stamp"),
        "{}",
        answer.text
    );
    let moved = Tag {
        serial: serials[1].clone(),
        ..Tag::from_row(&rows[0])
    };
    public(&w.app, &moved.url(1), "application/json")
        .await
        .expect(404);
    assert_eq!(tag_row(&w.app, "04DE5F1EACC040"), (-1, 0));

    // Malformed parameters: a clear 400 naming the parameter.
    let s = &serials[0];
    for (query, field) in [
        ("picc_data=XYZ&cmac=94EED9EE65337086", "picc_data"),
        ("picc_data=EF963FF7828658A599F3041510671E88", "cmac"),
        ("cmac=94EED9EE65337086", "picc_data"),
        (
            "picc_data=EF963FF7828658A599F3041510671E88&cmac=94EED9EE6533708",
            "cmac",
        ),
        (
            "picc_data=EF963FF7828658A599F3041510671E8G&cmac=94EED9EE65337086",
            "picc_data",
        ),
    ] {
        let answer = public(&w.app, &format!("/s/{s}?{query}"), "application/json")
            .await
            .expect(400);
        assert!(message(&answer).contains(field), "{query}: {}", answer.text);
        let page = public(&w.app, &format!("/s/{s}?{query}"), "text/html")
            .await
            .expect(400);
        assert!(page.text.contains("tham số NFC không hợp lệ"));
    }
    // And the plain page is as before.
    let plain: Value = public(&w.app, &format!("/s/{s}"), "application/json")
        .await
        .expect(200)
        .body;
    assert_eq!(plain["verdict"], "genuine");
}

#[actix_web::test]
async fn producers_bind_tags_from_the_portal() {
    use crate::pages::{csrf_of, page, submit};
    let w = World::build().await;
    let (roll_id, serials) = roll(&w, 2).await;
    let path = format!("/portal/rolls/{roll_id}/nfc");
    let form = page(&w.app, &path, Some(&w.a.token)).await.expect(200);
    assert!(form.text.contains("Gắn thẻ NFC"));
    let csrf = csrf_of(&form.text);
    page(&w.app, &path, Some(&w.b.token)).await.expect(404);
    let batch = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    assert!(batch.text.contains(&path));
    assert!(batch
        .text
        .contains(&format!("/api/v1/stamp-rolls/{roll_id}/nfc-keys")));

    // A bad line: the form again, the line named beside the field, nothing bound.
    let bad = format!("04A1B2C3D4E501,{}\n04A1B2C3D4,{}\n", serials[0], serials[1]);
    let refused = submit(&w.app, &path, &w.a.token, &[("csrf", &csrf), ("csv", &bad)]).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(refused.text.contains("dòng 2"), "{}", refused.text);
    assert_eq!(tags(&w.app), 0);
    let good = format!("04A1B2C3D4E501,{}\n", serials[0]);
    submit(
        &w.app,
        &path,
        &w.a.token,
        &[("csrf", &csrf), ("csv", &good)],
    )
    .await
    .expect(303);
    assert_eq!(tag_row(&w.app, "04A1B2C3D4E501"), (-1, 0));
    // Without the form token, nothing.
    let other = format!("04A1B2C3D4E502,{}\n", serials[1]);
    let forged = submit(&w.app, &path, &w.a.token, &[("csv", &other)]).await;
    assert!(forged.status.is_client_error(), "{}", forged.status);
    assert_eq!(tags(&w.app), 1);
}

/// A phone's request from `ip` (through a trusted proxy on loopback), with
/// our device cookie when given.
fn from(path: &str, ip: &str, device: Option<&str>) -> TestRequest {
    let mut req = TestRequest::get()
        .uri(path)
        .peer_addr("127.0.0.1:40000".parse().unwrap())
        .insert_header(("x-forwarded-for", ip.to_owned()))
        .insert_header((header::USER_AGENT, "Mozilla/5.0 (Linux; Android 14) Mobile"))
        .insert_header((header::ACCEPT, "text/html"));
    if let Some(token) = device {
        req = req.cookie(actix_web::cookie::Cookie::new(
            "ts_device",
            token.to_owned(),
        ));
    }
    req
}

fn json(req: TestRequest) -> TestRequest {
    req.insert_header((header::ACCEPT, "application/json"))
}

fn copies(app: &TestApp, uid: &str) -> i64 {
    nfc_tag::table
        .find(uid)
        .select(nfc_tag::copied_taps)
        .first(&mut *app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_tap_url_opened_by_others_is_a_copy_and_weighs_in_the_verdict() {
    let mut w = World::build().await;
    w.app.state_mut().clients =
        std::sync::Arc::new(tracestamp::client::ClientAddresses::new(&["127.0.0.1/32"
            .parse()
            .unwrap()]));
    let (roll_id, serials) = roll(&w, 2).await;
    let csv = format!("uid,serial\n04DE5F1EACC040,{}\n", serials[0]);
    upload(&w.app, &w.a.token, &csv).await.expect(200);
    let tag = Tag::from_row(&key_file(&w.app, &w.a.token, &roll_id).await[0]);
    let uid = "04DE5F1EACC040";

    // The buyer taps at home, without our cookie: the page gives one, and
    // the tap is that device's.
    let tapped = w
        .app
        .send_request(from(&tag.url(1), "203.0.113.7", None))
        .await
        .expect(200);
    let cookie = tapped
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|c| actix_web::cookie::Cookie::parse(c.to_owned()).ok())
        .expect("a device cookie");
    let device = cookie.value().to_owned();
    // Reloading the tap's page — at home, or on 4G with the same phone — is
    // refused as a replay but is no copy.
    for (ip, cookie) in [
        ("203.0.113.8", None),
        ("198.51.100.20", Some(device.as_str())),
    ] {
        w.app
            .send_request(from(&tag.url(1), ip, cookie))
            .await
            .expect(409);
    }
    assert_eq!(copies(&w.app, uid), 0);
    assert_eq!(tag_row(&w.app, uid), (1, 2));
    w.app.state().flush_scans().expect("flush");
    let page = format!("/s/{}", serials[0]);
    let plain = w
        .app
        .send_request(json(from(&page, "203.0.113.9", Some(&device))))
        .await
        .expect(200);
    assert_eq!(
        (
            plain.body["verdict"].clone(),
            plain.body["copied_taps"].clone()
        ),
        (serde_json::json!("genuine"), serde_json::json!(0))
    );

    // Someone else opens the saved URL: a copy, counted; one alone (the
    // buyer may have sent the link) leaves the stamp green.
    let copied = w
        .app
        .send_request(from(&tag.url(1), "192.0.2.50", None))
        .await
        .expect(409);
    assert!(copied.text.contains("bản sao"), "{}", copied.text);
    assert_eq!(copies(&w.app, uid), 1);
    let one = w
        .app
        .send_request(json(from(&page, "203.0.113.9", Some(&device))))
        .await
        .expect(200);
    assert_eq!(one.body["copied_taps"], 1);
    assert_eq!(one.body["verdict"], "genuine", "{}", one.body);
    // A second person with the old URL: two copies weigh four checkers;
    // with the buyer (one checker: one network, one phone) the stamp is
    // suspicious for everyone.
    w.app
        .send_request(from(&tag.url(1), "100.64.9.9", None))
        .await
        .expect(409);
    assert_eq!(copies(&w.app, uid), 2);
    let two = w
        .app
        .send_request(json(from(&page, "203.0.113.9", Some(&device))))
        .await
        .expect(200);
    assert_eq!(two.body["verdict"], "suspicious", "{}", two.body);
    // The other stamp of the roll is untouched.
    let other = w
        .app
        .send_request(json(from(
            &format!("/s/{}", serials[1]),
            "203.0.113.9",
            None,
        )))
        .await
        .expect(200);
    assert_eq!(other.body["verdict"], "genuine");
}
