//! The public record of a batch, as a consumer sees it: loaded in a handful
//! of indexed queries and shown by the resolver as JSON and HTML, and by the
//! portal as a preview. Only public facts: no account, no personal contact;
//! the enterprise's contact only as it chose to publish it.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{batch, certification, enterprise, event, facility, inspection, product};
use crate::db::DbConnection;
use crate::models::batch::Batch;
use crate::models::certification::Certification;
use crate::models::facility::Facility;
use crate::models::product::Product;

#[derive(Debug, Clone, Serialize)]
pub struct PublicProduct {
    pub name_vi: String,
    pub name_en: String,
    /// Only products sold to China have one; the key is left out otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    pub category: String,
    pub variety: Option<String>,
    pub gtin: Option<String>,
    pub unit: String,
    pub image_url: Option<String>,
    pub standards: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicEnterprise {
    pub name: String,
    pub tax_code: String,
    pub address: String,
    pub province: String,
    /// What the enterprise published for consumers to reach it.
    pub contact_phone: Option<String>,
    pub zalo_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicFacility {
    pub name: String,
    pub kind: String,
    pub district: String,
    pub province: String,
    /// Its commune and province in the units of 1 July 2025 ("phường Cái
    /// Vồn, tỉnh Vĩnh Long"), once its address is settled in a commune.
    pub place: Option<String>,
    /// The same part of its address before 1 July 2025, where one is kept.
    pub former_place: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub area_code: Option<String>,
    pub status: String,
}

/// What the public sees of a facility: no street address, no suspension
/// reason.
impl From<Facility> for PublicFacility {
    fn from(f: Facility) -> Self {
        PublicFacility {
            name: f.name,
            kind: f.kind,
            place: f
                .commune_code
                .as_ref()
                .map(|_| crate::domain::admin_units::units_part(&f.address))
                .filter(|p| !p.is_empty()),
            former_place: f
                .former_address
                .as_deref()
                .map(crate::domain::admin_units::units_part)
                .filter(|p| !p.is_empty()),
            district: f.district,
            province: f.province,
            latitude: f.latitude,
            longitude: f.longitude,
            area_code: f.area_code,
            status: f.status,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicCertification {
    pub scheme: String,
    pub number: String,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicBatch {
    pub lot_code: String,
    pub produced_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
    pub quantity: f64,
    pub unit: String,
    pub status: String,
    pub recall_reason: Option<String>,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub recalled_at: Option<NaiveDateTime>,
    /// The recalling regulator's province, or `national`.
    pub recall_authority: Option<String>,
    /// Lot codes printed on earlier stamps of this batch, before a
    /// correction: they still name it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub former_lot_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicEvent {
    pub kind: String,
    #[serde(serialize_with = "crate::time::utc")]
    pub occurred_at: NaiveDateTime,
    pub facility: String,
    pub details: serde_json::Value,
    /// When its producer last corrected it: consumers see that it was.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::time::utc_opt"
    )]
    pub corrected_at: Option<NaiveDateTime>,
    /// Its photos' ids (`/photos/{id}`), taken when it was recorded.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicInspection {
    pub inspected_on: NaiveDate,
    pub result: String,
}

/// An upstream lot the batch was packed or made from, as the consumer sees
/// it: who, where and which lot (one public step of the chain).
#[derive(Debug, Clone, Serialize)]
pub struct PublicSource {
    pub lot_code: String,
    pub product_name_vi: String,
    pub product_name_en: String,
    pub enterprise: String,
    pub facility: String,
    pub province: String,
    /// Steps back from this batch (1: its direct inputs).
    pub depth: usize,
}

/// An export code the lot came through, and its status for the lot's market.
#[derive(Debug, Clone, Serialize)]
pub struct PublicExportCode {
    pub code: String,
    /// `planting_area` or `packing_house`.
    pub kind: String,
    pub crop: String,
    /// `approved`, `pending`, `suspended`, `revoked`; none when the lot
    /// states no market or the market does not list the code.
    pub status: Option<String>,
}

/// A lab result of the lot: who tested, when, and each analyte.
#[derive(Debug, Clone, Serialize)]
pub struct PublicLabResult {
    pub laboratory: String,
    pub accreditation: String,
    pub sampled_on: NaiveDate,
    pub reported_on: NaiveDate,
    pub passed: bool,
    pub analytes: Vec<PublicAnalyte>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PublicAnalyte {
    pub analyte: String,
    pub result: f64,
    pub limit: f64,
    pub unit: String,
}

/// Everything the consumer page shows about one batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchRecord {
    pub product: PublicProduct,
    pub enterprise: PublicEnterprise,
    pub facility: PublicFacility,
    /// Certifications of the facility valid on the batch's harvest date.
    pub certifications: Vec<PublicCertification>,
    pub batch: PublicBatch,
    pub events: Vec<PublicEvent>,
    pub latest_inspection: Option<PublicInspection>,
    /// The lots upstream in the chain, across enterprises, nearest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<PublicSource>,
    /// The market the lot is bound for (`domain::market`), if stated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub export_codes: Vec<PublicExportCode>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lab_results: Vec<PublicLabResult>,
}

impl BatchRecord {
    pub fn recalled(&self) -> bool {
        self.batch.status == "recalled"
    }

    pub fn facility_suspended(&self) -> bool {
        self.facility.status == "suspended"
    }

    /// Whether the lot is past its best-before date on `today` (the date in
    /// Vietnam): it is good through the whole of that day.
    pub fn expired_on(&self, today: NaiveDate) -> bool {
        self.batch.expires_on.is_some_and(|last| last < today)
    }
}

impl PublicEnterprise {
    /// The contact phone as a `tel:` link target: digits and a leading `+`.
    pub fn tel_href(&self) -> Option<String> {
        self.contact_phone.as_deref().map(|phone| {
            let dialled: String = phone
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect();
            format!("tel:{dialled}")
        })
    }
}

impl From<Certification> for PublicCertification {
    fn from(c: Certification) -> Self {
        PublicCertification {
            scheme: c.scheme,
            number: c.number,
            issuer: c.issuer,
            valid_from: c.valid_from,
            valid_to: c.valid_to,
        }
    }
}

/// What the public sees of an enterprise: no private phone or e-mail.
pub fn public_enterprise(conn: &mut DbConnection, id: &str) -> QueryResult<PublicEnterprise> {
    let (name, tax_code, address, province, contact_phone, zalo_url) = enterprise::table
        .find(id)
        .select((
            enterprise::name,
            enterprise::tax_code,
            enterprise::address,
            enterprise::province,
            enterprise::contact_phone,
            enterprise::zalo_url,
        ))
        .get_result::<(
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        )>(conn)?;
    Ok(PublicEnterprise {
        name,
        tax_code,
        address,
        province,
        contact_phone,
        zalo_url,
    })
}

/// The facility's latest inspection, if it has had one.
pub fn latest_inspection(
    conn: &mut DbConnection,
    facility_id: &str,
) -> QueryResult<Option<PublicInspection>> {
    Ok(inspection::table
        .filter(inspection::facility_id.eq(facility_id))
        .order(inspection::inspected_on.desc())
        .select((inspection::inspected_on, inspection::result))
        .limit(1)
        .load::<(NaiveDate, String)>(conn)?
        .pop()
        .map(|(inspected_on, result)| PublicInspection {
            inspected_on,
            result,
        }))
}

pub fn load(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Option<BatchRecord>> {
    let Some((b, p, f)) = batch::table
        .inner_join(product::table)
        .inner_join(facility::table)
        .filter(batch::id.eq(batch_id))
        .select((
            Batch::as_select(),
            Product::as_select(),
            Facility::as_select(),
        ))
        .get_result::<(Batch, Product, Facility)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let enterprise = public_enterprise(conn, &p.enterprise_id)?;
    let certifications = certification::table
        .filter(certification::facility_id.eq(&f.id))
        .filter(certification::valid_from.le(b.produced_on))
        .filter(certification::valid_to.ge(b.produced_on))
        .order(certification::valid_to.desc())
        .select(Certification::as_select())
        .load(conn)?
        .into_iter()
        .map(PublicCertification::from)
        .collect();
    let mut events: Vec<PublicEvent> = event::table
        .inner_join(facility::table)
        .filter(event::batch_id.eq(&b.id))
        // A retracted event is no longer a claim made to consumers.
        .filter(event::retracted_at.is_null())
        .order((event::occurred_at, event::id))
        .select((
            event::id,
            event::kind,
            event::occurred_at,
            facility::name,
            event::details,
            event::corrected_at,
        ))
        .load::<(
            String,
            String,
            NaiveDateTime,
            String,
            String,
            Option<NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .map(
            |(id, kind, occurred_at, facility, details, corrected_at)| PublicEvent {
                kind,
                occurred_at,
                facility,
                details: serde_json::from_str(&details).unwrap_or(serde_json::Value::Null),
                corrected_at,
                // Filled below with the event's id, then its photos'.
                photos: vec![id],
            },
        )
        .collect();
    let ids: Vec<String> = events.iter().flat_map(|e| e.photos.clone()).collect();
    let pictures = crate::models::photo::of_owners(conn, "event", &ids)?;
    for e in events.iter_mut() {
        let id = e.photos.pop().unwrap_or_default();
        e.photos = pictures
            .iter()
            .filter(|p| p.owner_id == id)
            .map(|p| p.id.clone())
            .collect();
    }
    // Events other systems captured about this lot (EPCIS), in time order.
    events.extend(super::timeline::captured_events(conn, &b.id)?);
    events.sort_by_key(|e| e.occurred_at);
    let former_lot_codes = crate::models::lot_alias::for_batch(conn, &b.id)?;
    let latest_inspection = latest_inspection(conn, &f.id)?;
    let sources = sources(conn, &b.id)?;
    let (export_codes, lab_results) = export_facts(conn, &b)?;
    let market = b.market.clone();
    Ok(Some(BatchRecord {
        product: PublicProduct {
            name_vi: p.name_vi,
            name_en: p.name_en,
            name_zh: p.name_zh,
            category: p.category,
            variety: p.variety,
            gtin: p.gtin,
            unit: p.unit,
            image_url: p.image_url,
            standards: p.standards,
        },
        enterprise,
        facility: PublicFacility::from(f),
        certifications,
        batch: PublicBatch {
            lot_code: b.lot_code,
            produced_on: b.produced_on,
            expires_on: b.expires_on,
            quantity: b.quantity,
            unit: b.unit,
            status: b.status,
            recall_reason: b.recall_reason,
            recalled_at: b.recalled_at,
            recall_authority: b.recall_authority,
            former_lot_codes,
        },
        events,
        latest_inspection,
        sources,
        market,
        export_codes,
        lab_results,
    }))
}

/// The lot's export codes with their status for its market, and its lab
/// results, as consumers and buyers see them.
fn export_facts(
    conn: &mut DbConnection,
    b: &Batch,
) -> QueryResult<(Vec<PublicExportCode>, Vec<PublicLabResult>)> {
    use crate::models::{export_code, lab_result};
    let mut codes = Vec::new();
    for code in export_code::of_batch(conn, &b.id)? {
        let status = match &b.market {
            Some(m) => export_code::markets_of(conn, &code.id)?
                .into_iter()
                .find(|x| &x.market == m)
                .map(|x| x.status),
            None => None,
        };
        codes.push(PublicExportCode {
            code: code.code,
            kind: code.kind,
            crop: code.crop,
            status,
        });
    }
    // A withdrawn result was recorded by mistake: consumers and trace
    // exports no longer see it (the portal and oversight pages still do).
    let results = lab_result::of_batch(conn, &b.id)?
        .into_iter()
        .filter(|r| !r.result.is_withdrawn())
        .map(|r| PublicLabResult {
            laboratory: r.laboratory.name,
            accreditation: r.laboratory.accreditation,
            sampled_on: r.result.sampled_on,
            reported_on: r.result.reported_on,
            passed: r.result.passed,
            analytes: r
                .analytes
                .into_iter()
                .map(|a| PublicAnalyte {
                    analyte: a.analyte,
                    result: a.result,
                    limit: a.limit_value,
                    unit: a.unit,
                })
                .collect(),
        })
        .collect();
    Ok((codes, results))
}

/// The upstream lots of `batch_id` (its genealogy backward, through
/// packing and transformation inputs, whoever owns them), nearest first.
fn sources(conn: &mut DbConnection, batch_id: &str) -> QueryResult<Vec<PublicSource>> {
    use crate::models::genealogy::{self, Direction};
    let (depths, _) = genealogy::walk(conn, batch_id, Direction::Backward)?;
    if depths.len() < 2 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for b in genealogy::describe(conn, &depths)? {
        if b.id == batch_id {
            continue;
        }
        let enterprise = enterprise::table
            .find(&b.enterprise_id)
            .select(enterprise::name)
            .first(conn)?;
        out.push(PublicSource {
            lot_code: b.lot_code,
            product_name_vi: b.product_name_vi,
            product_name_en: b.product_name_en,
            enterprise,
            facility: b.facility_name,
            province: b.facility_province,
            depth: b.depth,
        });
    }
    out.sort_by(|x, y| (x.depth, &x.lot_code).cmp(&(y.depth, &y.lot_code)));
    Ok(out)
}
