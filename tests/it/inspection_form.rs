//! The regulator's inspection form chooses no result beforehand, and
//! refuses a missing one beside the field, writing nothing.

use actix_web::cookie::Cookie;
use actix_web::test::TestRequest;

use crate::harness::{Answer, TestApp};
use crate::pages::{csrf_of, submit};
use crate::world::World;

async fn page(app: &TestApp, path: &str, session: &str) -> Answer {
    let req = TestRequest::get()
        .uri(path)
        .cookie(Cookie::new("tracestamp_session", session.to_owned()));
    app.send_request(req).await
}

#[actix_web::test]
async fn no_result_is_preselected_and_a_missing_one_is_refused() {
    let w = World::build().await;
    let path = format!("/oversight/facilities/{}/inspect", w.a.facility);
    let form = page(&w.app, &path, &w.regulator).await.expect(200).text;
    let select = &form[form
        .find("<select id=\"f-result\"")
        .expect("a result select")..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(select.contains("<option value=\"\" selected>"), "{select}");
    assert_eq!(select.matches(" selected").count(), 1, "{select}");

    let csrf = csrf_of(&form);
    let refused = submit(
        &w.app,
        &path,
        &w.regulator,
        &[
            ("csrf", &csrf),
            ("inspected_on", "2026-11-20"),
            ("result", ""),
            ("findings", "Sổ nhật ký đầy đủ"),
            ("follow_up_due", ""),
        ],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    let beside = &refused.text[refused
        .text
        .find("id=\"e-result\"")
        .expect("beside the field")..];
    assert!(
        beside.starts_with("id=\"e-result\">hãy chọn kết quả kiểm tra"),
        "{beside}"
    );
    let stored = w
        .app
        .get(
            &format!("/api/v1/facilities/{}/inspections", w.a.facility),
            &w.regulator,
        )
        .await
        .expect(200);
    assert_eq!(stored.body["total"], 0, "{}", stored.text);
}
