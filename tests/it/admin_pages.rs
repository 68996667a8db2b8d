//! The admin's pages through the real app: editing an enterprise (every
//! refused field shown at once, inputs kept, audited as the API's edit),
//! changing an account's role and reach (its secrets revoked), roles,
//! provinces and enterprises chosen from selects, and lists in natural
//! order.

use actix_web::http::header;
use diesel::prelude::*;
use serde_json::json;

use crate::harness::{Answer, TestApp};
use crate::pages::{csrf_of, page, submit};
use crate::world::enterprise_body;
use tracestamp::db::schema::{account, audit_log};
use tracestamp::domain::validate::PROVINCES;

/// A registry with one admin and one enterprise in Vĩnh Long: the admin's
/// token and the enterprise's id.
async fn registry() -> (TestApp, String, String) {
    let app = TestApp::new();
    let admin = app.account("admin", "admin", None, None);
    let enterprise = app
        .post(
            "/api/v1/enterprises",
            &admin,
            enterprise_body("Hợp tác xã Mỹ Hòa", "1500000001", "Vĩnh Long"),
        )
        .await
        .expect(201)
        .id();
    (app, admin, enterprise)
}

fn location(answer: &Answer) -> &str {
    answer
        .headers
        .get(header::LOCATION)
        .expect("a redirect")
        .to_str()
        .unwrap()
}

/// The `<select>` of the field `name` in a page.
fn select<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("<select id=\"f-{name}\""))
        .unwrap_or_else(|| panic!("the page has no select for {name}"));
    let end = html[start..].find("</select>").expect("a closed select") + start;
    &html[start..end]
}

/// The audit entries of one row, as (action, actor, after_state).
fn audited(app: &TestApp, entity: &str, id: &str) -> Vec<(String, String, Option<String>)> {
    audit_log::table
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::seq)
        .select((audit_log::action, audit_log::actor, audit_log::after_state))
        .load(&mut *app.conn())
        .unwrap()
}

fn account_id(app: &TestApp, username: &str) -> String {
    account::table
        .filter(account::username.eq(username))
        .select(account::id)
        .get_result(&mut *app.conn())
        .unwrap()
}

fn reach(app: &TestApp, username: &str) -> (String, Option<String>, Option<String>) {
    account::table
        .filter(account::username.eq(username))
        .select((account::role, account::enterprise_id, account::province))
        .get_result(&mut *app.conn())
        .unwrap()
}

const EDITED: &[(&str, &str)] = &[
    ("name", "Hợp tác xã Bưởi Năm Roi Mỹ Hòa"),
    ("tax_code", "1500000001-002"),
    (
        "address",
        "Số 12 Hai Bà Trưng, phường Ninh Kiều, thành phố Cần Thơ",
    ),
    ("province", "Cần Thơ"),
    ("commune_code", "31135"),
    ("gs1_prefix", "8930001"),
    ("phone", "0270 3892 418"),
    ("email", "htx@myhoa.example.vn"),
    ("contact_phone", "0909 123 456"),
    ("zalo_url", "https://zalo.me/0909123456"),
];

#[actix_web::test]
async fn an_admin_edits_an_enterprise_from_its_page_and_the_edit_is_audited() {
    let (app, admin, id) = registry().await;
    let list = page(&app, "/admin/enterprises", Some(&admin))
        .await
        .expect(200);
    assert!(list
        .text
        .contains(&format!("href=\"/admin/enterprises/{id}\"")));
    let form = page(&app, &format!("/admin/enterprises/{id}"), Some(&admin))
        .await
        .expect(200);
    assert!(
        form.text.contains("value=\"Hợp tác xã Mỹ Hòa\""),
        "prefilled"
    );
    assert!(form.text.contains("value=\"lienhe@hoptac.example.vn\""));
    assert!(select(&form.text, "province").contains("<option value=\"Vĩnh Long\" selected>"));
    let csrf = csrf_of(&form.text);

    let mut fields = vec![("csrf", csrf.as_str())];
    fields.extend_from_slice(EDITED);
    let saved = submit(&app, &format!("/admin/enterprises/{id}"), &admin, &fields)
        .await
        .expect(303);
    assert_eq!(location(&saved), "/admin/enterprises?notice=saved");
    let row = app
        .get(&format!("/api/v1/enterprises/{id}"), &admin)
        .await
        .expect(200)
        .body;
    for (name, value) in EDITED {
        assert_eq!(row[*name], json!(value), "{name} was not saved");
    }
    let entries = audited(&app, "enterprise", &id);
    assert_eq!(entries.len(), 2, "created, then edited: {entries:?}");
    let (action, actor, after) = &entries[1];
    assert_eq!((action.as_str(), actor.as_str()), ("update", "admin"));
    assert!(after
        .as_deref()
        .unwrap()
        .contains("Hợp tác xã Bưởi Năm Roi Mỹ Hòa"));

    // Clearing an optional field on the form clears it.
    let mut cleared: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| if *k == "zalo_url" { (*k, "") } else { (*k, *v) })
        .collect();
    cleared.retain(|(k, _)| *k != "gs1_prefix");
    submit(&app, &format!("/admin/enterprises/{id}"), &admin, &cleared)
        .await
        .expect(303);
    let row = app
        .get(&format!("/api/v1/enterprises/{id}"), &admin)
        .await
        .expect(200)
        .body;
    assert_eq!(row["zalo_url"], json!(null));
    assert_eq!(row["gs1_prefix"], json!(null));
}

#[actix_web::test]
async fn every_refused_enterprise_field_comes_back_at_once_with_what_was_typed() {
    let (app, admin, id) = registry().await;
    let csrf = csrf_of(
        &page(&app, &format!("/admin/enterprises/{id}"), Some(&admin))
            .await
            .expect(200)
            .text,
    );
    let before = app.snapshot();
    let refused = submit(
        &app,
        &format!("/admin/enterprises/{id}"),
        &admin,
        &[
            ("csrf", &csrf),
            ("name", "Hợp tác xã Mới"),
            ("tax_code", "12"),
            ("address", "Ấp Mỹ Thuận"),
            ("province", "Atlantis"),
            ("email", "not-an-address"),
        ],
    )
    .await
    .expect(422);
    for field in ["tax_code", "province", "email"] {
        assert!(
            refused
                .text
                .contains(&format!("<p class=\"field-error\" id=\"e-{field}\">")),
            "no error beside {field}"
        );
    }
    assert_eq!(refused.text.matches("class=\"field-error\"").count(), 3);
    assert!(refused.text.contains("không phải địa chỉ e-mail"));
    assert!(refused
        .text
        .contains("không phải tỉnh / thành phố của Việt Nam"));
    for kept in ["Hợp tác xã Mới", "12", "not-an-address"] {
        assert!(
            refused.text.contains(&format!("value=\"{kept}\"")),
            "{kept:?} was not kept"
        );
    }
    assert_eq!(app.snapshot(), before, "a refused edit wrote something");
    let row = app
        .get(&format!("/api/v1/enterprises/{id}"), &admin)
        .await
        .expect(200)
        .body;
    assert_eq!(row["name"], "Hợp tác xã Mỹ Hòa");

    // In English, the same refusals in English.
    let english = submit(
        &app,
        &format!("/admin/enterprises/{id}?lang=en"),
        &admin,
        &[
            ("csrf", &csrf),
            ("name", ""),
            ("tax_code", "1500000001"),
            ("address", "Ấp Mỹ Thuận"),
            ("province", "Vĩnh Long"),
        ],
    )
    .await
    .expect(422);
    assert!(english.text.contains("must not be empty"));
    assert!(english.text.contains("Edit enterprise"));
}

#[actix_web::test]
async fn only_admins_reach_the_enterprise_edit() {
    let (app, admin, id) = registry().await;
    let producer = app.account("grower", "producer", Some(&id), None);
    let regulator = app.account("inspector", "regulator", None, Some("Vĩnh Long"));
    let before = app.snapshot();
    for token in [&producer, &regulator] {
        page(&app, &format!("/admin/enterprises/{id}"), Some(token))
            .await
            .expect(403);
        let home = if token == &producer {
            "/portal"
        } else {
            "/oversight"
        };
        let csrf = csrf_of(&page(&app, home, Some(token)).await.expect(200).text);
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend_from_slice(EDITED);
        submit(&app, &format!("/admin/enterprises/{id}"), token, &fields)
            .await
            .expect(403);
    }
    assert_eq!(app.snapshot(), before);
    page(&app, "/admin/enterprises/not-an-id", Some(&admin))
        .await
        .expect(404);
}

#[actix_web::test]
async fn changing_an_accounts_role_revokes_its_tokens_and_is_audited() {
    let (app, admin, enterprise) = registry().await;
    let token = app.account("grower", "producer", Some(&enterprise), None);
    app.get("/api/v1/me", &token).await.expect(200);
    let id = account_id(&app, "grower");
    let shown = page(&app, &format!("/admin/accounts/{id}"), Some(&admin))
        .await
        .expect(200);
    assert!(select(&shown.text, "role")
        .contains("<option value=\"producer\" selected>Nhà sản xuất</option>"));
    assert!(select(&shown.text, "enterprise_id").contains(&format!(
        "<option value=\"{enterprise}\" selected>Hợp tác xã Mỹ Hòa</option>"
    )));
    let csrf = csrf_of(&shown.text);
    let path = format!("/admin/accounts/{id}/edit");

    // Refused: no write, the token lives on.
    let before = app.snapshot();
    let bad_province = submit(
        &app,
        &path,
        &admin,
        &[
            ("csrf", &csrf),
            ("role", "regulator"),
            ("enterprise_id", ""),
            ("province", "Atlantis"),
        ],
    )
    .await
    .expect(422);
    assert!(bad_province
        .text
        .contains("<p class=\"field-error\" id=\"e-province\">"));
    let no_enterprise = submit(
        &app,
        &path,
        &admin,
        &[
            ("csrf", &csrf),
            ("role", "producer"),
            ("enterprise_id", ""),
            ("province", ""),
        ],
    )
    .await
    .expect(422);
    assert!(no_enterprise
        .text
        .contains("nhà sản xuất cần chọn một doanh nghiệp"));
    let unknown_role = submit(&app, &path, &admin, &[("csrf", &csrf), ("role", "owner")])
        .await
        .expect(422);
    assert!(unknown_role
        .text
        .contains("<p class=\"field-error\" id=\"e-role\">"));
    // Nothing changed: saved, nothing revoked.
    let same = submit(
        &app,
        &path,
        &admin,
        &[
            ("csrf", &csrf),
            ("role", "producer"),
            ("enterprise_id", &enterprise),
            ("province", ""),
        ],
    )
    .await
    .expect(303);
    assert_eq!(
        location(&same),
        format!("/admin/accounts/{id}?notice=saved")
    );
    assert_eq!(app.snapshot(), before);
    app.get("/api/v1/me", &token).await.expect(200);

    let moved = submit(
        &app,
        &path,
        &admin,
        &[
            ("csrf", &csrf),
            ("role", "regulator"),
            ("enterprise_id", ""),
            ("province", "Cần Thơ"),
        ],
    )
    .await
    .expect(303);
    assert_eq!(
        location(&moved),
        format!("/admin/accounts/{id}?notice=reach")
    );
    assert_eq!(
        reach(&app, "grower"),
        ("regulator".into(), None, Some("Cần Thơ".into()))
    );
    app.get("/api/v1/me", &token).await.expect(401);
    let entries = audited(&app, "account", &id);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let (action, actor, after) = &entries[0];
    assert_eq!((action.as_str(), actor.as_str()), ("update", "admin"));
    let after: serde_json::Value = serde_json::from_str(after.as_deref().unwrap()).unwrap();
    assert_eq!(after["role"], "regulator");
    assert_eq!(after["province"], "Cần Thơ");
    assert_eq!(after["tokens_revoked"], 1);
    let notice = page(
        &app,
        &format!("/admin/accounts/{id}?notice=reach"),
        Some(&admin),
    )
    .await
    .expect(200);
    assert!(notice.text.contains("Đã đổi vai trò / phạm vi"));
    assert!(notice.text.contains("<dd>Cán bộ quản lý</dd>"));
    assert!(notice.text.contains("<dd>Cần Thơ</dd>"));

    // A new token under the new reach sees Cần Thơ, not the enterprise.
    let fresh = app.account("grower2", "regulator", None, Some("Cần Thơ"));
    app.get(&format!("/api/v1/enterprises/{enterprise}"), &fresh)
        .await
        .expect(404);
}

#[actix_web::test]
async fn the_account_edit_is_for_admins_and_not_of_their_own_account() {
    let (app, admin, enterprise) = registry().await;
    let producer = app.account("grower", "producer", Some(&enterprise), None);
    let admin_id = account_id(&app, "admin");
    let grower_id = account_id(&app, "grower");
    let before = app.snapshot();
    let csrf = csrf_of(
        &page(&app, "/portal", Some(&producer))
            .await
            .expect(200)
            .text,
    );
    submit(
        &app,
        &format!("/admin/accounts/{grower_id}/edit"),
        &producer,
        &[("csrf", &csrf), ("role", "admin")],
    )
    .await
    .expect(403);
    assert_eq!(reach(&app, "grower").0, "producer");
    let admin_csrf = csrf_of(
        &page(&app, &format!("/admin/accounts/{admin_id}"), Some(&admin))
            .await
            .expect(200)
            .text,
    );
    let own = submit(
        &app,
        &format!("/admin/accounts/{admin_id}/edit"),
        &admin,
        &[
            ("csrf", &admin_csrf),
            ("role", "regulator"),
            ("enterprise_id", ""),
            ("province", "Cần Thơ"),
        ],
    )
    .await
    .expect(409);
    assert!(own
        .text
        .contains("quản trị viên không thể tự đổi vai trò của chính mình"));
    assert_eq!(app.snapshot(), before);
    assert_eq!(reach(&app, "admin").0, "admin");
}

#[actix_web::test]
async fn lists_read_in_natural_order_with_roles_in_words() {
    let (app, admin, enterprise) = registry().await;
    for name in ["producer10", "producer2", "producer1", "producer11"] {
        app.account(name, "producer", Some(&enterprise), None);
    }
    app.account("canbo", "regulator", None, Some("Cần Thơ"));
    for (name, tax) in [("HTX 10", "1500000010"), ("HTX 2", "1500000002")] {
        app.post(
            "/api/v1/enterprises",
            &admin,
            enterprise_body(name, tax, "Cần Thơ"),
        )
        .await
        .expect(201);
    }
    let accounts = page(&app, "/admin/accounts", Some(&admin))
        .await
        .expect(200)
        .text;
    let at = |name: &str| {
        accounts
            .find(&format!(">{name}</a>"))
            .unwrap_or_else(|| panic!("{name} is not listed"))
    };
    assert!(at("producer1") < at("producer2"));
    assert!(at("producer2") < at("producer10"));
    assert!(at("producer10") < at("producer11"));
    assert!(accounts.contains(">Nhà sản xuất</td>"));
    assert!(accounts.contains(">Cán bộ quản lý</td>"));
    assert!(accounts.contains(">Quản trị viên</td>"));
    for code in [">producer</td>", ">regulator</td>", ">admin</td>"] {
        assert!(!accounts.contains(code), "a raw role code shows: {code}");
    }
    let english = page(&app, "/admin/accounts?lang=en", Some(&admin))
        .await
        .expect(200)
        .text;
    assert!(english.contains(">Regulator</td>"));

    let enterprises = page(&app, "/admin/enterprises", Some(&admin))
        .await
        .expect(200)
        .text;
    let two = enterprises.find(">HTX 2</a>").expect("HTX 2 listed");
    let ten = enterprises.find(">HTX 10</a>").expect("HTX 10 listed");
    assert!(two < ten, "HTX 10 before HTX 2");
    // The enterprise select reads in the same order.
    let picks = select(&accounts, "enterprise_id");
    assert!(picks.find(">HTX 2<").unwrap() < picks.find(">HTX 10<").unwrap());
}

#[actix_web::test]
async fn the_selects_list_the_three_roles_and_the_34_provinces() {
    let (app, admin, enterprise) = registry().await;
    app.account("grower", "producer", Some(&enterprise), None);
    let grower = account_id(&app, "grower");
    for path in [
        "/admin/accounts".to_owned(),
        "/admin/enterprises".to_owned(),
        format!("/admin/accounts/{grower}"),
        format!("/admin/enterprises/{enterprise}"),
    ] {
        let shown = page(&app, &path, Some(&admin)).await.expect(200).text;
        let provinces = select(&shown, "province");
        assert_eq!(
            provinces.matches("<option").count(),
            PROVINCES.len() + 1,
            "{path}: the 34 provinces and an empty choice"
        );
        assert_eq!(PROVINCES.len(), 34);
        for p in PROVINCES {
            assert!(
                provinces.contains(&format!("<option value=\"{p}\"")),
                "{path} lacks {p}"
            );
        }
        assert!(
            !shown.contains("id=\"f-province\" name=\"province\" type=\"text\""),
            "{path}: the province is typed"
        );
        if path.starts_with("/admin/accounts") {
            let roles = select(&shown, "role");
            for label in ["Quản trị viên", "Nhà sản xuất", "Cán bộ quản lý"] {
                assert!(
                    roles.contains(label),
                    "{path}: the role select lacks {label}"
                );
            }
        }
    }
    let create = page(&app, "/admin/accounts", Some(&admin))
        .await
        .expect(200)
        .text;
    assert!(
        create.contains("name=\"password\" type=\"password\""),
        "the password is masked"
    );
    let english = page(
        &app,
        &format!("/admin/accounts/{grower}?lang=en"),
        Some(&admin),
    )
    .await
    .expect(200)
    .text;
    for text in [
        "Role and scope",
        "Producer",
        "Regulator",
        "Admin",
        "Province (for a regulator)",
    ] {
        assert!(english.contains(text), "the English page lacks {text:?}");
    }
}
