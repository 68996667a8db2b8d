//! `POST /s/{serial}/claim`: the consumer page's scratch-off PIN form
//! (README, "Scratch-off PIN"). A plain HTML form, so it works without
//! script; the answer is a page in the form's language, or JSON for a
//! client that asks for it. The rule is `service::claims`.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use crate::error::AppError;
use crate::pages::frame::Chrome;
use crate::pages::i18n::Lang;
use crate::pages::{render_failure, PageError};
use crate::resolver::scans::origin_hex;
use crate::service::claims::{self, ClaimOutcome, ClaimRequest, Consumer};
use crate::AppState;

#[derive(Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    pin: String,
    lang: Option<String>,
}

#[derive(Template)]
#[template(path = "claim.html")]
struct ClaimPage {
    c: Chrome,
    tone: &'static str,
    heading: String,
    message: String,
    serial: String,
    /// Whether the form is offered again (a wrong or malformed PIN).
    retry: bool,
}

fn wants_json(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    accept.contains("application/json") && !accept.contains("text/html")
}

pub async fn claim(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ClaimForm>,
) -> Result<HttpResponse, actix_web::Error> {
    let ClaimForm { pin, lang } = form.into_inner();
    let l = Lang::consumer(&req, lang.as_deref());
    let serial = path.into_inner().to_ascii_uppercase();
    let json = wants_json(&req);
    if crate::cross_site::cross_site(&req, state.config.base_url()) {
        let refusal = AppError::Forbidden(
            "biểu mẫu này chỉ được gửi từ trang của chúng tôi / this form can only be sent \
             from our own page"
                .into(),
        );
        return Err(if json {
            refusal.into()
        } else {
            PageError::from(refusal).into()
        });
    }
    let consumer = Consumer {
        origin: super::origin_of(&req, &state).map(|o| origin_hex(o.region)),
    };
    let codec = state.codec.clone();
    let request = ClaimRequest {
        serial: serial.clone(),
        pin,
    };
    let outcome = state
        .db(move |conn| claims::claim(conn, &consumer, &codec, request))
        .await;
    let official = state.config.base_url();
    match outcome {
        Ok(outcome) if json => Ok(json_answer(outcome)),
        Ok(outcome) => Ok(outcome_page(l, official, serial, outcome)),
        Err(AppError::Rule(refusal)) if refusal.field.as_deref() == Some("pin") && !json => {
            let message = l.t(&refusal.vi, &refusal.en).to_owned();
            let page = ClaimPage {
                c: chrome(l, l.t("Mã PIN chưa đúng", "Not a PIN"), official, &serial),
                tone: "check",
                heading: l.t("Mã PIN chưa đúng", "Not a PIN").to_owned(),
                message,
                serial,
                retry: true,
            };
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) if json => Err(e.into()),
        Err(e) => Err(PageError::from(e).into()),
    }
}

fn status_of(outcome: &ClaimOutcome) -> StatusCode {
    match outcome {
        ClaimOutcome::Claimed { .. } | ClaimOutcome::AlreadyClaimed { .. } => StatusCode::OK,
        ClaimOutcome::WrongPin { .. } => StatusCode::UNPROCESSABLE_ENTITY,
        ClaimOutcome::TooManyWrong { .. } => StatusCode::TOO_MANY_REQUESTS,
    }
}

/// Seconds until a blocked stamp takes PINs again, for `Retry-After`.
fn retry_after(outcome: &ClaimOutcome) -> Option<i64> {
    match outcome {
        ClaimOutcome::TooManyWrong { until: Some(end) } => {
            Some((*end - crate::time::now()).num_seconds().max(1))
        }
        _ => None,
    }
}

fn json_answer(outcome: ClaimOutcome) -> HttpResponse {
    let mut answer = HttpResponse::build(status_of(&outcome));
    if let Some(seconds) = retry_after(&outcome) {
        answer.insert_header((header::RETRY_AFTER, seconds.to_string()));
    }
    answer.json(outcome)
}

fn outcome_page(l: Lang, official: &str, serial: String, outcome: ClaimOutcome) -> HttpResponse {
    let (tone, heading, message, retry) = match outcome {
        ClaimOutcome::Claimed { claimed_at } => (
            "good",
            l.t("Đã xác nhận tem", "Stamp claimed"),
            match l {
                Lang::Vi => format!(
                    "Mã PIN đúng. Bạn là người đầu tiên xác nhận tem này, lúc {}.",
                    l.time(&claimed_at)
                ),
                Lang::En => format!(
                    "The PIN is right. You are the first to claim this stamp, at {}.",
                    l.time(&claimed_at)
                ),
                Lang::Zh => format!(
                    "PIN码正确。您是第一位认领此防伪标签的人，时间：{}。",
                    l.time(&claimed_at)
                ),
            },
            false,
        ),
        ClaimOutcome::AlreadyClaimed { claimed_at, .. } => (
            "check",
            l.t("Tem đã được xác nhận trước đó", "Already claimed"),
            match l {
                Lang::Vi => format!(
                    "Tem này đã được xác nhận ngày {}. Nếu lớp phủ trên tem của bạn còn nguyên \
                     trước khi bạn cào, tem có thể là bản sao.",
                    l.day(&claimed_at)
                ),
                Lang::En => format!(
                    "This stamp was already claimed on {}. If the coating on your stamp was \
                     intact before you scratched it, this stamp may be a copy.",
                    l.day(&claimed_at)
                ),
                Lang::Zh => format!(
                    "此标签已于{}被认领。如果您刮开前标签涂层完好，此标签可能是复制品。",
                    l.day(&claimed_at)
                ),
            },
            false,
        ),
        ClaimOutcome::WrongPin { left } => (
            "bad",
            l.t("Mã PIN không đúng", "Wrong PIN"),
            match l {
                Lang::Vi => format!("Mã PIN không đúng. Bạn còn {left} lần thử."),
                Lang::En => format!(
                    "That is not this stamp's PIN. {left} {} left.",
                    if left == 1 { "try" } else { "tries" }
                ),
                Lang::Zh => format!("PIN码不正确。您还可以尝试{left}次。"),
            },
            left > 0,
        ),
        ClaimOutcome::TooManyWrong { until } => (
            "bad",
            l.t("Quá nhiều lần nhập sai", "Too many wrong PINs"),
            match (l, until) {
                (Lang::Vi, Some(end)) => format!(
                    "Tem này đã bị nhập sai mã PIN quá nhiều lần. Vui lòng thử lại sau {}.",
                    l.time(&end)
                ),
                (Lang::En, Some(end)) => format!(
                    "Too many wrong PINs were entered for this stamp. Please try again after {}.",
                    l.time(&end)
                ),
                (Lang::Vi, None) => "Tem này đã bị nhập sai mã PIN quá nhiều lần và không nhận \
                                     thêm mã nào. Vui lòng liên hệ nhà sản xuất."
                    .to_owned(),
                (Lang::En, None) => "Too many wrong PINs were entered for this stamp: it takes \
                                     no more. Please contact its producer."
                    .to_owned(),
                (Lang::Zh, Some(end)) => {
                    format!("此标签PIN码输错次数过多。请于{}之后再试。", l.time(&end))
                }
                (Lang::Zh, None) => {
                    "此标签PIN码输错次数过多，已不再接受输入。请联系生产商。".to_owned()
                }
            },
            false,
        ),
    };
    let page = ClaimPage {
        c: chrome(l, heading, official, &serial),
        tone,
        heading: heading.to_owned(),
        message,
        serial,
        retry,
    };
    let mut response = render(status_of(&outcome), &page);
    if let Some(seconds) = retry_after(&outcome) {
        if let Ok(value) = header::HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

/// The claim page's frame: its language switch leads to the stamp's page
/// (the claim itself is a POST, not a page to reload in another language).
fn chrome(l: Lang, title: &str, official: &str, serial: &str) -> Chrome {
    let mut c = Chrome::public(l, title, official).consumer();
    c.switch_base = format!("/s/{serial}?lang=");
    c
}

fn render(status: StatusCode, page: &ClaimPage) -> HttpResponse {
    let body = page.render().unwrap_or_else(|e| render_failure(&e));
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}
