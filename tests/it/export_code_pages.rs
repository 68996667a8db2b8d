//! Export codes and lab results on the portals: a producer registers a
//! code through the form, the province's regulator records the market's
//! decision (a suspension only once confirmed), a regulator of another
//! province neither sees nor changes it; a batch's market and codes set
//! through forms with the 409 beside its field and nothing written; a lab
//! result refused beside its cell, then recorded, lifting the stamp
//! refusal; its certificate uploaded; another enterprise sees none of it.

use actix_web::cookie::Cookie;
use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use serde_json::json;

use tracestamp::db::schema::{batch, batch_export_code, export_code_market, lab_result};

use crate::harness::{Answer, TestApp};
use crate::pages::{csrf_of, page, submit};
use crate::world::World;

fn location(answer: &Answer) -> String {
    answer
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The part of a page from the element with `id` to the end of its block.
fn beside<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</p>").unwrap_or(rest.len())]
}

fn cn_status(w: &World, code: &str) -> String {
    export_code_market::table
        .filter(export_code_market::export_code_id.eq(code))
        .filter(export_code_market::market.eq("cn"))
        .select(export_code_market::status)
        .first(&mut *w.app.conn())
        .unwrap()
}

/// Registers a pomelo planting area of tenant A for China through the
/// portal's form; its id.
async fn register_through_form(w: &World, code: &str) -> String {
    let list = page(&w.app, "/portal/export-codes", Some(&w.a.token))
        .await
        .expect(200);
    let csrf = csrf_of(&list.text);
    let done = submit(
        &w.app,
        "/portal/export-codes",
        &w.a.token,
        &[
            ("csrf", &csrf),
            ("code", code),
            ("kind", "planting_area"),
            ("facility_id", &w.a.facility),
            ("crop", "pomelo"),
            ("area_ha", "4,5"),
            ("markets", "cn"),
            ("markets", "eu"),
        ],
    )
    .await
    .expect(303);
    location(&done)
        .trim_start_matches("/portal/export-codes/")
        .split('?')
        .next()
        .unwrap()
        .to_owned()
}

async fn decide(w: &World, id: &str, session: &str, fields: &[(&str, &str)]) -> Answer {
    let path = format!("/oversight/export-codes/{id}");
    let shown = page(&w.app, &path, Some(&w.regulator)).await.expect(200);
    let csrf = csrf_of(&shown.text);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    submit(&w.app, &format!("{path}/status"), session, &all).await
}

#[actix_web::test]
async fn a_code_registered_by_form_is_decided_by_its_provinces_regulator_only() {
    let w = World::build().await;
    // Refused whole, beside the fields: no kind, no area for a planting area.
    let list = page(&w.app, "/portal/export-codes", Some(&w.a.token))
        .await
        .expect(200);
    assert!(list.text.contains("id=\"no-codes\""), "{}", list.text);
    let before = w.app.snapshot();
    let refused = submit(
        &w.app,
        "/portal/export-codes",
        &w.a.token,
        &[
            ("csrf", &csrf_of(&list.text)),
            ("code", "VN VLOR 0301"),
            ("kind", ""),
            ("facility_id", &w.a.facility),
            ("crop", "pomelo"),
            ("area_ha", ""),
            ("markets", "cn"),
        ],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(beside(&refused.text, "e-kind").contains("mã số vùng trồng"));
    assert!(
        beside(&refused.text, "e-code").contains("chữ, số"),
        "{}",
        refused.text
    );
    assert!(
        refused.text.contains("value=\"cn\" checked"),
        "the markets ticked are kept"
    );
    assert_eq!(w.app.snapshot(), before, "nothing written");

    let id = register_through_form(&w, "vn-vlor-0301").await;
    let list = page(&w.app, "/portal/export-codes", Some(&w.a.token))
        .await
        .expect(200)
        .text;
    let row = &list[list.find("data-code=\"VN-VLOR-0301\"").expect("listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("Vườn bưởi 1") && row.contains("4,5 ha"),
        "{row}"
    );
    assert!(
        row.contains("Trung Quốc (GACC): <span class=\"badge \">Chờ phê duyệt"),
        "{row}"
    );
    assert!(row.contains("Liên minh châu Âu"), "{row}");

    // The other province's regulator neither sees nor changes it; a
    // producer has no oversight page.
    let path = format!("/oversight/export-codes/{id}");
    page(&w.app, &path, Some(&w.other_regulator))
        .await
        .expect(404);
    page(&w.app, &path, Some(&w.a.token)).await.expect(403);
    let theirs = page(&w.app, "/oversight/export-codes", Some(&w.other_regulator))
        .await
        .expect(200);
    assert!(!theirs.text.contains("VN-VLOR-0301"));
    let other_csrf = csrf_of(
        &page(&w.app, "/oversight/export-codes", Some(&w.other_regulator))
            .await
            .text,
    );
    let before = w.app.snapshot();
    submit(
        &w.app,
        &format!("{path}/status"),
        &w.other_regulator,
        &[
            ("csrf", &other_csrf),
            ("market", "cn"),
            ("status", "approved"),
            ("reason", "GACC"),
            ("approved_on", ""),
        ],
    )
    .await
    .expect(404);
    assert_eq!(w.app.snapshot(), before);

    // The province's regulator approves it.
    decide(
        &w,
        &id,
        &w.regulator,
        &[
            ("market", "cn"),
            ("status", "approved"),
            ("reason", "Danh sách GACC tháng 11/2026"),
            ("approved_on", ""),
        ],
    )
    .await
    .expect(303);
    assert_eq!(cn_status(&w, &id), "approved");
    let pending = page(
        &w.app,
        "/oversight/export-codes?status=pending&market=eu",
        Some(&w.regulator),
    )
    .await
    .expect(200)
    .text;
    assert!(pending.contains("VN-VLOR-0301"), "EU is still pending");
    let suspended = page(
        &w.app,
        "/oversight/export-codes?status=suspended",
        Some(&w.regulator),
    )
    .await
    .expect(200)
    .text;
    assert!(!suspended.contains("data-code=\"VN-VLOR-0301\""));

    // Suspending without the confirmation writes nothing.
    let before = w.app.snapshot();
    let unconfirmed = decide(
        &w,
        &id,
        &w.regulator,
        &[
            ("market", "cn"),
            ("status", "suspended"),
            ("reason", "Phát hiện sinh vật gây hại"),
            ("approved_on", ""),
        ],
    )
    .await;
    assert_eq!(unconfirmed.status.as_u16(), 422, "{}", unconfirmed.text);
    assert!(beside(&unconfirmed.text, "e-confirm").contains("đánh dấu ô xác nhận"));
    assert!(unconfirmed.text.contains("Phát hiện sinh vật gây hại"));
    assert_eq!(w.app.snapshot(), before);
    assert_eq!(cn_status(&w, &id), "approved");
    // A reason is required too, confirmed or not.
    let reasonless = decide(
        &w,
        &id,
        &w.regulator,
        &[
            ("market", "cn"),
            ("status", "suspended"),
            ("reason", " "),
            ("approved_on", ""),
            ("confirm", "yes"),
        ],
    )
    .await;
    assert_eq!(reasonless.status.as_u16(), 422);
    assert!(beside(&reasonless.text, "e-reason").contains("lý do"));
    assert_eq!(w.app.snapshot(), before);
    decide(
        &w,
        &id,
        &w.regulator,
        &[
            ("market", "cn"),
            ("status", "suspended"),
            ("reason", "Phát hiện sinh vật gây hại"),
            ("approved_on", ""),
            ("confirm", "yes"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(cn_status(&w, &id), "suspended");
    let record = page(&w.app, &path, Some(&w.regulator))
        .await
        .expect(200)
        .text;
    let history = &record[record.find("id=\"history\"").unwrap()..];
    assert!(history.contains("Đăng ký mã số"), "{history}");
    assert!(
        history.contains("Tạm dừng (Phát hiện sinh vật gây hại)"),
        "{history}"
    );
    let english = page(&w.app, &format!("{path}?lang=en"), Some(&w.regulator))
        .await
        .expect(200)
        .text;
    assert!(english.contains("Suspended (Phát hiện sinh vật gây hại)"));

    // The owner authorises a packer by its tax code; the regulator sees it.
    let code_page = format!("/portal/export-codes/{id}");
    let csrf = csrf_of(&page(&w.app, &code_page, Some(&w.a.token)).await.text);
    let unknown = submit(
        &w.app,
        &format!("{code_page}/users"),
        &w.a.token,
        &[("csrf", &csrf), ("tax_code", "0999999999")],
    )
    .await;
    assert_eq!(unknown.status.as_u16(), 422);
    assert!(beside(&unknown.text, "e-tax_code").contains("mã số thuế"));
    submit(
        &w.app,
        &format!("{code_page}/users"),
        &w.a.token,
        &[("csrf", &csrf), ("tax_code", "1500000002")],
    )
    .await
    .expect(303);
    let record = page(&w.app, &path, Some(&w.regulator))
        .await
        .expect(200)
        .text;
    assert!(record.contains(">Hợp tác xã 2</li>"), "{record}");
    // The packer lists it as authorised, and cannot authorise others.
    let packer = page(&w.app, "/portal/export-codes", Some(&w.b.token))
        .await
        .expect(200)
        .text;
    assert!(packer.contains("VN-VLOR-0301") && packer.contains("được ủy quyền"));
    let theirs = page(&w.app, &code_page, Some(&w.b.token))
        .await
        .expect(200)
        .text;
    assert!(!theirs.contains("id=\"authorise\""));
}

async fn export_page(w: &World, session: &str) -> Answer {
    page(
        &w.app,
        &format!("/portal/batches/{}/export", w.a.batch),
        Some(session),
    )
    .await
}

fn market_of(w: &World) -> Option<String> {
    batch::table
        .find(&w.a.batch)
        .select(batch::market)
        .first(&mut *w.app.conn())
        .unwrap()
}

fn stated_codes(w: &World) -> i64 {
    batch_export_code::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap()
}

#[actix_web::test]
async fn a_batchs_market_and_codes_are_refused_beside_their_field_when_not_approved() {
    let w = World::build().await;
    let id = register_through_form(&w, "VN-VLOR-0401").await;
    let shown = export_page(&w, &w.a.token).await.expect(200);
    assert!(shown.text.contains("VN-VLOR-0401 — Mã số vùng trồng, Bưởi"));
    let csrf = csrf_of(&shown.text);
    let (market_path, codes_path) = (
        format!("/portal/batches/{}/market", w.a.batch),
        format!("/portal/batches/{}/export-codes", w.a.batch),
    );
    // Domestic: a pending code may be stated.
    submit(
        &w.app,
        &market_path,
        &w.a.token,
        &[("csrf", &csrf), ("market", "domestic")],
    )
    .await
    .expect(303);
    submit(
        &w.app,
        &codes_path,
        &w.a.token,
        &[("csrf", &csrf), ("codes", "VN-VLOR-0401")],
    )
    .await
    .expect(303);
    assert_eq!(stated_codes(&w), 1);
    // China has not approved it: the market is refused beside its select.
    let before = w.app.snapshot();
    let refused = submit(
        &w.app,
        &market_path,
        &w.a.token,
        &[("csrf", &csrf), ("market", "cn")],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 409, "{}", refused.text);
    let why = beside(&refused.text, "e-market");
    assert!(
        why.contains("mã số VN-VLOR-0401 chưa được Trung Quốc (GACC) chấp thuận"),
        "{why}"
    );
    assert_eq!(w.app.snapshot(), before, "nothing written");
    assert_eq!(market_of(&w).as_deref(), Some("domestic"));
    // Cleared, bound for China, then the pending code is refused beside
    // the codes.
    submit(&w.app, &codes_path, &w.a.token, &[("csrf", &csrf)])
        .await
        .expect(303);
    assert_eq!(stated_codes(&w), 0);
    submit(
        &w.app,
        &market_path,
        &w.a.token,
        &[("csrf", &csrf), ("market", "cn")],
    )
    .await
    .expect(303);
    let before = w.app.snapshot();
    let refused = submit(
        &w.app,
        &codes_path,
        &w.a.token,
        &[("csrf", &csrf), ("codes", "VN-VLOR-0401")],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 409);
    assert!(beside(&refused.text, "e-codes").contains("chưa được Trung Quốc (GACC) chấp thuận"));
    assert!(
        refused.text.contains("value=\"VN-VLOR-0401\" checked"),
        "the choice is kept"
    );
    assert_eq!(w.app.snapshot(), before);
    // Approved, it is accepted and shown with its status on the batch page.
    w.app
        .post(
            &format!("/api/v1/export-codes/{id}/status"),
            &w.regulator,
            json!({"market": "cn", "status": "approved", "reason": "GACC"}),
        )
        .await
        .expect(200);
    submit(
        &w.app,
        &codes_path,
        &w.a.token,
        &[("csrf", &csrf), ("codes", "VN-VLOR-0401")],
    )
    .await
    .expect(303);
    let batch_page = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200)
    .text;
    let block = &batch_page[batch_page.find("id=\"export\"").unwrap()..];
    assert!(block.contains("Trung Quốc (GACC)"));
    assert!(block.contains("VN-VLOR-0401") && block.contains("Đã được phê duyệt"));
    assert!(block.contains(&format!("/portal/batches/{}/export", w.a.batch)));
}

fn results(w: &World) -> i64 {
    lab_result::table
        .count()
        .get_result(&mut *w.app.conn())
        .unwrap()
}

/// Posts the certificate form with `bytes` as its file.
async fn upload(app: &TestApp, path: &str, session: &str, csrf: &str, bytes: &[u8]) -> Answer {
    let boundary = "----tracestamp-certificate-test";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"certificate\"; \
         filename=\"phieu.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = TestRequest::default()
        .method(Method::POST)
        .uri(path)
        .cookie(Cookie::new("tracestamp_session", session.to_owned()))
        .insert_header((
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        ))
        .set_payload(body);
    app.send_request(req).await
}

#[actix_web::test]
async fn a_lab_result_is_refused_beside_its_cell_then_lifts_the_stamp_refusal() {
    let w = World::build().await;
    // The regulator registers a laboratory China recognises.
    let labs = page(&w.app, "/oversight/laboratories", Some(&w.regulator))
        .await
        .expect(200);
    submit(
        &w.app,
        "/oversight/laboratories",
        &w.regulator,
        &[
            ("csrf", &csrf_of(&labs.text)),
            ("name", "Trung tâm Kỹ thuật 3 (QUATEST 3)"),
            ("accreditation", "VILAS 004"),
            ("markets", "cn"),
            ("markets", "eu"),
        ],
    )
    .await
    .expect(303);
    page(&w.app, "/oversight/laboratories", Some(&w.a.token))
        .await
        .expect(403);
    let lab: String = tracestamp::db::schema::laboratory::table
        .select(tracestamp::db::schema::laboratory::id)
        .first(&mut *w.app.conn())
        .unwrap();
    // A pomelo lot for China through an approved code: no roll before a
    // pesticide-residue result.
    let id = register_through_form(&w, "VN-VLOR-0501").await;
    crate::export_codes::set_cn(&w, &id, "approved").await;
    crate::export_codes::bind_cn(&w, &w.a).await;
    w.app
        .send(
            Method::PUT,
            &format!("/api/v1/batches/{}/export-codes", w.a.batch),
            Some(&w.a.token),
            Some(json!({"codes": ["VN-VLOR-0501"]})),
        )
        .await
        .expect(200);
    let roll = format!("/api/v1/batches/{}/stamp-rolls", w.a.batch);
    w.app
        .post(&roll, &w.a.token, json!({"count": 10}))
        .await
        .expect(409);
    let shown = export_page(&w, &w.a.token).await.expect(200).text;
    assert!(
        beside(&shown, "lab-requirement").contains("Dư lượng thuốc bảo vệ thực vật"),
        "{shown}"
    );
    assert!(shown.contains("name=\"unit_3\""), "four analyte rows");
    let csrf = csrf_of(&shown);

    // A missing unit (in the second row typed) is refused beside it.
    let path = format!("/portal/batches/{}/lab-results", w.a.batch);
    let before = w.app.snapshot();
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("laboratory_id", lab.as_str()),
        ("sampled_on", "2026-11-01"),
        ("sampled_by", "Cán bộ lấy mẫu của trung tâm"),
        ("reported_on", "2026-11-04"),
        ("analyte_0", "lead"),
        ("result_0", "0,01"),
        ("limit_0", "0.1"),
        ("unit_0", "mg/kg"),
        ("analyte_2", "pesticide_residues"),
        ("result_2", "0.005"),
        ("limit_2", "0.01"),
        ("unit_2", ""),
    ];
    let refused = submit(&w.app, &path, &w.a.token, &fields).await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        beside(&refused.text, "e-unit_2").contains("bắt buộc (mg/kg"),
        "{}",
        refused.text
    );
    assert!(!refused.text.contains("id=\"e-unit_0\""));
    assert!(
        refused
            .text
            .contains("value=\"Cán bộ lấy mẫu của trung tâm\""),
        "what was typed is kept"
    );
    assert_eq!(w.app.snapshot(), before, "nothing written");
    assert_eq!(results(&w), 0);

    fields.pop();
    fields.push(("unit_2", "mg/kg"));
    submit(&w.app, &path, &w.a.token, &fields).await.expect(303);
    assert_eq!(results(&w), 1);
    let batch_page = page(
        &w.app,
        &format!("/portal/batches/{}", w.a.batch),
        Some(&w.a.token),
    )
    .await
    .expect(200)
    .text;
    let block = &batch_page[batch_page.find("id=\"lab-results\"").expect("listed")..];
    assert!(
        block.contains("QUATEST 3") && block.contains("Đạt"),
        "{block}"
    );
    assert!(block.contains("Dư lượng thuốc bảo vệ thực vật: 0,005 / 0,01 mg/kg"));
    assert!(beside(&batch_page, "lab-requirement").contains("Đã có kết quả kiểm nghiệm đạt"));
    w.app
        .post(&roll, &w.a.token, json!({"count": 10}))
        .await
        .expect(201);

    // The certificate: not a PDF is refused beside its input; a PDF is kept
    // and linked for the regulator.
    let result: String = lab_result::table
        .select(lab_result::id)
        .first(&mut *w.app.conn())
        .unwrap();
    let cert = format!("/portal/lab-results/{result}/certificate");
    let not_pdf = upload(&w.app, &cert, &w.a.token, &csrf, b"<html>phieu</html>").await;
    assert_eq!(not_pdf.status.as_u16(), 422, "{}", not_pdf.text);
    assert!(beside(&not_pdf.text, &format!("e-cert-{result}")).contains("không phải tệp PDF"));
    upload(&w.app, &cert, &w.a.token, &csrf, b"%PDF-1.7\nphieu ket qua")
        .await
        .expect(303);
    let oversight = page(
        &w.app,
        &format!("/oversight/batches/{}", w.a.batch),
        Some(&w.regulator),
    )
    .await
    .expect(200)
    .text;
    let link = format!("/api/v1/lab-results/{result}/certificate");
    assert!(oversight.contains(&link) && oversight.contains("VN-VLOR-0501"));
    let pdf = page(&w.app, &link, Some(&w.regulator)).await.expect(200);
    assert!(pdf.bytes.starts_with(b"%PDF-"));

    // Another enterprise sees neither the page nor the result, and cannot
    // attach to it.
    export_page(&w, &w.b.token).await.expect(404);
    let their_csrf = csrf_of(&page(&w.app, "/portal", Some(&w.b.token)).await.text);
    let foreign = upload(&w.app, &cert, &w.b.token, &their_csrf, b"%PDF-1.7\nx").await;
    assert_eq!(foreign.status.as_u16(), 404);
    page(&w.app, &link, Some(&w.b.token)).await.expect(404);
}

/// A passing pesticide-residue result of tenant A's lot, through the API;
/// its id.
async fn passing_result(w: &World, lab: &str, sampled_by: &str) -> String {
    w.app
        .post(
            &format!("/api/v1/batches/{}/lab-results", w.a.batch),
            &w.a.token,
            json!({"laboratory_id": lab, "sampled_on": "2026-11-01", "sampled_by": sampled_by,
                   "reported_on": "2026-11-04", "analytes": [
                       {"analyte": "pesticide_residues", "result": 0.004, "limit": 0.01, "unit": "mg/kg"}]}),
        )
        .await
        .expect(201)
        .id()
}

fn withdrawn(w: &World, id: &str) -> bool {
    lab_result::table
        .find(id)
        .select(lab_result::withdrawn_at)
        .first::<Option<chrono::NaiveDateTime>>(&mut *w.app.conn())
        .unwrap()
        .is_some()
}

#[actix_web::test]
async fn a_mistaken_lab_result_is_withdrawn_after_confirmation_by_its_producer_or_regulator() {
    let w = World::build().await;
    let lab = w
        .app
        .post(
            "/api/v1/laboratories",
            &w.regulator,
            json!({"name": "Trung tâm Kỹ thuật 3 (QUATEST 3)", "accreditation": "VILAS 004",
                   "markets": ["cn"]}),
        )
        .await
        .expect(201)
        .id();
    crate::export_codes::bind_cn(&w, &w.a).await;
    let first = passing_result(&w, &lab, "Cán bộ lấy mẫu thứ nhất").await;
    let second = passing_result(&w, &lab, "Cán bộ lấy mẫu thứ hai").await;

    // The producer's export page offers a withdrawal per result.
    let confirm = format!("/portal/lab-results/{first}/withdraw");
    let shown = export_page(&w, &w.a.token).await.expect(200).text;
    assert!(shown.contains(&format!("href=\"{confirm}\"")), "{shown}");
    // Not for another enterprise, nor on the producer's side for a regulator.
    page(&w.app, &confirm, Some(&w.b.token)).await.expect(404);
    page(&w.app, &confirm, Some(&w.regulator)).await.expect(403);

    // The confirmation page says what the result is and what withdrawing
    // does, and asks why.
    let form = page(&w.app, &confirm, Some(&w.a.token))
        .await
        .expect(200)
        .text;
    assert!(form.contains("<html lang=\"vi\""));
    for shown in [
        "Rút kết quả kiểm nghiệm",
        "(QUATEST 3) (VILAS 004), lấy mẫu ngày 01/11/2026",
        "không còn được tính cho yêu cầu kiểm nghiệm",
        "name=\"reason\"",
        "Xác nhận rút kết quả",
    ] {
        assert!(form.contains(shown), "{shown} missing: {form}");
    }
    let csrf = csrf_of(&form);

    // No reason: refused beside the field, nothing written.
    let before = w.app.snapshot();
    let refused = submit(
        &w.app,
        &confirm,
        &w.a.token,
        &[("csrf", &csrf), ("reason", "  ")],
    )
    .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.text);
    assert!(
        beside(&refused.text, "e-reason").contains("hãy ghi lý do rút kết quả"),
        "{}",
        refused.text
    );
    // Another enterprise's post: not found, nothing written.
    let their_csrf = csrf_of(&page(&w.app, "/portal", Some(&w.b.token)).await.text);
    submit(
        &w.app,
        &confirm,
        &w.b.token,
        &[("csrf", &their_csrf), ("reason", "thử")],
    )
    .await
    .expect(404);
    // A post without our token.
    submit(&w.app, &confirm, &w.a.token, &[("reason", "thử")])
        .await
        .expect(403);
    assert_eq!(w.app.snapshot(), before, "nothing written");
    assert!(!withdrawn(&w, &first));

    // Confirmed: back to the export page, the result marked withdrawn with
    // its reason and no longer offered for withdrawal or a certificate.
    let done = submit(
        &w.app,
        &confirm,
        &w.a.token,
        &[("csrf", &csrf), ("reason", "Ghi nhầm kết quả của lô khác")],
    )
    .await
    .expect(303);
    assert_eq!(
        location(&done),
        format!(
            "/portal/batches/{}/export?notice=result_withdrawn#results",
            w.a.batch
        )
    );
    assert!(withdrawn(&w, &first));
    let after = export_page(&w, &w.a.token).await.expect(200).text;
    let row = &after[after
        .find(&format!("data-result=\"{first}\""))
        .expect("still listed")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("Đã rút") && row.contains("Ghi nhầm kết quả của lô khác"),
        "{row}"
    );
    assert!(!after.contains(&confirm), "no second withdrawal offered");
    assert!(!after.contains(&format!("/portal/lab-results/{first}/certificate")));
    // The other result still covers the requirement.
    assert!(beside(&after, "lab-requirement").contains("Đã có kết quả kiểm nghiệm đạt"));

    // Again: a conflict, shown on the page.
    let again = page(&w.app, &confirm, Some(&w.a.token))
        .await
        .expect(409)
        .text;
    assert!(again.contains("đã được producer_1 rút"), "{again}");
    submit(
        &w.app,
        &confirm,
        &w.a.token,
        &[("csrf", &csrf), ("reason", "lần nữa")],
    )
    .await
    .expect(409);

    // The province's regulator withdraws the other from the lot's page;
    // a regulator of another province cannot reach it.
    let lot_page = format!("/oversight/batches/{}", w.a.batch);
    let oversight = page(&w.app, &lot_page, Some(&w.regulator))
        .await
        .expect(200)
        .text;
    let theirs = format!("/oversight/lab-results/{second}/withdraw");
    assert!(
        oversight.contains(&format!("href=\"{theirs}\"")),
        "{oversight}"
    );
    page(&w.app, &theirs, Some(&w.other_regulator))
        .await
        .expect(404);
    page(&w.app, &theirs, Some(&w.a.token)).await.expect(403);
    let form = page(&w.app, &theirs, Some(&w.regulator))
        .await
        .expect(200)
        .text;
    let done = submit(
        &w.app,
        &theirs,
        &w.regulator,
        &[
            ("csrf", &csrf_of(&form)),
            (
                "reason",
                "Phiếu kết quả không khớp hồ sơ của phòng thử nghiệm",
            ),
        ],
    )
    .await
    .expect(303);
    assert_eq!(
        location(&done),
        format!("{lot_page}?notice=result_withdrawn#results")
    );
    assert!(withdrawn(&w, &second));
    let oversight = page(&w.app, &lot_page, Some(&w.regulator))
        .await
        .expect(200)
        .text;
    assert!(oversight.contains("Phiếu kết quả không khớp hồ sơ của phòng thử nghiệm"));
    assert!(
        beside(&oversight, "lab-requirement").contains("Chưa được cấp tem"),
        "{oversight}"
    );
    w.app
        .post(
            &format!("/api/v1/batches/{}/stamp-rolls", w.a.batch),
            &w.a.token,
            json!({"count": 10}),
        )
        .await
        .expect(409);
}
