//! The resolver's answer once the record is in memory: the JSON body and the
//! consumer page. With the cache, this is most of a genuine scan's work.

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use tracestamp::domain::verdict::Verdict;
use tracestamp::pages::i18n::Lang;
use tracestamp::public::record::{
    BatchRecord, PublicBatch, PublicCertification, PublicEnterprise, PublicEvent, PublicFacility,
    PublicInspection, PublicProduct,
};
use tracestamp::resolver::page;
use tracestamp::resolver::record;
use tracestamp::resolver::StampAnswer;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

fn at(d: NaiveDate, h: u32) -> NaiveDateTime {
    d.and_hms_opt(h, 0, 0).expect("a time")
}

/// A record like the demo set's: a pomelo batch with a few events.
fn record() -> BatchRecord {
    let harvest = date(2026, 11, 1);
    let event = |kind: &str, day: u32| PublicEvent {
        kind: kind.into(),
        occurred_at: at(date(2026, 11, day), 8),
        facility: "Vườn bưởi Mỹ Hòa".into(),
        details: serde_json::json!({"quantity": 2500, "unit": "kg"}),
        corrected_at: None,
        photos: Vec::new(),
    };
    BatchRecord {
        product: PublicProduct {
            name_vi: "Bưởi Năm Roi".into(),
            name_en: "Nam Roi pomelo".into(),
            name_zh: None,
            category: "fruit".into(),
            variety: Some("Năm Roi".into()),
            gtin: Some("08930000000017".into()),
            unit: "kg".into(),
            image_url: None,
            standards: Some("VietGAP".into()),
        },
        enterprise: PublicEnterprise {
            name: "Hợp tác xã Bưởi Năm Roi Mỹ Hòa".into(),
            tax_code: "1500000000".into(),
            address: "Ấp Mỹ Hòa, xã Mỹ Hòa, huyện Bình Minh".into(),
            province: "Vĩnh Long".into(),
            contact_phone: Some("0912 417 806".into()),
            zalo_url: Some("https://zalo.me/0912417806".into()),
        },
        facility: PublicFacility {
            name: "Vườn bưởi Mỹ Hòa".into(),
            kind: "farm".into(),
            district: "Bình Minh".into(),
            province: "Vĩnh Long".into(),
            place: Some("phường Cái Vồn, tỉnh Vĩnh Long".into()),
            former_place: Some("xã Mỹ Hòa, thị xã Bình Minh, tỉnh Vĩnh Long".into()),
            latitude: Some(10.05),
            longitude: Some(105.82),
            area_code: Some("VN-VLOR-0001".into()),
            status: "active".into(),
        },
        certifications: vec![PublicCertification {
            scheme: "VietGAP".into(),
            number: "VG-0001".into(),
            issuer: "Trung tâm chứng nhận".into(),
            valid_from: date(2025, 1, 1),
            valid_to: date(2027, 12, 31),
        }],
        batch: PublicBatch {
            lot_code: "NAMROI-2026-11".into(),
            produced_on: harvest,
            expires_on: Some(date(2026, 12, 1)),
            quantity: 2500.0,
            unit: "kg".into(),
            status: "active".into(),
            recall_reason: None,
            recalled_at: None,
            recall_authority: None,
            former_lot_codes: Vec::new(),
        },
        events: vec![
            event("input_application", 1),
            event("harvesting", 2),
            event("packing", 3),
        ],
        latest_inspection: Some(PublicInspection {
            inspected_on: date(2026, 10, 1),
            result: "pass".into(),
        }),
        sources: Vec::new(),
        market: None,
        export_codes: Vec::new(),
        lab_results: Vec::new(),
    }
}

fn answers(c: &mut Criterion) {
    let record = record();
    let answer = StampAnswer {
        verdict: Verdict::Genuine,
        void: None,
        recall_hotline: None,
        serial: "7K3QM9XTMA0B1C2D3E4F".into(),
        serial_grouped: "7K3Q-M9XT-MA0B-1C2D-3E4F".into(),
        scan_count: 1,
        first_scanned_at: Some(at(date(2026, 11, 20), 9)),
        first_checked_in: Some("Vĩnh Long"),
        checkers: 1,
        checked_before: false,
        claimed: false,
        claimed_at: None,
        later_claims: 0,
        copied_taps: 0,
        official_site: "https://tx.example.vn",
        nfc_verified: false,
        record: &record,
    };
    // As the resolver's cache holds it: serialised once per record.
    let tail = record::json_tail(&record).expect("serialises");
    let mut group = c.benchmark_group("resolver answer");
    group.bench_function("json", |b| {
        b.iter(|| {
            black_box(&answer)
                .to_json(tail.clone())
                .expect("serialises")
        })
    });
    // What each answer cost before the record's members were cached.
    group.bench_function("json, record serialised per answer", |b| {
        b.iter(|| {
            let tail = record::json_tail(black_box(&record)).expect("serialises");
            black_box(&answer).to_json(tail).expect("serialises")
        })
    });
    // As the resolver's cache holds it: the record's section rendered once
    // per record and language.
    let sections = [Lang::Vi, Lang::En, Lang::Zh].map(|l| page::record_section(&record, l));
    group.bench_function("html vi", |b| {
        b.iter(|| page::stamp(black_box(&answer), Lang::Vi, &sections[0]))
    });
    group.bench_function("html en", |b| {
        b.iter(|| page::stamp(black_box(&answer), Lang::En, &sections[1]))
    });
    group.bench_function("html zh", |b| {
        b.iter(|| page::stamp(black_box(&answer), Lang::Zh, &sections[2]))
    });
    // What each page cost before the record's section was cached.
    group.bench_function("html vi, record rendered per answer", |b| {
        b.iter(|| {
            let section = page::record_section(black_box(&record), Lang::Vi);
            page::stamp(black_box(&answer), Lang::Vi, &section)
        })
    });
    // A reload by the same client: the page then says when and where the
    // stamp was first checked (every page of the load script after the
    // first scan of its stamp is of this kind).
    let again = StampAnswer {
        scan_count: 2,
        checked_before: true,
        ..answer
    };
    group.bench_function("html vi, checked before", |b| {
        b.iter(|| page::stamp(black_box(&again), Lang::Vi, &sections[0]))
    });
    group.bench_function("html en, checked before", |b| {
        b.iter(|| page::stamp(black_box(&again), Lang::En, &sections[1]))
    });
    group.finish();
}

criterion_group!(benches, answers);
criterion_main!(benches);
