//! Small things a hostile client broke (issue 16): a product link's href,
//! a lot code in a download's file name, a panic in blocking work.

use actix_web::http::{header, Method, StatusCode};
use actix_web::ResponseError;
use diesel::prelude::*;
use serde_json::json;

use crate::world::{batch_body, World};
use tracestamp::db::schema::product_link;
use tracestamp::error::{AppError, AppResult};

#[actix_web::test]
async fn hrefs_are_absolute_http_urls_without_control_characters() {
    let w = World::build().await;
    let links = format!("/api/v1/products/{}/links", w.a.product);
    for bad in [
        "https://example.vn/a\nSet-Cookie: x=1",
        "https://example.vn/\ta",
        "https://example.vn/a b",
        "https://",
        "http:/example.vn",
        "/relative",
        "javascript:alert(1)",
        "ftp://example.vn/x",
    ] {
        let refused = w
            .app
            .post(
                &links,
                &w.a.token,
                json!({"link_type": "gs1:recipeInfo", "href": bad, "title": "t"}),
            )
            .await
            .expect(422);
        assert_eq!(refused.body["error"]["field"], "href", "{bad:?}");
    }
    let stored: i64 = product_link::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap();
    assert_eq!(stored, 0);

    // A link stored before the check, now unfit for a header: 404, not 500.
    w.app
        .post(
            &links,
            &w.a.token,
            json!({"link_type": "gs1:recipeInfo", "href": "https://example.vn/ok", "title": "t"}),
        )
        .await
        .expect(201);
    diesel::update(product_link::table)
        .set(product_link::href.eq("https://example.vn/a\nb"))
        .execute(&mut *w.app.conn())
        .unwrap();
    let roll = w
        .app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 1}),
        )
        .await
        .expect(201);
    let serial = roll.body["first_serial"].as_str().unwrap();
    w.app
        .send(
            Method::GET,
            &format!("/s/{serial}?linkType=gs1:recipeInfo"),
            None,
            None,
        )
        .await
        .expect(404);
}

#[actix_web::test]
async fn a_lot_code_with_quotes_makes_a_valid_download_name() {
    let w = World::build().await;
    let batch = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&w.a.product, &w.a.facility, "A/7"),
        )
        .await
        .expect(201);
    // Lot codes are restricted now; one stored before may hold anything.
    {
        use tracestamp::db::schema::batch;
        diesel::update(batch::table.find(batch.body["id"].as_str().unwrap()))
            .set(batch::lot_code.eq("LÔ \"7\"; x=1"))
            .execute(&mut *w.app.conn())
            .unwrap();
    }
    let roll = w
        .app
        .post(
            &format!(
                "/api/v1/batches/{}/stamp-rolls",
                batch.body["id"].as_str().unwrap()
            ),
            &w.a.token,
            json!({"count": 3}),
        )
        .await
        .expect(201);
    let pdf = w
        .app
        .get(
            &format!(
                "/api/v1/stamp-rolls/{}/labels.pdf",
                roll.body["id"].as_str().unwrap()
            ),
            &w.a.token,
        )
        .await
        .expect(200);
    let disposition = pdf
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition
            == "attachment; filename=\"tem-L___7___x_1-0-2.pdf\"; \
                filename*=UTF-8''tem-L%C3%94%20%227%22%3B%20x%3D1-0-2.pdf",
        "{disposition}"
    );
    assert!(pdf.bytes.starts_with(b"%PDF"));
}

#[actix_web::test]
async fn a_panic_in_blocking_work_is_a_500_with_an_error_id() {
    let w = World::build().await;
    let result: AppResult<()> = w
        .app
        .state()
        .db(|_| -> AppResult<()> { panic!("a bug in a handler's database work") })
        .await;
    let error = result.unwrap_err();
    assert!(matches!(error, AppError::Internal(_)), "{error:?}");
    let response = error.error_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = actix_web::body::to_bytes(response.into_body())
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("internal error (id "), "{message}");
    assert_eq!(message.len(), "internal error (id 0123456789ab)".len());
}

/// A body trickled a byte a second is cut once `BODY_TIMEOUT_SECS` has
/// passed (408), while one sent at once is read whole: over a real socket
/// to the real server, where a client can be slow.
#[test]
fn a_body_trickled_slowly_is_cut_with_408() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};

    let db = crate::server::Database::fresh();
    // BODY_TIMEOUT_SECS at its default, 10 s.
    let server = crate::server::Server::start(&db.url, &[]);
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
              Content-Type: application/json\r\nContent-Length: 60\r\n\r\n{",
        )
        .expect("head");
    let started = Instant::now();
    let mut writer = stream.try_clone().expect("clone");
    let trickle = std::thread::spawn(move || {
        for _ in 0..40 {
            std::thread::sleep(Duration::from_secs(1));
            if writer.write_all(b" ").is_err() {
                break;
            }
        }
    });
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let took = started.elapsed();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    assert!(
        took >= Duration::from_secs(10) && took < Duration::from_secs(17),
        "cut after {took:?}"
    );
    drop(stream);
    let _ = trickle.join();

    // A whole body at once is read as ever (a wrong password: 401).
    let refused = server
        .try_request(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(r#"{"username":"nobody","password":"wrong password"}"#),
        )
        .expect("answer");
    assert_eq!(refused.status, 401, "{}", refused.body);
    server.stop();
}
