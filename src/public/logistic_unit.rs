//! The public record of a logistic unit (a pallet, a case: an SSCC), as
//! `/00/{sscc}` answers it. We issue no SSCCs: a unit is known when an
//! EPCIS event one of our enterprises captured names it (as its parent,
//! in its EPC list or among its children). Only events already public on
//! a lot page are used — captured, not retracted, and attached to a lot of
//! the capturing enterprise — and only what the lot pages show of them:
//! who, when, which step, and which lots the unit carries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;

use crate::db::schema::{batch, enterprise, epcis_event, epcis_event_epc, product};
use crate::db::DbConnection;
use crate::epcis::cbv::Vocabulary;
use crate::models::epcis_event::role;

#[derive(Debug, Clone, Serialize)]
pub struct LogisticUnit {
    pub sscc: String,
    /// The events that name the unit, oldest first.
    pub events: Vec<UnitEvent>,
    /// The lots those events attach it to.
    pub contents: Vec<UnitLot>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitEvent {
    /// The enterprise that captured the event (packed or shipped the unit).
    pub enterprise: String,
    /// The CBV business step's short name (`packing`, `shipping` …), or the
    /// event type when the event gives none.
    pub step: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub occurred_at: NaiveDateTime,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitLot {
    pub product_name_vi: String,
    pub product_name_en: String,
    /// The product's Chinese name, where its producer gave one: the page
    /// in Chinese shows it.
    pub product_name_zh: Option<String>,
    pub gtin: Option<String>,
    pub lot_code: String,
    /// The lot's public page (`/01/{gtin}/10/{lot}`), when its product has
    /// a GTIN; a lot without one has no public URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
}

/// The ways an event may name the SSCC `sscc` (18 digits, checked): its EPC
/// URI for each possible company-prefix length (6 to 12 digits), and its
/// Digital Link on our base URL and on GS1's.
pub fn identifiers(base: &str, sscc: &str) -> Vec<String> {
    let mut names: Vec<String> = (6..=12)
        .filter_map(|n| {
            let extension = sscc.get(..1)?;
            let prefix = sscc.get(1..1 + n)?;
            let reference = sscc.get(1 + n..17)?;
            Some(format!("urn:epc:id:sscc:{prefix}.{extension}{reference}"))
        })
        .collect();
    for root in [base.trim_end_matches('/'), "https://id.gs1.org"] {
        names.push(format!("{root}/00/{sscc}"));
    }
    names
}

/// The unit `sscc` names, if a public event of ours names it.
pub fn load(conn: &mut DbConnection, base: &str, sscc: &str) -> QueryResult<Option<LogisticUnit>> {
    // Two reads: the table cannot be its own subquery in diesel.
    let naming: Vec<String> = epcis_event_epc::table
        .filter(epcis_event_epc::role.eq_any([role::PARENT, role::EPC, role::CHILD]))
        .filter(epcis_event_epc::value.eq_any(identifiers(base, sscc)))
        .select(epcis_event_epc::event_id)
        .load(conn)?;
    if naming.is_empty() {
        return Ok(None);
    }
    let attached: Vec<(String, String)> = epcis_event_epc::table
        .filter(epcis_event_epc::role.eq(role::BATCH))
        .filter(epcis_event_epc::event_id.eq_any(naming))
        .select((epcis_event_epc::event_id, epcis_event_epc::value))
        .load(conn)?;
    let event_ids: BTreeSet<&str> = attached.iter().map(|(e, _)| e.as_str()).collect();
    let rows: Vec<(String, String, Option<String>, String, NaiveDateTime)> = epcis_event::table
        .inner_join(enterprise::table)
        .filter(epcis_event::id.eq_any(event_ids))
        .filter(epcis_event::source_event_id.is_null())
        .filter(epcis_event::retracted.eq(false))
        .order((epcis_event::event_time, epcis_event::id))
        .select((
            epcis_event::id,
            enterprise::name,
            epcis_event::biz_step,
            epcis_event::event_type,
            epcis_event::event_time,
        ))
        .load(conn)?;
    if rows.is_empty() {
        return Ok(None);
    }
    let batch_ids: BTreeSet<&str> = attached
        .iter()
        .filter(|(event, _)| rows.iter().any(|r| &r.0 == event))
        .map(|(_, batch)| batch.as_str())
        .collect();
    let contents = batch::table
        .inner_join(product::table)
        .filter(batch::id.eq_any(batch_ids))
        .order((product::name_vi, batch::lot_code))
        .select((
            product::name_vi,
            product::name_en,
            product::name_zh,
            product::gtin,
            batch::lot_code,
        ))
        .load::<(String, String, Option<String>, Option<String>, String)>(conn)?
        .into_iter()
        .map(
            |(product_name_vi, product_name_en, product_name_zh, gtin, lot_code)| UnitLot {
                href: gtin.as_deref().map(|gtin| {
                    format!(
                        "{}{}",
                        base.trim_end_matches('/'),
                        crate::domain::digital_link::class_path(gtin, Some(&lot_code))
                    )
                }),
                product_name_vi,
                product_name_en,
                product_name_zh,
                gtin,
                lot_code,
            },
        )
        .collect();
    let events = rows
        .into_iter()
        .map(
            |(_, enterprise, biz_step, event_type, occurred_at)| UnitEvent {
                enterprise,
                step: biz_step
                    .as_deref()
                    .and_then(|step| Vocabulary::BizStep.short_name(step))
                    .unwrap_or(event_type),
                occurred_at,
            },
        )
        .collect();
    Ok(Some(LogisticUnit {
        sscc: sscc.to_owned(),
        events,
        contents,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_sscc_is_named_by_its_epc_uri_for_every_prefix_length() {
        let names = super::identifiers("https://tx.example.vn/", "106141412345678908");
        assert!(names.contains(&"urn:epc:id:sscc:0614141.1234567890".to_owned()));
        assert!(names.contains(&"urn:epc:id:sscc:061414123456.17890".to_owned()));
        assert!(names.contains(&"https://tx.example.vn/00/106141412345678908".to_owned()));
        assert!(names.contains(&"https://id.gs1.org/00/106141412345678908".to_owned()));
        assert_eq!(names.len(), 9);
    }
}
