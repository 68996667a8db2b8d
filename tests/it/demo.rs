//! The demo set, seen through the API by each kind of demo account.

use actix_web::http::Method;
use serde_json::json;

use crate::harness::TestApp;

async fn token_of(app: &TestApp, username: &str) -> String {
    let login = app
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": username, "password": "demo"})),
        )
        .await
        .expect(200);
    let cookie = login
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let req = actix_web::test::TestRequest::post()
        .uri("/api/v1/tokens")
        .insert_header(("cookie", cookie))
        .set_json(json!({"name": "demo test"}));
    app.send_request(req).await.expect(201).body["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn total(app: &TestApp, token: &str, resource: &str) -> i64 {
    app.get(&format!("/api/v1/{resource}?per_page=200"), token)
        .await
        .expect(200)
        .body["total"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn demo_accounts_see_their_share_of_vinh_long() {
    let app = TestApp::new();
    let loaded =
        tracestamp::demo::load(&mut app.conn(), &app.state().config, &app.state().codec).unwrap();
    assert_eq!(loaded.accounts.len(), 1 + 17 + 12);
    assert_eq!(
        loaded.inspections, 37,
        "every Vĩnh Long facility was inspected"
    );
    let sample = loaded.sample_serial.clone().expect("a demo stamp");
    let stamp = app
        .send_request(actix_web::test::TestRequest::default().uri(&format!("/s/{sample}")))
        .await;
    assert_eq!(stamp.status.as_u16(), 200);
    // A few demo facilities have a GLN to try `/414/{gln}` with.
    let facility = app
        .send_request(actix_web::test::TestRequest::default().uri("/414/8938641290011?format=html"))
        .await;
    assert_eq!(facility.status.as_u16(), 200, "{}", facility.text);
    assert!(facility.text.contains("Vườn bưởi Năm Roi Mỹ Hòa"));
    for part in [
        "Chính hãng",
        "Bưởi Năm Roi",
        "VietGAP-TT-",
        "Kiểm tra gần nhất",
        "Đạt",
        "Thu hoạch",
        "/static/products/pomelo.svg",
    ] {
        assert!(
            stamp.text.contains(part),
            "the demo stamp's page lacks {part:?}"
        );
    }
    assert!(stamp.bytes.len() < 50 * 1024);

    // The supply chain: the gift boxes' stamp shows the farm the pomelos
    // came from, in Vietnamese and English.
    let chained = loaded.chain_serial.clone().expect("a stamp of the chain");
    for (lang, words) in [("vi", "Nguyên liệu từ"), ("en", "Sourced from")] {
        let page = app
            .send_request(
                actix_web::test::TestRequest::default().uri(&format!("/s/{chained}?lang={lang}")),
            )
            .await;
        assert_eq!(page.status.as_u16(), 200);
        for part in [
            words,
            "Hợp tác xã Nông nghiệp Chánh An",
            "Vườn bưởi da xanh Mỹ Phước",
            "-P52-",
        ] {
            assert!(
                page.text.contains(part),
                "{lang}: the chain's stamp lacks {part:?}"
            );
        }
    }

    let regulator = token_of(&app, "regulator1").await;
    let handovers = app
        .get("/api/v1/handovers", &regulator)
        .await
        .expect(200)
        .body;
    // Two farm lots to the packer, the bags to the exporter, the landing.
    assert_eq!(handovers["total"], 4, "{handovers}");
    let statuses: Vec<&str> = handovers["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert!(statuses.iter().all(|s| *s == "accepted"), "{statuses:?}");
    let landing = handovers["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["from_party_id"].is_string())
        .expect("the landing");
    assert_eq!(landing["lot"]["supplier"], "Tàu cá VL-91234-TS");
    // The landing's own KDEs: a first land-based receiving (FSMA §1.1335).
    let landed = app
        .get(
            &format!(
                "/api/v1/batches/{}/events",
                landing["batch_id"].as_str().unwrap()
            ),
            &regulator,
        )
        .await
        .expect(200)
        .body;
    let first_land = landed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "first_land_receiving")
        .unwrap_or_else(|| panic!("a first land-based receiving: {landed}"));
    assert_eq!(first_land["details"]["vessel"], "Tàu cá VL-91234-TS");
    assert_eq!(first_land["details"]["quantity"], 800);
    assert_eq!(total(&app, &regulator, "facilities").await, 37);
    assert_eq!(total(&app, &regulator, "products").await, 61);
    assert_eq!(total(&app, &regulator, "enterprises").await, 17);
    assert!(total(&app, &regulator, "batches").await >= 61);

    let elsewhere = token_of(&app, "regulator11").await;
    for resource in ["facilities", "products", "enterprises", "batches"] {
        assert_eq!(total(&app, &elsewhere, resource).await, 0, "{resource}");
    }

    let producer = token_of(&app, "producer1").await;
    assert_eq!(total(&app, &producer, "enterprises").await, 1);
    let own = app.get("/api/v1/enterprises", &producer).await.body;
    assert_eq!(own["items"][0]["name"], "Hợp tác xã Bưởi Năm Roi Mỹ Hòa");
    let batches = app.get("/api/v1/batches?per_page=1", &producer).await.body;
    let batch = batches["items"][0]["id"].as_str().unwrap();
    let timeline = app
        .get(&format!("/api/v1/batches/{batch}/events"), &producer)
        .await
        .expect(200)
        .body;
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"harvesting") && kinds.contains(&"packing") && kinds.contains(&"shipping"),
        "{kinds:?}"
    );
}
