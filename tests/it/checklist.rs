//! The inspection checklist per facility kind, with photos (issue 19): the
//! regulator's form shows the facility kind's items with nothing chosen;
//! an unanswered item is refused with every problem at once, beside its
//! item, nothing written; a complete checklist is stored with the
//! inspection and shown (failed items first) on the facility's record and
//! to the producer; the inspection's photos are served to those who reach
//! the facility only. The API takes the checklist as an optional array.

use actix_web::http::header;
use serde_json::json;

use crate::pages::{csrf_of, page, submit};
use crate::photos::{photo_ids, post_multipart};
use crate::reports::{contains, jpeg_with_gps};
use crate::world::World;
use tracestamp::domain::checklist::items;
use tracestamp::domain::kinds::FacilityKind;

fn inspect_path(facility: &str) -> String {
    format!("/oversight/facilities/{facility}/inspect")
}

#[actix_web::test]
async fn the_form_shows_the_facility_kinds_items_with_nothing_chosen() {
    let w = World::build().await;
    // The world's facilities are orchards.
    let form = page(&w.app, &inspect_path(&w.a.facility), Some(&w.regulator))
        .await
        .expect(200)
        .text;
    for item in items(FacilityKind::Orchard) {
        assert!(form.contains(item.vi), "{} on the form", item.code);
        assert!(form.contains(&format!(
            "name=\"check.{}\" value=\"not_applicable\"",
            item.code
        )));
    }
    assert!(!form.contains(items(FacilityKind::Aquaculture)[0].vi));
    assert!(!form.contains(" checked"), "no answer chosen beforehand");
    assert!(form.contains("Không áp dụng") && form.contains("Không đạt"));
    assert!(form.contains("enctype=\"multipart/form-data\""));
    assert!(form.contains("accept=\"image/*\" capture=\"environment\" multiple"));

    // In English, the English wording.
    let en = page(
        &w.app,
        &format!("{}?lang=en", inspect_path(&w.a.facility)),
        Some(&w.regulator),
    )
    .await
    .expect(200)
    .text;
    assert!(en.contains(items(FacilityKind::Orchard)[0].en), "{en}");
}

#[actix_web::test]
async fn unanswered_items_are_refused_all_at_once_and_nothing_is_written() {
    let w = World::build().await;
    let path = inspect_path(&w.a.facility);
    let form = page(&w.app, &path, Some(&w.regulator))
        .await
        .expect(200)
        .text;
    let csrf = csrf_of(&form);
    let list = items(FacilityKind::Orchard);
    let first = format!("check.{}", list[0].code);
    let before = w.app.snapshot();
    let refused = post_multipart(
        &w.app,
        &path,
        &w.regulator,
        &[
            ("csrf", &csrf),
            ("inspected_on", "2026-11-20"),
            ("result", ""),
            ("findings", "Kiểm tra định kỳ"),
            ("follow_up_due", ""),
            (&first, "pass"),
        ],
        Some(&jpeg_with_gps(200, 150)),
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    // The result and every unanswered item, each beside itself.
    assert!(refused
        .text
        .contains("id=\"e-result\">hãy chọn kết quả kiểm tra"));
    for item in &list[1..] {
        let slug = item.code.replace('.', "-");
        let beside = format!("id=\"e-check-{slug}\">Chưa trả lời mục này");
        assert!(refused.text.contains(&beside), "{} unanswered", item.code);
    }
    let answered = format!("id=\"e-check-{}\"", list[0].code.replace('.', "-"));
    assert!(!refused.text.contains(&answered));
    // The answer given is kept on the form.
    assert!(refused
        .text
        .contains(&format!("name=\"{first}\" value=\"pass\" checked")));
    assert_eq!(w.app.snapshot(), before, "nothing written");

    // An empty POST (no checklist at all) is refused the same way.
    let empty = submit(&w.app, &path, &w.regulator, &[("csrf", &csrf)]).await;
    assert_eq!(empty.status.as_u16(), 422, "{}", empty.text);
    assert_eq!(
        empty.text.matches("Chưa trả lời mục này").count(),
        list.len()
    );
    assert_eq!(w.app.snapshot(), before);
}

#[actix_web::test]
async fn a_complete_checklist_and_its_photo_are_kept_shown_and_guarded() {
    let w = World::build().await;
    let path = inspect_path(&w.a.facility);
    let form = page(&w.app, &path, Some(&w.regulator))
        .await
        .expect(200)
        .text;
    let csrf = csrf_of(&form);
    let list = items(FacilityKind::Orchard);
    let names: Vec<(String, String)> = list
        .iter()
        .map(|i| (format!("check.{}", i.code), format!("note.{}", i.code)))
        .collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("csrf", &csrf),
        ("inspected_on", "2026-11-20"),
        ("result", "minor"),
        ("findings", "Sổ phun thuốc thiếu thời gian cách ly"),
        ("follow_up_due", "2026-12-20"),
    ];
    for (n, (check, note)) in names.iter().enumerate() {
        let answer = match n {
            1 => "fail",
            4 => "not_applicable",
            _ => "pass",
        };
        fields.push((check, answer));
        fields.push((
            note,
            if n == 1 {
                "Thiếu ngày cách ly 3 lần phun"
            } else {
                ""
            },
        ));
    }
    let upload = jpeg_with_gps(400, 300);
    post_multipart(&w.app, &path, &w.regulator, &fields, Some(&upload))
        .await
        .expect(303);

    let listed = w
        .app
        .get(
            &format!("/api/v1/facilities/{}/inspections", w.a.facility),
            &w.regulator,
        )
        .await
        .expect(200);
    assert_eq!(listed.body["total"], 1);
    let inspection = listed.body["items"][0]["id"].as_str().unwrap().to_owned();

    // On the facility's record: the failed item first, with its note.
    let record = page(
        &w.app,
        &format!("/oversight/facilities/{}", w.a.facility),
        Some(&w.regulator),
    )
    .await
    .expect(200)
    .text;
    let at = record.find("class=\"checklist\"").expect("a checklist");
    let shown = &record[at..];
    let failed = shown.find(list[1].vi).expect("the failed item");
    let passed = shown.find(list[0].vi).expect("a passed item");
    assert!(failed < passed, "failed items first");
    assert!(shown.contains("Thiếu ngày cách ly 3 lần phun"));
    assert!(shown.contains("Không áp dụng"));
    assert_eq!(shown.matches("<li").count(), list.len());
    let ids = photo_ids(&record);
    assert_eq!(ids.len(), 1, "one inspection photo");
    let photo = format!("/photos/{}", ids[0]);

    // Served to the regulator, stripped; private caching.
    let seen = page(&w.app, &photo, Some(&w.regulator)).await.expect(200);
    assert!(!contains(&seen.bytes, b"Exif"));
    let cache = seen.headers.get(header::CACHE_CONTROL).unwrap();
    assert!(cache.to_str().unwrap().starts_with("private"));
    // The inspected producer sees it and the checklist on its finding page.
    page(&w.app, &photo, Some(&w.a.token)).await.expect(200);
    let finding = page(
        &w.app,
        &format!("/portal/findings/{inspection}"),
        Some(&w.a.token),
    )
    .await
    .expect(200)
    .text;
    assert!(finding.contains("Thiếu ngày cách ly 3 lần phun"));
    assert!(finding.contains(&photo));
    // Not another enterprise's producer, another province, or the public.
    page(&w.app, &photo, Some(&w.b.token)).await.expect(404);
    page(&w.app, &photo, Some(&w.other_regulator))
        .await
        .expect(404);
    page(&w.app, &photo, None).await.expect(404);
}

#[actix_web::test]
async fn the_api_takes_the_checklist_as_an_optional_array() {
    let w = World::build().await;
    let uri = format!("/api/v1/facilities/{}/inspections", w.a.facility);
    let base = json!({"inspected_on": "2026-11-20", "result": "pass", "findings": "Đạt"});
    // Without a checklist, as before.
    w.app
        .post(&uri, &w.regulator, base.clone())
        .await
        .expect(201);

    // An incomplete one: every missing item named, nothing written.
    let list = items(FacilityKind::Orchard);
    let mut partial = base.clone();
    partial["checklist"] = json!([{"code": list[0].code, "answer": "pass"}]);
    let before = w.app.snapshot();
    let refused = w.app.post(&uri, &w.regulator, partial).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    let problems = refused.body["error"]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), list.len() - 1, "{}", refused.text);
    assert_eq!(w.app.snapshot(), before);

    let mut complete = base.clone();
    complete["checklist"] = json!(list
        .iter()
        .map(|i| json!({"code": i.code, "answer": "pass", "note": null}))
        .collect::<Vec<_>>());
    let id = w
        .app
        .post(&uri, &w.regulator, complete)
        .await
        .expect(201)
        .id();
    let record = page(
        &w.app,
        &format!("/oversight/facilities/{}", w.a.facility),
        Some(&w.regulator),
    )
    .await
    .expect(200)
    .text;
    assert!(record.contains(&format!("id=\"inspection-{id}\"")));
    assert_eq!(record.matches("class=\"check-pass\"").count(), list.len());
}
