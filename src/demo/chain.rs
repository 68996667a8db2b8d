//! The demo's supply chain across enterprises (README, "Supply chain"):
//! the pomelo farm of Hợp tác xã Nông nghiệp Chánh An (E14) ships its two
//! lots of green-skin pomelo to the packing house of Công ty TNHH Bưởi da
//! xanh Vũng Liêm (E07), which packs them into net bags shipped on to the
//! exporter in Cái Vồn (E17), and makes gift boxes of them (a
//! transformation across enterprises); the fish farm in Phú Thành (E13)
//! lands a fishing boat's catch, recorded as an external lot received from
//! the boat as an outside party. Everything goes through the same use
//! cases as the API.

use chrono::{Duration, NaiveDate};
use serde_json::json;
use std::collections::HashMap;

use crate::config::Config;
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role};
use crate::domain::id::Id;
use crate::error::AppResult;
use crate::models::batch::BatchFields;
use crate::models::event::{EventFields, EventInputFields};
use crate::models::party::PartyFields;
use crate::service::{self, handovers};

use super::{at, bad, id_of};

/// A demo batch: its id and harvest day.
pub type Lot = (String, NaiveDate);

/// The lots the chain made: to be stamped like every other demo lot; the
/// gift boxes first, the lot whose stamp shows the chain.
pub struct Chain {
    pub lots: Vec<String>,
    pub events: usize,
}

fn receive_as(enterprise_id: &str) -> Caller {
    Caller {
        account_id: String::new(),
        username: "demo".into(),
        role: Role::Producer {
            enterprise_id: enterprise_id.to_owned(),
        },
        token_id: String::new(),
    }
}

fn input(batch: &str, kg: f64) -> EventInputFields {
    EventInputFields {
        batch_id: Id::parse(batch).expect("a demo id"),
        quantity: Some(kg),
        unit: Some("kg".into()),
    }
}

pub fn load(
    conn: &mut DbConnection,
    config: &Config,
    system: &Caller,
    ids: &HashMap<&str, String>,
    lots: &HashMap<String, Vec<Lot>>,
) -> AppResult<Chain> {
    let farm_lots = lots.get("P52").ok_or_else(|| bad("no lots of P52"))?;
    let packer = id_of(ids, "E07")?.into_string();
    let exporter = id_of(ids, "E17")?.into_string();
    let farm = id_of(ids, "F30")?.into_string();
    let packing_house = id_of(ids, "F20")?.into_string();
    let to_packer = service::parties::create(
        conn,
        system,
        PartyFields {
            enterprise_id: Some(packer.clone()),
            ..PartyFields::default()
        },
    )?;
    let mut events = 0;
    let mut last_day = NaiveDate::MIN;
    for (n, (lot, day)) in farm_lots.iter().enumerate() {
        let shipped_on = *day + Duration::days(1);
        last_day = last_day.max(shipped_on);
        hand_over(
            conn,
            system,
            config,
            lot,
            handovers::Shipment {
                to_party_id: Id::parse(&to_packer.id),
                facility_id: Id::parse(&farm),
                occurred_at: Some(at(shipped_on, 6)),
                quantity: Some(1200.0),
                unit: Some("kg".into()),
                details: Some(json!({"vehicle": "Xe tải 64C-123.45",
                    "reference_document": {"type": "delivery_note", "number": format!("PGH-CA-{}", shipped_on.format("%y%m%d"))}})),
            },
            handovers::Acceptance {
                quantity: Some(1180.0),
                facility_id: Id::parse(&packing_house),
                reference_type: Some("delivery_note".into()),
                reference_number: Some(format!("PNK-VL-{:04}", n + 1)),
                occurred_at: Some(at(shipped_on, 10)),
            },
        )?;
        events += 2;
    }
    let made_on = last_day + Duration::days(1);
    let new_lot = |conn: &mut DbConnection, product: &str, lot: &str, quantity: f64, unit: &str| {
        service::batches::create(
            conn,
            system,
            BatchFields {
                product_id: Some(id_of(ids, product)?),
                facility_id: Id::parse(&packing_house),
                lot_code: Some(lot.into()),
                produced_on: Some(made_on.to_string()),
                quantity: Some(quantity),
                unit: Some(unit.into()),
                expires_on: Some(Some((made_on + Duration::days(30)).to_string())),
                market: None,
            },
        )
        .map(|b| b.batch.id)
    };
    let step =
        |kind: &str, inputs: Vec<EventInputFields>, details: serde_json::Value| EventFields {
            kind: Some(kind.into()),
            occurred_at: Some(at(made_on, 8)),
            facility_id: Id::parse(&packing_house),
            details: Some(details),
            inputs: Some(inputs),
        };
    let code = made_on.format("%y%m%d");
    let gift_boxes = new_lot(conn, "P21", &format!("VL{code}-HQ-CHAIN"), 150.0, "box")?;
    let bags = new_lot(conn, "P22", &format!("VL{code}-TL-CHAIN"), 500.0, "bag")?;
    let from = |share: f64| -> Vec<EventInputFields> {
        farm_lots.iter().map(|(lot, _)| input(lot, share)).collect()
    };
    service::batches::record_event(
        conn,
        system,
        config,
        &gift_boxes,
        step(
            "transformation",
            from(300.0),
            json!({"quantity": 150, "unit": "box", "process": "Đóng hộp quà 2 trái từ bưởi da xanh nhận của HTX Chánh An"}),
        ),
    )?;
    service::batches::record_event(
        conn,
        system,
        config,
        &bags,
        step(
            "packing",
            from(850.0),
            json!({"quantity": 500, "unit": "bag", "packaging": "Túi lưới 2 trái có tem truy xuất", "packages": 500}),
        ),
    )?;
    events += 2;
    let to_exporter = service::parties::create(
        conn,
        system,
        PartyFields {
            enterprise_id: Some(exporter.clone()),
            ..PartyFields::default()
        },
    )?;
    hand_over(
        conn,
        system,
        config,
        &bags,
        handovers::Shipment {
            to_party_id: Id::parse(&to_exporter.id),
            facility_id: Id::parse(&packing_house),
            occurred_at: Some(at(made_on, 14)),
            quantity: Some(500.0),
            unit: Some("bag".into()),
            details: Some(
                json!({"reference_document": {"type": "delivery_note", "number": format!("PGH-BX-{code}")}}),
            ),
        },
        handovers::Acceptance {
            quantity: Some(500.0),
            facility_id: Some(id_of(ids, "F37")?),
            reference_type: Some("delivery_note".into()),
            reference_number: Some(format!("BBGN-CV-{code}")),
            occurred_at: Some(at(made_on, 17)),
        },
    )?;
    events += 2;
    events += landing(conn, config, ids, made_on)?;
    Ok(Chain {
        lots: vec![gift_boxes, bags],
        events,
    })
}

/// Ships `lot` and accepts it at once: a handover both sides have done.
fn hand_over(
    conn: &mut DbConnection,
    system: &Caller,
    config: &Config,
    lot: &str,
    shipment: handovers::Shipment,
    acceptance: handovers::Acceptance,
) -> AppResult<()> {
    let shipped = handovers::ship(conn, system, config, lot, shipment)?;
    let receipt = shipped.handover.ok_or_else(|| bad("no receipt"))?;
    handovers::accept(conn, system, config, &receipt.handover.id, acceptance)?;
    Ok(())
}

/// A fishing boat's catch landed at the fish farm's jetty: an external
/// lot from a party outside the service.
fn landing(
    conn: &mut DbConnection,
    config: &Config,
    ids: &HashMap<&str, String>,
    day: NaiveDate,
) -> AppResult<usize> {
    let fish_farm = id_of(ids, "E13")?.into_string();
    let caller = receive_as(&fish_farm);
    let boat = service::parties::create(
        conn,
        &caller,
        PartyFields {
            business_name: Some("Tàu cá VL-91234-TS".into()),
            street: Some("Bến cá Trà Ôn".into()),
            province: Some("Vĩnh Long".into()),
            phone: Some(Some("0912 345 678".into())),
            ..PartyFields::default()
        },
    )?;
    let landed = handovers::record_external(
        conn,
        &caller,
        config,
        handovers::ExternalLot {
            party_id: Id::parse(&boat.id),
            product_id: Some(id_of(ids, "P49")?),
            facility_id: Some(id_of(ids, "F28")?),
            lot_code: Some(format!("TC91234-{}", day.format("%y%m%d"))),
            product_description: Some("Cá lóc đồng đánh bắt tự nhiên".into()),
            quantity: Some(800.0),
            unit: Some("kg".into()),
            reference_type: Some("other".into()),
            reference_number: Some("PC-TO-0912".into()),
            occurred_at: Some(at(day, 5)),
            details: Some(json!({"note": "Cập cảng từ tàu cá VL-91234-TS"})),
        },
    )?;
    // The catch comes ashore from a boat: FSMA 204's first land-based
    // receiving (§1.1335), with the vessel, catch area and landing date.
    service::batches::record_event(
        conn,
        &caller,
        config,
        &landed.handover.batch_id,
        EventFields {
            kind: Some("first_land_receiving".into()),
            occurred_at: Some(at(day, 6)),
            facility_id: Some(id_of(ids, "F28")?),
            details: Some(json!({
                "vessel": "Tàu cá VL-91234-TS",
                "catch_area": "Sông Hậu, đoạn Trà Ôn",
                "species": "Cá lóc (Channa striata)",
                "landing_date": day.format("%Y-%m-%d").to_string(),
                "quantity": 800,
                "unit": "kg",
            })),
            inputs: None,
        },
    )?;
    Ok(2)
}
