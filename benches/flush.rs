//! The scan flusher's cost per scan (`ScanBuffer::flush`): 10,000 scans a
//! flush, each of a random stamp among 100,000 already scanned once, each
//! stamp from a network of its own among 256, written with their summaries and daily rollup, as
//! `scripts/load.sh` makes it write at full load. The table grows by every
//! flush the benchmark runs, as it does under load.
//!
//! SQLite in a temporary file by default; `BENCH_DATABASE_URL` names another
//! database (an empty PostgreSQL one, or a SQLite path to keep the data).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

use tracestamp::domain::places::Place;
use tracestamp::domain::verdict::Verdict;
use tracestamp::resolver::scans::{ClientClass, NewScan, Origin, ScanBuffer};

mod support;

const STAMPS: u64 = 100_000;
const PER_FLUSH: u64 = 10_000;
const ROLL: i64 = 1;

/// A scan of stamp `n`, from the one of 256 networks that checks it: each
/// stamp's summary holds one checker group, as the load script's do.
fn scan(n: u64) -> NewScan {
    let mix = (n % STAMPS).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    NewScan {
        stamp: Some((ROLL, (n % STAMPS) as i64)),
        serial: format!("B{:019}", n % STAMPS).as_str().into(),
        scanned_at: tracestamp::time::now(),
        origin: Some(Origin {
            network: mix % 256,
            region: mix % 16,
            place: Place::named("Vĩnh Long"),
        }),
        device: None,
        client_class: ClientClass::Mobile,
        verdict: Verdict::Genuine,
    }
}

fn flush(c: &mut Criterion) {
    let (_dir, mut conn) = support::database();
    let buffer = ScanBuffer::new(usize::MAX);
    for n in 0..STAMPS {
        buffer.push(scan(n));
    }
    assert_eq!(
        buffer.flush(&mut conn).expect("the first scans"),
        STAMPS as usize
    );

    let mut group = c.benchmark_group("scan_flush");
    group.sample_size(20);
    group.throughput(Throughput::Elements(PER_FLUSH));
    let mut round = 0u64;
    group.bench_function("10,000 scans of 100,000 stamps", |b| {
        b.iter_batched(
            || {
                round += 1;
                for i in 0..PER_FLUSH {
                    // Random stamps: a multiplicative hash of the draw.
                    buffer.push(scan((round * PER_FLUSH + i).wrapping_mul(2_654_435_761)));
                }
            },
            |()| buffer.flush(&mut conn).expect("a flush"),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, flush);
criterion_main!(benches);
