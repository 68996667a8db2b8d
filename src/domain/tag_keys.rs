//! The keys of a roll's NFC tags, derived rather than stored: a roll stays
//! one row however many tags it has, and no new secret must be kept.
//!
//! - The roll's master key is the first 16 bytes of an HMAC derivation from
//!   the serial key that signed the roll's serials (`SerialCodec`), over a
//!   label and the roll number, so it survives key rotations as the roll's
//!   serials do.
//! - Each tag key is diversified from the master key with NXP's AES-128
//!   method of AN10922 (a CMAC over `0x01 ‖ M`, padded to two blocks):
//!   the SDM meta-read key (key 1) with `M = 01 ‖ "tracestamp"`, shared by
//!   the roll's tags, since it must decrypt the UID before the UID is known;
//!   the SDM file-read key (key 2) with `M = UID ‖ 02 ‖ "tracestamp"`, its
//!   own for every tag, so a key read out of one tag forges no other.

use aes::cipher::{BlockEncrypt, KeyInit};
use aes::Aes128;

use super::serial::SerialCodec;
use super::sun::{Key, Uid};

/// The tag's key slot that decrypts PICC data (SDMMetaRead).
pub const META_READ_KEY_NO: u8 = 1;
/// The tag's key slot that keys the SUN MAC (SDMFileRead).
pub const FILE_READ_KEY_NO: u8 = 2;
/// AN10922's "system identifier": separates our keys from any other
/// diversification of the same master key.
const SYSTEM_ID: &[u8] = b"tracestamp";
/// Separates the roll master key from other secrets derived from a serial key.
const ROLL_LABEL: &[u8] = b"tracestamp/nfc-roll/v1/";

/// The key source of one roll's tags.
pub struct RollTagKeys {
    master: Key,
}

impl RollTagKeys {
    /// The keys of roll `roll`, whose serials are signed with key `key_id`;
    /// `None` if the codec does not hold that key.
    pub fn of_roll(codec: &SerialCodec, key_id: u8, roll: u32) -> Option<Self> {
        let mut label = ROLL_LABEL.to_vec();
        label.extend_from_slice(&roll.to_be_bytes());
        let secret = codec.derive_secret_for(key_id, &label).ok()?;
        let mut master = [0u8; 16];
        master.copy_from_slice(&secret[..16]);
        Some(RollTagKeys { master })
    }

    pub fn meta_read(&self) -> Key {
        let mut m = vec![META_READ_KEY_NO];
        m.extend_from_slice(SYSTEM_ID);
        diversify(&self.master, &m)
    }

    pub fn file_read(&self, uid: &Uid) -> Key {
        let mut m = uid.to_vec();
        m.push(FILE_READ_KEY_NO);
        m.extend_from_slice(SYSTEM_ID);
        diversify(&self.master, &m)
    }
}

/// AN10922 §2.2 AES-128 key diversification: `CMAC(K, 01 ‖ M ‖ padding)`
/// over exactly two blocks. Unlike a plain CMAC, short input is padded to 32
/// bytes (not 16), and the last block takes the second subkey when padded,
/// the first when not. `m` holds 1 to 31 bytes (ours are 11 and 18).
fn diversify(master: &Key, m: &[u8]) -> Key {
    debug_assert!((1..=31).contains(&m.len()));
    let cipher = Aes128::new(master.into());
    let encrypt = |block: [u8; 16]| -> [u8; 16] {
        let mut b = aes::Block::from(block);
        cipher.encrypt_block(&mut b);
        b.into()
    };
    let k1 = double(encrypt([0; 16]));
    let k2 = double(k1);
    let mut d = [0u8; 32];
    d[0] = 0x01;
    let used = (1 + m.len()).min(32);
    d[1..used].copy_from_slice(&m[..used - 1]);
    let subkey = if used < 32 {
        d[used] = 0x80;
        k2
    } else {
        k1
    };
    let mut first = [0u8; 16];
    first.copy_from_slice(&d[..16]);
    let x = encrypt(first);
    encrypt(std::array::from_fn(|i| d[16 + i] ^ subkey[i] ^ x[i]))
}

/// Doubling in GF(2^128), as CMAC derives its subkeys (RFC 4493).
fn double(block: [u8; 16]) -> [u8; 16] {
    let value = u128::from_be_bytes(block);
    let carry = if value >> 127 == 1 { 0x87 } else { 0 };
    ((value << 1) ^ carry).to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cmac::{Cmac, Mac};

    fn h<const N: usize>(s: &str) -> [u8; N] {
        let mut out = [0u8; N];
        hex::decode_to_slice(s, &mut out).unwrap();
        out
    }

    // NXP AN10922 ("Symmetric key diversifications") §2.2.1, the AES-128
    // example: master key 00112233…EEFF, M = UID 04782E21801D80 ‖ AID 3042F5 ‖
    // system identifier 4E585020416275 ("NXP Abu"); also in libfreefare's
    // tests (test_mifare_key_deriver_an10922_aes128).
    #[test]
    fn an10922_example() {
        let master = h::<16>("00112233445566778899AABBCCDDEEFF");
        let m = h::<17>("04782E21801D803042F54E585020416275");
        assert_eq!(
            diversify(&master, &m),
            h::<16>("A8DD63A3B89D54B37CA802473FDA9175")
        );
    }

    /// Where `01 ‖ M` fills more than one block, AN10922 is a plain CMAC:
    /// the subkeys and chaining agree with the `cmac` crate there.
    #[test]
    fn agrees_with_cmac_beyond_one_block() {
        let master = h::<16>("2B7E151628AED2A6ABF7158809CF4F3C");
        for len in 16..=31 {
            let m: Vec<u8> = (0..len as u8).collect();
            let mut input = vec![0x01];
            input.extend_from_slice(&m);
            let mut mac = <Cmac<Aes128> as cmac::digest::KeyInit>::new((&master).into());
            mac.update(&input);
            let expected: [u8; 16] = mac.finalize().into_bytes().into();
            assert_eq!(diversify(&master, &m), expected, "M of {len} bytes");
        }
    }

    #[test]
    fn keys_differ_per_tag_and_purpose() {
        let keys = RollTagKeys {
            master: h("00112233445566778899AABBCCDDEEFF"),
        };
        let a = keys.file_read(&h("04DE5F1EACC040"));
        let b = keys.file_read(&h("04DE5F1EACC041"));
        assert_ne!(a, b);
        assert_ne!(a, keys.meta_read());
        let short = diversify(&keys.master, &[1]);
        assert_ne!(short, diversify(&keys.master, &[1, 0]));
    }
}
