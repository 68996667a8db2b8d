//! QR images and PDF label sheets: what printing a roll costs.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use tracestamp::labels::qr::{qr_png, qr_svg};
use tracestamp::labels::sheet::{write_sheet, Label, LabelLang, Layout};

/// A short-form stamp URL written in upper case, as printed on labels.
const URL: &str = "HTTPS://TX.EXAMPLE.VN/S/7K3QM9XTMA0B1C2D3E4F";

fn qr_images(c: &mut Criterion) {
    let mut group = c.benchmark_group("qr");
    group.bench_function("svg", |b| b.iter(|| qr_svg(black_box(URL))));
    group.bench_function("png 300 px", |b| b.iter(|| qr_png(black_box(URL), 300)));
    group.finish();
}

fn label_page(c: &mut Criterion) {
    let layout = Layout::A4_3x8;
    let labels: Vec<Label> = (0..layout.per_page())
        .map(|i| Label {
            lang: LabelLang::Vi,
            url: format!("HTTPS://TX.EXAMPLE.VN/S/7K3QM9XTMA0B1C2D{i:03}"),
            product_name: "Bưởi Năm Roi Mỹ Hòa".into(),
            lot: "NAMROI-2026-11".into(),
            serial_grouped: format!("7K3Q-M9XT-MA0B-1C2D-{i:04}"),
            site: "tx.example.vn".into(),
            produced_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 2),
            expires_on: chrono::NaiveDate::from_ymd_opt(2027, 1, 1),
            pin: None,
        })
        .collect();
    let mut group = c.benchmark_group("pdf");
    group.sample_size(20);
    group.bench_function("one A4 page of 24 labels", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(256 * 1024);
            write_sheet(layout, 0, labels.iter().cloned(), &mut out).expect("a sheet");
            out
        })
    });
    group.finish();
}

criterion_group!(benches, qr_images, label_page);
criterion_main!(benches);
