//! Server-rendered pages (askama templates in `web/templates`, compiled into
//! the binary): the home page and code lookup, the consumer's stamp page,
//! login, and the portals of producers, regulators and admins. Every form
//! carries a CSRF token; every page exists in Vietnamese and English.

mod account;
mod addresses;
mod admin;
mod batch_export;
mod cards;
mod certifications;
mod chart;
mod code_oversight;
mod contact;
mod event_changes;
mod event_form;
pub mod export_codes;
pub mod export_names;
mod findings;
mod form_token;
mod forms;
pub mod frame;
mod home;
pub mod i18n;
mod lab_withdrawal;
mod login;
mod map;
mod new_lot;
mod nfc;
mod oversight;
pub mod photos;
mod places;
mod portal;
mod receipts;
mod relocation;
pub mod reports;
mod reset;
mod session;
pub mod timeline;

use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::error::AppError;
use frame::Chrome;
use i18n::Lang;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            .limit(64 * 1024)
            .error_handler(|err, _| {
                PageError::from(AppError::BadRequest(format!("unreadable form: {err}"))).into()
            }),
    )
    .route("/static/site.css", web::get().to(stylesheet))
    .route("/static/locate.js", web::get().to(locate_script))
    .route("/static/products/{name}", web::get().to(product_picture))
    .configure(home::routes)
    .configure(login::routes)
    .configure(reset::routes)
    .configure(account::routes)
    .configure(reports::routes)
    .configure(photos::routes)
    .configure(new_lot::routes)
    .configure(findings::routes)
    .configure(portal::routes)
    .configure(oversight::routes)
    .configure(admin::routes);
}

const STYLESHEET: &str = include_str!("../../web/static/site.css");

/// Cached for a day; small enough that a change reaches phones soon.
async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(STYLESHEET)
}

const LOCATE_SCRIPT: &str = include_str!("../../web/static/locate.js");

/// The facility form's "use my location" (portal only; consumer pages
/// load no script).
async fn locate_script() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(LOCATE_SCRIPT)
}

/// Pictures of the demo's products (drawings, small enough to cost nothing
/// on a phone); producers link their own photos instead.
async fn product_picture(name: web::Path<String>) -> Result<HttpResponse, PageError> {
    let svg = match name.as_str() {
        "pomelo.svg" => include_str!("../../web/static/products/pomelo.svg"),
        "citrus.svg" => include_str!("../../web/static/products/citrus.svg"),
        "durian.svg" => include_str!("../../web/static/products/durian.svg"),
        "fruit.svg" => include_str!("../../web/static/products/fruit.svg"),
        "vegetable.svg" => include_str!("../../web/static/products/vegetable.svg"),
        "fish.svg" => include_str!("../../web/static/products/fish.svg"),
        "prawn.svg" => include_str!("../../web/static/products/prawn.svg"),
        "pastry.svg" => include_str!("../../web/static/products/pastry.svg"),
        _ => return Err(AppError::NotFound("no such picture".into()).into()),
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/svg+xml"))
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(svg))
}

/// The picture the demo shows for a product, by what it is.
pub fn demo_picture(category: &str, name_en: &str) -> String {
    let name = name_en.to_lowercase();
    let picture = if name.contains("pomelo") && category == "fruit" {
        "pomelo"
    } else if (name.contains("orange") || name.contains("lime")) && category == "fruit" {
        "citrus"
    } else if name.contains("durian") && category == "fruit" {
        "durian"
    } else if name.contains("prawn") || name.contains("shrimp") {
        "prawn"
    } else {
        match category {
            "vegetable" => "vegetable",
            "seafood" => "fish",
            "processed" => "pastry",
            _ => "fruit",
        }
    };
    format!("/static/products/{picture}.svg")
}

/// A rendered page, 200.
pub fn html(page: &impl Template) -> Result<HttpResponse, PageError> {
    html_with(StatusCode::OK, page)
}

pub fn html_with(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    let body = page
        .render()
        .map_err(|e| AppError::Internal(format!("page rendering failed: {e}")))?;
    let body = cards::label_cells(body);
    Ok(HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// After a successful form post: back to a page (303, so a reload does not
/// post again).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// An error met while serving a page, answered as a page (not JSON), in both
/// languages since the failure may come before the language is known. Not
/// logged in → to the login page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        PageError(err)
    }
}

impl From<diesel::result::Error> for PageError {
    fn from(err: diesel::result::Error) -> Self {
        PageError(AppError::from(err))
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: Chrome,
    heading_vi: &'static str,
    heading_en: &'static str,
    /// What went wrong in Vietnamese, when it is known in Vietnamese.
    detail_vi: &'a str,
    /// What went wrong in English (some messages hold both languages).
    detail_en: &'a str,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if matches!(self.0, AppError::Unauthenticated) {
            return see_other("/login");
        }
        let status = self.0.status_code();
        match &self.0 {
            e if status.is_server_error() => {
                log::error!("page error: {e}");
                error_page(status, "", "")
            }
            AppError::Rule(rule) => error_page(status, &rule.vi, &rule.en),
            other => error_page(status, "", &other.to_string()),
        }
    }
}

/// The error page: a heading for the status and what went wrong, in both
/// languages (the failure may come before the reader's language is known),
/// with the request id to quote.
pub(crate) fn error_page(status: StatusCode, detail_vi: &str, detail_en: &str) -> HttpResponse {
    let (heading_vi, heading_en) = match status {
        StatusCode::NOT_FOUND => ("Không tìm thấy", "Not found"),
        StatusCode::FORBIDDEN => ("Không có quyền", "Not allowed"),
        StatusCode::CONFLICT => ("Xung đột dữ liệu", "Conflict"),
        StatusCode::TOO_MANY_REQUESTS => ("Quá nhiều yêu cầu", "Too many requests"),
        s if s.is_server_error() => ("Lỗi hệ thống", "Server error"),
        _ => ("Yêu cầu không hợp lệ", "Bad request"),
    };
    let page = ErrorPage {
        c: Chrome::public(Lang::Vi, format!("{heading_vi} · {heading_en}"), ""),
        heading_vi,
        heading_en,
        detail_vi,
        detail_en,
    };
    let body = page.render().unwrap_or_else(|e| render_failure(&e));
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body)
}

/// Whether the client reads pages: its Accept names HTML, as a browser's
/// does. Any other client (an app, a script, curl's `*/*`) reads JSON.
pub fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.to_ascii_lowercase().contains("text/html"))
}

/// A request no route takes, outside the API's own scopes (which answer
/// their own 404): a mistyped or cut address, or a method the address does
/// not take. A browser gets the error page, any other client the JSON
/// error; both say what was wrong, in both languages, with the request id.
pub async fn no_such_path(req: HttpRequest) -> HttpResponse {
    let (vi, en) = if matches!(*req.method(), Method::GET | Method::HEAD) {
        (
            "Không có trang nào ở địa chỉ này: hãy kiểm tra địa chỉ đã gõ.".to_owned(),
            "Nothing is at this address: check it for a typo.".to_owned(),
        )
    } else {
        let method = req.method().as_str();
        (
            format!(
                "Địa chỉ này không nhận phương thức {method}: hãy kiểm tra địa chỉ và phương thức."
            ),
            format!("Nothing at this address answers {method}: check the address and the method."),
        )
    };
    if wants_html(&req) {
        error_page(StatusCode::NOT_FOUND, &vi, &en)
    } else {
        AppError::NotFound(format!("{vi} / {en}")).error_response()
    }
}

/// Templates only fail on a formatting error of a value; say so in both
/// languages rather than answer an empty page.
pub fn render_failure(err: &askama::Error) -> String {
    log::error!("page rendering failed: {err}");
    "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\"><title>Lỗi · Error</title>\
     <p>Không hiển thị được trang. / The page could not be shown.</p></html>"
        .to_owned()
}

pub type PageResult = Result<HttpResponse, PageError>;

/// A record's id from a page path; anything else is no page (404).
pub fn path_id(raw: &str) -> Result<crate::domain::id::Id, PageError> {
    crate::domain::id::Id::parse(raw).ok_or_else(|| AppError::NotFound("not found".into()).into())
}

/// The language of a page request: `?lang=` (also remembered in a cookie by
/// [`remember_lang`]), the cookie, Accept-Language.
pub fn lang_of(req: &HttpRequest) -> Lang {
    Lang::of(req, asked_lang(req).as_deref())
}

/// The language of a public page a consumer page links to (the report
/// form): as [`lang_of`], Chinese counting too (`Lang::consumer`).
pub fn consumer_lang_of(req: &HttpRequest) -> Lang {
    Lang::consumer(req, asked_lang(req).as_deref())
}

/// The `lang` query parameter, as given.
fn asked_lang(req: &HttpRequest) -> Option<String> {
    web::Query::<LangQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().lang)
}

#[derive(serde::Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

/// The cookie remembering a language chosen with `?lang=`, if one was.
fn chosen_lang(req: &HttpRequest) -> Option<actix_web::cookie::Cookie<'static>> {
    let l = asked_lang(req).and_then(|code| Lang::parse(&code))?;
    Some(
        actix_web::cookie::Cookie::build(i18n::LANG_COOKIE, l.code())
            .path("/")
            .same_site(actix_web::cookie::SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish(),
    )
}

/// Keeps a language chosen with `?lang=` for the next pages.
pub fn remember_lang(req: &HttpRequest, mut response: HttpResponse) -> HttpResponse {
    if let Some(cookie) = chosen_lang(req) {
        let _ = response.add_cookie(&cookie);
    }
    response
}

/// [`remember_lang`] for every page of a portal.
pub async fn keep_lang(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let cookie = chosen_lang(req.request());
    let mut response = next.call(req).await?;
    if let Some(cookie) = cookie {
        let _ = response.response_mut().add_cookie(&cookie);
    }
    Ok(response)
}
