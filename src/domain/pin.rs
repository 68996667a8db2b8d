//! Scratch-off PINs: the second factor printed under a scratch-off coating
//! beside each stamp's QR code.
//!
//! A photocopied QR resolves like the original, so the QR alone cannot prove
//! that its holder has the original label. The PIN can: it is printed under
//! a coating that must be scratched off (a copy of an unscratched label does
//! not show it), it is never in the QR, and the first correct entry claims
//! the stamp; every later correct entry is evidence of a copy.
//!
//! The PIN is derived, not stored, so a roll stays one row: 8 decimal digits
//! from HMAC-SHA-256 over the stamp's key id, roll and index, under a secret
//! derived from the serial key that signed the stamp (`SerialCodec::
//! derive_secret_for`) with its own domain tag. Being keyed by the stamp's own
//! key id, a PIN survives key rotation exactly as its serial does. The first
//! 8 bytes of the MAC are reduced modulo 10^8: the bias is below 10^8 / 2^64
//! (about 5·10^-12), so every PIN is as likely as any other.
//!
//! Guessing is bounded by [`ClaimLimits`]: at most 20 wrong PINs in a stamp's
//! life (5 per 24 hours), so a guesser wins with probability at most
//! 20 / 10^8 = 2·10^-7 per stamp.

use chrono::{Duration, NaiveDateTime};
use hmac::digest::{Key, KeyInit};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

use super::serial::{SerialCodec, SerialError, StampRef};

/// Digits in a PIN: 10^8 possibilities, short enough to type from a label.
pub const PIN_DIGITS: usize = 8;
/// 10^PIN_DIGITS.
const PIN_SPACE: u64 = 100_000_000;
/// Separates PIN MACs from the serial MAC and every other derived secret.
const DOMAIN_TAG: &[u8] = b"tracestamp/pin/v1";

/// Derives the PINs of the stamps signed by one serial key.
#[derive(Clone)]
pub struct PinKey {
    key_id: u8,
    mac: Hmac<Sha256>,
}

impl PinKey {
    /// The PIN key of serial key `key_id` (the one that signed the stamps).
    pub fn new(codec: &SerialCodec, key_id: u8) -> Result<Self, SerialError> {
        let secret = codec.derive_secret_for(key_id, DOMAIN_TAG)?;
        // Zero-padded to the block size, which RFC 2104 §2 defines as the
        // same key, so the infallible constructor can be used.
        let mut key = Key::<Hmac<Sha256>>::default();
        for (slot, byte) in key.iter_mut().zip(secret) {
            *slot = byte;
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&key);
        mac.update(DOMAIN_TAG);
        Ok(PinKey { key_id, mac })
    }

    /// The PIN of stamp `index` on roll `roll` signed with this key, as 8
    /// digits (leading zeros kept).
    pub fn pin(&self, roll: u32, index: u32) -> String {
        let mut mac = self.mac.clone();
        mac.update(&[self.key_id]);
        mac.update(&roll.to_be_bytes());
        mac.update(&index.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let first = digest
            .iter()
            .take(8)
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        format!("{:0width$}", first % PIN_SPACE, width = PIN_DIGITS)
    }

    /// Whether `pin` (already normalised) is the stamp's, compared in
    /// constant time so timing tells nothing about the right digits.
    pub fn verifies(&self, stamp: StampRef, pin: &str) -> bool {
        let expected = self.pin(stamp.roll, stamp.index);
        expected.len() == pin.len()
            && expected
                .bytes()
                .zip(pin.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

/// Why a typed PIN is not even shaped like one. Such input cannot match any
/// PIN, so it is not counted as a guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinError {
    /// Number of digits found.
    Length(usize),
    NotDigit(char),
}

impl PinError {
    /// The reason in English and Vietnamese.
    pub fn explain(&self) -> (String, String) {
        match self {
            PinError::Length(n) => (
                format!("a PIN has {PIN_DIGITS} digits, but {n} were given"),
                format!("mã PIN có {PIN_DIGITS} chữ số, nhưng bạn đã nhập {n}"),
            ),
            PinError::NotDigit(c) => (
                format!("a PIN has digits only, not {c:?}"),
                format!("mã PIN chỉ gồm chữ số, không có {c:?}"),
            ),
        }
    }
}

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explain().0)
    }
}

/// Cleans a PIN typed by a person: spaces and dashes (as printed in groups)
/// are dropped; what is left must be exactly 8 ASCII digits.
pub fn normalize_typed(input: &str) -> Result<String, PinError> {
    let mut digits = String::with_capacity(PIN_DIGITS);
    for c in input.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        if !c.is_ascii_digit() {
            return Err(PinError::NotDigit(c));
        }
        digits.push(c);
    }
    match digits.len() {
        PIN_DIGITS => Ok(digits),
        n => Err(PinError::Length(n)),
    }
}

/// A PIN as printed: two groups of four, easier to read and type.
pub fn group(pin: &str) -> String {
    match (pin.get(..4), pin.get(4..)) {
        (Some(head), Some(tail)) if !tail.is_empty() => format!("{head} {tail}"),
        _ => pin.to_owned(),
    }
}

/// How many wrong PINs a stamp takes. Only wrong, well-formed PINs count.
/// Past either limit every entry is refused, the right PIN too: that is what
/// bounds guessing. The price is that whoever knows a serial (it is printed
/// in clear) can spend a stamp's attempts; the daily window limits that to a
/// day's delay until the lifetime cap is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimLimits {
    pub per_window: i32,
    pub window_hours: i64,
    pub lifetime: i32,
}

/// 5 wrong PINs per 24 hours, 20 in a stamp's life: a guesser's chance is at
/// most 20 / 10^8.
pub const CLAIM_LIMITS: ClaimLimits = ClaimLimits {
    per_window: 5,
    window_hours: 24,
    lifetime: 20,
};

/// The wrong PINs recorded for one stamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WrongPins {
    pub lifetime: i32,
    /// Wrong PINs since `window_started`.
    pub in_window: i32,
    /// When the current window began: at its first wrong PIN.
    pub window_started: Option<NaiveDateTime>,
}

/// Why an entry is refused before its PIN is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// Until the window ends.
    Until(NaiveDateTime),
    /// The lifetime cap is spent.
    ForGood,
}

impl WrongPins {
    fn window_open(&self, now: NaiveDateTime, limits: &ClaimLimits) -> Option<NaiveDateTime> {
        self.window_started
            .map(|start| start + Duration::hours(limits.window_hours))
            .filter(|end| *end > now)
    }

    /// Whether an entry at `now` may be compared at all.
    pub fn blocked(&self, now: NaiveDateTime, limits: &ClaimLimits) -> Option<Blocked> {
        if self.lifetime >= limits.lifetime {
            return Some(Blocked::ForGood);
        }
        match self.window_open(now, limits) {
            Some(end) if self.in_window >= limits.per_window => Some(Blocked::Until(end)),
            _ => None,
        }
    }

    /// The record after one more wrong PIN at `now`.
    pub fn after_wrong(&self, now: NaiveDateTime, limits: &ClaimLimits) -> WrongPins {
        let (in_window, window_started) = match self.window_open(now, limits) {
            Some(_) => (self.in_window + 1, self.window_started),
            None => (1, Some(now)),
        };
        WrongPins {
            lifetime: self.lifetime + 1,
            in_window,
            window_started,
        }
    }

    /// Wrong PINs still allowed now (for telling the consumer).
    pub fn left(&self, now: NaiveDateTime, limits: &ClaimLimits) -> i32 {
        let window = match self.window_open(now, limits) {
            Some(_) => limits.per_window - self.in_window,
            None => limits.per_window,
        };
        window.min(limits.lifetime - self.lifetime).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::serial::SerialKey;
    use proptest::prelude::*;

    fn codec(current: u8, older: &[u8]) -> SerialCodec {
        let key = |id: u8| SerialKey {
            id,
            secret: [id.wrapping_mul(7).wrapping_add(1); 32],
        };
        SerialCodec::new(key(current), older.iter().map(|id| key(*id)).collect()).unwrap()
    }

    fn t(hours: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000, 0)
            .unwrap()
            .naive_utc()
            + Duration::hours(hours)
    }

    #[test]
    fn pins_are_eight_digits_and_differ_between_stamps() {
        let key = PinKey::new(&codec(0, &[]), 0).unwrap();
        let pins: std::collections::BTreeSet<String> = (0..1000).map(|i| key.pin(42, i)).collect();
        assert!(pins.len() >= 999, "{} distinct of 1000", pins.len());
        for pin in &pins {
            assert_eq!(pin.len(), PIN_DIGITS);
            assert!(pin.bytes().all(|b| b.is_ascii_digit()));
        }
        assert_ne!(key.pin(42, 0), key.pin(43, 0));
    }

    #[test]
    fn format_is_stable() {
        // Printed PINs live for years: the MAC is recomputed the plain way
        // here (unpadded key, tag and fields fed per call).
        let codec = codec(3, &[]);
        let secret = codec.derive_secret_for(3, b"tracestamp/pin/v1").unwrap();
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&secret).unwrap();
        mac.update(b"tracestamp/pin/v1");
        mac.update(&[3]);
        mac.update(&123_456u32.to_be_bytes());
        mac.update(&789u32.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        let expected = format!("{:08}", u64::from_be_bytes(first) % 100_000_000);
        assert_eq!(PinKey::new(&codec, 3).unwrap().pin(123_456, 789), expected);
    }

    #[test]
    fn a_pin_survives_rotation_and_depends_on_the_key() {
        let before = codec(1, &[]);
        let after = codec(2, &[1]);
        let stamp = StampRef {
            key_id: 1,
            roll: 7,
            index: 3,
        };
        let printed = PinKey::new(&before, 1).unwrap().pin(7, 3);
        assert!(PinKey::new(&after, 1).unwrap().verifies(stamp, &printed));
        assert_ne!(PinKey::new(&after, 2).unwrap().pin(7, 3), printed);
        assert!(PinKey::new(&after, 5).is_err());
        // Not the serial's MAC nor any other derived secret.
        assert_ne!(
            before.derive_secret_for(1, DOMAIN_TAG).unwrap(),
            before.derive_secret(b"tracestamp/scan-origin/v1")
        );
    }

    #[test]
    fn verification_refuses_near_misses() {
        let key = PinKey::new(&codec(0, &[]), 0).unwrap();
        let stamp = StampRef {
            key_id: 0,
            roll: 9,
            index: 9,
        };
        let pin = key.pin(9, 9);
        assert!(key.verifies(stamp, &pin));
        for position in 0..PIN_DIGITS {
            let mut wrong: Vec<u8> = pin.bytes().collect();
            wrong[position] = b'0' + (wrong[position] - b'0' + 1) % 10;
            assert!(!key.verifies(stamp, std::str::from_utf8(&wrong).unwrap()));
        }
        assert!(!key.verifies(stamp, &pin[..7]));
        assert!(!key.verifies(stamp, ""));
    }

    #[test]
    fn typed_pins_are_cleaned_or_explained() {
        assert_eq!(normalize_typed(" 1234-5678 "), Ok("12345678".into()));
        assert_eq!(normalize_typed("1234 5678\t"), Ok("12345678".into()));
        assert_eq!(normalize_typed("1234567"), Err(PinError::Length(7)));
        assert_eq!(normalize_typed(""), Err(PinError::Length(0)));
        assert_eq!(normalize_typed("12345678 9"), Err(PinError::Length(9)));
        assert_eq!(normalize_typed("1234567O"), Err(PinError::NotDigit('O')));
        assert_eq!(normalize_typed("١٢٣٤٥٦٧٨"), Err(PinError::NotDigit('١')));
        let (en, vi) = PinError::Length(7).explain();
        assert!(en.contains("8 digits") && vi.contains("8 chữ số"));
        assert_eq!(group("12345678"), "1234 5678");
        assert_eq!(group("123"), "123");
    }

    #[test]
    fn the_window_limits_and_then_reopens() {
        let limits = CLAIM_LIMITS;
        let mut wrong = WrongPins::default();
        for _ in 0..5 {
            assert_eq!(wrong.blocked(t(0), &limits), None);
            wrong = wrong.after_wrong(t(0), &limits);
        }
        assert_eq!(wrong.left(t(0), &limits), 0);
        assert_eq!(wrong.blocked(t(1), &limits), Some(Blocked::Until(t(24))));
        // A day after the window's first wrong PIN, a new window opens.
        assert_eq!(wrong.blocked(t(24), &limits), None);
        assert_eq!(wrong.left(t(24), &limits), 5);
        let next = wrong.after_wrong(t(24), &limits);
        assert_eq!((next.lifetime, next.in_window), (6, 1));
        assert_eq!(next.window_started, Some(t(24)));
    }

    #[test]
    fn the_lifetime_cap_is_final() {
        let limits = CLAIM_LIMITS;
        let mut wrong = WrongPins::default();
        let mut hour = 0;
        while wrong.blocked(t(hour), &limits).is_none() {
            wrong = wrong.after_wrong(t(hour), &limits);
            hour += 25;
        }
        assert_eq!(wrong.lifetime, 20);
        assert_eq!(wrong.blocked(t(hour * 10), &limits), Some(Blocked::ForGood));
        assert_eq!(wrong.left(t(hour * 10), &limits), 0);
    }

    proptest! {
        /// However entries are spread in time, no more than the lifetime cap
        /// of wrong PINs is ever compared, nor more than the window allows
        /// within any one window.
        #[test]
        fn guesses_never_exceed_the_bound(gaps in proptest::collection::vec(0i64..30, 1..200)) {
            let limits = CLAIM_LIMITS;
            let mut wrong = WrongPins::default();
            let mut now = t(0);
            let mut compared = 0;
            for gap in gaps {
                now += Duration::hours(gap);
                if wrong.blocked(now, &limits).is_none() {
                    wrong = wrong.after_wrong(now, &limits);
                    compared += 1;
                }
                prop_assert!(wrong.in_window <= limits.per_window);
            }
            prop_assert!(compared <= limits.lifetime);
        }

        #[test]
        fn typed_input_never_panics(input in any::<String>()) {
            let _ = normalize_typed(&input);
            let _ = group(&input);
        }
    }
}
