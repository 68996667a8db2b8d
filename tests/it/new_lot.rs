//! A new lot in one screen (issue 19): the lot and its first event (a
//! harvest with its quantity, photos) in one post and one transaction; a
//! suggested lot code; every problem at once beside its field, in
//! Vietnamese; a refusal leaves nothing written.

use crate::pages::{csrf_of, page};
use crate::photos::{photo_ids, post_multipart};
use crate::reports::jpeg_with_gps;
use crate::world::World;

fn field_errors(html: &str) -> Vec<String> {
    html.split("id=\"e-")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn a_lot_and_its_harvest_are_created_in_one_screen() {
    let w = World::build().await;
    let form = page(&w.app, "/portal/lots/new", Some(&w.a.token))
        .await
        .expect(200);
    let today = (chrono::Utc::now() + chrono::Duration::hours(7)).format("%y%m%d");
    let suggested = format!("L{today}-01");
    assert!(
        form.text.contains(&format!("value=\"{suggested}\"")),
        "a lot code is suggested"
    );
    assert!(form.text.contains("capture=\"environment\""));
    let csrf = csrf_of(&form.text);

    // Nothing filled in: every problem at once, beside its field, in Vietnamese.
    let before = w.app.snapshot();
    let refused = post_multipart(
        &w.app,
        "/portal/lots/new",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("kind", "harvesting"),
            ("lot_code", ""),
            ("quantity", ""),
        ],
        None,
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    let marked = field_errors(&refused.text);
    for f in [
        "product_id",
        "facility_id",
        "lot_code",
        "quantity",
        "occurred_at",
    ] {
        assert!(
            marked.contains(&f.to_owned()),
            "{f} not marked in {marked:?}"
        );
    }
    assert!(refused.text.contains("không được để trống"));
    assert!(
        !refused.text.contains("is required"),
        "no English on a Vietnamese page"
    );
    assert_eq!(w.app.snapshot(), before, "nothing written");

    let when = (chrono::Utc::now() + chrono::Duration::hours(7) - chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("kind", "harvesting"),
        ("product_id", w.a.product.as_str()),
        ("facility_id", w.a.facility.as_str()),
        ("quantity", "2500"),
        ("unit", "kg"),
        ("occurred_at", when.as_str()),
        ("lot_code", suggested.as_str()),
    ];
    // A broken photo refuses the whole lot.
    let refused = post_multipart(
        &w.app,
        "/portal/lots/new",
        &w.a.token,
        &fields,
        Some(b"GIF89a"),
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert_eq!(w.app.snapshot(), before, "nothing written");

    let photo = jpeg_with_gps(300, 200);
    let made = post_multipart(
        &w.app,
        "/portal/lots/new",
        &w.a.token,
        &fields,
        Some(&photo),
    )
    .await
    .expect(303);
    let location = made
        .headers
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let batch = location
        .trim_start_matches("/portal/batches/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let lot = w
        .app
        .get(&format!("/api/v1/batches/{batch}"), &w.a.token)
        .await
        .expect(200);
    assert_eq!(lot.body["lot_code"], suggested.as_str());
    assert_eq!(lot.body["quantity"], 2500.0);
    let events = w
        .app
        .get(&format!("/api/v1/batches/{batch}/events"), &w.a.token)
        .await
        .expect(200);
    assert_eq!(events.body["items"].as_array().unwrap().len(), 1);
    let harvest = &events.body["items"][0];
    assert_eq!(harvest["kind"], "harvesting");
    assert_eq!(
        harvest["details"]["quantity"], 2500.0,
        "the lot's quantity is the harvest's"
    );
    let shown = page(&w.app, &location, Some(&w.a.token)).await.expect(200);
    assert!(shown.text.contains("2.500"), "numbers the Vietnamese way");
    assert_eq!(photo_ids(&shown.text).len(), 1);

    // The next suggestion moves on; the same code again is refused beside it.
    let form = page(&w.app, "/portal/lots/new", Some(&w.a.token))
        .await
        .expect(200);
    assert!(form.text.contains(&format!("value=\"L{today}-02\"")));
    let before = w.app.snapshot();
    let again = post_multipart(&w.app, "/portal/lots/new", &w.a.token, &fields, None).await;
    assert!(again.status.is_client_error(), "{}", again.status);
    assert!(
        field_errors(&again.text).contains(&"lot_code".to_owned()),
        "{}",
        again.text
    );
    assert_eq!(w.app.snapshot(), before, "nothing written");
}
