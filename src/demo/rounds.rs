//! What happened to the demo registry after it was set up: the province's
//! regulators inspected every facility this autumn, and every batch got a
//! small roll of stamps, so a demo stamp's page shows a whole record.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::Rng;

use crate::audit::{self, Actor};
use crate::db::DbConnection;
use crate::domain::serial::SerialCodec;
use crate::error::{AppError, AppResult};
use crate::models::inspection::{self, InspectionFields};
use crate::models::stamp_roll::{self, StampRoll};

/// Stamps per demo roll: enough to print a sheet, one row whatever the size.
const ROLL_SIZE: i64 = 240;

/// One inspection per facility by `inspector`, in October and November
/// 2026; one facility in five had minor findings with a follow-up date.
pub fn inspect(
    conn: &mut DbConnection,
    facility_ids: &[String],
    inspector: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> AppResult<usize> {
    let first = NaiveDate::from_ymd_opt(2026, 10, 6).expect("valid date");
    for (n, facility_id) in facility_ids.iter().enumerate() {
        let day = first + Duration::days(i64::try_from(n * 3 % 42).unwrap_or(0));
        let minor = n % 5 == 3;
        let fields = InspectionFields {
            checklist: None,
            inspected_on: day.to_string(),
            result: if minor { "minor" } else { "pass" }.into(),
            findings: if minor {
                "Sổ ghi chép sử dụng phân bón, thuốc bảo vệ thực vật chưa ghi đủ ngày cách ly; yêu cầu bổ sung."
            } else {
                "Đạt yêu cầu: hồ sơ ghi chép đầy đủ, kho vật tư riêng biệt, khu sơ chế sạch sẽ."
            }
            .into(),
            follow_up_due: minor.then(|| (day + Duration::days(30)).to_string()),
        };
        let row = fields.create(
            crate::domain::id::new_id(),
            facility_id.clone(),
            inspector.to_owned(),
            now.date(),
            now,
        )?;
        inspection::insert(conn, &row)?;
        audit::created(conn, actor, "inspection", &row.id, &row)?;
    }
    Ok(facility_ids.len())
}

/// A roll for every batch; returns the first serial of each roll, in the
/// order of `batch_ids`, to show people where to look.
pub fn issue_rolls(
    conn: &mut DbConnection,
    codec: &SerialCodec,
    batch_ids: &[String],
    actor: &Actor,
    now: NaiveDateTime,
) -> AppResult<Vec<String>> {
    let mut firsts = Vec::with_capacity(batch_ids.len());
    for batch_id in batch_ids {
        let mut number = i64::from(rand::thread_rng().gen::<u32>());
        while stamp_roll::number_taken(conn, number)? {
            number = i64::from(rand::thread_rng().gen::<u32>());
        }
        let roll = StampRoll {
            id: crate::domain::id::new_id(),
            number,
            batch_id: batch_id.clone(),
            count: ROLL_SIZE,
            key_id: i32::from(codec.current_key_id()),
            voided_at: None,
            void_reason: None,
            created_by: Some("demo".into()),
            created_at: now,
        };
        stamp_roll::insert(conn, &roll)?;
        audit::created(conn, actor, "stamp_roll", &roll.id, &roll)?;
        let first = u32::try_from(number).map_err(|e| AppError::Internal(e.to_string()))?;
        firsts.push(
            codec
                .encode(first, 0)
                .map_err(|e| AppError::Internal(format!("serial: {e}")))?,
        );
    }
    Ok(firsts)
}
