//! Stamp rolls and the public resolver, end to end.

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::json;

use tracestamp::db::schema::{batch, scan, stamp_roll};
use tracestamp::domain::serial::SerialError;

use crate::harness::{Answer, TestApp};
use crate::world::World;

/// Issues a roll of `count` stamps for tenant A's `batch`.
pub async fn issue(w: &World, batch: &str, count: i64) -> serde_json::Value {
    w.app
        .post(
            &format!("/api/v1/batches/{batch}/stamp-rolls"),
            &w.a.token,
            json!({"count": count}),
        )
        .await
        .expect(201)
        .body
}

async fn public(app: &TestApp, path: &str) -> Answer {
    let req = TestRequest::default()
        .method(Method::GET)
        .uri(path)
        .insert_header((header::ACCEPT, "application/json"));
    app.send_request(req).await
}

fn serials_of(csv: &str) -> Vec<(String, String)> {
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("serial,url"));
    lines
        .map(|l| {
            let (s, u) = l.split_once(',').unwrap();
            (s.to_owned(), u.to_owned())
        })
        .collect()
}

#[actix_web::test]
async fn a_million_stamps_are_one_row_and_sampled_serials_resolve_genuine() {
    let w = World::build().await;
    let roll = issue(&w, &w.a.batch, 1_000_000).await;
    assert_eq!(roll["count"], 1_000_000);
    let rows: i64 = stamp_roll::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(rows, 1);
    let id = roll["id"].as_str().unwrap();
    let mut sample = Vec::new();
    for (from, count) in [(0, 3), (499_999, 2), (999_997, 3)] {
        let csv = w
            .app
            .get(
                &format!("/api/v1/stamp-rolls/{id}/serials?format=csv&from={from}&count={count}"),
                &w.a.token,
            )
            .await
            .expect(200);
        assert!(csv
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        sample.extend(serials_of(&csv.text));
    }
    assert_eq!(sample.len(), 8);
    assert_eq!(sample[0].0, roll["first_serial"].as_str().unwrap());
    for (serial, url) in &sample {
        assert_eq!(serial.len(), 20);
        assert_eq!(url, &format!("http://127.0.0.1:8080/s/{serial}"));
        let answer = public(&w.app, &format!("/s/{serial}")).await.expect(200);
        assert_eq!(answer.body["verdict"], "genuine", "{}", answer.text);
        assert_eq!(answer.body["batch"]["lot_code"], "LOT-1");
        assert_eq!(answer.body["product"]["name_vi"], "Bưởi Năm Roi 1");
        assert_eq!(answer.body["facility"]["province"], "Vĩnh Long");
        assert_eq!(answer.body["certifications"][0]["scheme"], "vietgap");
        assert_eq!(answer.body["events"][0]["kind"], "harvesting");
    }
    // The last index exists, the one past it does not.
    let past = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?from=1000000"),
            &w.a.token,
        )
        .await
        .expect(422);
    assert_eq!(past.body["error"]["field"], "from");
}

#[actix_web::test]
async fn a_whole_small_roll_streams_as_csv_and_json() {
    let w = World::build().await;
    let roll = issue(&w, &w.a.batch, 5000).await;
    let id = roll["id"].as_str().unwrap();
    let csv = w
        .app
        .get(&format!("/api/v1/stamp-rolls/{id}/serials"), &w.a.token)
        .await
        .expect(200);
    let rows = serials_of(&csv.text);
    assert_eq!(rows.len(), 5000);
    let unique: std::collections::HashSet<_> = rows.iter().map(|r| &r.0).collect();
    assert_eq!(unique.len(), 5000);
    let json = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?format=json"),
            &w.a.token,
        )
        .await
        .expect(200);
    let items = json.body.as_array().unwrap();
    assert_eq!(items.len(), 5000);
    assert_eq!(items[4999]["serial"], rows[4999].0.as_str());
    w.app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?format=xml"),
            &w.a.token,
        )
        .await
        .expect(422);
}

#[actix_web::test]
async fn any_single_character_change_is_refused_without_a_query() {
    let w = World::build().await;
    let roll = issue(&w, &w.a.batch, 10).await;
    let serial = roll["first_serial"].as_str().unwrap().to_owned();
    let alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    for position in 0..serial.len() {
        let original = serial.as_bytes()[position] as char;
        for replacement in alphabet.chars().filter(|c| *c != original).step_by(7) {
            let mut changed = serial.clone();
            changed.replace_range(position..=position, &replacement.to_string());
            let before = w.app.state().queries_run();
            let answer = public(&w.app, &format!("/s/{changed}")).await;
            assert_eq!(
                w.app.state().queries_run(),
                before,
                "{changed} touched the database"
            );
            assert_eq!(answer.status, 404, "{changed}: {}", answer.text);
            assert_eq!(answer.body["verdict"], "unknown");
            assert_eq!(answer.body["error"]["code"], "not_found");
            // Both languages, as the page gives either: a forged code, or
            // one whose changed character names a key not known here.
            let refused = w.app.state().codec.decode(&changed).unwrap_err();
            assert_eq!(
                answer.body["error"]["message"],
                refused.bilingual(),
                "{changed}"
            );
            if matches!(refused, SerialError::Forged) {
                assert_eq!(
                    refused.bilingual(),
                    "mã tem này không phải mã thật, hoặc đã bị gõ nhầm / \
                     this stamp code is not genuine, or was mistyped"
                );
            }
        }
    }
    for (bad, english) in [
        ("7K3Q", "a stamp code has 20 characters, but 4 were given"),
        (
            "7K3QM9XTMA0B1C2D3E4O",
            "character 20 ('O') cannot appear in a stamp code",
        ),
        (
            "%3Cscript%3E",
            "a stamp code has 20 characters, but 8 were given",
        ),
    ] {
        let before = w.app.state().queries_run();
        let answer = public(&w.app, &format!("/s/{bad}")).await.expect(400);
        assert_eq!(w.app.state().queries_run(), before);
        assert_eq!(answer.body["error"]["code"], "bad_request");
        let message = answer.body["error"]["message"].as_str().unwrap();
        let (vi, en) = message.split_once(" / ").expect("Vietnamese / English");
        assert!(
            vi.starts_with("mã tem có 20 ký tự") || vi.starts_with("ký tự thứ 20"),
            "{vi}"
        );
        assert_eq!(en, english);
    }
    // The genuine serial does read, in either case.
    let answer = public(&w.app, &format!("/S/{}", serial.to_ascii_lowercase()))
        .await
        .expect(200);
    assert_eq!(answer.body["verdict"], "genuine");
}

#[actix_web::test]
async fn voids_and_recalls_show_at_the_very_next_scan() {
    let w = World::build().await;
    let roll = issue(&w, &w.a.batch, 100).await;
    let id = roll["id"].as_str().unwrap();
    let csv = w
        .app
        .get(
            &format!("/api/v1/stamp-rolls/{id}/serials?count=3"),
            &w.a.token,
        )
        .await
        .expect(200);
    let serials: Vec<String> = serials_of(&csv.text).into_iter().map(|r| r.0).collect();
    let void = format!("/api/v1/stamp-rolls/{id}/void");
    let answer = w
        .app
        .post(
            &void,
            &w.a.token,
            json!({"serials": [serials[0]], "reason": "Tem in lỗi"}),
        )
        .await
        .expect(200);
    assert_eq!(answer.body["voided"], 1);
    assert_eq!(
        public(&w.app, &format!("/s/{}", serials[0])).await.body["verdict"],
        "voided"
    );
    assert_eq!(
        public(&w.app, &format!("/s/{}", serials[1])).await.body["verdict"],
        "genuine"
    );
    // Refused voids: another roll's serial, no reason, both forms, strangers.
    let other = issue(&w, &w.a.batch, 1).await;
    w.app
        .post(
            &void,
            &w.a.token,
            json!({"serials": [other["first_serial"]], "reason": "x"}),
        )
        .await
        .expect(422);
    w.app
        .post(
            &void,
            &w.a.token,
            json!({"serials": [serials[1]], "reason": " "}),
        )
        .await
        .expect(422);
    w.app
        .post(
            &void,
            &w.a.token,
            json!({"serials": [serials[1]], "all": true, "reason": "x"}),
        )
        .await
        .expect(422);
    w.app
        .post(&void, &w.b.token, json!({"all": true, "reason": "x"}))
        .await
        .expect(404);
    w.app
        .post(&void, &w.regulator, json!({"all": true, "reason": "x"}))
        .await
        .expect(403);
    assert_eq!(
        public(&w.app, &format!("/s/{}", serials[1])).await.body["verdict"],
        "genuine"
    );

    // A recall outranks everything at the next scan.
    diesel::update(batch::table.find(&w.a.batch))
        .set((
            batch::status.eq("recalled"),
            batch::recall_reason.eq(Some("Dư lượng thuốc BVTV vượt ngưỡng")),
        ))
        .execute(&mut *w.app.conn())
        .unwrap();
    let recalled = public(&w.app, &format!("/s/{}", serials[1]))
        .await
        .expect(200);
    assert_eq!(recalled.body["verdict"], "recalled");
    assert_eq!(
        recalled.body["batch"]["recall_reason"],
        "Dư lượng thuốc BVTV vượt ngưỡng"
    );
    diesel::update(batch::table.find(&w.a.batch))
        .set(batch::status.eq("active"))
        .execute(&mut *w.app.conn())
        .unwrap();
    w.app
        .post(&void, &w.a.token, json!({"all": true, "reason": "Lô hỏng"}))
        .await
        .expect(200);
    assert_eq!(
        public(&w.app, &format!("/s/{}", serials[2])).await.body["verdict"],
        "voided"
    );
}

#[actix_web::test]
async fn rolls_belong_to_the_batch_enterprise() {
    let w = World::build().await;
    let path = format!("/api/v1/batches/{}/stamp-rolls", w.a.batch);
    let before = w.app.snapshot();
    w.app
        .post(&path, &w.b.token, json!({"count": 10}))
        .await
        .expect(404);
    w.app
        .post(&path, &w.other_regulator, json!({"count": 10}))
        .await
        .expect(404);
    w.app
        .post(&path, &w.regulator, json!({"count": 10}))
        .await
        .expect(403);
    for count in [0, 10_000_001, -1] {
        let answer = w
            .app
            .post(&path, &w.a.token, json!({"count": count}))
            .await
            .expect(422);
        assert_eq!(answer.body["error"]["field"], "count");
    }
    w.app
        .post(&path, &w.a.token, json!({"count": "ten"}))
        .await
        .expect(400);
    assert_eq!(w.app.snapshot(), before);
    let roll = issue(&w, &w.a.batch, 10).await;
    let id = roll["id"].as_str().unwrap();
    w.app
        .get(&format!("/api/v1/stamp-rolls/{id}"), &w.a.token)
        .await
        .expect(200);
    w.app
        .get(&format!("/api/v1/stamp-rolls/{id}"), &w.b.token)
        .await
        .expect(404);
    w.app
        .get(&format!("/api/v1/stamp-rolls/{id}/serials"), &w.b.token)
        .await
        .expect(404);
    let listed = w.app.get(&path, &w.admin).await.expect(200);
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn digital_links_resolve_and_bad_syntax_is_400_not_404() {
    let w = World::build().await;
    let mut body = crate::world::product_body("Sầu riêng Ri6");
    body["gtin"] = json!("8934567890120");
    let product = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201)
        .id();
    let lot = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            crate::world::batch_body(&product, &w.a.facility, "RI6-2611"),
        )
        .await
        .expect(201)
        .id();
    let roll = issue(&w, &lot, 10).await;
    let serial = roll["first_serial"].as_str().unwrap();
    let url = roll["first_url"].as_str().unwrap();
    assert_eq!(
        url,
        format!("http://127.0.0.1:8080/01/08934567890120/10/RI6-2611/21/{serial}")
    );
    let path = url.trim_start_matches("http://127.0.0.1:8080");
    let answer = public(&w.app, path).await.expect(200);
    assert_eq!(answer.body["verdict"], "genuine");
    assert_eq!(answer.body["product"]["gtin"], "08934567890120");
    // The same serial under the short form, and GTIN-13 in the path.
    public(&w.app, &format!("/s/{serial}")).await.expect(200);
    public(
        &w.app,
        &format!("/01/8934567890120/10/RI6-2611/21/{serial}"),
    )
    .await
    .expect(200);
    // A genuine serial under another lot or GTIN is a copied label.
    public(&w.app, &format!("/01/08934567890120/10/OTHER/21/{serial}"))
        .await
        .expect(404);
    // Class and lot level.
    let class = public(&w.app, "/01/08934567890120").await.expect(200);
    assert_eq!(class.body["level"], "product");
    let lot_level = public(&w.app, "/01/08934567890120/10/RI6-2611")
        .await
        .expect(200);
    assert_eq!(lot_level.body["record"]["batch"]["lot_code"], "RI6-2611");
    // An unknown lot walks up to the product (GS1's resolver standard).
    let walked = public(&w.app, "/01/08934567890120/10/NOPE")
        .await
        .expect(200);
    assert_eq!(walked.body["level"], "product");
    public(&w.app, "/01/09506000134352").await.expect(404);
    // Bad syntax names the reason.
    for bad in [
        "/01/08934567890121",
        "/01/08934567890120/21/ABC/10/LOT",
        "/01/08934567890120/10/A/10/B",
        "/01/08934567890120/10/ABCDEFGHIJKLMNOPQRSTU",
        "/01/08934567890120/10/%23",
        "/01/08934567890120/10/LOT?17=241301",
        "/414/08934567890120",
    ] {
        let answer = public(&w.app, bad).await;
        assert!(
            answer.status == 400 || (bad.starts_with("/414") && answer.status == 404),
            "{bad}: {}",
            answer.text
        );
        if answer.status == 400 {
            assert!(
                answer.body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("Digital Link"),
                "{bad}"
            );
        }
    }
}

#[actix_web::test]
async fn linksets_redirects_and_html_in_both_languages() {
    let w = World::build().await;
    let roll = issue(&w, &w.a.batch, 10).await;
    let serial = roll["first_serial"].as_str().unwrap().to_owned();
    w.app
        .post(
            &format!("/api/v1/products/{}/links", w.a.product),
            &w.a.token,
            json!({"link_type": "gs1:recipeInfo", "href": "https://hoptac.example.vn/cong-thuc", "title": "Gỏi bưởi", "lang": "vi"}),
        )
        .await
        .expect(201);
    w.app
        .post(
            &format!("/api/v1/products/{}/links", w.a.product),
            &w.a.token,
            json!({"link_type": "recipe", "href": "x", "title": "t"}),
        )
        .await
        .expect(422);
    let redirect = w
        .app
        .send(
            Method::GET,
            &format!("/s/{serial}?linkType=gs1:recipeInfo"),
            None,
            None,
        )
        .await
        .expect(307);
    assert_eq!(
        redirect.headers.get("location").unwrap(),
        "https://hoptac.example.vn/cong-thuc"
    );
    let long = format!("/s/{serial}?linkType=https%3A%2F%2Fgs1.org%2Fvoc%2FrecipeInfo");
    w.app.send(Method::GET, &long, None, None).await.expect(307);
    w.app
        .send(
            Method::GET,
            &format!("/s/{serial}?linkType=gs1:pip"),
            None,
            None,
        )
        .await
        .expect(404);
    let linkset = w
        .app
        .send(
            Method::GET,
            &format!("/s/{serial}?linkType=linkset"),
            None,
            None,
        )
        .await
        .expect(200);
    assert_eq!(
        linkset.headers.get("content-type").unwrap(),
        "application/linkset+json"
    );
    let set = &linkset.body["linkset"][0];
    assert!(set["anchor"].as_str().unwrap().ends_with(&serial));
    assert_eq!(
        set["https://gs1.org/voc/recipeInfo"][0]["href"],
        "https://hoptac.example.vn/cong-thuc"
    );
    assert!(set["https://gs1.org/voc/defaultLink"].is_array());

    let vi = w
        .app
        .send(Method::GET, &format!("/s/{serial}"), None, None)
        .await
        .expect(200);
    assert!(
        vi.text.contains("<html lang=\"vi\">") && vi.text.contains("Chính hãng"),
        "{}",
        vi.text
    );
    assert!(vi.text.contains("Tem này đã được quét"));
    let en = w
        .app
        .send(Method::GET, &format!("/s/{serial}?lang=en"), None, None)
        .await
        .expect(200);
    assert!(en.text.contains("<html lang=\"en\">") && en.text.contains("Genuine"));
    let by_header = w
        .app
        .send_request(
            TestRequest::get()
                .uri(&format!("/s/{serial}"))
                .insert_header((header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")),
        )
        .await;
    assert!(by_header.text.contains("Genuine"));
    let fake = w
        .app
        .send(Method::GET, "/s/7K3QM9XTMA0B1C2D3E4F", None, None)
        .await
        .expect(404);
    assert!(fake.text.contains("có thể là hàng giả"), "{}", fake.text);
    let gs1 = w
        .app
        .send(Method::GET, "/.well-known/gs1resolver", None, None)
        .await
        .expect(200);
    assert_eq!(gs1.body["supportedPrimaryKeys"][0], "01");
}

#[actix_web::test]
async fn scans_are_buffered_counted_and_turn_suspicious() {
    let mut w = World::build().await;
    w.app.state_mut().clients =
        std::sync::Arc::new(tracestamp::client::ClientAddresses::new(&["127.0.0.1/32"
            .parse()
            .unwrap()]));
    w.app.state_mut().config.clone_checkers = 3.0;
    let roll = issue(&w, &w.a.batch, 10).await;
    let serial = roll["first_serial"].as_str().unwrap().to_owned();
    let scan_from = |ip: &str| {
        TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "application/json"))
            .peer_addr("127.0.0.1:40000".parse().unwrap())
            .insert_header(("x-forwarded-for", ip.to_owned()))
            .insert_header((header::USER_AGENT, "Mozilla/5.0 (Linux; Android 14) Mobile"))
    };
    let first = w
        .app
        .send_request(scan_from("203.113.5.7"))
        .await
        .expect(200);
    assert_eq!(first.body["scan_count"], 1);
    let written: i64 = scan::table.count().get_result(&mut *w.app.conn()).unwrap();
    assert_eq!(written, 0, "the reader does not wait for the write");
    assert_eq!(w.app.state().flush_scans().unwrap(), 1);
    let second = w
        .app
        .send_request(scan_from("203.113.5.8"))
        .await
        .expect(200);
    assert_eq!(second.body["scan_count"], 2);
    assert_eq!(second.body["verdict"], "genuine");
    w.app.state().flush_scans().unwrap();
    // Two more networks: three checkers, a copied label by this rule.
    w.app
        .send_request(scan_from("14.160.1.1"))
        .await
        .expect(200);
    w.app.state().flush_scans().unwrap();
    let third = w
        .app
        .send_request(scan_from("171.244.9.9"))
        .await
        .expect(200);
    assert_eq!(third.body["verdict"], "suspicious");
    let stored: Vec<(Option<String>, String, String)> = scan::table
        .select((scan::origin_hash, scan::client_class, scan::verdict))
        .load(&mut *w.app.conn())
        .unwrap();
    // Origins are stored only as salted hashes (16 hex digits), never as
    // the address; a hex digest may contain "203" by chance, so look for
    // the shape, not the digits.
    assert!(stored.iter().all(|(h, class, _)| h
        .as_deref()
        .is_some_and(|h| h.len() == 16 && h.chars().all(|c| c.is_ascii_hexdigit()))
        && class == "mobile"));
    // Forged codes are recorded too, for counterfeit alerts.
    w.app
        .send_request(scan_from("1.2.3.4").uri("/s/7K3QM9XTMA0B1C2D3E4F"))
        .await
        .expect(404);
    w.app.state().flush_scans().unwrap();
    let unknown: i64 = scan::table
        .filter(scan::verdict.eq("unknown"))
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(unknown, 1);
    for _ in 0..3 {
        w.app
            .send_request(scan_from("203.113.5.9"))
            .await
            .expect(200);
    }
    w.app.state().flush_scans().unwrap();
    let busy = w
        .app
        .send_request(scan_from("203.113.5.9"))
        .await
        .expect(200);
    assert_eq!(busy.body["scan_count"], 8);
    assert_eq!(busy.body["checkers"], 3, "reloads add no checker");
    assert_eq!(busy.body["checked_before"], true);
    assert_eq!(busy.body["verdict"], "suspicious");
}
