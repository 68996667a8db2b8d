//! Serial codec and GS1 Digital Link parsing: the work done on every public
//! lookup before any I/O.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

use tracestamp::domain::digital_link::DigitalLink;
use tracestamp::domain::serial::{SerialCodec, SerialKey};

fn codec() -> SerialCodec {
    SerialCodec::new(
        SerialKey {
            id: 1,
            secret: [7; 32],
        },
        Vec::new(),
    )
    .expect("one key")
}

fn serials(c: &mut Criterion) {
    let codec = codec();
    let serial = codec.encode(123_456, 654_321).expect("in range");
    let mut forged = serial.clone().into_bytes();
    forged[5] = if forged[5] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    let mut group = c.benchmark_group("serial");
    group.bench_function("encode", |b| {
        b.iter(|| codec.encode(black_box(123_456), black_box(654_321)))
    });
    group.bench_function("verify genuine", |b| {
        b.iter(|| codec.decode(black_box(&serial)))
    });
    group.bench_function("verify forged", |b| {
        b.iter(|| codec.decode(black_box(&forged)))
    });
    group.finish();
}

fn digital_links(c: &mut Criterion) {
    let mut group = c.benchmark_group("digital link");
    group.bench_function("parse stamp link", |b| {
        b.iter(|| {
            DigitalLink::parse(
                black_box("/01/08930000000017/10/NAMROI-2026-11/21/7K3QM9XTMA0B1C2D3E4F"),
                black_box(None),
            )
        })
    });
    group.bench_function("parse with percent-encoding and a date", |b| {
        b.iter(|| {
            DigitalLink::parse(
                black_box("/01/8930000000017/10/L%C3%94-11%2F26/21/7K3QM9XTMA0B1C2D3E4F"),
                black_box(Some("17=261231&linkType=gs1:pip")),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, serials, digital_links);
criterion_main!(benches);
