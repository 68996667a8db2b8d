//! Primary keys other than the GTIN that name something we hold: a GLN
//! (`/414/{gln}`, with or without `/254/{extension}`) names one of our
//! facilities, an SSCC (`/00/{sscc}`) a logistic unit our enterprises'
//! EPCIS events name. Each is answered like a lot: a page in the client's
//! language, JSON, a linkset, or a 307 to its default link — the page
//! itself, as `?format=html`. Headers, CORS and OPTIONS come from `public`.

use actix_web::HttpResponse;
use serde_json::json;

use super::links::{default_redirect, linkset_response, redirect_to, Level};
use super::{page, Answer};
use crate::domain::digital_link::KeyPath;
use crate::error::{AppError, AppResult};
use crate::pages::i18n::Lang;
use crate::AppState;

/// The levels of an item at `key_path` (the requested URI) whose own URI
/// is `/{key}/{value}`: the requested one, if it has qualifiers, then the
/// item; each with the item's page as its default link.
fn levels(base: &str, key: &KeyPath, anchor: String, description: String) -> Vec<Level<'static>> {
    let own = format!("{base}/{}/{}", key.key, key.value);
    let default_href = format!("{own}?format=html");
    let mut levels = Vec::with_capacity(2);
    if anchor != own {
        levels.push(Level {
            anchor,
            description: format!("{description} — {}", key.path()),
            default_href: default_href.clone(),
            links: &[],
        });
    }
    levels.push(Level {
        anchor: own,
        description,
        default_href,
        links: &[],
    });
    levels
}

/// The answers but the page, common to both keys.
fn negotiated(
    answer: &Answer,
    levels: &[Level<'_>],
    json: impl FnOnce() -> serde_json::Value,
    html: impl FnOnce(Lang) -> String,
    pass_on: &str,
) -> AppResult<HttpResponse> {
    match answer {
        Answer::Default { .. } => Ok(default_redirect(levels, pass_on)),
        Answer::Linkset => Ok(linkset_response(levels)),
        Answer::Redirect(link_type) => redirect_to(levels, link_type, pass_on),
        Answer::Json => Ok(HttpResponse::Ok().json(json())),
        Answer::Html { lang } => Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html(*lang))),
    }
}

/// `/414/{gln}`: the facility with this GLN.
pub async fn facility(
    state: &AppState,
    key: KeyPath,
    anchor: String,
    answer: Answer,
    pass_on: &str,
) -> AppResult<HttpResponse> {
    let gln = key.value.clone();
    let record = state
        .db(move |conn| Ok(crate::public::facility::by_gln(conn, &gln)?))
        .await?
        .ok_or_else(|| {
            AppError::NotFound(
                "không có cơ sở nào của chúng tôi mang mã GLN này / \
                 no facility of ours has this GLN"
                    .into(),
            )
        })?;
    let base = state.config.base_url();
    let description = format!("{} — {}", record.facility.name, record.enterprise.name);
    let levels = levels(base, &key, anchor, description);
    negotiated(
        &answer,
        &levels,
        || json!({"level": "facility", "record": record, "official_site": base}),
        |lang| page::facility_page(&record, lang, base),
        pass_on,
    )
}

/// `/00/{sscc}`: the logistic unit our enterprises' public events name.
pub async fn logistic_unit(
    state: &AppState,
    key: KeyPath,
    anchor: String,
    answer: Answer,
    pass_on: &str,
) -> AppResult<HttpResponse> {
    let sscc = key.value.clone();
    let base = state.config.base_url();
    let root = base.to_owned();
    let unit = state
        .db(move |conn| Ok(crate::public::logistic_unit::load(conn, &root, &sscc)?))
        .await?
        .ok_or_else(|| {
            AppError::NotFound(
                "không có kiện hàng nào của chúng tôi mang mã SSCC này / \
                 no logistic unit of ours has this SSCC"
                    .into(),
            )
        })?;
    let description = format!("Đơn vị hậu cần / logistic unit SSCC {}", unit.sscc);
    let levels = levels(base, &key, anchor, description);
    negotiated(
        &answer,
        &levels,
        || json!({"level": "logistic_unit", "record": unit, "official_site": base}),
        |lang| page::unit_page(&unit, lang, base),
        pass_on,
    )
}
