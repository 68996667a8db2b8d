//! `/report`: the public form to report a suspected fake (README,
//! "Reporting a suspected fake"), and the button or link to it that every
//! consumer page carries (`_report_link.html`). No account, no script; a
//! photo rides along as `multipart/form-data`.
//!
//! A post is refused before its body is read when it comes from another
//! site (`Sec-Fetch-Site`, `Origin`) or past the client's hourly rate, and
//! after reading when its signed form token is not the one its cookie
//! holds. Everything else — the fields, the photo, the province — is the
//! use case's (`service::reports`).

use actix_multipart::Multipart;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use futures_util::{StreamExt, TryStreamExt};

use super::form_token::FormToken;
use super::frame::Chrome;
use super::i18n::Lang;
use super::{consumer_lang_of, html_with, remember_lang, PageResult};
use crate::domain::photo::MAX_UPLOAD_BYTES;
use crate::domain::validate::PROVINCES;
use crate::error::{AppError, RuleKind};
use crate::service::reports::{self, ReportInput};
use crate::AppState;

const REPORT_FORM: FormToken = FormToken {
    label: b"tracestamp/report-form/v1",
    cookie: "tracestamp_report_csrf",
    path: "/report",
};

/// The largest text field read, in bytes (the longest field allows 300
/// characters of up to 4 bytes).
const MAX_TEXT_FIELD: usize = 4096;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/report", web::get().to(form))
        .route("/report", web::post().to(submit))
        .route("/report/sent", web::get().to(sent));
}

/// The way to the form from a consumer page: a visible button on every page
/// that is not green (a one-field GET form, so it needs no script), a plain
/// link on green ones. Both open the form with the code filled in.
pub struct ReportLink {
    pub code: String,
    pub button: bool,
}

impl ReportLink {
    /// The link's target: the form with the code, in the page's language.
    pub fn href(&self, l: &Lang) -> String {
        let code =
            percent_encoding::utf8_percent_encode(&self.code, percent_encoding::NON_ALPHANUMERIC);
        format!("/report?code={code}&lang={}", l.code())
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    c: Chrome,
    form_token: String,
    v: ReportInput,
    /// The field at fault and what to do, in the page's language.
    error: Option<(String, String)>,
    provinces: &'static [&'static str],
    max_mb: usize,
}

impl ReportPage {
    fn message(&self) -> Option<&str> {
        self.error.as_ref().map(|(_, m)| m.as_str())
    }

    fn chosen(&self, province: &str) -> bool {
        self.v.province.trim() == province
    }

    fn error_on(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Template)]
#[template(path = "report_sent.html")]
struct SentPage {
    c: Chrome,
}

fn chrome(req: &HttpRequest, state: &AppState, l: Lang) -> Chrome {
    Chrome::public(
        l,
        l.t("Báo hàng giả", "Report a suspected fake"),
        state.config.base_url(),
    )
    .switching_on(req)
    .consumer()
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    v: ReportInput,
    error: Option<(String, String)>,
) -> PageResult {
    let l = consumer_lang_of(req);
    let token = REPORT_FORM.for_form(req, state);
    let shown = ReportPage {
        c: chrome(req, state, l),
        form_token: token.clone(),
        v,
        error,
        provinces: PROVINCES,
        max_mb: MAX_UPLOAD_BYTES / (1024 * 1024),
    };
    let mut response = html_with(status, &shown)?;
    REPORT_FORM.set_cookie(state, &mut response, token);
    Ok(remember_lang(req, response))
}

#[derive(serde::Deserialize)]
struct Prefill {
    #[serde(default)]
    code: String,
}

async fn form(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    let code = web::Query::<Prefill>::from_query(req.query_string())
        .map(|q| q.into_inner().code)
        .unwrap_or_default();
    let v = ReportInput {
        code: code.chars().take(reports::MAX_CODE).collect(),
        ..ReportInput::default()
    };
    page(&req, &state, StatusCode::OK, v, None)
}

async fn sent(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    let l = consumer_lang_of(&req);
    let shown = SentPage {
        c: chrome(&req, &state, l),
    };
    Ok(remember_lang(&req, html_with(StatusCode::OK, &shown)?))
}

/// A refusal as the form shows it: the field and the message in `l` (in
/// Chinese from `public::zh`, keyed by the Vietnamese; English if it lacks
/// one).
fn shown_error(l: Lang, err: &AppError) -> (String, String) {
    match err {
        AppError::Rule(r) => (
            r.field.clone().unwrap_or_default(),
            l.pick(&r.vi, &r.en).to_owned(),
        ),
        other => (String::new(), other.to_string()),
    }
}

/// A refusal before the body is read: a short text in Vietnamese and
/// English, with the Chinese first when the caller reads Chinese (the
/// form's own language pick, `consumer_lang_of`).
fn refused(status: StatusCode, l: Lang, vi: &str, en: &str, zh: &str) -> HttpResponse {
    let (body, language) = if l == Lang::Zh {
        (format!("{zh}\n{vi}\n{en}\n"), "zh-Hans, vi, en")
    } else {
        (format!("{vi}\n{en}\n"), "vi, en")
    };
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((header::CONTENT_LANGUAGE, language))
        .body(body)
}

/// The form's fields and photo, read with caps: a text field past
/// `MAX_TEXT_FIELD` or a photo past `MAX_UPLOAD_BYTES` stops the reading.
async fn read_form(
    mut body: Multipart,
) -> Result<(ReportInput, String), (ReportInput, StatusCode, AppError)> {
    let mut v = ReportInput::default();
    let mut csrf = String::new();
    loop {
        let field = match body.try_next().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err((v, StatusCode::BAD_REQUEST, unreadable())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let cap = if name == "photo" {
            MAX_UPLOAD_BYTES
        } else {
            MAX_TEXT_FIELD
        };
        let mut bytes = Vec::new();
        let mut chunks = field;
        while let Some(chunk) = chunks.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(_) => return Err((v, StatusCode::BAD_REQUEST, unreadable())),
            };
            if bytes.len() + chunk.len() > cap {
                if name == "photo" {
                    let err = reports::photo_refusal(crate::domain::photo::PhotoError::TooLarge);
                    return Err((v, err.status_code(), err));
                }
                let err = AppError::rule(
                    RuleKind::Invalid,
                    Some(&name),
                    "This field is too long. Please shorten it and send again.",
                    "Nội dung ô này quá dài. Vui lòng rút ngắn rồi gửi lại.",
                );
                return Err((v, StatusCode::PAYLOAD_TOO_LARGE, err));
            }
            bytes.extend_from_slice(&chunk);
        }
        if name == "photo" {
            v.photo = Some(bytes);
            continue;
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        match name.as_str() {
            "csrf" => csrf = text,
            "code" => v.code = text,
            "shop_name" => v.shop_name = text,
            "shop_address" => v.shop_address = text,
            "province" => v.province = text,
            "phone" => v.phone = text,
            _ => {}
        }
    }
    Ok((v, csrf))
}

/// A body that is not a readable form (cut off, malformed multipart): the
/// reader's own error is not shown, it names nothing a buyer can mend.
fn unreadable() -> AppError {
    AppError::rule(
        RuleKind::Invalid,
        None,
        "The form could not be read. Please send it again.",
        "Không đọc được biểu mẫu. Vui lòng gửi lại.",
    )
}

/// What the form shows again: the typed values, never the photo (a file
/// input cannot be refilled; the page says to choose it again).
fn typed(v: &ReportInput) -> ReportInput {
    ReportInput {
        photo: None,
        ..v.clone()
    }
}

async fn submit(req: HttpRequest, state: web::Data<AppState>, body: Multipart) -> PageResult {
    let l = consumer_lang_of(&req);
    if crate::cross_site::cross_site(&req, state.config.base_url()) {
        return Ok(refused(
            StatusCode::FORBIDDEN,
            l,
            "Biểu mẫu này chỉ gửi được từ trang của chúng tôi.",
            "This form can only be sent from our own site.",
            "此表单只能从本网站提交。",
        ));
    }
    if let Err(AppError::TooManyRequests { retry_after }) =
        state.limits.report(state.client_ip(&req))
    {
        let mut response = refused(
            StatusCode::TOO_MANY_REQUESTS,
            l,
            &format!(
                "Bạn đã gửi nhiều báo cáo trong giờ qua. Vui lòng thử lại sau {retry_after} giây."
            ),
            &format!(
                "You have sent many reports in the last hour. Please try again in {retry_after} s."
            ),
            &format!("您在过去一小时内已提交多次举报。请在 {retry_after} 秒后重试。"),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        return Ok(response);
    }
    let (input, csrf) = match read_form(body).await {
        Ok(read) => read,
        Err((v, status, err)) => {
            return page(&req, &state, status, typed(&v), Some(shown_error(l, &err)));
        }
    };
    if !REPORT_FORM.is_fresh(&req, &state, &csrf) {
        let err = (
            String::new(),
            l.t(
                "Biểu mẫu đã hết hạn. Vui lòng gửi lại.",
                "The form expired. Please send it again.",
            )
            .to_owned(),
        );
        return page(
            &req,
            &state,
            StatusCode::FORBIDDEN,
            typed(&input),
            Some(err),
        );
    }
    let kept = typed(&input);
    let outcome = match web::block(move || reports::check(input)).await {
        Ok(Ok(checked)) => {
            let codec = state.codec.clone();
            state
                .db(move |conn| reports::submit(conn, &codec, checked))
                .await
        }
        Ok(Err(refusal)) => Err(refusal),
        Err(e) => Err(AppError::Internal(format!("photo check stopped: {e}"))),
    };
    match outcome {
        Ok(_) => Ok(super::see_other(&format!("/report/sent?lang={}", l.code()))),
        Err(err @ (AppError::Rule(_) | AppError::Invalid { .. } | AppError::BadRequest(_))) => {
            let status = err.status_code();
            page(&req, &state, status, kept, Some(shown_error(l, &err)))
        }
        Err(other) => Err(other.into()),
    }
}
