//! The demo set: a Mekong Delta registry the size of Vĩnh Long's provincial
//! system (17 enterprises, 37 facilities, 61 products), with batches whose
//! events tell a harvest → packing → shipping story, and demo accounts.
//! Every row goes through the same validation and audit log as the API.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

use crate::audit::{self, Actor};
use crate::auth::hash_password;
use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::Caller;
use crate::domain::admin_units::AdminUnits;
use crate::domain::id::Id;
use crate::domain::kinds::{FacilityKind, ProductCategory};
use crate::domain::serial::SerialCodec;
use crate::error::{AppError, AppResult};
use crate::models::account::{self, NewAccount};
use crate::models::batch::BatchFields;
use crate::models::certification::CertificationFields;
use crate::models::enterprise::EnterpriseFields;
use crate::models::event::EventFields;
use crate::models::facility::FacilityFields;
use crate::models::product::ProductFields;
use crate::models::product_link::ProductLinkFields;
use crate::service;

mod chain;
mod export;
mod rounds;

const DATA: &str = include_str!("vinh_long.json");

/// Every demo account's password. Demo only: never load this set into a
/// database that faces the public.
pub const DEMO_PASSWORD: &str = "demo";

/// The demo's province: its facilities, and regulators 1–10.
pub const PROVINCE: &str = "Vĩnh Long";

/// Regulators 1–10 oversee Vĩnh Long; 11–12 another province, and see none of it.
pub const OTHER_PROVINCE: &str = "Cần Thơ";

#[derive(Deserialize)]
struct DemoSet {
    enterprises: Vec<DemoEnterprise>,
    facilities: Vec<DemoFacility>,
    products: Vec<DemoProduct>,
}

#[derive(Deserialize)]
struct DemoEnterprise {
    key: String,
    name: String,
    tax_code: String,
    /// In the form of 1 July 2025: "…, phường X, tỉnh Vĩnh Long".
    address: String,
    /// The commune's official code; the province follows from it.
    commune_code: String,
    /// The address as it was written before the reform.
    former_address: String,
    gs1_prefix: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    /// What consumers see on stamp pages (some demo producers publish none).
    #[serde(default)]
    contact_phone: Option<String>,
    #[serde(default)]
    zalo_url: Option<String>,
}

#[derive(Deserialize)]
struct DemoFacility {
    key: String,
    enterprise: String,
    name: String,
    kind: String,
    address: String,
    commune_code: String,
    former_address: String,
    latitude: f64,
    longitude: f64,
    area_code: Option<String>,
    /// A few demo facilities have a GLN, to try `/414/{gln}` with.
    #[serde(default)]
    gln: Option<String>,
    certifications: Vec<DemoCertification>,
}

#[derive(Deserialize)]
struct DemoCertification {
    scheme: String,
    number: String,
    issuer: String,
    valid_from: String,
    valid_to: String,
    /// Moves the certificate's validity (its length kept) so that it ends
    /// this many days after the demo loads: the regulator's work queue then
    /// always has certificates about to expire, whenever the demo is loaded.
    #[serde(default)]
    expires_in_days: Option<i64>,
}

impl DemoCertification {
    /// Its validity as loaded on `today`.
    fn validity(&self, today: NaiveDate) -> AppResult<(String, String)> {
        let Some(days) = self.expires_in_days else {
            return Ok((self.valid_from.clone(), self.valid_to.clone()));
        };
        let from = NaiveDate::parse_from_str(&self.valid_from, "%Y-%m-%d").map_err(bad)?;
        let to = NaiveDate::parse_from_str(&self.valid_to, "%Y-%m-%d").map_err(bad)?;
        let shift = today + Duration::days(days) - to;
        Ok(((from + shift).to_string(), (to + shift).to_string()))
    }
}

#[derive(Deserialize)]
struct DemoProduct {
    key: String,
    enterprise: String,
    facility: String,
    name_vi: String,
    name_en: String,
    /// Given for the products sold to China (durian, pomelo, king orange).
    #[serde(default)]
    name_zh: Option<String>,
    category: String,
    variety: Option<String>,
    gtin: Option<String>,
    unit: String,
    shelf_life_days: Option<i32>,
    standards: Option<String>,
    harvest_months: Vec<u32>,
    batch_quantity: f64,
}

/// What was loaded, for the command line to print.
#[derive(Debug)]
pub struct Loaded {
    pub enterprises: usize,
    pub facilities: usize,
    pub products: usize,
    pub batches: usize,
    pub events: usize,
    pub inspections: usize,
    pub accounts: Vec<(String, String)>,
    /// The first stamp of the first demo roll: a page to open.
    pub sample_serial: Option<String>,
    /// The first stamp of the supply chain's gift boxes: a page showing
    /// the chain back to the farm.
    pub chain_serial: Option<String>,
    /// The first stamp of the first product with a GTIN (and a registered
    /// `gs1:pip` link), as a GS1 Digital Link path: what GS1's resolver
    /// conformance suite is run on.
    pub sample_digital_link: Option<String>,
}

fn bad(err: impl std::fmt::Display) -> AppError {
    AppError::Config(format!("demo data: {err}"))
}

/// Loads the demo set in one transaction: all of it or nothing. Stamps are
/// issued under `codec`'s current key. The registry goes through the same
/// use cases as the API and the portal (`service`), as an admin named
/// "demo", so the rules, audit entries and EPCIS mirror are theirs.
pub fn load(conn: &mut DbConnection, config: &Config, codec: &SerialCodec) -> AppResult<Loaded> {
    let set: DemoSet = serde_json::from_str(DATA).map_err(bad)?;
    let password_hash = hash_password(DEMO_PASSWORD)?;
    // The loader runs once per process, so it reads the shipped tables
    // itself rather than widen its callers' signature.
    let units = AdminUnits::shipped().map_err(AppError::Config)?;
    audit::write_transaction(conn, |conn| {
        load_set(conn, config, codec, &units, &set, &password_hash)
    })
}

fn id_of(ids: &HashMap<&str, String>, key: &str) -> AppResult<Id> {
    ids.get(key)
        .and_then(|id| Id::parse(id))
        .ok_or_else(|| bad(key))
}

fn load_set(
    conn: &mut DbConnection,
    config: &Config,
    codec: &SerialCodec,
    units: &AdminUnits,
    set: &DemoSet,
    password_hash: &str,
) -> AppResult<Loaded> {
    let system = Caller::system("demo");
    let actor = Actor::from(&system);
    let now = crate::time::now();
    let mut ids: HashMap<&str, String> = HashMap::new();

    for e in &set.enterprises {
        let fields = EnterpriseFields {
            name: Some(e.name.clone()),
            tax_code: Some(e.tax_code.clone()),
            address: Some(e.address.clone()),
            province: None,
            commune_code: Some(e.commune_code.clone()),
            former_address: Some(Some(e.former_address.clone())),
            gs1_prefix: Some(e.gs1_prefix.clone()),
            phone: Some(e.phone.clone()),
            email: Some(e.email.clone()),
            contact_phone: Some(e.contact_phone.clone()),
            zalo_url: Some(e.zalo_url.clone()),
        };
        let row = service::enterprises::create(conn, &system, units, fields)?;
        ids.insert(&e.key, row.id);
    }

    for f in &set.facilities {
        let fields = FacilityFields {
            enterprise_id: Some(id_of(&ids, &f.enterprise)?),
            name: Some(f.name.clone()),
            kind: Some(f.kind.clone()),
            address: Some(f.address.clone()),
            district: None,
            province: None,
            commune_code: Some(f.commune_code.clone()),
            former_address: Some(Some(f.former_address.clone())),
            latitude: Some(Some(f.latitude)),
            longitude: Some(Some(f.longitude)),
            area_code: Some(f.area_code.clone()),
            gln: Some(f.gln.clone()),
        };
        let row = service::facilities::create(conn, &system, units, fields)?;
        for c in &f.certifications {
            let (valid_from, valid_to) = c.validity(crate::time::today())?;
            let cert = CertificationFields {
                scheme: Some(c.scheme.clone()),
                number: Some(c.number.clone()),
                issuer: Some(c.issuer.clone()),
                valid_from: Some(valid_from),
                valid_to: Some(valid_to),
            };
            service::facilities::create_certification(conn, &system, &row.id, cert)?;
        }
        ids.insert(&f.key, row.id);
    }

    let mut batch_ids = Vec::new();
    // (index in batch_ids, GTIN-14, lot) of batches of products with a GTIN.
    let mut gs1_batches: Vec<(usize, String, String)> = Vec::new();
    let mut events = 0;
    let mut lots: HashMap<String, Vec<chain::Lot>> = HashMap::new();
    for (n, p) in set.products.iter().enumerate() {
        let fields = ProductFields {
            enterprise_id: Some(id_of(&ids, &p.enterprise)?),
            name_vi: Some(p.name_vi.clone()),
            name_en: Some(p.name_en.clone()),
            name_zh: Some(p.name_zh.clone()),
            category: Some(p.category.clone()),
            variety: Some(p.variety.clone()),
            gtin: Some(p.gtin.clone()),
            unit: Some(p.unit.clone()),
            image_url: Some(Some(crate::pages::demo_picture(&p.category, &p.name_en))),
            shelf_life_days: Some(p.shelf_life_days),
            standards: Some(p.standards.clone()),
        };
        let row = service::products::create(conn, &system, config, fields)?;
        ids.insert(&p.key, row.id.clone());
        if row.gtin.is_some() {
            // A product information page, so that the resolver has a link
            // of a GS1 type to redirect to besides its own page.
            let link = ProductLinkFields {
                link_type: "gs1:pip".into(),
                href: format!("https://san-pham.example.vn/{}", p.key),
                title: format!("{} — trang sản phẩm / product page", p.name_vi),
                lang: Some("vi".into()),
            };
            service::products::create_link(conn, &system, config, &row.id, link)?;
        }

        let grown_at = id_of(&ids, &p.facility)?.into_string();
        let packed_at = set
            .facilities
            .iter()
            .find(|f| f.enterprise == p.enterprise && f.kind == FacilityKind::PackingHouse.as_str())
            .and_then(|f| ids.get(f.key.as_str()).cloned())
            .unwrap_or_else(|| grown_at.clone());
        let category = ProductCategory::parse(&p.category).map_err(bad)?;
        for (i, day) in harvest_days(&p.harvest_months, n).into_iter().enumerate() {
            let lot = format!("VL{}-{}-{}", day.format("%y%m%d"), p.key, i + 1);
            let expires = p
                .shelf_life_days
                .map(|d| day + Duration::days(i64::from(d)));
            let fields = BatchFields {
                product_id: Id::parse(&row.id),
                facility_id: Id::parse(&grown_at),
                lot_code: Some(lot),
                produced_on: Some(day.to_string()),
                quantity: Some(p.batch_quantity),
                unit: Some(p.unit.clone()),
                expires_on: Some(expires.map(|d| d.to_string())),
                market: None,
            };
            let b = service::batches::create(conn, &system, fields)?.batch;
            if let Some(gtin) = &row.gtin {
                gs1_batches.push((batch_ids.len(), gtin.clone(), b.lot_code.clone()));
            }
            batch_ids.push(b.id.clone());
            lots.entry(p.key.clone())
                .or_default()
                .push((b.id.clone(), day));
            for story in story(category, p, day, &grown_at, &packed_at) {
                service::batches::record_event(conn, &system, config, &b.id, story)?;
                events += 1;
            }
        }
    }

    let chain = chain::load(conn, config, &system, &ids, &lots)?;
    export::load(conn, config, &system, &lots)?;
    events += chain.events;
    let chain_at = batch_ids.len();
    batch_ids.extend(chain.lots);

    let accounts = demo_accounts(conn, set, &ids, password_hash, &actor)?;
    let inspector = account::by_username(conn, "regulator1")?
        .ok_or_else(|| bad("no regulator1"))?
        .id;
    let inspected: Vec<String> = set
        .facilities
        .iter()
        .filter(|f| {
            units
                .commune(&f.commune_code)
                .is_some_and(|c| c.province() == PROVINCE)
        })
        .filter_map(|f| ids.get(f.key.as_str()).cloned())
        .collect();
    let inspections = rounds::inspect(conn, &inspected, &inspector, &actor, now)?;
    let firsts = rounds::issue_rolls(conn, codec, &batch_ids, &actor, now)?;
    let sample_digital_link = gs1_batches.first().and_then(|(i, gtin, lot)| {
        let serial = firsts.get(*i)?;
        let gtin = crate::domain::gtin::normalize_gtin(gtin).ok()?;
        let path = crate::domain::digital_link::stamp_url("", &gtin, lot, serial);
        Some(path)
    });
    Ok(Loaded {
        enterprises: set.enterprises.len(),
        facilities: set.facilities.len(),
        products: set.products.len(),
        batches: batch_ids.len(),
        events,
        inspections,
        accounts,
        sample_serial: firsts.first().cloned(),
        chain_serial: firsts.get(chain_at).cloned(),
        sample_digital_link,
    })
}

/// Two harvests per product: the latest harvest month up to November 2026 and
/// the one before it, on a day that varies by product.
fn harvest_days(months: &[u32], n: usize) -> Vec<NaiveDate> {
    let day = 3 + (n as u32 * 7) % 24;
    let mut found = Vec::new();
    let mut cursor = NaiveDate::from_ymd_opt(2026, 11, 1).expect("valid date");
    while found.len() < 2 && cursor.year() >= 2025 {
        if months.contains(&cursor.month()) {
            let date = cursor.with_day(day).expect("day below 28");
            if date <= NaiveDate::from_ymd_opt(2026, 11, 20).expect("valid date") {
                found.push(date);
            }
        }
        cursor = cursor
            .checked_sub_months(chrono::Months::new(1))
            .expect("in range");
    }
    found
}

/// Local time in Vĩnh Long (UTC+7) as an RFC 3339 string.
fn at(day: NaiveDate, hour: u32) -> String {
    let t = day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("valid time"));
    format!("{}+07:00", t.format("%Y-%m-%dT%H:%M:%S"))
}

fn step(kind: &str, when: String, facility: &str, details: serde_json::Value) -> EventFields {
    EventFields {
        kind: Some(kind.into()),
        occurred_at: Some(when),
        facility_id: crate::domain::id::Id::parse(facility),
        details: Some(details),
        inputs: None,
    }
}

/// A trading party outside the service, known by name and province only.
fn party(business_name: &str, province: &str) -> serde_json::Value {
    json!({"party_id": null, "business_name": business_name, "phone": null, "street": null,
           "province": province, "country": "VN", "gln": null, "fda_registration": null})
}

/// The events of one batch, in the order they happened.
fn story(
    category: ProductCategory,
    p: &DemoProduct,
    day: NaiveDate,
    grown_at: &str,
    packed_at: &str,
) -> Vec<EventFields> {
    let quantity = json!({"quantity": p.batch_quantity, "unit": p.unit});
    let before = |days: i64| day - Duration::days(days);
    let after = |days: i64| day + Duration::days(days);
    let mut steps = match category {
        ProductCategory::Fruit => vec![
            step(
                "input_application",
                at(before(45), 7),
                grown_at,
                json!({
                "product": "Phân hữu cơ vi sinh", "input_kind": "fertiliser",
                "dose": 2, "dose_unit": "kg_per_plant", "pre_harvest_interval_days": 0}),
            ),
            step(
                "input_application",
                at(before(21), 6),
                grown_at,
                json!({
                "product": "Chế phẩm sinh học Trichoderma", "input_kind": "biological",
                "active_ingredient": "Trichoderma spp.",
                "dose": 100, "dose_unit": "kg_per_ha", "pre_harvest_interval_days": 7}),
            ),
            step("harvesting", at(day, 6), grown_at, quantity.clone()),
        ],
        ProductCategory::Vegetable => vec![
            step(
                "planting",
                at(before(70), 7),
                grown_at,
                json!({"seed": p.variety.clone().unwrap_or_else(|| p.name_vi.clone()), "area_m2": 5000}),
            ),
            step(
                "input_application",
                at(before(30), 6),
                grown_at,
                json!({
                "product": "Phân NPK 20-20-15", "input_kind": "fertiliser",
                "dose": 250, "dose_unit": "kg_per_ha", "pre_harvest_interval_days": 14}),
            ),
            step("harvesting", at(day, 5), grown_at, quantity.clone()),
        ],
        ProductCategory::Seafood => vec![
            step(
                "planting",
                at(before(180), 7),
                grown_at,
                json!({"seed": "Con giống đạt chuẩn", "stocking_count": 150000,
                    "stocking_density_per_m2": 30, "water_ph": 7.5, "salinity_ppt": 5}),
            ),
            step(
                "input_application",
                at(before(60), 7),
                grown_at,
                json!({
                "product": "Thức ăn viên nổi 28% đạm", "input_kind": "feed",
                "dose": 150, "dose_unit": "kg", "pre_harvest_interval_days": 0,
                "water_ph": 7.8, "dissolved_oxygen_mg_l": 5.2}),
            ),
            step("harvesting", at(day, 4), grown_at, quantity.clone()),
            step(
                "cooling",
                at(day, 6),
                grown_at,
                json!({"temperature_c": 2, "method": "ướp đá vảy",
                    "cooler_location": "Kho lạnh tại ao", "quantity": p.batch_quantity, "unit": p.unit}),
            ),
        ],
        ProductCategory::Processed => vec![
            step(
                "receiving",
                at(before(2), 8),
                grown_at,
                json!({
                    "previous_source": party("Nguyên liệu từ vùng trồng trong tỉnh", "Vĩnh Long"),
                    "quantity": p.batch_quantity, "unit": p.unit,
                    "reference_document": {"type": "delivery_note", "number": format!("PN-{}", day.format("%y%m%d"))}}),
            ),
            step(
                "inspection",
                at(before(1), 9),
                grown_at,
                json!({"inspector_role": "QC nội bộ", "result": "đạt"}),
            ),
        ],
    };
    let packing_place = if category == ProductCategory::Processed {
        grown_at
    } else {
        packed_at
    };
    steps.push(step("packing", at(after(1), 8), packing_place, json!({"packaging": "Thùng carton / túi lưới có tem truy xuất",
        "packages": (p.batch_quantity / 10.0).ceil() as u64, "quantity": p.batch_quantity, "unit": p.unit})));
    steps.push(step("shipping", at(after(2), 5), packing_place, json!({
        "ship_to": party("Chợ đầu mối nông sản thực phẩm Bình Điền", "Thành phố Hồ Chí Minh"),
        "quantity": p.batch_quantity, "unit": p.unit,
        "vehicle": "Xe tải lạnh 65C-xxx.xx",
        "reference_document": {"type": "delivery_note", "number": format!("PX-{}-{}", day.format("%y%m%d"), p.key)}})));
    steps
}

fn demo_accounts(
    conn: &mut DbConnection,
    set: &DemoSet,
    ids: &HashMap<&str, String>,
    password_hash: &str,
    actor: &Actor,
) -> AppResult<Vec<(String, String)>> {
    let mut made = Vec::new();
    let mut add = |conn: &mut DbConnection,
                   username: String,
                   role: &str,
                   enterprise_id: Option<String>,
                   province: Option<&str>|
     -> AppResult<()> {
        let new = NewAccount {
            id: crate::domain::id::new_id(),
            username: username.clone(),
            password_hash: password_hash.to_owned(),
            role: role.into(),
            enterprise_id,
            province: province.map(str::to_owned),
            disabled: false,
            created_at: crate::time::now(),
        };
        account::insert(conn, &new)?;
        let shown = json!({"username": new.username, "role": new.role, "enterprise_id": new.enterprise_id, "province": new.province});
        audit::created(conn, actor, "account", &new.id, &shown)?;
        made.push((username, role.to_owned()));
        Ok(())
    };
    add(conn, "admin".into(), "admin", None, None)?;
    for (n, e) in set.enterprises.iter().enumerate() {
        add(
            conn,
            format!("producer{}", n + 1),
            "producer",
            ids.get(e.key.as_str()).cloned(),
            None,
        )?;
    }
    for n in 1..=12 {
        let province = if n <= 10 { PROVINCE } else { OTHER_PROVINCE };
        add(
            conn,
            format!("regulator{n}"),
            "regulator",
            None,
            Some(province),
        )?;
    }
    Ok(made)
}
