//! The recall on the regulator's pages: a preview of what it would affect
//! (the lot, the lots made from it, their stamps and recent scans) that is
//! also the confirmation step, the same preview from the API, the unrecall
//! with its reason, and the recall's reason, authority and date shown on
//! the regulator's and the producer's lot pages.

use actix_web::http::header;
use actix_web::test::TestRequest;
use serde_json::json;

use crate::pages::{csrf_of, page, submit};
use crate::world::{batch_body, World};

/// A lot made from tenant A's batch, stamps on both (5 and 3, and a voided
/// roll of 4 on the first), two scans of the first: `(derived, serial)`.
async fn stamped_chain(w: &World) -> String {
    let derived = w
        .app
        .post(
            "/api/v1/batches",
            &w.a.token,
            batch_body(&w.a.product, &w.a.facility, "TIER-1"),
        )
        .await
        .expect(201)
        .id();
    let made = json!({"kind": "transformation", "occurred_at": "2026-11-03T08:00:00+07:00", "facility_id": w.a.facility,
        "details": {"quantity": 100, "unit": "kg", "reference_document": {"type": "other", "number": "LSX-1"}}, "inputs": [{"batch_id": w.a.batch, "quantity": 100.0, "unit": "kg"}]});
    w.app
        .post(
            &format!("/api/v1/batches/{derived}/events"),
            &w.a.token,
            made,
        )
        .await
        .expect(201);
    let mut serial = String::new();
    for (batch, count) in [(&w.a.batch, 5), (&derived, 3), (&w.a.batch, 4)] {
        let roll = w
            .app
            .post(
                &format!("/api/v1/batches/{batch}/stamp-rolls"),
                &w.a.token,
                json!({"count": count}),
            )
            .await
            .expect(201);
        if count == 5 {
            serial = roll.body["first_serial"].as_str().unwrap().to_owned();
        }
        if count == 4 {
            w.app
                .post(
                    &format!("/api/v1/stamp-rolls/{}/void", roll.id()),
                    &w.a.token,
                    json!({"all": true, "reason": "in hỏng cả cuộn"}),
                )
                .await
                .expect(200);
        }
    }
    for ip in ["203.113.5.7:4000", "14.161.2.9:5000"] {
        let scan = TestRequest::get()
            .uri(&format!("/s/{serial}"))
            .insert_header((header::ACCEPT, "application/json"))
            .peer_addr(ip.parse().unwrap());
        assert_eq!(w.app.send_request(scan).await.body["verdict"], "genuine");
    }
    w.app.state().flush_scans().expect("flush");
    derived
}

#[actix_web::test]
async fn the_preview_counts_what_a_recall_would_reach_for_the_provinces_regulator_only() {
    let w = World::build().await;
    let derived = stamped_chain(&w).await;
    let api = w
        .app
        .get(
            &format!("/api/v1/batches/{}/recall-preview", w.a.batch),
            &w.regulator,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(api["stamps"], 8, "the voided roll is not counted: {api}");
    assert_eq!(api["recent_scans"], 2, "{api}");
    assert_eq!(api["recent_scan_days"], 30);
    assert_eq!(api["elsewhere"], 0);
    let lots = api["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2, "{api}");
    assert_eq!(lots[0]["batch_id"], w.a.batch.as_str());
    assert_eq!(lots[0]["depth"], 0);
    assert_eq!(lots[0]["stamps"], 5);
    assert_eq!(lots[0]["recent_scans"], 2);
    assert_eq!(lots[1]["batch_id"], derived.as_str());
    assert_eq!(lots[1]["lot_code"], "TIER-1");
    assert_eq!(lots[1]["stamps"], 3);
    assert_eq!(lots[1]["recent_scans"], 0);
    // The preview of the derived lot reaches it alone.
    let down = w
        .app
        .get(
            &format!("/api/v1/batches/{derived}/recall-preview"),
            &w.regulator,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(down["lots"].as_array().unwrap().len(), 1);
    assert_eq!(down["stamps"], 3);
    // Producers do not recall; another province does not see the lot.
    w.app
        .get(
            &format!("/api/v1/batches/{}/recall-preview", w.a.batch),
            &w.a.token,
        )
        .await
        .expect(403);
    w.app
        .get(
            &format!("/api/v1/batches/{}/recall-preview", w.a.batch),
            &w.other_regulator,
        )
        .await
        .expect(404);

    let before = w.app.snapshot();
    let shown = page(
        &w.app,
        &format!("/oversight/batches/{}/recall", w.a.batch),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert_eq!(w.app.snapshot(), before, "a preview writes nothing");
    let html = &shown.text;
    let preview = &html[html.find("id=\"recall-preview\"").expect("the preview")..];
    assert!(
        preview.find("<form").is_some(),
        "the recall form is on the preview page"
    );
    let table = &preview[..preview.find("<form").unwrap()];
    assert_eq!(table.matches("class=\"affected\"").count(), 2, "{table}");
    assert!(table.contains("LOT-1") && table.contains("TIER-1"));
    assert!(table.contains(&format!("/oversight/batches/{derived}")));
    assert!(table.contains("id=\"preview-stamps\">8<"), "{table}");
    assert!(table.contains("id=\"preview-scans\">2<"), "{table}");
    assert!(html.contains("Xác nhận thu hồi"));
    assert!(html.contains(&format!(
        "action=\"/oversight/batches/{}/recall\"",
        w.a.batch
    )));
    page(
        &w.app,
        &format!("/oversight/batches/{}/recall", w.a.batch),
        Some(&w.other_regulator),
    )
    .await
    .expect(404);
    page(
        &w.app,
        &format!("/oversight/batches/{}/recall", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(403);
}

#[actix_web::test]
async fn a_recall_shows_its_reason_authority_and_date_and_is_lifted_with_a_reason() {
    let w = World::build().await;
    let derived = stamped_chain(&w).await;
    let recall = format!("/oversight/batches/{}/recall", w.a.batch);
    let csrf = csrf_of(
        &page(&w.app, &recall, Some(&w.regulator))
            .await
            .expect(200)
            .text,
    );
    let before = w.app.snapshot();
    let empty = submit(
        &w.app,
        &recall,
        &w.regulator,
        &[("csrf", &csrf), ("reason", " ")],
    )
    .await;
    assert_eq!(empty.status.as_u16(), 422);
    assert!(empty.text.contains("không được để trống"), "{}", empty.text);
    assert!(
        empty.text.contains("id=\"recall-preview\""),
        "the preview stays"
    );
    assert_eq!(w.app.snapshot(), before);
    let done = submit(
        &w.app,
        &recall,
        &w.regulator,
        &[("csrf", &csrf), ("reason", "Dư lượng thuốc vượt ngưỡng")],
    )
    .await
    .expect(303);
    let next = done
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        next,
        format!("/oversight/batches/{}?notice=recalled", w.a.batch)
    );
    let again = submit(
        &w.app,
        &recall,
        &w.regulator,
        &[("csrf", &csrf), ("reason", "lần nữa")],
    )
    .await;
    assert_eq!(again.status.as_u16(), 409);
    assert!(
        again.text.contains("lô hàng đã bị thu hồi rồi"),
        "{}",
        again.text
    );

    let today = (chrono::Utc::now() + chrono::Duration::hours(7))
        .date_naive()
        .format("%d/%m/%Y")
        .to_string();
    let regulator_view = page(&w.app, &next, Some(&w.regulator)).await.expect(200);
    let producer_view = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200);
    for (who, html) in [
        ("regulator", &regulator_view.text),
        ("producer", &producer_view.text),
    ] {
        let note = &html[html
            .find("id=\"recall-note\"")
            .unwrap_or_else(|| panic!("{who}: no note"))..];
        let note = &note[..note.find("</div>").unwrap()];
        assert!(note.contains("Dư lượng thuốc vượt ngưỡng"), "{who}: {note}");
        assert!(
            note.contains("Cơ quan quản lý tỉnh/thành phố Vĩnh Long"),
            "{who}: {note}"
        );
        assert!(note.contains(&today), "{who}: {note}");
    }
    assert!(regulator_view.text.contains("Đã thu hồi lô hàng."));
    let unrecall = format!("/oversight/batches/{}/unrecall", w.a.batch);
    assert!(regulator_view
        .text
        .contains(&format!("href=\"{unrecall}\"")));
    // The lot recalled because of its input points at that input instead.
    let derived_view = page(
        &w.app,
        &format!("/oversight/batches/{derived}"),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(derived_view.text.contains("id=\"recall-note\""));
    assert!(!derived_view.text.contains("/unrecall\""));
    assert!(derived_view
        .text
        .contains(&format!("href=\"/oversight/batches/{}\"", w.a.batch)));
    let derived_lift = submit(
        &w.app,
        &format!("/oversight/batches/{derived}/unrecall"),
        &w.regulator,
        &[("csrf", &csrf), ("reason", "nhầm")],
    )
    .await;
    assert_eq!(derived_lift.status.as_u16(), 409);
    assert!(
        derived_lift.text.contains("hãy dỡ bỏ thu hồi của lô đó"),
        "{}",
        derived_lift.text
    );

    let form = page(&w.app, &unrecall, Some(&w.regulator))
        .await
        .expect(200);
    assert!(form.text.contains("Xác nhận dỡ bỏ thu hồi"));
    let before = w.app.snapshot();
    let empty = submit(
        &w.app,
        &unrecall,
        &w.regulator,
        &[("csrf", &csrf), ("reason", "")],
    )
    .await;
    assert_eq!(empty.status.as_u16(), 422);
    // Each with its own session's token: refused for who they are, not for CSRF.
    let producer_csrf = csrf_of(
        &page(&w.app, "/portal", Some(&w.a.token))
            .await
            .expect(200)
            .text,
    );
    let producer = submit(
        &w.app,
        &unrecall,
        &w.a.token,
        &[("csrf", &producer_csrf), ("reason", "x")],
    )
    .await;
    assert_eq!(producer.status.as_u16(), 403);
    let other_csrf = csrf_of(
        &page(&w.app, "/oversight", Some(&w.other_regulator))
            .await
            .expect(200)
            .text,
    );
    let elsewhere = submit(
        &w.app,
        &unrecall,
        &w.other_regulator,
        &[("csrf", &other_csrf), ("reason", "x")],
    )
    .await;
    assert_eq!(elsewhere.status.as_u16(), 404);
    assert_eq!(w.app.snapshot(), before);
    let lifted = submit(
        &w.app,
        &unrecall,
        &w.regulator,
        &[("csrf", &csrf), ("reason", "Kết quả kiểm nghiệm lại đạt")],
    )
    .await
    .expect(303);
    assert_eq!(
        lifted.headers.get(header::LOCATION).unwrap(),
        &format!("/oversight/batches/{}?notice=unrecalled", w.a.batch)
    );
    for batch in [&w.a.batch, &derived] {
        let row = w
            .app
            .get(&format!("/api/v1/batches/{batch}"), &w.a.token)
            .await
            .expect(200)
            .body;
        assert_eq!(row["status"], "active", "{row}");
        assert!(row["recall_reason"].is_null());
    }
    let after = page(
        &w.app,
        &format!("/oversight/batches/{}", w.a.batch),
        Some(&w.regulator),
    )
    .await
    .expect(200);
    assert!(!after.text.contains("id=\"recall-note\""));
    assert!(after.text.contains(&format!("href=\"{recall}\"")));
    let twice = submit(
        &w.app,
        &unrecall,
        &w.regulator,
        &[("csrf", &csrf), ("reason", "x")],
    )
    .await;
    assert_eq!(twice.status.as_u16(), 409);
    assert!(
        twice.text.contains("lô hàng không bị thu hồi"),
        "{}",
        twice.text
    );
}
