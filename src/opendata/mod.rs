//! Open data: the public registry of certified facilities and their
//! enterprises' products, as CSV for spreadsheets and JSON for programs. No
//! login: anyone may check who is certified, as the provincial portals
//! publish it.

pub mod export_codes;
pub mod registry;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::csv::Csv;
use crate::error::AppResult;
use crate::opendata::registry::{CertifiedFacility, ListedProduct};
use crate::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/open-data/facilities.csv",
        web::get().to(|state| facilities(state, Format::Csv)),
    )
    .route(
        "/open-data/facilities.json",
        web::get().to(|state| facilities(state, Format::Json)),
    )
    .route(
        "/open-data/products.csv",
        web::get().to(|state| products(state, Format::Csv)),
    )
    .route(
        "/open-data/products.json",
        web::get().to(|state| products(state, Format::Json)),
    )
    .route(
        "/open-data/communes.csv",
        web::get().to(|state| communes(state, Format::Csv)),
    )
    .route(
        "/open-data/communes.json",
        web::get().to(|state| communes(state, Format::Json)),
    )
    .route(
        "/open-data/export-codes.csv",
        web::get().to(export_codes::csv),
    )
    .route(
        "/open-data/export-codes.json",
        web::get().to(export_codes::json),
    );
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Csv,
    Json,
}

#[derive(Serialize)]
struct Dataset<T> {
    items: Vec<T>,
    generated_at: String,
}

async fn facilities(state: web::Data<AppState>, format: Format) -> AppResult<HttpResponse> {
    let day = crate::time::today();
    let items = state
        .db(move |conn| Ok(registry::facilities(conn, day)?))
        .await?;
    Ok(match format {
        Format::Json => json(items),
        Format::Csv => csv("facilities.csv", facilities_csv(&items)),
    })
}

async fn products(state: web::Data<AppState>, format: Format) -> AppResult<HttpResponse> {
    let day = crate::time::today();
    let items = state
        .db(move |conn| Ok(registry::products(conn, day)?))
        .await?;
    Ok(match format {
        Format::Json => json(items),
        Format::Csv => csv("products.csv", products_csv(&items)),
    })
}

/// A commune, ward or special zone as listed: what an API caller gives as
/// `commune_code` when it registers a facility or an enterprise.
#[derive(Serialize)]
struct ListedCommune<'a> {
    code: &'a str,
    name: &'a str,
    kind: &'static str,
    province_code: &'static str,
    province: &'static str,
}

/// The shipped administrative units (README "Administrative units"): no
/// database read, the same for every node.
async fn communes(state: web::Data<AppState>, format: Format) -> AppResult<HttpResponse> {
    let units = &state.admin_units;
    let items: Vec<ListedCommune> = (crate::domain::admin_units::PROVINCE_CODES.iter())
        .flat_map(|p| units.communes_of(p))
        .map(|c| ListedCommune {
            code: &c.code,
            name: &c.name,
            kind: c.kind.as_str(),
            province_code: c.province_code,
            province: c.province(),
        })
        .collect();
    Ok(match format {
        Format::Json => json(items),
        Format::Csv => {
            let mut table = Csv::new(&["code", "name", "kind", "province_code", "province"]);
            for c in &items {
                table.row([c.code, c.name, c.kind, c.province_code, c.province]);
            }
            csv("communes.csv", table.into_string())
        }
    })
}

fn json<T: Serialize>(items: Vec<T>) -> HttpResponse {
    HttpResponse::Ok().json(Dataset {
        items,
        generated_at: crate::time::rfc3339(&crate::time::now()),
    })
}

fn csv(filename: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header(crate::headers::attachment(filename))
        .body(body)
}

fn facilities_csv(items: &[CertifiedFacility]) -> String {
    let mut csv = Csv::new(&[
        "id",
        "name",
        "kind",
        "district",
        "province",
        "province_code",
        "commune_code",
        "latitude",
        "longitude",
        "area_code",
        "enterprise_name",
        "enterprise_tax_code",
        "enterprise_province",
        "certifications",
    ]);
    for CertifiedFacility {
        facility: f,
        certifications,
    } in items
    {
        let (latitude, longitude) = (number(f.latitude), number(f.longitude));
        let certifications = certifications
            .iter()
            .map(|c| {
                format!(
                    "{} {} ({}, {} – {})",
                    c.scheme, c.number, c.issuer, c.valid_from, c.valid_to
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        csv.row([
            f.id.as_str(),
            &f.name,
            &f.kind,
            &f.district,
            &f.province,
            &f.province_code,
            f.commune_code.as_deref().unwrap_or(""),
            &latitude,
            &longitude,
            f.area_code.as_deref().unwrap_or(""),
            &f.enterprise_name,
            &f.enterprise_tax_code,
            &f.enterprise_province,
            &certifications,
        ]);
    }
    csv.into_string()
}

fn products_csv(items: &[ListedProduct]) -> String {
    let mut csv = Csv::new(&[
        "id",
        "name_vi",
        "name_en",
        "category",
        "variety",
        "gtin",
        "unit",
        "shelf_life_days",
        "standards",
        "enterprise_name",
        "enterprise_tax_code",
        "enterprise_province",
    ]);
    for p in items {
        let shelf_life = p.shelf_life_days.map(|d| d.to_string()).unwrap_or_default();
        csv.row([
            p.id.as_str(),
            &p.name_vi,
            &p.name_en,
            &p.category,
            p.variety.as_deref().unwrap_or(""),
            p.gtin.as_deref().unwrap_or(""),
            &p.unit,
            &shelf_life,
            p.standards.as_deref().unwrap_or(""),
            &p.enterprise_name,
            &p.enterprise_tax_code,
            &p.enterprise_province,
        ]);
    }
    csv.into_string()
}

fn number(x: Option<f64>) -> String {
    x.map(|x| x.to_string()).unwrap_or_default()
}
