//! `/`: what tracestamp is, and a field to type a stamp's code when the QR
//! cannot be scanned; `/lookup` takes that code (or a pasted stamp URL) to
//! the stamp's page.
//!
//! A typed code is not a scan: a person mistypes, a counterfeit QR does
//! not. So a typed serial that fails its check (length, alphabet, MAC —
//! all decided without I/O) stays here, amber, with the text kept in the
//! box and the reason; only a code that passes goes on to `/s/{serial}`,
//! where a failed check is red.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use askama::Template;
use serde::Deserialize;

use super::frame::Chrome;
use super::{html, html_with, lang_of, remember_lang, see_other, PageResult};
use crate::domain::serial::{normalize_typed, SerialCodec, SerialError};
use crate::pages::i18n::Lang;
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
    typo: Option<Typo>,
}

/// Why a typed code was not looked up, and how to get it right.
struct Typo {
    reason: String,
    hint: &'static str,
}

impl Typo {
    fn of(err: &SerialError, l: Lang) -> Typo {
        let reason = match l {
            Lang::Vi => err.vi().into_owned(),
            Lang::En | Lang::Zh => err.to_string(),
        };
        let hint = match err {
            SerialError::Length(_) => l.t(
                "Mã gồm 20 chữ và số in dưới mã QR, chia thành 4 nhóm 5 ký tự (ví dụ 0A1B2-C3D4E-…). Có thể bạn đã bỏ sót hoặc gõ thừa một ký tự.",
                "The code is the 20 letters and digits printed under the QR, in 4 groups of 5 (like 0A1B2-C3D4E-…). A character may be missing or doubled.",
            ),
            SerialError::Character { .. } => l.t(
                "Mã chỉ gồm chữ số 0–9 và chữ cái A–Z (không có chữ U). Dấu cách và gạch nối được bỏ qua.",
                "The code holds only digits 0–9 and letters A–Z (never U). Spaces and dashes are ignored.",
            ),
            _ => l.t(
                "Có thể một ký tự bị gõ nhầm. Hãy so từng ký tự với mã in dưới mã QR; chữ O và số 0, chữ I, L và số 1 được coi là một.",
                "A character may be mistyped. Compare each one with the code printed under the QR; O and 0, and I, L and 1, count as the same.",
            ),
        };
        Typo {
            reason: sentence(&reason),
            hint,
        }
    }

    /// Neither a code nor a stamp's address.
    fn unreadable(l: Lang) -> Typo {
        Typo {
            reason: sentence(l.t(
                "đây không phải mã tem hay địa chỉ của tem",
                "this is neither a stamp code nor a stamp's address",
            )),
            hint: l.t(
                "Mã gồm 20 chữ và số in dưới mã QR (ví dụ 0A1B2-C3D4E-…), hoặc địa chỉ của tem.",
                "The code is the 20 letters and digits printed under the QR (like 0A1B2-C3D4E-…), or the stamp's web address.",
            ),
        }
    }
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
        typo: None,
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
    let c = chrome(&req, &state);
    let typo = match check_typed(&code, &state.codec) {
        Ok(path) => return Ok(see_other(&format!("{path}{suffix}"))),
        Err(Some(err)) => Typo::of(&err, c.l),
        Err(None) => Typo::unreadable(c.l),
    };
    let page = Home {
        c,
        code: code.chars().take(200).collect(),
        typo: Some(typo),
    };
    html_with(StatusCode::BAD_REQUEST, &page)
}

/// A reason as a sentence: capitalised, with a full stop.
fn sentence(reason: &str) -> String {
    let mut chars = reason.chars();
    chars
        .next()
        .map(|first| format!("{}{}.", first.to_uppercase(), chars.as_str()))
        .unwrap_or_default()
}

/// The path a typed code leads to once its serial, if it names one of
/// ours, passes its check; else why not (`None`: not a code at all).
fn check_typed(typed: &str, codec: &SerialCodec) -> Result<String, Option<SerialError>> {
    let path = stamp_path(typed).ok_or(None)?;
    let serial = path
        .strip_prefix("/s/")
        .or_else(|| path.strip_prefix("/S/"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(rest));
    match serial {
        Some(serial) => match codec.decode(&serial.to_ascii_uppercase()) {
            Ok(_) => Ok(path),
            Err(err) => Err(Some(err)),
        },
        // A Digital Link: the resolver walks it up to what we hold.
        None => Ok(path),
    }
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
