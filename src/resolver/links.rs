//! GS1 resolver details: link types, linksets (RFC 9264, GS1's linkset
//! schema), redirects to the default link or a producer-registered link,
//! class- and lot-level URIs with walk-up, and the resolver description at
//! `/.well-known/gs1resolver`.
//!
//! Every identified item has exactly one default link, with a title and no
//! other attribute. For a stamp it is the consumer page `/s/{serial}` (the
//! hot path); for a lot or a product it is the same URI with `format=html`,
//! which the resolver answers with the page instead of a redirect. A
//! producer may register a `gs1:defaultLink` of their own for the product
//! (GTIN) level; lots and stamps keep ours, which carry the recall and
//! genuineness verdicts.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde_json::{json, Map, Value};

use super::page;
use super::{Answer, StampAnswer};
use crate::db::schema::{batch, product};
use crate::domain::digital_link::{self, DigitalLink};
use crate::domain::link_type::{self, GS1_VOC};
use crate::error::{AppError, AppResult};
use crate::models::product_link::{self, ProductLink};
use crate::public::record;
use crate::AppState;

/// GS1's JSON-LD context for linksets, named in a `Link` header of every
/// linkset answer and in the description file.
pub const JSON_LD_CONTEXT: &str = "https://gs1.github.io/linkset/gs1-linkset-context.json";
const DEFAULT_LINK: &str = "gs1:defaultLink";
const DEFAULT_TITLE: &str = "Thông tin truy xuất nguồn gốc / Traceability record";

/// `href` with the request's query (less the resolver's own parameters)
/// appended: GS1's resolver standard passes the query on by default.
pub fn with_query(href: &str, pass_on: &str) -> String {
    if pass_on.is_empty() {
        return href.to_owned();
    }
    let joiner = if href.contains('?') { '&' } else { '?' };
    format!("{href}{joiner}{pass_on}")
}

fn redirect_response(location: String) -> HttpResponse {
    HttpResponse::TemporaryRedirect()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// One linkset entry: an identified item (anchor), what it is, its default
/// link and the links registered at its level.
pub struct Level<'a> {
    pub anchor: String,
    pub description: String,
    pub default_href: String,
    pub links: &'a [ProductLink],
}

/// The product's own default link, if the producer registered one.
fn producer_default(links: &[ProductLink]) -> Option<&ProductLink> {
    links.iter().find(|l| l.link_type == DEFAULT_LINK)
}

fn linkset_body(levels: &[Level<'_>]) -> Value {
    let entries = levels
        .iter()
        .map(|level| {
            let mut set = Map::new();
            set.insert("anchor".into(), json!(level.anchor));
            set.insert("itemDescription".into(), json!(level.description));
            set.insert(
                link_type::long(DEFAULT_LINK),
                json!([{"href": level.default_href, "title": DEFAULT_TITLE}]),
            );
            for link in level.links.iter().filter(|l| l.link_type != DEFAULT_LINK) {
                let mut target = json!({"href": link.href, "title": link.title});
                if let Some(lang) = &link.lang {
                    target["hreflang"] = json!([lang]);
                }
                if let Some(targets) = set
                    .entry(link_type::long(&link.link_type))
                    .or_insert_with(|| json!([]))
                    .as_array_mut()
                {
                    targets.push(target);
                }
            }
            Value::Object(set)
        })
        .collect::<Vec<_>>();
    json!({ "linkset": entries })
}

/// The linkset answer, with the `Link` to GS1's JSON-LD context.
pub fn linkset_response(levels: &[Level<'_>]) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/linkset+json")
        .insert_header((
            header::LINK,
            format!(
                "<{JSON_LD_CONTEXT}>; rel=\"http://www.w3.org/ns/json-ld#context\"; \
                 type=\"application/ld+json\""
            ),
        ))
        .json(linkset_body(levels))
}

/// A redirect to the link of `link_type` among `levels` (the most specific
/// level first), or a 404 when none has one.
pub fn redirect_to(
    levels: &[Level<'_>],
    link_type: &str,
    pass_on: &str,
) -> AppResult<HttpResponse> {
    if link_type.eq_ignore_ascii_case(DEFAULT_LINK) {
        return Ok(default_redirect(levels, pass_on));
    }
    levels
        .iter()
        .flat_map(|level| level.links.iter())
        .find(|l| l.link_type.eq_ignore_ascii_case(link_type))
        .map(|l| with_query(&l.href, pass_on))
        // A link stored before hrefs were checked may not fit a header: it
        // is no link to follow.
        .filter(|href| header::HeaderValue::from_str(href).is_ok())
        .map(redirect_response)
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "không có liên kết loại {link_type} cho mã này / \
                 no link of type {link_type} is registered for this item"
            ))
        })
}

/// The 307 to the default link of the most specific level.
pub fn default_redirect(levels: &[Level<'_>], pass_on: &str) -> HttpResponse {
    let href = levels.first().map_or("/", |l| l.default_href.as_str());
    redirect_response(with_query(href, pass_on))
}

/// The links registered for the product of a batch.
pub async fn links_of_batch(state: &AppState, batch_id: &str) -> AppResult<Vec<ProductLink>> {
    let batch_id = batch_id.to_owned();
    state
        .db(move |conn| {
            let product_id: String = batch::table
                .find(&batch_id)
                .select(batch::product_id)
                .get_result(conn)?;
            Ok(product_link::for_product(conn, &product_id)?)
        })
        .await
}

fn product_description(name_vi: &str, name_en: &str) -> String {
    if name_vi == name_en {
        name_vi.to_owned()
    } else {
        format!("{name_vi} / {name_en}")
    }
}

/// The levels of a genuine stamp: the requested URI (the stamp), then its
/// lot and its product when the product has a GTIN.
fn stamp_levels<'a>(
    base: &str,
    anchor: String,
    stamp: &StampAnswer<'_>,
    links: &'a [ProductLink],
) -> Vec<Level<'a>> {
    let record = stamp.record;
    let product = product_description(&record.product.name_vi, &record.product.name_en);
    let gtin = record.product.gtin.as_deref();
    let mut levels = vec![Level {
        anchor,
        description: format!("{product} — tem / stamp {}", stamp.serial_grouped),
        default_href: format!("{base}/s/{}", stamp.serial),
        // Without a GTIN there is no product URI: the stamp carries them.
        links: if gtin.is_some() { &[] } else { links },
    }];
    if let Some(gtin) = gtin {
        let lot_path = digital_link::class_path(gtin, Some(&record.batch.lot_code));
        levels.push(Level {
            anchor: format!("{base}{lot_path}"),
            description: format!("{product} — lô / lot {}", record.batch.lot_code),
            default_href: format!("{base}{lot_path}?format=html"),
            links: &[],
        });
        levels.push(product_level(base, gtin, product, links));
    }
    levels
}

fn product_level<'a>(
    base: &str,
    gtin: &str,
    description: String,
    links: &'a [ProductLink],
) -> Level<'a> {
    let path = digital_link::class_path(gtin, None);
    Level {
        anchor: format!("{base}{path}"),
        description,
        default_href: producer_default(links)
            .map_or_else(|| format!("{base}{path}?format=html"), |l| l.href.clone()),
        links,
    }
}

/// The answer for a genuine stamp asked for its linkset or a link type,
/// from its batch's links (`links_of_batch`, read before the answer is
/// built: see `resolver::resolve_stamp`).
pub fn stamp_links(
    state: &AppState,
    anchor: String,
    stamp: &StampAnswer<'_>,
    answer: &Answer,
    pass_on: &str,
    links: &[ProductLink],
) -> AppResult<HttpResponse> {
    let levels = stamp_levels(state.config.base_url(), anchor, stamp, links);
    match answer {
        Answer::Redirect(link_type) => redirect_to(&levels, link_type, pass_on),
        _ => Ok(linkset_response(&levels)),
    }
}

/// `/01/{gtin}` (the product) and `/01/{gtin}/10/{lot}` (the batch). An
/// unknown lot (or a serial that is not one of ours) walks up to the GTIN:
/// the answer is the product's, as GS1's resolver standard asks.
pub async fn resolve_class(
    state: &AppState,
    link: DigitalLink,
    anchor: String,
    answer: Answer,
    pass_on: &str,
) -> AppResult<HttpResponse> {
    let gtin = link.gtin.clone();
    let lot = link.lot.clone();
    let found = state
        .db(move |conn| {
            let Some((product_id, name_vi, name_en)) = product::table
                .filter(product::gtin.eq(&gtin))
                .select((product::id, product::name_vi, product::name_en))
                .get_result::<(String, String, String)>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            let links = product_link::for_product(conn, &product_id)?;
            // A former (printed, then corrected) lot code names its batch too.
            let lot_batch = match &lot {
                Some(lot) => crate::models::lot_alias::batch_named(conn, &product_id, lot)?,
                None => None,
            };
            let shown_batch = match &lot_batch {
                Some(id) => Some(id.clone()),
                None => batch::table
                    .filter(batch::product_id.eq(&product_id))
                    .order(batch::produced_on.desc())
                    .select(batch::id)
                    .first::<String>(conn)
                    .optional()?,
            };
            let record = match shown_batch {
                Some(id) => record::load(conn, &id)?,
                None => None,
            };
            Ok(Some((name_vi, name_en, links, lot_batch.is_some(), record)))
        })
        .await?;
    let Some((name_vi, name_en, links, lot_known, record)) = found else {
        return Err(AppError::NotFound(
            "không có sản phẩm nào của chúng tôi mang mã GS1 này / \
             no product of ours has this GS1 key"
                .into(),
        ));
    };
    let base = state.config.base_url();
    let product = product_description(&name_vi, &name_en);
    let mut levels = Vec::with_capacity(3);
    let lot_path = link
        .lot
        .as_deref()
        .filter(|_| lot_known)
        .map(|lot| digital_link::class_path(&link.gtin, Some(lot)));
    if let Some(lot_path) = &lot_path {
        let lot_anchor = format!("{base}{lot_path}");
        if lot_anchor != anchor {
            levels.push(Level {
                anchor: anchor.clone(),
                description: format!("{product} — {}", link.path()),
                default_href: format!("{base}{lot_path}?format=html"),
                links: &[],
            });
        }
        levels.push(Level {
            anchor: lot_anchor,
            description: format!(
                "{product} — lô / lot {}",
                link.lot.as_deref().unwrap_or_default()
            ),
            default_href: format!("{base}{lot_path}?format=html"),
            links: &[],
        });
    }
    let top = product_level(base, &link.gtin, product.clone(), &links);
    if levels.is_empty() && top.anchor != anchor {
        levels.push(Level {
            anchor: anchor.clone(),
            description: format!("{product} — {}", link.path()),
            default_href: top.default_href.clone(),
            links: &[],
        });
    }
    levels.push(top);
    match answer {
        Answer::Default { .. } => Ok(default_redirect(&levels, pass_on)),
        Answer::Linkset => Ok(linkset_response(&levels)),
        Answer::Redirect(link_type) => redirect_to(&levels, &link_type, pass_on),
        Answer::Json => Ok(HttpResponse::Ok().json(json!({
            "level": if lot_path.is_some() { "batch" } else { "product" },
            "record": record,
            "official_site": base,
        }))),
        Answer::Html { lang } => match record {
            Some(record) => Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(page::record_page(&record, lang, base))),
            None => Err(AppError::NotFound(
                "sản phẩm này chưa có lô hàng nào / this product has no batch yet".into(),
            )),
        },
    }
}

/// The resolver description file of GS1's resolver standard (schema 1.2.0).
pub async fn resolver_description(state: web::Data<AppState>) -> HttpResponse {
    let base = state.config.base_url();
    HttpResponse::Ok().json(json!({
        "name": "tracestamp",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01", "414", "00"],
        "supportedLinkType": [
            {"namespace": GS1_VOC, "prefix": "gs1:", "profile": "https://gs1.org/voc/?show=linktypes"}
        ],
        "linkTypeDefaultCanBeLinkset": false,
        "supportedContextValuesEnumerated": [],
        "jsonLdContextLocation": JSON_LD_CONTEXT,
        "contact": {"fn": "tracestamp", "url": base},
        "shortForm": format!("{base}/s/{{serial}}"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_passed_on() {
        assert_eq!(with_query("https://a/x", ""), "https://a/x");
        assert_eq!(with_query("https://a/x", "foo=bar"), "https://a/x?foo=bar");
        assert_eq!(
            with_query("https://a/x?format=html", "foo=bar"),
            "https://a/x?format=html&foo=bar"
        );
    }
}
