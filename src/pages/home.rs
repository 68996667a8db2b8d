//! `/`: what tracestamp is, and a field to type a stamp's code when the QR
//! cannot be scanned; `/lookup` takes that code (or a pasted stamp URL) to
//! the stamp's page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use serde::Deserialize;

use super::frame::Chrome;
use super::{html, html_with, lang_of, remember_lang, see_other, PageResult};
use crate::domain::serial::normalize_typed;
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/lookup", web::get().to(lookup));
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    c: Chrome,
    code: String,
    error: Option<&'static str>,
}

fn chrome(req: &HttpRequest, state: &AppState) -> Chrome {
    let l = lang_of(req);
    Chrome::public(
        l,
        l.t("Truy xuất nguồn gốc nông sản", "Farm produce traceability"),
        state.config.base_url(),
    )
    .switching_on(req)
}

async fn home(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    let page = Home {
        c: chrome(&req, &state),
        code: String::new(),
        error: None,
    };
    Ok(remember_lang(&req, html(&page)?))
}

#[derive(Deserialize)]
struct Lookup {
    #[serde(default)]
    code: String,
    lang: Option<String>,
}

async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<Lookup>,
) -> PageResult {
    let Lookup { code, lang } = query.into_inner();
    let suffix = lang
        .as_deref()
        .and_then(super::i18n::Lang::parse)
        .map(|l| format!("?lang={}", l.code()))
        .unwrap_or_default();
    if let Some(path) = stamp_path(&code) {
        return Ok(see_other(&format!("{path}{suffix}")));
    }
    let c = chrome(&req, &state);
    let error = Some(c.l.t(
        "Mã gồm 20 chữ và số in dưới mã QR (ví dụ 0A1B2-C3D4E-…), hoặc địa chỉ của tem.",
        "The code is the 20 letters and digits printed under the QR (like 0A1B2-C3D4E-…), or the stamp's web address.",
    ));
    let page = Home {
        c,
        code: code.chars().take(200).collect(),
        error,
    };
    html_with(StatusCode::BAD_REQUEST, &page)
}

/// Where a typed code leads: a stamp URL keeps its path (short link or GS1
/// Digital Link); a typed serial goes to `/s/{serial}`. `None` when it is
/// neither.
fn stamp_path(typed: &str) -> Option<String> {
    let typed = typed.trim();
    if typed.contains('/') {
        let start = ["/s/", "/S/", "/01/"]
            .iter()
            .filter_map(|marker| typed.find(marker))
            .min()?;
        let path = &typed[start..];
        let safe = path
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '<' | '>' | '\\'));
        return safe.then(|| path.to_owned());
    }
    let serial = normalize_typed(typed);
    let plausible =
        (1..=20).contains(&serial.len()) && serial.chars().all(|c| c.is_ascii_alphanumeric());
    plausible.then(|| format!("/s/{serial}"))
}

#[cfg(test)]
mod tests {
    use super::stamp_path;

    #[test]
    fn typed_codes_and_pasted_urls_lead_to_the_stamp() {
        assert_eq!(stamp_path(" 0a1b2-c3d4e "), Some("/s/0A1B2C3D4E".into()));
        assert_eq!(
            stamp_path("https://tracestamp.vn/s/ABCDE"),
            Some("/s/ABCDE".into())
        );
        assert_eq!(
            stamp_path("https://x.vn/01/08936000000014/10/L1/21/ABC"),
            Some("/01/08936000000014/10/L1/21/ABC".into())
        );
        assert_eq!(stamp_path(""), None);
        assert_eq!(stamp_path("not a code!"), None);
        assert_eq!(stamp_path("https://evil.example/"), None);
        assert_eq!(stamp_path("a".repeat(21).as_str()), None);
    }
}
