//! Reports of suspected fakes (README, "Reporting a suspected fake").
//!
//! Sending one is a public use case: no account, no `Caller` — whoever
//! holds a product may say where they bought it. The adapter has already
//! checked the form's origin and the client's rate; here the report is
//! validated (refusals in both languages, naming the field, so the form is
//! shown again with what was typed), its photo cleaned, its province decided
//! and the row written with its audit entry in one transaction.
//!
//! Reading reports is scoped like every other row: a regulator reads their
//! province's, a producer the reports naming its own stamps, an admin all.
//! The reporter's phone and photo are for regulators, who follow reports up;
//! a producer sees where the product was bought, not who reported it.

use serde::Serialize;

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::access::{Caller, Role, Scope};
use crate::domain::photo::{self, PhotoError, MAX_UPLOAD_BYTES};
use crate::domain::serial::{normalize_typed, SerialCodec};
use crate::domain::validate as v;
use crate::error::{AppError, AppResult, RuleKind};
use crate::models::fake_report::{self, FakeReport, NewFakeReport};
use crate::models::page::{List, Page};
use crate::models::{batch, facility, product, stamp_roll};

/// Longest code kept, as typed (a pasted stamp URL fits).
pub const MAX_CODE: usize = 200;
pub const MAX_SHOP_NAME: usize = 200;
pub const MAX_SHOP_ADDRESS: usize = 300;

/// What the reporter sent, as the form gave it.
#[derive(Debug, Default, Clone)]
pub struct ReportInput {
    pub code: String,
    pub shop_name: String,
    pub shop_address: String,
    /// The province the reporter chose (used when the code is not ours).
    pub province: String,
    pub phone: String,
    /// The uploaded file's bytes, if a photo was attached.
    pub photo: Option<Vec<u8>>,
}

/// A report whose fields passed and whose photo is cleaned; its stamp and
/// province are decided when it is stored.
#[derive(Debug)]
pub struct CheckedReport {
    code: String,
    shop_name: String,
    shop_address: String,
    province: Option<String>,
    phone: Option<String>,
    photo: Option<Vec<u8>>,
}

fn refuse(field: &str, en: impl Into<String>, vi: impl Into<String>) -> AppError {
    AppError::rule(RuleKind::Invalid, Some(field), en, vi)
}

/// Checks the fields and cleans the photo. No database: the photo's
/// decoding is the slow part, done before a connection is taken.
pub fn check(input: ReportInput) -> AppResult<CheckedReport> {
    let code = v::text("code", &input.code, MAX_CODE).map_err(|_| {
        refuse(
            "code",
            format!("type the code printed under the QR (at most {MAX_CODE} characters)"),
            format!("Nhập mã in dưới mã QR (tối đa {MAX_CODE} ký tự)"),
        )
    })?;
    let shop_name = v::text("shop_name", &input.shop_name, MAX_SHOP_NAME).map_err(|_| {
        refuse(
            "shop_name",
            format!(
                "say where you bought it: the shop's name (at most {MAX_SHOP_NAME} characters)"
            ),
            format!("Cho biết nơi mua: tên cửa hàng (tối đa {MAX_SHOP_NAME} ký tự)"),
        )
    })?;
    let shop_address =
        v::text("shop_address", &input.shop_address, MAX_SHOP_ADDRESS).map_err(|_| {
            refuse(
                "shop_address",
                format!("give the shop's address (at most {MAX_SHOP_ADDRESS} characters)"),
                format!("Cho biết địa chỉ cửa hàng (tối đa {MAX_SHOP_ADDRESS} ký tự)"),
            )
        })?;
    let province = match input.province.trim() {
        "" => None,
        chosen => Some(v::province("province", chosen).map_err(|_| {
            refuse(
                "province",
                "choose a province from the list",
                "Chọn một tỉnh, thành phố trong danh sách",
            )
        })?),
    };
    let phone = match input.phone.trim() {
        "" => None,
        typed => Some(v::phone("phone", typed).map_err(|_| {
            refuse(
                "phone",
                "a phone number has 8 to 15 digits (or leave it empty)",
                "Số điện thoại gồm 8 đến 15 chữ số (hoặc để trống)",
            )
        })?),
    };
    let photo = match input.photo {
        None => None,
        Some(upload) if upload.is_empty() => None,
        Some(upload) => Some(photo::clean(&upload).map_err(photo_refusal)?),
    };
    Ok(CheckedReport {
        code,
        shop_name,
        shop_address,
        province,
        phone,
        photo,
    })
}

/// Why a photo is refused, in both languages.
pub fn photo_refusal(err: PhotoError) -> AppError {
    let mb = MAX_UPLOAD_BYTES / (1024 * 1024);
    match err {
        PhotoError::TooLarge => AppError::rule(
            RuleKind::Invalid,
            Some("photo"),
            format!("the photo is larger than {mb} MB; send a smaller one"),
            format!("Ảnh lớn hơn {mb} MB; hãy gửi ảnh nhỏ hơn"),
        ),
        PhotoError::NotAnImage => refuse(
            "photo",
            "the file is not a JPEG or PNG photo",
            "Tệp không phải ảnh JPEG hoặc PNG",
        ),
        PhotoError::TooManyPixels => refuse(
            "photo",
            "the picture is too large (at most 8192 pixels a side)",
            "Ảnh quá lớn (tối đa 8192 điểm ảnh mỗi cạnh)",
        ),
    }
}

/// The serial a typed code or pasted stamp URL names, if it can be one:
/// the last segment after `/s/` or `/21/`, cleaned as a typed code.
fn serial_of(code: &str) -> String {
    let path = code.split(['?', '#']).next().unwrap_or(code);
    let upper = path.to_ascii_uppercase();
    let tail = ["/S/", "/21/"]
        .iter()
        .filter_map(|marker| upper.rfind(marker).map(|at| &path[at + marker.len()..]))
        .min_by_key(|rest| rest.len())
        .unwrap_or(path);
    normalize_typed(tail.trim_end_matches('/'))
}

/// Where a stamp of ours leads: its roll, batch, enterprise and province.
struct StampOwner {
    serial: String,
    roll_id: String,
    index: i64,
    batch_id: String,
    enterprise_id: String,
    province: String,
}

fn stamp_owner(
    conn: &mut DbConnection,
    codec: &SerialCodec,
    code: &str,
) -> AppResult<Option<StampOwner>> {
    let serial = serial_of(code);
    let Ok(stamp) = codec.decode(&serial) else {
        return Ok(None);
    };
    let Some(roll) = stamp_roll::by_number(conn, i64::from(stamp.roll))? else {
        return Ok(None);
    };
    let index = i64::from(stamp.index);
    if index >= roll.count {
        return Ok(None);
    }
    let Some(b) = batch::find(conn, &Scope::All, &roll.batch_id)? else {
        return Ok(None);
    };
    let place = facility::find(conn, &Scope::All, &b.facility_id)?
        .ok_or_else(|| AppError::Internal("a batch without its facility".into()))?;
    let maker = product::find(conn, &Scope::All, &b.product_id)?
        .ok_or_else(|| AppError::Internal("a batch without its product".into()))?;
    Ok(Some(StampOwner {
        serial,
        roll_id: roll.id,
        index,
        batch_id: b.id,
        enterprise_id: maker.enterprise_id,
        province: place.province,
    }))
}

/// What the reporter is told: the report's number and who will read it.
#[derive(Debug, Serialize)]
pub struct Receipt {
    pub id: String,
    pub province: String,
    /// Whether the code named one of our stamps (so its producer is told).
    pub stamp_of_ours: bool,
}

/// Stores a checked report. The province is the stamp's facility's when
/// the code names a stamp of ours, else the reporter's choice (required
/// then: without it no regulator would see the report).
pub fn submit(
    conn: &mut DbConnection,
    codec: &SerialCodec,
    report: CheckedReport,
) -> AppResult<Receipt> {
    audit::write_transaction(conn, |conn| {
        let owner = stamp_owner(conn, codec, &report.code)?;
        let province =
            match (&owner, report.province) {
                (Some(o), _) => o.province.clone(),
                (None, Some(chosen)) => chosen,
                (None, None) => return Err(refuse(
                    "province",
                    "this code is not one of our stamps: choose the province where you bought it",
                    "Mã này không phải tem của hệ thống: hãy chọn tỉnh, thành phố nơi mua",
                )),
            };
        let row = NewFakeReport {
            id: crate::domain::id::new_id(),
            code: owner
                .as_ref()
                .map_or_else(|| report.code.clone(), |o| o.serial.clone()),
            roll_id: owner.as_ref().map(|o| o.roll_id.clone()),
            stamp_index: owner.as_ref().map(|o| o.index),
            batch_id: owner.as_ref().map(|o| o.batch_id.clone()),
            enterprise_id: owner.as_ref().map(|o| o.enterprise_id.clone()),
            province,
            shop_name: report.shop_name,
            shop_address: report.shop_address,
            phone: report.phone,
            photo: report.photo,
            reported_at: crate::time::now(),
        };
        fake_report::insert(conn, &row)?;
        let recorded = FakeReport {
            id: row.id.clone(),
            code: row.code.clone(),
            roll_id: row.roll_id.clone(),
            stamp_index: row.stamp_index,
            batch_id: row.batch_id.clone(),
            enterprise_id: row.enterprise_id.clone(),
            province: row.province.clone(),
            shop_name: row.shop_name.clone(),
            shop_address: row.shop_address.clone(),
            phone: row.phone.clone(),
            has_photo: row.photo.is_some(),
            reported_at: row.reported_at,
        };
        audit::created(
            conn,
            &Actor::system("public report"),
            "fake_report",
            &row.id,
            &recorded,
        )?;
        Ok(Receipt {
            id: row.id,
            province: row.province,
            stamp_of_ours: owner.is_some(),
        })
    })
}

/// Whether the caller follows reports up (sees phones and photos).
fn follows_up(caller: &Caller) -> bool {
    matches!(caller.role, Role::Regulator { .. } | Role::Admin)
}

/// A report as this caller may see it.
fn as_seen_by(caller: &Caller, mut report: FakeReport) -> FakeReport {
    if !follows_up(caller) {
        report.phone = None;
    }
    report
}

/// The reports within the caller's reach, newest first.
pub fn list(
    conn: &mut DbConnection,
    caller: &Caller,
    code: Option<&str>,
    page: Page,
) -> AppResult<List<FakeReport>> {
    let found = fake_report::list(conn, &caller.scope(), code, page)?;
    Ok(List {
        items: found
            .items
            .into_iter()
            .map(|r| as_seen_by(caller, r))
            .collect(),
        ..found
    })
}

/// The reports within reach sent in `[from, to)`, for dashboards.
pub fn between(
    conn: &mut DbConnection,
    caller: &Caller,
    from: chrono::NaiveDateTime,
    to: chrono::NaiveDateTime,
) -> AppResult<Vec<FakeReport>> {
    Ok(fake_report::between(conn, &caller.scope(), from, to)?
        .into_iter()
        .map(|r| as_seen_by(caller, r))
        .collect())
}

/// A report's photo (JPEG), for the regulators of its province and admins.
pub fn photo(conn: &mut DbConnection, caller: &Caller, id: &str) -> AppResult<Vec<u8>> {
    if !follows_up(caller) {
        return Err(AppError::Forbidden(
            "reporters' photos are shown to regulators only".into(),
        ));
    }
    fake_report::photo(conn, &caller.scope(), id)?
        .ok_or_else(|| AppError::not_found("report photo"))
}

#[cfg(test)]
mod tests {
    use super::serial_of;

    #[test]
    fn a_pasted_stamp_url_gives_its_serial() {
        assert_eq!(serial_of("0a1b2-c3d4e"), "0A1B2C3D4E");
        assert_eq!(serial_of("https://tx.example.vn/s/abcde?lang=en"), "ABCDE");
        assert_eq!(serial_of("HTTPS://TX.EXAMPLE.VN/S/ABCDE"), "ABCDE");
        assert_eq!(
            serial_of("https://x.vn/01/08936000000014/10/L1/21/XYZ12/"),
            "XYZ12"
        );
    }
}
