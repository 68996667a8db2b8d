//! The producer's NFC page for a roll (`/portal/rolls/{id}/nfc`): bind tags
//! by pasting `uid,serial` lines, through the same use case as
//! `POST /api/v1/nfc-tags`, and a link to the roll's key file.

use actix_web::web;
use std::collections::HashMap;

use super::forms::{field, Field, FormPage, Input};
use super::session::PageUser;
use super::{html, path_id, PageResult};
use crate::models::stamp_roll::StampRoll;
use crate::service::nfc;

/// A form's body is at most 64 KiB (`pages::routes`): about 1,700 lines;
/// larger files go through the API.
const BIND_FORM: &[Field] = &[field(
    "csv",
    "Thẻ NFC — mỗi dòng một thẻ: uid,mã tem",
    "NFC tags — one per line: uid,stamp code",
    Input::LongText(60_000),
)];

fn bind_page(
    user: &PageUser,
    roll: &StampRoll,
    lot: &str,
    values: &HashMap<String, String>,
) -> FormPage {
    super::portal::roll_form_page(
        user,
        roll,
        lot,
        super::portal::RollForm {
            title: ("Gắn thẻ NFC", "Bind NFC tags"),
            act: "nfc",
            fields: BIND_FORM,
            warning: (
                "Mỗi thẻ gắn một lần, mỗi tem một thẻ. Sau khi gắn, tải tệp khóa của cuộn tem (trang lô hàng, “Khóa NFC”) để lập trình thẻ; giữ tệp đó bí mật.",
                "A tag is bound once, a stamp gets one tag. Once bound, download the roll's key file (batch page, “NFC keys”) to program the tags; keep that file secret.",
            ),
            submit: ("Gắn thẻ", "Bind tags"),
        },
        values,
    )
}

pub async fn bind_form(user: PageUser, path: web::Path<String>) -> PageResult {
    super::portal::producer(&user)?;
    let (roll, lot) = super::portal::own_roll(&user, path_id(&path)?).await?;
    html(&bind_page(&user, &roll, &lot, &HashMap::new()))
}

pub async fn bind(
    user: PageUser,
    path: web::Path<String>,
    form: web::Form<HashMap<String, String>>,
) -> PageResult {
    super::portal::producer(&user)?;
    let values = user.checked_form(form)?;
    let (roll, lot) = super::portal::own_roll(&user, path_id(&path)?).await?;
    let page = bind_page(&user, &roll, &lot, &values);
    let csv = values.get("csv").cloned().unwrap_or_default();
    let codec = user.state.codec.clone();
    let done = user.act(move |conn, caller| nfc::bind(conn, caller, &codec, &csv));
    page.submit(
        done,
        &format!("/portal/batches/{}?notice=nfc", roll.batch_id),
    )
    .await
}
