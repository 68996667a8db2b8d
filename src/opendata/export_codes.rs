//! Open data: every export code with its crop, area and each market's
//! status, so buyers, customs and other provinces can check a code printed
//! on a carton. No owner contact, no authorised packers.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::csv::Csv;
use crate::error::AppResult;
use crate::models::export_code;
use crate::AppState;

#[derive(Debug, Serialize)]
pub struct ListedCode {
    pub code: String,
    pub kind: String,
    pub crop: String,
    pub area_ha: Option<f64>,
    pub markets: Vec<ListedMarket>,
}

#[derive(Debug, Serialize)]
pub struct ListedMarket {
    pub market: String,
    pub status: String,
    pub status_since: chrono::NaiveDate,
}

async fn load(state: &web::Data<AppState>) -> AppResult<Vec<ListedCode>> {
    state
        .db(|conn| {
            Ok(export_code::all(conn)?
                .into_iter()
                .map(|v| ListedCode {
                    code: v.code.code,
                    kind: v.code.kind,
                    crop: v.code.crop,
                    area_ha: v.code.area_ha,
                    markets: v
                        .markets
                        .into_iter()
                        .map(|m| ListedMarket {
                            market: m.market,
                            status: m.status,
                            status_since: m.status_since,
                        })
                        .collect(),
                })
                .collect())
        })
        .await
}

pub async fn json(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(super::json(load(&state).await?))
}

pub async fn csv(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let items = load(&state).await?;
    let mut csv = Csv::new(&["code", "kind", "crop", "area_ha", "markets"]);
    for c in &items {
        let area = c.area_ha.map(|a| a.to_string()).unwrap_or_default();
        let markets = c
            .markets
            .iter()
            .map(|m| format!("{}: {} ({})", m.market, m.status, m.status_since))
            .collect::<Vec<_>>()
            .join("; ");
        csv.row([
            c.code.as_str(),
            c.kind.as_str(),
            c.crop.as_str(),
            area.as_str(),
            markets.as_str(),
        ]);
    }
    Ok(super::csv("export-codes.csv", csv.into_string()))
}
