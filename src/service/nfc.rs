//! NFC tags (NXP NTAG 424 DNA) as a stamp's second factor: binding tags to
//! stamps at packing, handing the producer the keys to program them, and
//! recording taps so that a replayed (copied) tap URL is refused and counted.
//! The cryptography is in `domain::sun` and `domain::tag_keys`.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use diesel::Connection;
use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role};
use crate::domain::serial::{SerialCodec, StampRef};
use crate::domain::sun::{self, PiccData, Uid};
use crate::domain::tag_keys::RollTagKeys;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::nfc_tag::{self, NfcTag, Tapper};
use crate::models::stamp_roll::{self, StampRoll};

use super::stamps::{managed_batch, managed_roll};

/// Most tags bound by one upload: a day's packing, and a file that is
/// checked whole in one transaction.
pub const MAX_BIND_ROWS: usize = 10_000;
/// Largest upload: 10,000 lines of `uid,serial` with room for spaces,
/// separators in UIDs and a header.
pub const MAX_BIND_BYTES: usize = 1024 * 1024;
/// Line errors reported at most; the rest are counted.
const MAX_LINE_ERRORS: usize = 50;

#[derive(Debug, Serialize)]
pub struct BindAnswer {
    pub bound: usize,
}

/// One line of an upload that parsed.
struct Binding {
    line: usize,
    uid: String,
    stamp: StampRef,
}

/// Problems found in an upload, each with its line number.
#[derive(Default)]
struct LineErrors {
    lines: Vec<(usize, String, String)>,
}

impl LineErrors {
    fn add(&mut self, line: usize, en: impl Into<String>, vi: impl Into<String>) {
        self.lines.push((line, en.into(), vi.into()));
    }

    /// A 422 naming every bad line (the first `MAX_LINE_ERRORS` of them).
    fn check(mut self) -> AppResult<()> {
        if self.lines.is_empty() {
            return Ok(());
        }
        self.lines.sort_by_key(|(line, _, _)| *line);
        let shown = self.lines.iter().take(MAX_LINE_ERRORS);
        let mut en: Vec<String> = shown
            .clone()
            .map(|(n, e, _)| format!("line {n}: {e}"))
            .collect();
        let mut vi: Vec<String> = shown.map(|(n, _, v)| format!("dòng {n}: {v}")).collect();
        if self.lines.len() > MAX_LINE_ERRORS {
            let more = self.lines.len() - MAX_LINE_ERRORS;
            en.push(format!("and {more} more"));
            vi.push(format!("và {more} dòng khác"));
        }
        Err(AppError::rule(
            RuleKind::Invalid,
            Some("csv"),
            format!("nothing was bound: {}", en.join("; ")),
            format!("chưa gắn thẻ nào: {}", vi.join("; ")),
        ))
    }
}

/// A UID as tags print it (`04DE5F1EACC040`, `04:DE:5F:…`, any case) in
/// the stored form: 14 upper-case hex digits.
fn parse_uid(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    let mut uid: Uid = [0; 7];
    hex::decode_to_slice(&digits, &mut uid).ok()?;
    Some(hex::encode_upper(uid))
}

/// Binds tags to stamps from a CSV of `uid,serial` (header optional): the
/// caller's own enterprise's stamps (or any, for an admin). The whole file
/// is checked first and bound in one transaction, or nothing is, with every
/// bad line named. A tag is bound once, and a stamp gets one tag.
pub fn bind(
    conn: &mut DbConnection,
    caller: &Caller,
    codec: &SerialCodec,
    csv: &str,
) -> AppResult<BindAnswer> {
    if matches!(caller.role, Role::Regulator { .. }) {
        return Err(AppError::Forbidden(
            "only a stamp's enterprise binds NFC tags to it".into(),
        ));
    }
    let (bindings, mut errors) = parse_bindings(codec, csv)?;
    audit::write_transaction(conn, |conn| {
        let mut rolls: HashMap<u32, Option<StampRoll>> = HashMap::new();
        for b in &bindings {
            if let Entry::Vacant(slot) = rolls.entry(b.stamp.roll) {
                let roll = stamp_roll::by_number(conn, i64::from(b.stamp.roll))?;
                let managed = match roll {
                    Some(roll) => match managed_batch(conn, caller, &roll.batch_id) {
                        Ok(_) => Some(roll),
                        Err(AppError::NotFound(_) | AppError::Forbidden(_)) => None,
                        Err(other) => return Err(other),
                    },
                    None => None,
                };
                slot.insert(managed);
            }
        }
        let mut tagged: HashMap<u32, HashSet<i64>> = HashMap::new();
        for (number, roll) in &rolls {
            if roll.is_some() {
                let indices = nfc_tag::for_roll(conn, i64::from(*number))?
                    .into_iter()
                    .map(|t| t.stamp_index)
                    .collect();
                tagged.insert(*number, indices);
            }
        }
        let uids: Vec<&str> = bindings.iter().map(|b| b.uid.as_str()).collect();
        let bound: HashSet<String> = nfc_tag::bound_uids(conn, &uids)?.into_iter().collect();
        for b in &bindings {
            let index = i64::from(b.stamp.index);
            match rolls.get(&b.stamp.roll).and_then(Option::as_ref) {
                None => errors.add(
                    b.line,
                    "not a stamp of your enterprise",
                    "không phải tem của doanh nghiệp bạn",
                ),
                Some(roll) if index >= roll.count => errors.add(
                    b.line,
                    "this serial is beyond the end of its roll",
                    "mã tem nằm ngoài cuộn tem",
                ),
                Some(_)
                    if tagged
                        .get(&b.stamp.roll)
                        .is_some_and(|t| t.contains(&index)) =>
                {
                    errors.add(
                        b.line,
                        "this stamp already has an NFC tag",
                        "tem này đã được gắn thẻ NFC",
                    )
                }
                Some(_) => {}
            }
            if bound.contains(&b.uid) {
                errors.add(
                    b.line,
                    format!("tag {} is already bound to a stamp", b.uid),
                    format!("thẻ {} đã được gắn với một tem", b.uid),
                );
            }
        }
        errors.check()?;
        let now = crate::time::now();
        let mut shown = Vec::with_capacity(bindings.len());
        for b in &bindings {
            let row = NfcTag {
                uid: b.uid.clone(),
                roll_number: i64::from(b.stamp.roll),
                stamp_index: i64::from(b.stamp.index),
                last_counter: -1,
                replays: 0,
                bound_by: Some(caller.username.clone()),
                bound_at: now,
                last_tap_at: None,
                last_replay_at: None,
                last_tap_origin: None,
                last_tap_device: None,
                copied_taps: 0,
            };
            nfc_tag::insert(conn, &row)?;
            shown.push((row.uid, row.roll_number, row.stamp_index));
        }
        // One entry for the upload: a day's packing is one act.
        audit::created(
            conn,
            &Actor::from(caller),
            "nfc_binding",
            &crate::domain::id::new_id(),
            &serde_json::json!({ "tags": shown }),
        )?;
        Ok(BindAnswer {
            bound: bindings.len(),
        })
    })
}

/// Reads the upload's lines, checking each on its own (shape, UID, serial
/// MAC) and against the others (duplicates). Refuses the whole file if it
/// is empty or too long; otherwise the lines that parsed and the errors of
/// those that did not, to report with the database's findings.
fn parse_bindings(codec: &SerialCodec, csv: &str) -> AppResult<(Vec<Binding>, LineErrors)> {
    let mut errors = LineErrors::default();
    let mut bindings = Vec::new();
    let mut first_uid: HashMap<String, usize> = HashMap::new();
    let mut first_stamp: HashMap<(u32, u32), usize> = HashMap::new();
    let mut rows = 0;
    for (i, text) in csv.trim_start_matches('\u{feff}').lines().enumerate() {
        let line = i + 1;
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        rows += 1;
        if rows == 1 && text.replace(' ', "").eq_ignore_ascii_case("uid,serial") {
            rows = 0;
            continue;
        }
        if rows > MAX_BIND_ROWS {
            return Err(AppError::rule(
                RuleKind::Invalid,
                Some("csv"),
                format!("at most {MAX_BIND_ROWS} tags per upload"),
                format!("tối đa {MAX_BIND_ROWS} thẻ mỗi lần tải lên"),
            ));
        }
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        let [uid, serial] = fields[..] else {
            errors.add(
                line,
                format!("expected 2 fields (uid,serial), found {}", fields.len()),
                format!("cần 2 cột (uid,mã tem), có {}", fields.len()),
            );
            continue;
        };
        let Some(uid) = parse_uid(uid) else {
            errors.add(
                line,
                format!("{uid:?} is not a 7-byte tag UID (14 hex digits)"),
                format!("{uid:?} không phải UID thẻ 7 byte (14 chữ số hex)"),
            );
            continue;
        };
        let serial: String = serial
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .collect::<String>()
            .to_ascii_uppercase();
        let stamp = match codec.decode(&serial) {
            Ok(stamp) => stamp,
            Err(e) => {
                errors.add(
                    line,
                    format!("{serial:?}: {e}"),
                    format!("{serial:?}: mã tem không hợp lệ"),
                );
                continue;
            }
        };
        if let Some(first) = first_uid.insert(uid.clone(), line) {
            errors.add(
                line,
                format!("tag {uid} is also on line {first}"),
                format!("thẻ {uid} trùng với dòng {first}"),
            );
        }
        if let Some(first) = first_stamp.insert((stamp.roll, stamp.index), line) {
            errors.add(
                line,
                format!("stamp {serial} is also on line {first}"),
                format!("tem {serial} trùng với dòng {first}"),
            );
        }
        bindings.push(Binding { line, uid, stamp });
    }
    if rows == 0 {
        return Err(AppError::rule(
            RuleKind::Invalid,
            Some("csv"),
            "the file lists no tags (one line per tag: uid,serial)",
            "tệp không có thẻ nào (mỗi dòng một thẻ: uid,mã tem)",
        ));
    }
    Ok((bindings, errors))
}

/// What the producer programs into one tag.
pub struct TagProgram {
    pub uid: String,
    pub serial: String,
    /// The NDEF URL with zeros where the tag mirrors its values.
    pub url: String,
    pub layout: sun::NdefLayout,
    pub meta_read_key: String,
    pub file_read_key: String,
}

/// The keys and URL template of a roll's bound tags, for the roll's
/// enterprise (or an admin) only: they let anyone make genuine taps.
pub fn tag_programs(
    conn: &mut DbConnection,
    caller: &Caller,
    codec: &SerialCodec,
    base_url: &str,
    roll_id: &str,
) -> AppResult<Vec<TagProgram>> {
    let (roll, _) = managed_roll(conn, caller, roll_id)?;
    let number = u32::try_from(roll.number)
        .map_err(|_| AppError::Internal(format!("roll number {} out of range", roll.number)))?;
    let keys = u8::try_from(roll.key_id)
        .ok()
        .and_then(|key_id| RollTagKeys::of_roll(codec, key_id, number))
        .ok_or_else(|| AppError::Internal(format!("no serial key {}", roll.key_id)))?;
    let meta_read_key = hex::encode_upper(keys.meta_read());
    nfc_tag::for_roll(conn, roll.number)?
        .into_iter()
        .map(|tag| {
            let mut uid: Uid = [0; 7];
            hex::decode_to_slice(&tag.uid, &mut uid)
                .map_err(|_| AppError::Internal(format!("stored UID {:?} is corrupt", tag.uid)))?;
            let serial = codec
                .encode(number, tag.stamp_index as u32)
                .map_err(|e| AppError::Internal(format!("serial: {e}")))?;
            let url = sun::tap_url_template(&format!("{base_url}/s/{serial}"));
            Ok(TagProgram {
                layout: sun::NdefLayout::of(&url).ok_or_else(|| {
                    AppError::Internal("the tap URL template lost its parameters".into())
                })?,
                uid: tag.uid,
                serial,
                url,
                meta_read_key: meta_read_key.clone(),
                file_read_key: hex::encode_upper(keys.file_read(&uid)),
            })
        })
        .collect()
}

/// Records a verified tap of `stamp`'s tag by `tapper`. The public has no
/// `Caller` here: the tap's verified MAC is its authority. A counter that
/// does not rise above the last one is a replayed URL: counted on the tag
/// (committed) and refused with a 409 saying so. It is a copy — clone
/// evidence the verdict weighs — when opened by someone other than the last
/// tapper: another network and another device (`is_copy`); the tapper
/// reloading the page, on Wi-Fi or 4G, is not.
pub fn record_tap(
    conn: &mut DbConnection,
    stamp: StampRef,
    picc: &PiccData,
    tapper: &Tapper,
) -> AppResult<()> {
    let uid = hex::encode_upper(picc.uid);
    let (roll, index) = (i64::from(stamp.roll), i64::from(stamp.index));
    let counter = i64::from(picc.counter);
    let now = crate::time::now();
    let replayed = conn.transaction::<_, AppError, _>(|conn| {
        if nfc_tag::advance(conn, &uid, (roll, index), counter, tapper, now)? {
            return Ok(None);
        }
        let tag = nfc_tag::find(conn, &uid)?
            .filter(|t| t.roll_number == roll && t.stamp_index == index)
            .ok_or_else(|| {
                AppError::NotFound(
                    "chip NFC này không được gắn với tem này / this NFC tag is not bound to this \
                     stamp"
                        .into(),
                )
            })?;
        nfc_tag::count_replay(conn, &uid, is_copy(&tag, tapper), now)?;
        Ok(Some(tag.last_counter))
    })?;
    match replayed {
        None => Ok(()),
        Some(last) => Err(AppError::rule(
            RuleKind::Conflict,
            Some("picc_data"),
            format!(
                "This NFC tap was copied: the chip's counter ({counter}) did not rise above the \
                 last verified tap ({last}). A genuine chip gives a new code on every tap, so \
                 this link was saved or copied; the copy has been recorded. If you only reloaded \
                 the page, tap the chip again."
            ),
            format!(
                "Lượt chạm NFC này là bản sao: bộ đếm của chip ({counter}) không tăng so với lần \
                 xác thực trước ({last}). Chip thật tạo mã mới mỗi lần chạm, nên liên kết này đã \
                 được lưu hoặc sao chép; bản sao đã được ghi nhận. Nếu bạn chỉ tải lại trang, hãy \
                 chạm lại vào chip."
            ),
        )),
    }
}

/// Whether a replay was opened by someone other than the tag's last
/// tapper: both known, and neither the network nor the device the same. An
/// unknown side (no address, a tag tapped before this was recorded) is
/// never a copy.
fn is_copy(tag: &NfcTag, tapper: &Tapper) -> bool {
    let (Some(then), Some(now)) = (tag.last_tap_origin.as_deref(), tapper.network.as_deref())
    else {
        return false;
    };
    let same_device = tag.last_tap_device.is_some() && tag.last_tap_device == tapper.device;
    then != now && !same_device
}
