//! Any text as a serial: decoding never panics, only what the codec issued
//! verifies, and what it issued decodes back to the same stamp — also as a
//! person would type it (lower case, spaces, dashes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracestamp::domain::serial::{group, normalize_typed, SerialCodec, SerialKey};

fuzz_target!(|data: &[u8]| {
    let codec = SerialCodec::new(
        SerialKey {
            id: 3,
            secret: [7; 32],
        },
        vec![SerialKey {
            id: 0,
            secret: [1; 32],
        }],
    )
    .expect("valid keys");
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(stamp) = codec.decode(text) {
            let again = codec.encode(stamp.roll, stamp.index).expect("re-encode");
            assert_eq!(codec.decode(&again), Ok(stamp));
        }
        let _ = codec.decode(&normalize_typed(text));
        let _ = group(text);
    }
    if data.len() >= 8 {
        let roll = u32::from_le_bytes(data[..4].try_into().unwrap());
        let index = u32::from_le_bytes(data[4..8].try_into().unwrap());
        if let Ok(serial) = codec.encode(roll, index) {
            let stamp = codec.decode(&serial).expect("own serial verifies");
            assert_eq!((stamp.roll, stamp.index, stamp.key_id), (roll, index, 3));
            let typed = group(&serial).to_lowercase();
            assert_eq!(codec.decode(&normalize_typed(&typed)), Ok(stamp));
        }
    }
});
