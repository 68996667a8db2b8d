//! Circular 02/2024/TT-BKHCN: the completeness of a product's or a batch's
//! record (`domain::circular02`) and the export of a batch's record in the
//! mapping README documents ("Circular 02/2024"), for whoever may read the
//! batch: its producer, the regulators of its province, an admin.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::DbConnection;
use crate::domain::access::{Caller, Scope};
use crate::domain::circular02::{self as rule, BatchFacts, Presence, ProductFacts, Report, Stage};
use crate::error::{AppError, AppResult};
use crate::models::batch::Batch;
use crate::models::enterprise::{self, Enterprise};
use crate::models::facility::{self, Facility};
use crate::models::product::{self, Product};
use crate::models::stamp_roll;

/// The name of the export's format, carried in every record.
pub const FORMAT: &str = "tracestamp.circular-02-2024/1";

fn facts<'a>(p: &'a Product, e: &'a Enterprise) -> ProductFacts<'a> {
    ProductFacts {
        name_vi: &p.name_vi,
        image_url: p.image_url.as_deref(),
        gtin: p.gtin.as_deref(),
        shelf_life_days: p.shelf_life_days,
        standards: p.standards.as_deref(),
        producer_name: &e.name,
        producer_address: &e.address,
        producer_commune: e.commune_code.as_deref(),
    }
}

fn producer_of(conn: &mut DbConnection, p: &Product) -> AppResult<Enterprise> {
    // The caller reaches the product; its enterprise comes with it.
    enterprise::find(conn, &Scope::All, &p.enterprise_id)?
        .ok_or_else(|| AppError::not_found("enterprise"))
}

/// What a product still lacks (404 outside the caller's reach).
pub fn product_report(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Report> {
    let p =
        product::find(conn, &caller.scope(), id)?.ok_or_else(|| AppError::not_found("product"))?;
    let e = producer_of(conn, &p)?;
    Ok(rule::product_report(&facts(&p, &e)))
}

/// A production stage as the export writes it.
#[derive(Debug, Serialize)]
pub struct StageRecord {
    pub stage: String,
    pub product_code: String,
    pub location_code: Option<String>,
    pub location_name: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub time: NaiveDateTime,
}

#[derive(Debug, Serialize)]
pub struct ProductRecord {
    pub code: String,
    pub gtin: Option<String>,
    pub name_vi: String,
    pub name_en: String,
    pub image_url: Option<String>,
    pub category: String,
    pub variety: Option<String>,
    pub shelf_life_days: Option<i32>,
    pub standards: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProducerRecord {
    pub name: String,
    pub tax_code: String,
    pub address: String,
    pub commune_code: Option<String>,
    pub province_code: String,
    pub former_address: Option<String>,
    pub gs1_prefix: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct LotRecord {
    pub id: String,
    pub lot_code: String,
    pub traceability_code: String,
    pub produced_on: chrono::NaiveDate,
    pub expires_on: Option<chrono::NaiveDate>,
    pub quantity: f64,
    pub unit: String,
    pub status: String,
    /// Stamps issued and not voided: each carries its own serial `(21)`.
    pub stamps: i64,
}

/// A batch's record in the export mapping.
#[derive(Debug, Serialize)]
pub struct Record {
    pub format: &'static str,
    pub circular: &'static str,
    pub code_standard: &'static str,
    pub product: ProductRecord,
    pub producer: ProducerRecord,
    pub batch: LotRecord,
    pub stages: Vec<StageRecord>,
    pub completeness: Report,
}

/// What a batch still lacks, and its record (404 outside the caller's reach).
pub fn batch_record(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Record> {
    let b: Batch = super::access::visible_batch(conn, caller, id)?;
    let p = product::find(conn, &Scope::All, &b.product_id)?
        .ok_or_else(|| AppError::not_found("product"))?;
    let e = producer_of(conn, &p)?;
    let history = crate::models::event::history(conn, &b.id)?;
    let mut places: Vec<Facility> = Vec::new();
    for (row, _) in &history {
        if !places.iter().any(|f| f.id == row.facility_id) {
            if let Some(f) = facility::find(conn, &Scope::All, &row.facility_id)? {
                places.push(f);
            }
        }
    }
    let stamps: i64 = stamp_roll::for_batch(conn, &b.id)?
        .iter()
        .filter(|r| r.voided_at.is_none())
        .map(|r| r.count)
        .sum();
    let code = rule::product_code(p.gtin.as_deref(), &e.province_code, &e.tax_code, &p.id);
    let stages: Vec<StageRecord> = history
        .iter()
        .filter(|(row, _)| row.retracted_at.is_none())
        .map(|(row, place_name)| {
            let place = places.iter().find(|f| f.id == row.facility_id);
            StageRecord {
                stage: row.kind.clone(),
                product_code: code.clone(),
                location_code: place
                    .and_then(|f| rule::location_code(f.gln.as_deref(), f.commune_code.as_deref())),
                location_name: place_name.clone(),
                time: row.occurred_at,
            }
        })
        .collect();
    let report = rule::batch_report(&BatchFacts {
        product: facts(&p, &e),
        expires_on: b.expires_on.is_some(),
        stages: stages
            .iter()
            .map(|s| Stage {
                kind: &s.stage,
                location_code: s.location_code.as_deref(),
            })
            .collect(),
        stamps_issued: stamps > 0,
    });
    Ok(Record {
        format: FORMAT,
        circular: "02/2024/TT-BKHCN",
        code_standard: "TCVN 13274:2020 (GS1 element strings; registry codes inferred)",
        batch: LotRecord {
            traceability_code: rule::lot_code(&code, &b.lot_code),
            id: b.id,
            lot_code: b.lot_code,
            produced_on: b.produced_on,
            expires_on: b.expires_on,
            quantity: b.quantity,
            unit: b.unit,
            status: b.status,
            stamps,
        },
        product: ProductRecord {
            code,
            gtin: p.gtin,
            name_vi: p.name_vi,
            name_en: p.name_en,
            image_url: p.image_url,
            category: p.category,
            variety: p.variety,
            shelf_life_days: p.shelf_life_days,
            standards: p.standards,
        },
        producer: ProducerRecord {
            name: e.name,
            tax_code: e.tax_code,
            address: e.address,
            commune_code: e.commune_code,
            province_code: e.province_code,
            former_address: e.former_address,
            gs1_prefix: e.gs1_prefix,
        },
        stages,
        completeness: report,
    })
}

/// The CSV mapping's columns: one row per field of the record.
pub const CSV_COLUMNS: [&str; 4] = ["section", "index", "field", "value"];

/// The record as rows of `CSV_COLUMNS`: `product`, `producer`, `batch`,
/// `stage` (index = its order), and `circular_02` (one row per minimum
/// item: present, missing or not_applicable).
pub fn csv_rows(r: &Record) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    let mut push = |section: &str, index: usize, field: &str, value: String| {
        rows.push([section.into(), index.to_string(), field.into(), value]);
    };
    push("record", 0, "format", r.format.into());
    push("record", 0, "circular", r.circular.into());
    push("record", 0, "code_standard", r.code_standard.into());
    for (section, value) in [
        ("product", serde_json::to_value(&r.product)),
        ("producer", serde_json::to_value(&r.producer)),
        ("batch", serde_json::to_value(&r.batch)),
    ] {
        if let Ok(serde_json::Value::Object(map)) = value {
            for (field, v) in map {
                push(section, 0, &field, cell(&v));
            }
        }
    }
    for (i, s) in r.stages.iter().enumerate() {
        push("stage", i + 1, "stage", s.stage.clone());
        push("stage", i + 1, "product_code", s.product_code.clone());
        push(
            "stage",
            i + 1,
            "location_code",
            s.location_code.clone().unwrap_or_default(),
        );
        push("stage", i + 1, "location_name", s.location_name.clone());
        push(
            "stage",
            i + 1,
            "time",
            s.time
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
    }
    for c in &r.completeness.items {
        let presence = match c.presence {
            Presence::Present => "present",
            Presence::Missing => "missing",
            Presence::NotApplicable => "not_applicable",
        };
        push("circular_02", 0, c.item.code(), presence.into());
    }
    rows
}

fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The missing items' names in one language, for a page.
pub fn missing_labels(report: &Report, en: bool) -> Vec<(String, String)> {
    report
        .items
        .iter()
        .filter(|c| c.presence == Presence::Missing)
        .map(|c| {
            let name = if en { c.label_en } else { c.label_vi };
            let why = if en { &c.reason_en } else { &c.reason_vi };
            (name.to_owned(), why.clone().unwrap_or_default())
        })
        .collect()
}

/// "Thông tư 02/2024/TT-BKHCN: còn thiếu …" for a form's note, or `None`
/// when the record is complete.
pub fn missing_sentence(report: &Report, en: bool) -> Option<String> {
    if report.complete {
        return None;
    }
    let names: Vec<String> = missing_labels(report, en)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    Some(if en {
        format!(
            "Circular 02/2024/TT-BKHCN: the record still lacks {}.",
            names.join(", ")
        )
    } else {
        format!(
            "Thông tư 02/2024/TT-BKHCN: hồ sơ còn thiếu {}.",
            names.join(", ").to_lowercase()
        )
    })
}
