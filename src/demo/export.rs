//! The demo's export lots: a Ri6 durian lot bound for China through an
//! approved planting-area code with a passing lab result, and a Monthong
//! lot whose code China suspended after it was stated. Through the same
//! use cases as the API (`service::export_codes`, `service::lab_results`).

use chrono::Duration;
use std::collections::HashMap;

use super::chain::Lot;
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::{Caller, Scope};
use crate::domain::id::Id;
use crate::error::{AppError, AppResult};
use crate::models::batch::{self, BatchFields};
use crate::service::export_codes::{self as codes, BatchCodes, CodeFields, StatusChange};
use crate::service::lab_results::{self as labs, AnalyteFields, LaboratoryFields, ResultFields};

fn first_lot(
    lots: &HashMap<String, Vec<Lot>>,
    product: &str,
) -> AppResult<(String, chrono::NaiveDate)> {
    lots.get(product)
        .and_then(|l| l.first())
        .cloned()
        .ok_or_else(|| AppError::Config(format!("demo: no lot of {product}")))
}

/// Registers `code` for the lot's facility, approves it for China, binds
/// the lot to China and states the code on it.
fn export_lot(
    conn: &mut DbConnection,
    config: &Config,
    system: &Caller,
    batch_id: &str,
    code: &str,
    area_ha: f64,
) -> AppResult<String> {
    let b = batch::find(conn, &Scope::All, batch_id)?
        .ok_or_else(|| AppError::Config("demo: lot".into()))?;
    let view = codes::register(
        conn,
        system,
        CodeFields {
            code: Some(code.into()),
            kind: Some("planting_area".into()),
            facility_id: Id::parse(&b.facility_id),
            crop: Some("durian".into()),
            area_ha: Some(area_ha),
            markets: vec!["cn".into()],
        },
    )?;
    codes::set_status(
        conn,
        system,
        &view.code.id,
        StatusChange {
            market: "cn".into(),
            status: "approved".into(),
            reason: "Có trong danh sách mã số vùng trồng được GACC chấp thuận".into(),
            approved_on: Some("2025-06-12".into()),
        },
    )?;
    crate::service::batches::update(
        conn,
        system,
        config,
        batch_id,
        BatchFields {
            market: Some(Some("cn".into())),
            ..BatchFields::default()
        },
    )?;
    codes::set_batch_codes(
        conn,
        system,
        config,
        batch_id,
        BatchCodes {
            codes: vec![code.into()],
        },
    )?;
    Ok(view.code.id)
}

pub fn load(
    conn: &mut DbConnection,
    config: &Config,
    system: &Caller,
    lots: &HashMap<String, Vec<Lot>>,
) -> AppResult<()> {
    let lab = labs::register_laboratory(
        conn,
        system,
        LaboratoryFields {
            name: "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 3 (QUATEST 3)".into(),
            accreditation: "VILAS 004".into(),
            markets: vec!["cn".into(), "eu".into(), "domestic".into()],
        },
    )?;
    let (ri6, harvested) = first_lot(lots, "P11")?;
    export_lot(conn, config, system, &ri6, "VN-VLOR-0712", 12.0)?;
    let reported = (harvested + Duration::days(3)).min(crate::time::today());
    let analyte = |name: &str, result: f64, limit: f64, unit: &str| AnalyteFields {
        analyte: Some(name.into()),
        result: Some(result),
        limit: Some(limit),
        unit: Some(unit.into()),
    };
    labs::record(
        conn,
        system,
        &ri6,
        ResultFields {
            laboratory_id: Id::parse(&lab.id),
            sampled_on: Some(harvested.to_string()),
            sampled_by: Some("Chi cục Trồng trọt và Bảo vệ thực vật Vĩnh Long".into()),
            reported_on: Some(reported.to_string()),
            analytes: vec![
                analyte("cadmium", 0.012, 0.05, "mg/kg"),
                analyte("auramine_o", 0.0, 0.5, "µg/kg"),
                analyte("pesticide_residues", 0.004, 0.01, "mg/kg"),
            ],
        },
    )?;
    let (monthong, _) = first_lot(lots, "P12")?;
    let suspended = export_lot(conn, config, system, &monthong, "VN-VLOR-0713", 8.0)?;
    codes::set_status(
        conn,
        system,
        &suspended,
        StatusChange {
            market: "cn".into(),
            status: "suspended".into(),
            reason: "GACC cảnh báo lô hàng phát hiện cadimi vượt giới hạn".into(),
            approved_on: None,
        },
    )?;
    Ok(())
}
