//! Any bytes as the JSON body of the API's create and PATCH requests, as
//! the JSON extractor hands them over: deserialising and validating never
//! panics, and a body that validates holds only values within the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracestamp::models::batch::BatchFields;
use tracestamp::models::certification::CertificationFields;
use tracestamp::models::enterprise::EnterpriseFields;
use tracestamp::models::event::EventFields;
use tracestamp::models::facility::FacilityFields;
use tracestamp::models::product::ProductFields;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap();
    let id = || "0193a8f0-0000-7000-8000-000000000001".to_owned();
    match selector % 6 {
        0 => {
            if let Ok(f) = serde_json::from_slice::<EnterpriseFields>(body) {
                if let Ok(row) = f.create(id(), now) {
                    assert!(row.name.chars().count() <= 200);
                }
            }
        }
        1 => {
            if let Ok(f) = serde_json::from_slice::<FacilityFields>(body) {
                if let Ok(row) = f.create(id(), id(), now) {
                    assert!(row.latitude.is_none_or(|l| (-90.0..=90.0).contains(&l)));
                }
            }
        }
        2 => {
            if let Ok(f) = serde_json::from_slice::<ProductFields>(body) {
                let _ = f.create(id(), id(), now);
            }
        }
        3 => {
            if let Ok(f) = serde_json::from_slice::<BatchFields>(body) {
                if let Ok(row) = f.create(id(), now) {
                    assert!(row.quantity > 0.0 && row.quantity.is_finite());
                    assert!(!row.lot_code.is_empty() && row.lot_code.chars().count() <= 20);
                }
            }
        }
        4 => {
            if let Ok(f) = serde_json::from_slice::<CertificationFields>(body) {
                if let Ok(row) = f.create(id(), id(), now) {
                    assert!(row.valid_from <= row.valid_to);
                }
            }
        }
        _ => {
            if let Ok(f) = serde_json::from_slice::<EventFields>(body) {
                if let Ok(new) = f.create(id(), id(), None, now) {
                    assert!(new.inputs.len() <= 100);
                    assert!(new.row.details.len() <= 16 * 1024);
                }
            }
        }
    }
});
