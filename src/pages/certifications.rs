//! A producer's certifications (`/portal/certifications`): every
//! certificate of the enterprise's facilities with its state, adding one to
//! a facility, and renewing one (a new certificate of the same scheme that
//! runs past it). The writes are `service::facilities`' use cases, the same
//! as the API's. Attaching the certificate's scan (PDF or photo) is not
//! offered yet.

use actix_web::web;
use askama::Template;
use std::collections::HashMap;

use super::forms::{self, field, Field, FormPage, Input};
use super::frame::Chrome;
use super::portal::producer;
use super::session::PageUser;
use super::{html, path_id, PageResult};
use crate::error::AppError;
use crate::models::certification::CertificationFields;
use crate::models::facility::{self, Facility, FacilityFilter};
use crate::models::page::Page;
use crate::service::facilities::{self, CertificateState, HeldCertificate};

type Posted = web::Form<HashMap<String, String>>;

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/certifications", web::get().to(list))
        .route(
            "/facilities/{id}/certifications/new",
            web::get().to(new_form),
        )
        .route("/facilities/{id}/certifications/new", web::post().to(add))
        .route("/certifications/{id}/renew", web::get().to(renew_form))
        .route("/certifications/{id}/renew", web::post().to(renew))
}

const SCHEMES: &[(&str, &str, &str)] = &[
    ("vietgap", "VietGAP", "VietGAP"),
    ("globalgap", "GlobalG.A.P.", "GlobalG.A.P."),
    ("organic", "Hữu cơ", "Organic"),
    ("haccp", "HACCP", "HACCP"),
    ("iso22000", "ISO 22000", "ISO 22000"),
    ("ocop", "OCOP", "OCOP"),
    ("other", "Khác", "Other"),
];

const NEW_FORM: &[Field] = &[
    field(
        "scheme",
        "Loại chứng nhận",
        "Scheme",
        Input::Choice(SCHEMES),
    ),
    field(
        "number",
        "Số chứng nhận",
        "Certificate number",
        Input::Text(64),
    ),
    field("issuer", "Tổ chức cấp", "Issued by", Input::Text(200)),
    field(
        "valid_from",
        "Có hiệu lực từ ngày",
        "Valid from",
        Input::Date,
    ),
    field("valid_to", "Hết hạn ngày", "Valid until", Input::Date),
];

/// A renewal keeps the scheme.
const RENEW_FORM: &[Field] = &[
    field(
        "number",
        "Số chứng nhận mới",
        "New certificate number",
        Input::Text(64),
    ),
    field("issuer", "Tổ chức cấp", "Issued by", Input::Text(200)),
    field(
        "valid_from",
        "Có hiệu lực từ ngày",
        "Valid from",
        Input::Date,
    ),
    field("valid_to", "Hết hạn ngày", "Valid until", Input::Date),
];

#[derive(Template)]
#[template(path = "portal/certifications.html")]
struct ListPage {
    c: Chrome,
    certificates: Vec<HeldCertificate>,
    facilities: Vec<Facility>,
}

impl ListPage {
    fn state(&self, h: &HeldCertificate) -> (&'static str, &'static str) {
        state_label(self.c.l, h.state)
    }
}

/// A state's badge class and words.
pub fn state_label(l: super::i18n::Lang, state: CertificateState) -> (&'static str, &'static str) {
    match state {
        CertificateState::Valid => ("good", l.t("Còn hiệu lực", "Valid")),
        CertificateState::Expiring => ("bad", l.t("Sắp hết hạn", "Expiring soon")),
        CertificateState::Expired => ("bad", l.t("Đã hết hạn", "Expired")),
        CertificateState::Renewed => ("", l.t("Đã gia hạn", "Renewed")),
    }
}

async fn list(user: PageUser) -> PageResult {
    producer(&user)?;
    let today = crate::time::now().date();
    let certificates = user
        .act(move |conn, caller| facilities::certificates_held(conn, caller, today))
        .await?;
    let scope = user.caller.scope();
    let facilities = user
        .state
        .db(move |conn| {
            Ok(facility::list(conn, &scope, &FacilityFilter::default(), Page::export())?.items)
        })
        .await?;
    let mut c = user.chrome(user.l.t("Chứng nhận", "Certifications"));
    c.flash = user.notice();
    html(&ListPage {
        c,
        certificates,
        facilities,
    })
}

fn form(
    user: &PageUser,
    heading: String,
    action: String,
    spec: &[Field],
    values: &HashMap<String, String>,
) -> FormPage {
    FormPage::new(
        user.chrome(heading.clone()),
        heading,
        action,
        "/portal/certifications".into(),
        spec,
        values,
    )
}

async fn facility_named(user: &PageUser, id: String) -> Result<Facility, AppError> {
    let scope = user.caller.scope();
    user.state
        .db(move |conn| Ok(facility::find(conn, &scope, &id)?))
        .await?
        .ok_or_else(|| AppError::not_found("facility"))
}

async fn new_form(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let f = facility_named(&user, path_id(&path)?.to_string()).await?;
    let heading = format!(
        "{} — {}",
        user.l.t("Thêm chứng nhận", "Add a certification"),
        f.name
    );
    let action = format!("/portal/facilities/{}/certifications/new", f.id);
    html(&form(&user, heading, action, NEW_FORM, &HashMap::new()))
}

async fn add(user: PageUser, path: web::Path<String>, posted: Posted) -> PageResult {
    producer(&user)?;
    let values = user.checked_form(posted)?;
    let f = facility_named(&user, path_id(&path)?.to_string()).await?;
    let heading = format!(
        "{} — {}",
        user.l.t("Thêm chứng nhận", "Add a certification"),
        f.name
    );
    let action = format!("/portal/facilities/{}/certifications/new", f.id);
    let page = form(&user, heading, action, NEW_FORM, &values);
    let fields: CertificationFields = forms::body_of(forms::to_json(NEW_FORM, &values)?)?;
    let problems = fields.problems(false);
    if !problems.is_empty() {
        return page.refused_each(problems);
    }
    let done = async {
        let id = f.id.clone();
        user.act(move |conn, caller| facilities::create_certification(conn, caller, &id, fields))
            .await
    };
    page.submit(done, "/portal/certifications?notice=saved")
        .await
}

async fn renewing(
    user: &PageUser,
    id: String,
) -> Result<(String, HashMap<String, String>), AppError> {
    let scope = user.caller.scope();
    let old = user
        .state
        .db(move |conn| facilities::visible_certification(conn, &scope, &id))
        .await?;
    let l = user.l;
    let heading = format!(
        "{} {} {}",
        l.t("Gia hạn chứng nhận", "Renew certificate"),
        l.scheme(&old.scheme),
        old.number
    );
    let values = HashMap::from([
        ("issuer".to_owned(), old.issuer.clone()),
        (
            "valid_from".to_owned(),
            (old.valid_to + chrono::Duration::days(1)).to_string(),
        ),
    ]);
    Ok((heading, values))
}

async fn renew_form(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?.to_string();
    let (heading, values) = renewing(&user, id.clone()).await?;
    let action = format!("/portal/certifications/{id}/renew");
    html(&form(&user, heading, action, RENEW_FORM, &values))
}

async fn renew(user: PageUser, path: web::Path<String>, posted: Posted) -> PageResult {
    producer(&user)?;
    let values = user.checked_form(posted)?;
    let id = path_id(&path)?.to_string();
    let (heading, _) = renewing(&user, id.clone()).await?;
    let action = format!("/portal/certifications/{id}/renew");
    let page = form(&user, heading, action, RENEW_FORM, &values);
    let fields: CertificationFields = forms::body_of(forms::to_json(RENEW_FORM, &values)?)?;
    let problems = fields.problems(true);
    if !problems.is_empty() {
        return page.refused_each(problems);
    }
    let done = async {
        user.act(move |conn, caller| facilities::renew_certification(conn, caller, &id, fields))
            .await
    };
    page.submit(done, "/portal/certifications?notice=saved")
        .await
}
