//! The consumer page in Chinese for buyers (issue 20): every consumer page
//! World reaches — a genuine stamp of a lot for China with an export code
//! and a lab result, a voided stamp, a recalled lot, a forged and a
//! mistyped code, a wrong PIN's answer — is fetched with `?lang=zh` and with
//! `Accept-Language: zh-CN`, and no Vietnamese may show outside the names
//! and free text of the data (taken from the stamp's JSON answer): no
//! letter with a Vietnamese mark, no common Vietnamese word written without
//! marks. A sentence added later without its Chinese fails here. The JSON
//! answer does not change with the language. The product's Chinese name
//! is the one a Chinese reader sees. The report form a Chinese page links
//! to, its refusals and its thank-you page read in Chinese too.

use std::collections::BTreeSet;

use actix_web::http::{header, Method};
use actix_web::test::TestRequest;
use serde_json::{json, Value};

use crate::export_codes::{bind_cn, register, set_cn};
use crate::harness::{Answer, TestApp};
use crate::reports::{open_form, post};
use crate::world::World;

/// Vietnamese words a page could show without marks.
const PLAIN_VIETNAMESE: &[&str] = &[
    "tem", "cho", "khi", "theo", "trong", "nhung", "cua", "mot", "nguoi", "hang", "ngay", "nhap",
];

/// Words of the page's frame that are meant to be Vietnamese: the switch
/// to the Vietnamese page names its language in it.
const FRAME: &[&str] = &["tiếng", "việt"];

async fn get(app: &TestApp, path: &str, accept_language: Option<&str>) -> Answer {
    let mut req = TestRequest::default()
        .method(Method::GET)
        .uri(path)
        .insert_header((header::ACCEPT, "text/html"));
    if let Some(tags) = accept_language {
        req = req.insert_header((header::ACCEPT_LANGUAGE, tags));
    }
    app.send_request(req).await
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    app.send_request(
        TestRequest::default()
            .method(Method::GET)
            .uri(path)
            .insert_header((header::ACCEPT, "application/json")),
    )
    .await
    .body
}

/// The page's visible text: tags, comments and attribute values left out.
fn visible_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        text.push(' ');
        let after = &rest[open..];
        let end = if after.starts_with("<!--") {
            after.find("-->").map(|i| i + 3)
        } else {
            after.find('>').map(|i| i + 1)
        };
        rest = end.map_or("", |i| &after[i..]);
    }
    text.push_str(rest);
    text.replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// Lower-case words: runs of letters and digits, Chinese characters apart.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() || is_cjk(c))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// A Latin letter outside ASCII: Vietnamese marks (ă â đ ê ô ơ ư and tones).
fn marked(c: char) -> bool {
    c.is_alphabetic() && matches!(c, '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}')
}

/// Every string of a JSON value, as words: the data's names and free text.
fn data_words(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => into.extend(words(s)),
        Value::Array(items) => items.iter().for_each(|v| data_words(v, into)),
        Value::Object(map) => map.values().for_each(|v| data_words(v, into)),
        _ => {}
    }
}

/// The Vietnamese words of a page not among `names`; the page must be a
/// Chinese one.
fn vietnamese(html: &str, names: &BTreeSet<String>) -> BTreeSet<String> {
    assert!(html.contains("<html lang=\"zh-Hans\">"), "{html}");
    assert!(
        html.contains(">Tiếng Việt</a>") && html.contains(">English</a>"),
        "the switch offers the other two: {html}"
    );
    words(&visible_text(html))
        .filter(|w| w.chars().any(marked) || PLAIN_VIETNAMESE.contains(&w.as_str()))
        .filter(|w| !names.contains(w) && !FRAME.contains(&w.as_str()))
        .collect()
}

/// Fetches `path` in Chinese both ways and fails on Vietnamese; returns
/// the `?lang=zh` page.
async fn in_chinese(app: &TestApp, path: &str, status: u16, names: &BTreeSet<String>) -> String {
    let joiner = if path.contains('?') { '&' } else { '?' };
    let asked = get(app, &format!("{path}{joiner}lang=zh"), None)
        .await
        .expect(status)
        .text;
    let found = vietnamese(&asked, names);
    assert!(
        found.is_empty(),
        "{path}?lang=zh shows Vietnamese: {found:?}\n{asked}"
    );
    let accepted = get(app, path, Some("zh-CN,zh;q=0.9,en;q=0.8"))
        .await
        .expect(status)
        .text;
    let found = vietnamese(&accepted, names);
    assert!(
        found.is_empty(),
        "{path} (zh-CN) shows Vietnamese: {found:?}"
    );
    asked
}

/// The JSON answer with this scan's own counts left out.
fn record_part(mut answer: Value) -> Value {
    if let Some(map) = answer.as_object_mut() {
        for key in [
            "scan_count",
            "first_scanned_at",
            "checkers",
            "checked_before",
        ] {
            map.remove(key);
        }
    }
    answer
}

async fn serials(w: &World, roll_id: &str) -> Vec<String> {
    w.app
        .get(
            &format!("/api/v1/stamp-rolls/{roll_id}/serials?format=csv"),
            &w.a.token,
        )
        .await
        .expect(200)
        .text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().expect("serial").to_owned())
        .collect()
}

/// Tenant a's lot bound for China with an approved planting-area code and a
/// passing result of a laboratory China recognises; a roll of 3 stamps.
async fn export_lot(w: &World) -> (String, Vec<String>) {
    let code = register(w, &w.a, "VN-VLOR-0301", "pomelo", 10.0).await;
    set_cn(w, code["id"].as_str().unwrap(), "approved").await;
    bind_cn(w, &w.a).await;
    w.app
        .send(
            Method::PUT,
            &format!("/api/v1/batches/{}/export-codes", w.a.batch),
            Some(&w.a.token),
            Some(json!({"codes": ["VN-VLOR-0301"]})),
        )
        .await
        .expect(200);
    let lab = w
        .app
        .post(
            "/api/v1/laboratories",
            &w.regulator,
            json!({"name": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3",
                   "accreditation": "VILAS 004", "markets": ["cn"]}),
        )
        .await
        .expect(201)
        .id();
    w.app
        .post(
            &format!("/api/v1/batches/{}/lab-results", w.a.batch),
            &w.a.token,
            json!({"laboratory_id": lab, "sampled_on": "2026-11-01", "sampled_by": "Nguyễn Văn Bình",
                   "reported_on": "2026-11-04", "analytes": [
                       {"analyte": "cadmium", "result": 0.01, "limit": 0.05, "unit": "mg/kg"},
                       {"analyte": "pesticide_residues", "result": 0.005, "limit": 0.01, "unit": "mg/kg"}]}),
        )
        .await
        .expect(201);
    w.app
        .patch(
            &format!("/api/v1/products/{}", w.a.product),
            &w.a.token,
            json!({"name_zh": "南罗柚"}),
        )
        .await
        .expect(200);
    let roll = crate::stamps::issue(w, &w.a.batch, 3).await;
    let id = roll["id"].as_str().expect("roll id").to_owned();
    (id.clone(), serials(w, &id).await)
}

#[actix_web::test]
async fn every_consumer_page_reads_in_chinese() {
    let w = World::build().await;
    let (roll_id, serials) = export_lot(&w).await;
    let path = format!("/s/{}", serials[0]);

    // The data's own words (names, addresses, the laboratory) may stay.
    let json = json_of(&w.app, &path).await;
    assert_eq!(json["verdict"], "genuine");
    let mut names = BTreeSet::new();
    data_words(&json, &mut names);

    let genuine = in_chinese(&w.app, &path, 200, &names).await;
    for shown in [
        "正品",
        "南罗柚",
        "批次记录",
        "出口",
        "中国（海关总署）",
        "已批准",
        "检测结果",
        "合格",
        "镉（Cd）",
        "VN-VLOR-0301",
        "2026年11月2日",
        "2,500",
    ] {
        assert!(genuine.contains(shown), "{shown} missing:\n{genuine}");
    }
    assert!(!genuine.contains(">中文</a>"), "no switch to itself");
    // The language is remembered from the query only, never guessed wrong:
    // a Vietnamese reader still gets Vietnamese, an English one English.
    let vi = get(&w.app, &path, None).await.expect(200).text;
    assert!(vi.contains("<html lang=\"vi\">") && vi.contains(">中文</a>"));
    assert!(
        !vi.contains("南罗柚"),
        "the Chinese name on the Chinese page only"
    );
    let en = get(&w.app, &path, Some("en-US,zh;q=0.5"))
        .await
        .expect(200)
        .text;
    assert!(en.contains("<html lang=\"en\">"));

    // The JSON answer is the same whatever the language.
    let zh_json = json_of(&w.app, &format!("{path}?lang=zh")).await;
    let again = json_of(&w.app, &path).await;
    assert_eq!(record_part(zh_json), record_part(again));

    // A wrong PIN's answer.
    let claimed = w
        .app
        .send_request(
            TestRequest::post()
                .uri(&format!("/s/{}/claim", serials[0]))
                .peer_addr("203.113.5.7:40000".parse().unwrap())
                .insert_header((header::HOST, "localhost:8080"))
                .insert_header((header::ORIGIN, "http://localhost:8080"))
                .insert_header(("sec-fetch-site", "same-origin"))
                .insert_header((header::ACCEPT, "text/html"))
                .set_form([("pin", "12345678"), ("lang", "zh")]),
        )
        .await;
    let found = vietnamese(&claimed.text, &names);
    assert!(found.is_empty(), "claim: {found:?}\n{}", claimed.text);

    // A voided stamp, with the producer's reason (free text) allowed.
    {
        w.app
            .post(
                &format!("/api/v1/stamp-rolls/{roll_id}/void"),
                &w.a.token,
                json!({"serials": [serials[1]], "reason": "Tem rách khi dán"}),
            )
            .await
            .expect(200);
        let mut voided_names = names.clone();
        voided_names.extend(words("Tem rách khi dán"));
        let voided = in_chinese(&w.app, &format!("/s/{}", serials[1]), 200, &voided_names).await;
        assert!(
            voided.contains("标签已作废") && voided.contains("作废原因："),
            "{voided}"
        );
    }

    // Forged and mistyped codes.
    let mut wrong: Vec<char> = serials[2].chars().collect();
    wrong[19] = if wrong[19] == '7' { '8' } else { '7' };
    let wrong: String = wrong.into_iter().collect();
    let forged = in_chinese(&w.app, &format!("/s/{wrong}"), 404, &names).await;
    assert!(forged.contains("可能是假货"), "{forged}");
    in_chinese(&w.app, "/s/NOT-A-CODE", 400, &names).await;

    // The lot recalled: authority, reason (free text), what to do.
    let reason = "Dư lượng thuốc BVTV vượt ngưỡng";
    w.app
        .post(
            &format!("/api/v1/batches/{}/recall", w.a.batch),
            &w.regulator,
            json!({"reason": reason}),
        )
        .await
        .expect(200);
    names.extend(words(reason));
    let recalled = in_chinese(&w.app, &path, 200, &names).await;
    assert!(
        recalled.contains("已召回") && recalled.contains("召回原因："),
        "{recalled}"
    );
}

/// The report form from a Chinese page: the link keeps Chinese, and the
/// form (`?lang=zh` and Accept-Language zh), two refusals and the
/// thank-you page show no Vietnamese besides the province names (data, in
/// the select) and what the reporter typed.
#[actix_web::test]
async fn the_report_form_reads_in_chinese() {
    let w = World::build().await;
    let serial = crate::stamps::issue(&w, &w.a.batch, 1).await["first_serial"]
        .as_str()
        .expect("first serial")
        .to_owned();
    let mut names = BTreeSet::new();
    for province in tracestamp::domain::validate::PROVINCES {
        names.extend(words(province));
    }

    let page = get(&w.app, &format!("/s/{serial}?lang=zh"), None)
        .await
        .expect(200)
        .text;
    assert!(
        page.contains(&format!("href=\"/report?code={serial}&#38;lang=zh\"")),
        "{page}"
    );
    let form = in_chinese(&w.app, &format!("/report?code={serial}"), 200, &names).await;
    for shown in [
        "举报疑似假货",
        "二维码下方印的编码",
        "购买商店的名称",
        "提交举报",
    ] {
        assert!(form.contains(shown), "{shown} missing:\n{form}");
    }
    assert!(form.contains("action=\"/report?lang=zh\""), "{form}");

    // No shop name: the form again, its message in Chinese.
    let (_, open) = open_form(&w.app, &format!("?code={serial}&lang=zh")).await;
    let shop = [("shop_address", "12 Phạm Thái Bường"), ("phone", "")];
    let mut fields = vec![("code", serial.as_str()), ("shop_name", "")];
    fields.extend(shop);
    let refused = w
        .app
        .send_request(post(&open, "198.51.100.41", "zh", &fields, None))
        .await
        .expect(422);
    let found = vietnamese(&refused.text, &names);
    assert!(found.is_empty(), "{found:?}\n{}", refused.text);
    assert!(refused.text.contains("请填写购买地点"), "{}", refused.text);

    // A code not ours and no province: refused in Chinese.
    let fields = [
        ("code", "NOT-OURS-1"),
        ("shop_name", "Vựa trái cây"),
        ("shop_address", "12 Phạm Thái Bường"),
        ("province", ""),
    ];
    let refused = w
        .app
        .send_request(post(&open, "198.51.100.42", "zh", &fields, None))
        .await
        .expect(422);
    let mut typed = names.clone();
    typed.extend(words("Vựa trái cây 12 Phạm Thái Bường"));
    let found = vietnamese(&refused.text, &typed);
    assert!(found.is_empty(), "{found:?}\n{}", refused.text);
    assert!(
        refused.text.contains("该码不是本系统的标签"),
        "{}",
        refused.text
    );

    // Sent: the thank-you page in Chinese.
    let fields = [
        ("code", serial.as_str()),
        ("shop_name", "Vựa trái cây"),
        ("shop_address", "12 Phạm Thái Bường"),
    ];
    let sent = w
        .app
        .send_request(post(&open, "198.51.100.43", "zh", &fields, None))
        .await
        .expect(303);
    assert_eq!(
        sent.headers.get(header::LOCATION).unwrap(),
        "/report/sent?lang=zh"
    );
    let thanks = in_chinese(&w.app, "/report/sent", 200, &names).await;
    assert!(
        thanks.contains("举报已提交") && thanks.contains("谢谢您"),
        "{thanks}"
    );
}

/// A logistic unit's page in Chinese (`?lang=zh`, Accept-Language zh)
/// names each lot's product by its Chinese name where the producer gave
/// one, else by its English name, as the stamp page does.
#[actix_web::test]
async fn a_logistic_unit_page_names_its_products_in_chinese() {
    use crate::gln_sscc::{capture, document, gln_world, BASE, GTIN, LOT, SSCC, SSCC_EPC};
    let w = gln_world().await;
    let mut body = crate::world::product_body("Bưởi Năm Roi xuất khẩu");
    body["gtin"] = json!(&GTIN[1..]);
    body["name_zh"] = json!("南罗柚");
    let named = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201)
        .id();
    // A second product under the prefix, with no Chinese name.
    const PLAIN_GTIN: &str = "08934567890137";
    let mut body = crate::world::product_body("Bưởi da xanh xuất khẩu");
    body["name_en"] = json!("Green-skin pomelo");
    body["gtin"] = json!(&PLAIN_GTIN[1..]);
    let unnamed = w
        .app
        .post("/api/v1/products", &w.a.token, body)
        .await
        .expect(201)
        .id();
    for (product, lot) in [(&named, LOT), (&unnamed, "DX-2611")] {
        w.app
            .post(
                "/api/v1/batches",
                &w.a.token,
                crate::world::batch_body(product, &w.a.facility, lot),
            )
            .await
            .expect(201);
    }
    capture(
        &w.app,
        &w.a.token,
        &document(vec![json!({
            "eventID": "urn:uuid:17000000-0000-4000-8000-000000000101",
            "type": "AggregationEvent", "action": "ADD",
            "eventTime": "2026-11-03T08:00:00+07:00", "eventTimeZoneOffset": "+07:00",
            "parentID": SSCC_EPC, "bizStep": "packing",
            "childQuantityList": [
                {"epcClass": format!("{BASE}/01/{GTIN}/10/{LOT}"), "quantity": 100, "uom": "KGM"},
                {"epcClass": format!("{BASE}/01/{PLAIN_GTIN}/10/DX-2611"), "quantity": 50, "uom": "KGM"}]})]),
    )
    .await;
    let path = format!("/00/{SSCC}?format=html");
    let zh = get(&w.app, &format!("{path}&lang=zh"), None)
        .await
        .expect(200)
        .text;
    assert!(zh.contains("<html lang=\"zh-Hans\">"), "{zh}");
    assert!(zh.contains("南罗柚"), "the Chinese name: {zh}");
    assert!(!zh.contains("Nam Roi pomelo"), "not the English one: {zh}");
    assert!(
        zh.contains("Green-skin pomelo"),
        "no Chinese name: the English one"
    );
    let accepted = get(&w.app, &path, Some("zh-CN,zh;q=0.9"))
        .await
        .expect(200)
        .text;
    assert!(accepted.contains("南罗柚"), "{accepted}");
    // Vietnamese and English readers keep their names.
    let vi = get(&w.app, &path, None).await.expect(200).text;
    assert!(vi.contains("Bưởi Năm Roi xuất khẩu") && !vi.contains("南罗柚"));
    let en = get(&w.app, &format!("{path}&lang=en"), None)
        .await
        .expect(200)
        .text;
    assert!(en.contains("Nam Roi pomelo") && !en.contains("南罗柚"));
    // The JSON carries the Chinese name for every reader.
    let json = json_of(&w.app, &format!("/00/{SSCC}")).await;
    let contents = json["record"]["contents"].as_array().unwrap();
    assert_eq!(contents.len(), 2, "{json}");
    let zh_of = |lot: &str| {
        contents
            .iter()
            .find(|c| c["lot_code"] == lot)
            .map(|c| c["product_name_zh"].clone())
    };
    assert_eq!(zh_of(LOT), Some(json!("南罗柚")));
    assert_eq!(zh_of("DX-2611"), Some(Value::Null));
}

/// The refusals the report form gives before reading its body — a post
/// from another site (403), a flood from one client (429) — and the one
/// for a bad token (403) are in Chinese for a Chinese reader, with the
/// Vietnamese and English kept; a Vietnamese reader gets no Chinese.
#[actix_web::test]
async fn the_report_forms_refusals_read_in_chinese() {
    let w = World::build().await;
    let (_, open) = open_form(&w.app, "?lang=zh").await;
    let fields = [
        ("code", "FAKE-ZH-1"),
        ("shop_name", "Vựa trái cây"),
        ("shop_address", "12 Phạm Thái Bường"),
        ("province", "Vĩnh Long"),
    ];
    let cross = w
        .app
        .send_request(
            post(&open, "198.51.100.60", "zh", &fields, None)
                .insert_header(("sec-fetch-site", "cross-site")),
        )
        .await
        .expect(403);
    assert!(
        cross.text.starts_with("此表单只能从本网站提交。"),
        "{}",
        cross.text
    );
    assert!(cross
        .text
        .contains("Biểu mẫu này chỉ gửi được từ trang của chúng tôi."));
    assert!(cross
        .text
        .contains("This form can only be sent from our own site."));
    // Chinese asked by Accept-Language alone.
    let by_header = w
        .app
        .send_request(
            post(&open, "198.51.100.60", "zh", &fields, None)
                .uri("/report")
                .insert_header((header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9"))
                .insert_header((header::ORIGIN, "https://evil.example")),
        )
        .await
        .expect(403);
    assert!(
        by_header.text.contains("此表单只能从本网站提交"),
        "{}",
        by_header.text
    );
    let vi = w
        .app
        .send_request(
            post(&open, "198.51.100.60", "vi", &fields, None)
                .insert_header(("sec-fetch-site", "cross-site")),
        )
        .await
        .expect(403);
    assert!(!vi.text.contains("此表单"), "{}", vi.text);
    assert!(vi.text.starts_with("Biểu mẫu này"), "{}", vi.text);

    // A token the client made up: the form again, its message in Chinese.
    let made_up = crate::reports::OpenForm::made_up();
    let planted = w
        .app
        .send_request(post(&made_up, "198.51.100.61", "zh", &fields, None))
        .await
        .expect(403);
    assert!(
        planted.text.contains("表单已过期，请重新提交。"),
        "{}",
        planted.text
    );

    // A field past its cap, and a body that is no form: each on the form
    // again, in Chinese.
    let long = "a".repeat(20_000);
    let mut too_long = fields.to_vec();
    too_long[1] = ("shop_name", long.as_str());
    let refused = w
        .app
        .send_request(post(&open, "198.51.100.62", "zh", &too_long, None))
        .await
        .expect(413);
    assert!(refused.text.contains("此栏内容过长"), "{}", refused.text);
    let cut = w
        .app
        .send_request(
            post(&open, "198.51.100.62", "zh", &fields, None)
                .set_payload("--not-our-boundary\r\ngarbage"),
        )
        .await
        .expect(400);
    assert!(cut.text.contains("无法读取表单"), "{}", cut.text);
    let cut_vi = w
        .app
        .send_request(
            post(&open, "198.51.100.62", "vi", &fields, None)
                .set_payload("--not-our-boundary\r\ngarbage"),
        )
        .await
        .expect(400);
    assert!(
        cut_vi.text.contains("Không đọc được biểu mẫu"),
        "{}",
        cut_vi.text
    );

    // A flood from one client: the 429 in Chinese too.
    let per_hour = w.app.state().config.report_rate_per_hour;
    for _ in 0..per_hour {
        w.app
            .send_request(post(&open, "203.0.113.60", "zh", &fields, None))
            .await
            .expect(303);
    }
    let flood = w
        .app
        .send_request(post(&open, "203.0.113.60", "zh", &fields, None))
        .await
        .expect(429);
    assert!(flood.headers.get(header::RETRY_AFTER).is_some());
    assert!(
        flood.text.starts_with("您在过去一小时内已提交多次举报"),
        "{}",
        flood.text
    );
    assert!(flood.text.contains("Vui lòng thử lại sau"));
    assert!(flood.text.contains("Please try again in"));
    let flood_vi = w
        .app
        .send_request(post(&open, "203.0.113.60", "vi", &fields, None))
        .await
        .expect(429);
    assert!(!flood_vi.text.contains("举报"), "{}", flood_vi.text);
}
