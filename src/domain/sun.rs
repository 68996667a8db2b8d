//! Secure Unique NFC (SUN) messages of NXP NTAG 424 DNA tags, as described
//! in NXP's application note AN12196.
//!
//! On every tap the tag mirrors two values into the URL it serves:
//! `picc_data`, 16 bytes encrypted with AES-128-CBC (zero IV) under the
//! tag's SDM meta-read key — a tag byte, the 7-byte UID and the 3-byte read
//! counter (least significant byte first) — and `cmac`, the 8 odd-indexed
//! bytes of an AES-CMAC under a session key that only the tag and the holder
//! of its SDM file-read key can derive for that UID and counter. A copy of
//! the URL verifies too; what gives it away is a counter that does not rise,
//! which is the caller's to check against the counter it stored.
//!
//! Pure: keys in, facts out, no I/O.

use std::fmt;

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use aes::Aes128;
use cmac::{Cmac, Mac};
use serde::Serialize;
use subtle::ConstantTimeEq;

/// Hex digits of the encrypted PICC data in a URL (16 bytes).
pub const PICC_HEX: usize = 32;
/// Hex digits of the truncated CMAC in a URL (8 bytes).
pub const MAC_HEX: usize = 16;
/// The PICC data tag byte we program: UID mirrored (bit 7), read counter
/// mirrored (bit 6), UID length 7 (bits 3–0). Anything else decrypted means
/// the wrong key or a forged message.
const PICC_DATA_TAG: u8 = 0xC7;
/// The fixed prefix of SV2, the input that derives the session MAC key
/// (AN12196 §3.3): `3CC3 0001 0080`.
const SV2_PREFIX: [u8; 6] = [0x3C, 0xC3, 0x00, 0x01, 0x00, 0x80];

/// A tag's 7-byte UID.
pub type Uid = [u8; 7];
/// An AES-128 key.
pub type Key = [u8; 16];

/// What a verified tap tells: which tag, and how often it has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiccData {
    pub uid: Uid,
    /// The tag's SDM read counter (24 bits).
    pub counter: u32,
}

/// The two values a tap adds to the URL, checked for shape only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SunMessage {
    pub picc_data: [u8; 16],
    pub mac: [u8; 8],
}

/// Why a tap's message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SunError {
    /// A parameter is missing, not hex, or not of its length: `field` names it.
    Malformed { field: &'static str, reason: String },
    /// The PICC data did not decrypt to our tag byte: wrong key, or forged.
    PiccData,
    /// The CMAC does not match: tampered, or made without the tag's key.
    Mac,
}

impl fmt::Display for SunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SunError::Malformed { field, reason } => write!(f, "{field}: {reason}"),
            SunError::PiccData => f.write_str("the chip's data does not decrypt under its key"),
            SunError::Mac => f.write_str("the chip's signature (CMAC) does not match"),
        }
    }
}

impl std::error::Error for SunError {}

impl SunMessage {
    /// Reads `picc_data` (32 hex digits) and `cmac` (16), in either case.
    pub fn parse(picc_data: Option<&str>, cmac: Option<&str>) -> Result<Self, SunError> {
        Ok(SunMessage {
            picc_data: hex_field("picc_data", picc_data)?,
            mac: hex_field("cmac", cmac)?,
        })
    }
}

fn hex_field<const N: usize>(
    field: &'static str,
    value: Option<&str>,
) -> Result<[u8; N], SunError> {
    let malformed = |reason: String| SunError::Malformed { field, reason };
    let value = value.ok_or_else(|| malformed("missing".into()))?;
    if value.len() != 2 * N {
        return Err(malformed(format!(
            "must be {} hex digits, {} were given",
            2 * N,
            value.chars().count()
        )));
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(value, &mut out)
        .map_err(|_| malformed("must be hex digits (0-9, A-F)".into()))?;
    Ok(out)
}

/// Decrypts the PICC data with the SDM meta-read key and checks its tag byte.
pub fn decrypt_picc(meta_read_key: &Key, encrypted: &[u8; 16]) -> Result<PiccData, SunError> {
    let mut block = aes::Block::from(*encrypted);
    cbc::Decryptor::<Aes128>::new(meta_read_key.into(), &[0u8; 16].into())
        .decrypt_block_mut(&mut block);
    let plain: [u8; 16] = block.into();
    let [tag, u0, u1, u2, u3, u4, u5, u6, c0, c1, c2, ..] = plain;
    if tag != PICC_DATA_TAG {
        return Err(SunError::PiccData);
    }
    Ok(PiccData {
        uid: [u0, u1, u2, u3, u4, u5, u6],
        counter: u32::from_le_bytes([c0, c1, c2, 0]),
    })
}

/// The session MAC key for one tap: CMAC over SV2 = `3CC3 0001 0080 ‖ UID ‖
/// counter (LSB first)` under the SDM file-read key (AN12196 §3.3).
pub fn session_mac_key(file_read_key: &Key, picc: &PiccData) -> Key {
    let mut sv2 = [0u8; 16];
    sv2[..6].copy_from_slice(&SV2_PREFIX);
    sv2[6..13].copy_from_slice(&picc.uid);
    sv2[13..].copy_from_slice(&picc.counter.to_le_bytes()[..3]);
    cmac(file_read_key, &sv2)
}

/// The MAC a tag mirrors: the odd-indexed bytes (1, 3 … 15) of the CMAC
/// over `input` under the session key. `input` is empty when the tag is
/// programmed with SDMMACInputOffset equal to SDMMACOffset (our template),
/// or the mirrored text from SDMMACInputOffset up to the MAC otherwise.
pub fn sdm_mac(file_read_key: &Key, picc: &PiccData, input: &[u8]) -> [u8; 8] {
    let full = cmac(&session_mac_key(file_read_key, picc), input);
    std::array::from_fn(|i| full[2 * i + 1])
}

/// Verifies a tap: decrypts the PICC data, derives the tag's file-read key
/// from its UID (`file_read_key`), and compares the MAC in constant time.
pub fn verify(
    meta_read_key: &Key,
    file_read_key: impl FnOnce(&Uid) -> Key,
    message: &SunMessage,
    mac_input: &[u8],
) -> Result<PiccData, SunError> {
    let picc = decrypt_picc(meta_read_key, &message.picc_data)?;
    let expected = sdm_mac(&file_read_key(&picc.uid), &picc, mac_input);
    if bool::from(expected.ct_eq(&message.mac)) {
        Ok(picc)
    } else {
        Err(SunError::Mac)
    }
}

/// The query parameter a tag mirrors its encrypted PICC data into.
pub const PICC_PARAM: &str = "picc_data";
/// The query parameter a tag mirrors its truncated MAC into.
pub const MAC_PARAM: &str = "cmac";

/// The URL to program into a tag: the stamp's URL with zeros where the tag
/// mirrors its PICC data and MAC on every read.
pub fn tap_url_template(stamp_url: &str) -> String {
    format!(
        "{stamp_url}?{PICC_PARAM}={}&{MAC_PARAM}={}",
        "0".repeat(PICC_HEX),
        "0".repeat(MAC_HEX)
    )
}

/// Where the mirrored values sit in the tag's NDEF file, as SDM settings
/// (ChangeFileSettings) ask: the file holds a 2-byte length, a short URI
/// record header (`D1 01 len 55`), the URI prefix code, then the URL
/// without the prefix it abbreviates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NdefLayout {
    /// NDEF URI identifier code: 0x04 `https://`, 0x03 `http://`, 0x00 none.
    pub uri_prefix: u8,
    /// PICCDataOffset.
    pub picc_data_offset: usize,
    /// SDMMACOffset, and SDMMACInputOffset too: the MAC is over empty input.
    pub mac_offset: usize,
}

impl NdefLayout {
    /// Offsets of the values after `picc_key=` and `mac_key=` in `url`.
    pub fn locate(url: &str, picc_key: &str, mac_key: &str) -> Option<Self> {
        let (uri_prefix, stripped) = [(0x04, "https://"), (0x03, "http://")]
            .into_iter()
            .find(|(_, p)| url.len() >= p.len() && url[..p.len()].eq_ignore_ascii_case(p))
            .map_or((0x00, url), |(code, p)| (code, &url[p.len()..]));
        let after = |key: &str| {
            stripped
                .find(&format!("{key}="))
                .map(|at| at + key.len() + 1)
        };
        // File bytes before the URL: length (2), record header (4), prefix code (1).
        const HEADER: usize = 7;
        Some(NdefLayout {
            uri_prefix,
            picc_data_offset: HEADER + after(picc_key)?,
            mac_offset: HEADER + after(mac_key)?,
        })
    }

    /// The layout of a URL made by [`tap_url_template`].
    pub fn of(template: &str) -> Option<Self> {
        Self::locate(template, PICC_PARAM, MAC_PARAM)
    }
}

fn cmac(key: &Key, input: &[u8]) -> Key {
    let mut mac = <Cmac<Aes128> as cmac::digest::KeyInit>::new(key.into());
    mac.update(input);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        hex::decode_to_slice(s, &mut out).unwrap();
        out
    }

    // NXP AN12196 ("NTAG 424 DNA and NTAG 424 DNA TagTamper features and
    // hints"), §3.4.2.1 and §3.4.4.2.1: with all-zero keys, PICC data
    // EF963FF7828658A599F3041510671E88 decrypts to C7 04DE5F1EACC040 3D0000 …,
    // the session MAC key is 3FB5F6E3A807A03D5E3570ACE393776F and the MAC over
    // empty input 94EED9EE65337086. The same values are quoted in the tests of
    // several open-source SUN verifiers (in JavaScript, PHP and Python).
    const ZERO: Key = [0; 16];
    const PICC: &str = "EF963FF7828658A599F3041510671E88";
    const MAC: &str = "94EED9EE65337086";

    fn example() -> SunMessage {
        SunMessage::parse(Some(PICC), Some(MAC)).unwrap()
    }

    #[test]
    fn nxp_example_decrypts_and_verifies() {
        let picc = decrypt_picc(&ZERO, &h(PICC)).unwrap();
        assert_eq!(picc.uid, h::<7>("04DE5F1EACC040"));
        assert_eq!(picc.counter, 0x3D);
        assert_eq!(
            session_mac_key(&ZERO, &picc),
            h::<16>("3FB5F6E3A807A03D5E3570ACE393776F")
        );
        assert_eq!(sdm_mac(&ZERO, &picc, b""), h::<8>(MAC));
        assert_eq!(verify(&ZERO, |_| ZERO, &example(), b""), Ok(picc));
    }

    #[test]
    fn tampering_and_wrong_keys_are_refused() {
        let mut mac = example();
        mac.mac[7] ^= 1;
        assert_eq!(verify(&ZERO, |_| ZERO, &mac, b""), Err(SunError::Mac));
        let mut picc = example();
        picc.picc_data[15] ^= 0x80;
        assert!(verify(&ZERO, |_| ZERO, &picc, b"").is_err());
        let other: Key = [1; 16];
        assert_eq!(
            verify(&other, |_| ZERO, &example(), b""),
            Err(SunError::PiccData)
        );
        assert_eq!(
            verify(&ZERO, |_| other, &example(), b""),
            Err(SunError::Mac)
        );
        // The MAC covers its input: the same tap over other input fails.
        assert_eq!(
            verify(&ZERO, |_| ZERO, &example(), b"x"),
            Err(SunError::Mac)
        );
    }

    /// AN12196's worked SDM configuration (ChangeFileSettings; the offsets
    /// are also quoted by open-source NTAG 424 tools' tests): the URL
    /// `https://choose.url.com/ntag424?e=<32 zeros>&c=<16 zeros>` puts the PICC
    /// data at offset 0x20 and the MAC at 0x43 of the NDEF file.
    #[test]
    fn ndef_offsets_match_nxp_example() {
        let url = format!(
            "https://choose.url.com/ntag424?e={}&c={}",
            "0".repeat(32),
            "0".repeat(16)
        );
        assert_eq!(
            NdefLayout::locate(&url, "e", "c"),
            Some(NdefLayout {
                uri_prefix: 0x04,
                picc_data_offset: 0x20,
                mac_offset: 0x43
            })
        );
        let ours = tap_url_template("http://tx.example.vn/s/ABC");
        assert_eq!(
            ours,
            format!(
                "http://tx.example.vn/s/ABC?picc_data={}&cmac={}",
                "0".repeat(32),
                "0".repeat(16)
            )
        );
        let layout = NdefLayout::of(&ours).unwrap();
        assert_eq!(layout.uri_prefix, 0x03);
        assert_eq!(
            &ours["http://".len() + layout.picc_data_offset - 7..][..PICC_HEX],
            "0".repeat(PICC_HEX)
        );
        assert_eq!(
            &ours["http://".len() + layout.mac_offset - 7..],
            "0".repeat(MAC_HEX)
        );
    }

    #[test]
    fn malformed_parameters_name_their_field() {
        let field = |r: Result<SunMessage, SunError>| match r {
            Err(SunError::Malformed { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(SunMessage::parse(None, Some(MAC))), "picc_data");
        assert_eq!(field(SunMessage::parse(Some(PICC), None)), "cmac");
        assert_eq!(
            field(SunMessage::parse(Some(&PICC[1..]), Some(MAC))),
            "picc_data"
        );
        assert_eq!(
            field(SunMessage::parse(Some(PICC), Some("94EED9EE6533708G"))),
            "cmac"
        );
        // Multi-byte characters of the right byte length are not hex either.
        assert_eq!(
            field(SunMessage::parse(Some(PICC), Some("ééééééé99"))),
            "cmac"
        );
        assert_eq!(
            SunMessage::parse(Some(&PICC.to_lowercase()), Some(MAC)),
            Ok(example())
        );
    }
}
