//! A small registry built through the API: three enterprises (two in Vĩnh
//! Long, one in Cần Thơ), each with a facility, a certification, a product,
//! a batch and an event, plus one account of every kind.

use serde_json::{json, Value};

use crate::harness::TestApp;

pub struct Tenant {
    pub token: String,
    pub enterprise: String,
    pub facility: String,
    pub certification: String,
    pub product: String,
    pub batch: String,
    pub event: String,
}

pub struct World {
    pub app: TestApp,
    pub admin: String,
    pub a: Tenant,
    pub b: Tenant,
    /// The enterprise in another province.
    pub c: Tenant,
    pub regulator: String,
    pub other_regulator: String,
}

/// A ward of each province the tests register in (Decision 19/2025/QĐ-TTg
/// codes): Bình Minh (Vĩnh Long), Ninh Kiều (Cần Thơ), Sài Gòn (Thành phố
/// Hồ Chí Minh).
pub fn commune_in(province: &str) -> &'static str {
    match province {
        "Vĩnh Long" => "29771",
        "Cần Thơ" => "31135",
        "Thành phố Hồ Chí Minh" => "26740",
        other => panic!("no test commune in {other}"),
    }
}

pub fn enterprise_body(name: &str, tax_code: &str, province: &str) -> Value {
    json!({"name": name, "tax_code": tax_code, "address": "Ấp Mỹ Thuận", "province": province,
           "commune_code": commune_in(province),
           "phone": "0270 3892 417", "email": "lienhe@hoptac.example.vn"})
}

pub fn facility_body(name: &str, province: &str) -> Value {
    json!({"name": name, "kind": "orchard", "address": "Ấp An Thạnh", "commune_code": commune_in(province),
           "province": province, "latitude": 10.2, "longitude": 105.95, "area_code": "VN-VLOR-0001"})
}

pub fn product_body(name: &str) -> Value {
    json!({"name_vi": name, "name_en": "Nam Roi pomelo", "category": "fruit", "variety": "Năm Roi", "unit": "kg",
           "shelf_life_days": 60})
}

pub fn batch_body(product: &str, facility: &str, lot: &str) -> Value {
    json!({"product_id": product, "facility_id": facility, "lot_code": lot, "produced_on": "2026-11-02",
           "quantity": 2500.0, "unit": "kg", "expires_on": "2027-01-01"})
}

pub fn harvest_body(facility: &str) -> Value {
    json!({"kind": "harvesting", "occurred_at": "2026-11-02T06:30:00+07:00", "facility_id": facility,
           "details": {"quantity": 2500, "unit": "kg"}})
}

async fn tenant(app: &TestApp, admin: &str, n: u32, province: &str) -> Tenant {
    let enterprise = app
        .post(
            "/api/v1/enterprises",
            admin,
            enterprise_body(
                &format!("Hợp tác xã {n}"),
                &format!("150000000{n}"),
                province,
            ),
        )
        .await
        .expect(201)
        .id();
    let token = app.account(
        &format!("producer_{n}"),
        "producer",
        Some(&enterprise),
        None,
    );
    let facility = app
        .post(
            "/api/v1/facilities",
            &token,
            facility_body(&format!("Vườn bưởi {n}"), province),
        )
        .await
        .expect(201)
        .id();
    let certification = app
        .post(
            &format!("/api/v1/facilities/{facility}/certifications"),
            &token,
            json!({"scheme": "vietgap", "number": format!("VietGAP-TT-{n}"), "issuer": "QUACERT",
                   "valid_from": "2025-01-01", "valid_to": "2027-12-31"}),
        )
        .await
        .expect(201)
        .id();
    let product = app
        .post(
            "/api/v1/products",
            &token,
            product_body(&format!("Bưởi Năm Roi {n}")),
        )
        .await
        .expect(201)
        .id();
    let batch = app
        .post(
            "/api/v1/batches",
            &token,
            batch_body(&product, &facility, &format!("LOT-{n}")),
        )
        .await
        .expect(201)
        .id();
    let event = app
        .post(
            &format!("/api/v1/batches/{batch}/events"),
            &token,
            harvest_body(&facility),
        )
        .await
        .expect(201)
        .id();
    Tenant {
        token,
        enterprise,
        facility,
        certification,
        product,
        batch,
        event,
    }
}

impl World {
    pub async fn build() -> Self {
        let app = TestApp::new();
        let admin = app.account("admin", "admin", None, None);
        let a = tenant(&app, &admin, 1, "Vĩnh Long").await;
        let b = tenant(&app, &admin, 2, "Vĩnh Long").await;
        let c = tenant(&app, &admin, 3, "Cần Thơ").await;
        let regulator = app.account("regulator_vl", "regulator", None, Some("Vĩnh Long"));
        let other_regulator = app.account("regulator_ct", "regulator", None, Some("Cần Thơ"));
        World {
            app,
            admin,
            a,
            b,
            c,
            regulator,
            other_regulator,
        }
    }

    /// Hands `quantity` kg of `from`'s `batch` over to `to` (a shipment
    /// accepted in full), so that `to` may use it as an input.
    pub async fn hand_over(&self, from: &Tenant, batch: &str, to: &Tenant, quantity: f64) {
        let party = self
            .app
            .post(
                "/api/v1/parties",
                &from.token,
                serde_json::json!({"enterprise_id": to.enterprise}),
            )
            .await
            .id();
        let shipped = self
            .app
            .post(
                &format!("/api/v1/batches/{batch}/shipments"),
                &from.token,
                serde_json::json!({"to_party_id": party, "facility_id": from.facility,
                    "occurred_at": "2026-11-03T07:00:00+07:00", "quantity": quantity, "unit": "kg",
                    "details": {"reference_document": {"type": "delivery_note", "number": "PGH-1"}}}),
            )
            .await
            .expect(201)
            .body;
        let receipt = shipped["handover"]["id"].as_str().expect("a receipt");
        self.app
            .post(
                &format!("/api/v1/handovers/{receipt}/accept"),
                &to.token,
                serde_json::json!({"quantity": quantity, "facility_id": to.facility,
                    "reference_type": "delivery_note", "reference_number": "PNK-1",
                    "occurred_at": "2026-11-03T15:00:00+07:00"}),
            )
            .await
            .expect(200);
    }
}
