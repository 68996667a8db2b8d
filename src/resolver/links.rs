//! GS1 resolver details: link types, linksets (RFC 9264), redirects to
//! producer-registered links, class- and lot-level URIs, and the resolver
//! description at `/.well-known/gs1resolver`.

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde_json::{json, Map, Value};

use super::page;
use super::{Answer, StampAnswer};
use crate::db::schema::{batch, product};
use crate::domain::digital_link::DigitalLink;
use crate::domain::link_type::GS1_VOC;
use crate::error::{AppError, AppResult};
use crate::models::product_link::{self, ProductLink};
use crate::public::record;
use crate::AppState;

/// The product id of a batch, for its links.
fn product_of(conn: &mut crate::db::DbConnection, batch_id: &str) -> QueryResult<String> {
    batch::table
        .find(batch_id)
        .select(batch::product_id)
        .get_result(conn)
}

/// A linkset whose default link is the consumer page itself.
fn linkset_body(anchor: &str, links: &[ProductLink]) -> Value {
    let mut set = Map::new();
    set.insert("anchor".into(), json!(anchor));
    set.insert(
        format!("{GS1_VOC}defaultLink"),
        json!([{"href": anchor, "title": "Thông tin truy xuất nguồn gốc / Traceability record",
                "type": "text/html", "hreflang": ["vi", "en"]}]),
    );
    for link in links {
        let mut target = json!({"href": link.href, "title": link.title});
        if let Some(lang) = &link.lang {
            target["hreflang"] = json!([lang]);
        }
        if let Some(targets) = set
            .entry(crate::domain::link_type::long(&link.link_type))
            .or_insert_with(|| json!([]))
            .as_array_mut()
        {
            targets.push(target);
        }
    }
    json!({"linkset": [Value::Object(set)]})
}

fn linkset_response(body: Value) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/linkset+json")
        .json(body)
}

/// The links registered for the product of a batch.
async fn links_of_batch(state: &AppState, batch_id: &str) -> AppResult<Vec<ProductLink>> {
    let batch_id = batch_id.to_owned();
    state
        .db(move |conn| {
            let product_id = product_of(conn, &batch_id)?;
            Ok(product_link::for_product(conn, &product_id)?)
        })
        .await
}

pub async fn linkset(
    state: &AppState,
    batch_id: &str,
    stamp: &StampAnswer<'_>,
) -> AppResult<HttpResponse> {
    let links = links_of_batch(state, batch_id).await?;
    let anchor = format!("{}/s/{}", state.config.base_url(), stamp.serial);
    Ok(linkset_response(linkset_body(&anchor, &links)))
}

pub async fn redirect(
    state: &AppState,
    batch_id: &str,
    link_type: &str,
) -> AppResult<HttpResponse> {
    let links = links_of_batch(state, batch_id).await?;
    redirect_to(&links, link_type)
}

fn redirect_to(links: &[ProductLink], link_type: &str) -> AppResult<HttpResponse> {
    links
        .iter()
        .find(|l| l.link_type == link_type)
        // A link stored before hrefs were checked may not fit a header:
        // it is no link to follow.
        .filter(|l| actix_web::http::header::HeaderValue::from_str(&l.href).is_ok())
        .map(|l| {
            HttpResponse::TemporaryRedirect()
                .insert_header((actix_web::http::header::LOCATION, l.href.clone()))
                .finish()
        })
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no link of type {link_type} is registered for this product"
            ))
        })
}

/// `/01/{gtin}` (the product) and `/01/{gtin}/10/{lot}` (the batch).
pub async fn resolve_class(
    state: &AppState,
    link: DigitalLink,
    answer: Answer,
) -> AppResult<HttpResponse> {
    let gtin = link.gtin.clone();
    let lot = link.lot.clone();
    let found = state
        .db(move |conn| {
            let Some(product_id) = product::table
                .filter(product::gtin.eq(&gtin))
                .select(product::id)
                .get_result::<String>(conn)
                .optional()?
            else {
                return Ok(None);
            };
            let links = product_link::for_product(conn, &product_id)?;
            let batch_id = match &lot {
                Some(lot) => crate::models::lot_alias::batch_named(conn, &product_id, lot)?,
                None => batch::table
                    .filter(batch::product_id.eq(&product_id))
                    .order(batch::produced_on.desc())
                    .select(batch::id)
                    .first::<String>(conn)
                    .optional()?,
            };
            let record = match (&lot, batch_id) {
                (_, Some(id)) => record::load(conn, &id)?,
                (Some(_), None) => return Ok(None),
                (None, None) => None,
            };
            Ok(Some((links, record)))
        })
        .await?;
    let Some((links, record)) = found else {
        return Err(AppError::NotFound(
            "no product or batch of ours has this GS1 key".into(),
        ));
    };
    let anchor = format!("{}{}", state.config.base_url(), link.path());
    match answer {
        Answer::Linkset => Ok(linkset_response(linkset_body(&anchor, &links))),
        Answer::Redirect(link_type) => redirect_to(&links, &link_type),
        Answer::Json => Ok(HttpResponse::Ok().json(json!({
            "level": if link.lot.is_some() { "batch" } else { "product" },
            "record": record,
            "official_site": state.config.base_url(),
        }))),
        Answer::Html { english } => match record {
            Some(record) => Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(page::record_page(&record, english, state.config.base_url()))),
            None => Err(AppError::NotFound("this product has no batch yet".into())),
        },
    }
}

/// The resolver description of the GS1 resolver standard.
pub async fn resolver_description(state: web::Data<AppState>) -> HttpResponse {
    let base = state.config.base_url();
    HttpResponse::Ok().json(json!({
        "name": "tracestamp",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [
            {"namespace": GS1_VOC, "prefix": "gs1:", "profile": "https://gs1.org/voc/?show=linktypes"}
        ],
        "linkTypeDefaultCanBeLinkset": false,
        "supportedContextValuesEnumerated": [],
        "contact": {"url": base},
        "shortForm": format!("{base}/s/{{serial}}"),
    }))
}
