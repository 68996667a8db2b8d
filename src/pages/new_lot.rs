//! `/portal/lots/new`: a new lot in one screen (issue 19) — product,
//! facility, quantity, when, a suggested lot code, and the first event's
//! own fields (a harvest by default; the links above the form switch the
//! kind, no script) with photos from the phone's camera. One post, one
//! transaction (`service::lots`); every problem beside its field at once.

use actix_web::{web, HttpRequest};
use askama::Template;
use chrono::Duration;
use serde_json::{Map, Value};
use std::collections::HashMap;

use super::event_form;
use super::forms::{self, field, Field, FormBody, Input};
use super::frame::Chrome;
use super::portal::{facility_choices, producer, product_choices};
use super::session::PageUser;
use super::{html, html_with, see_other, PageResult};
use crate::domain::kinds::EventKind;
use crate::domain::validate::FieldError;
use crate::error::AppError;
use crate::models::batch::BatchFields;
use crate::models::event::EventFields;
use crate::service::lots::{self, NewLot, FIRST_KINDS};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/portal/lots/new", web::get().to(form))
        .route("/portal/lots/new", web::post().to(create));
}

/// The lot's own fields; the event's follow (`event_form::spec`).
const LOT_FIELDS: &[Field] = &[
    field("product_id", "Sản phẩm", "Product", Input::Pick),
    field("facility_id", "Cơ sở", "Facility", Input::Pick),
    field("quantity", "Số lượng", "Quantity", Input::Number),
    field(
        "unit",
        "Đơn vị tính",
        "Unit",
        Input::Choice(event_form::UNITS),
    ),
];

const LOT_CODE: Field = field(
    "lot_code",
    "Mã lô (tự tạo, sửa được đến khi cấp tem)",
    "Lot code (suggested; may be changed until stamps are issued)",
    Input::Text(20),
);

#[derive(Template)]
#[template(path = "portal/new_lot.html")]
struct NewLotPage {
    c: Chrome,
    /// The kinds the lot may begin with: (link, name, current).
    kinds: Vec<(String, String, bool)>,
    form: FormBody,
}

/// The form's fields for a lot beginning with `kind`: what, the lot, when,
/// its code, then the kind's own details (its quantity is the lot's).
fn spec(kind: EventKind) -> Vec<Field> {
    let mut event = event_form::spec(kind).into_iter();
    let what = event.next().expect("the kind comes first");
    let when = event.next().expect("then the time");
    let _at = event.next();
    let mut out = vec![what];
    out.extend(
        LOT_FIELDS
            .iter()
            .map(|f| field(f.name, f.vi, f.en, f.input)),
    );
    out.push(when);
    out.push(field(
        LOT_CODE.name,
        LOT_CODE.vi,
        LOT_CODE.en,
        LOT_CODE.input,
    ));
    out.extend(event.filter(|f| f.name != "quantity" && f.name != "unit"));
    out
}

fn chosen(asked: Option<&str>) -> EventKind {
    asked
        .and_then(|k| EventKind::parse(k).ok())
        .filter(|k| FIRST_KINDS.contains(k))
        .unwrap_or(EventKind::Harvesting)
}

async fn page(user: &PageUser, values: &HashMap<String, String>) -> Result<NewLotPage, AppError> {
    let l = user.l;
    let kind = chosen(values.get("kind").map(String::as_str));
    let mut values = values.clone();
    values.insert("kind".into(), kind.as_str().to_owned());
    let (products, facilities) = (
        product_choices(user).await.map_err(|e| e.0)?,
        facility_choices(user).await.map_err(|e| e.0)?,
    );
    let heading = l.t("Lô hàng mới", "New lot");
    let c = user.chrome(heading);
    let mut form = FormBody::new(
        &c,
        heading.to_owned(),
        "/portal/lots/new".into(),
        "/portal".into(),
        &spec(kind),
        &values,
    )
    .with_options("product_id", products)
    .with_options("facility_id", facilities);
    event_form::label_units(&mut form, kind, l);
    // The lot's quantity is needed (the form marks numbers optional).
    for f in form.fields.iter_mut().filter(|f| f.name == "quantity") {
        f.required = true;
    }
    form.submit = l.t("Tạo lô và ghi nhật ký", "Create the lot").to_owned();
    form.photo = Some(l.t("Ảnh chụp", "Photos").to_owned());
    let kinds = FIRST_KINDS
        .iter()
        .map(|k| {
            (
                format!("/portal/lots/new?kind={}", k.as_str()),
                l.event_kind(k.as_str()),
                *k == kind,
            )
        })
        .collect();
    Ok(NewLotPage { c, kinds, form })
}

async fn form(user: PageUser, query: web::Query<HashMap<String, String>>) -> PageResult {
    producer(&user)?;
    let mut values: HashMap<String, String> = query
        .into_inner()
        .into_iter()
        .filter(|(k, _)| k == "kind")
        .collect();
    let today = crate::time::now() + Duration::hours(7);
    let code = user
        .act(move |conn, caller| lots::suggested_code(conn, caller, today.date()))
        .await?;
    values.insert("lot_code".into(), code);
    values.insert("unit".into(), "kg".into());
    values.insert(
        "occurred_at".into(),
        today.format("%Y-%m-%dT%H:%M").to_string(),
    );
    let mut shown = page(&user, &values).await?;
    shown.c.flash = user.notice();
    html(&shown)
}

/// Each field's JSON value, every one that cannot even be typed refused at
/// once; an empty choice is no choice.
fn typed(
    spec: &[Field],
    posted: &HashMap<String, String>,
) -> (Map<String, Value>, Vec<FieldError>) {
    let mut out = Map::new();
    let mut problems = Vec::new();
    for f in spec {
        let raw = posted.get(f.name).map(|v| v.trim()).unwrap_or("");
        if matches!(f.input, Input::Pick | Input::LocalTime | Input::Choice(_)) && raw.is_empty() {
            continue;
        }
        match forms::to_json(std::slice::from_ref(f), posted) {
            Ok(Value::Object(one)) => out.extend(one),
            Ok(_) => {}
            Err(AppError::Invalid { field, message }) => {
                problems.push(FieldError { field, message })
            }
            Err(other) => problems.push(FieldError {
                field: f.name.to_owned(),
                message: other.to_string(),
            }),
        }
    }
    (out, problems)
}

/// The posted form as the use case's input, and what could not be typed.
fn new_lot(
    kind: EventKind,
    values: &HashMap<String, String>,
) -> Result<(NewLot, Vec<FieldError>), AppError> {
    let shown = spec(kind);
    let (mut body, mut problems) = typed(&shown, values);
    let details = match event_form::details(kind, values) {
        Ok(d) => d,
        Err(AppError::Invalid { field, message }) => {
            problems.push(FieldError { field, message });
            Value::Object(Map::new())
        }
        Err(other) => return Err(other),
    };
    let take = |body: &mut Map<String, Value>, key: &str| body.remove(key).unwrap_or(Value::Null);
    let batch = serde_json::json!({
        "product_id": take(&mut body, "product_id"),
        "facility_id": body.get("facility_id").cloned().unwrap_or(Value::Null),
        "lot_code": take(&mut body, "lot_code"),
        "quantity": take(&mut body, "quantity"),
        "unit": take(&mut body, "unit"),
    });
    let event = serde_json::json!({
        "kind": kind.as_str(),
        "occurred_at": take(&mut body, "occurred_at"),
        "facility_id": take(&mut body, "facility_id"),
        "details": details,
    });
    let batch: BatchFields = forms::body_of(batch)?;
    let event: EventFields = forms::body_of(event)?;
    Ok((NewLot { batch, event }, problems))
}

async fn create(user: PageUser, req: HttpRequest, payload: web::Payload) -> PageResult {
    producer(&user)?;
    let (values, files) = match super::photos::read_any(&req, payload).await {
        Ok(read) => read,
        Err(err) => {
            let mut shown = page(&user, &HashMap::new()).await?;
            let status = shown.form.mark(err)?;
            return html_with(status, &shown);
        }
    };
    user.check_csrf(values.get("csrf").map(String::as_str).unwrap_or(""))?;
    let kind = chosen(values.get("kind").map(String::as_str));
    let mut shown = page(&user, &values).await?;
    let (lot, mut untyped) = match new_lot(kind, &values) {
        Ok(read) => read,
        Err(err) => {
            let status = shown.form.mark(err)?;
            return html_with(status, &shown);
        }
    };
    let (mut fields, event) = lots::problems(&lot);
    // A field that could not be typed is said once, as typed.
    fields.retain(|p| !untyped.iter().any(|u| u.field == p.field));
    untyped.extend(fields);
    if !untyped.is_empty() || !event.is_empty() {
        let mut status = shown.form.mark_each(untyped);
        if !event.is_empty() {
            status = shown.form.mark(AppError::Fields(event))?;
        }
        return html_with(status, &shown);
    }
    let done = async {
        let pictures = super::photos::cleaned(files).await?;
        let config = user.state.config.clone();
        user.act(move |conn, caller| lots::create(conn, caller, &config, lot, pictures))
            .await
    };
    match done.await {
        Ok((view, _)) => Ok(see_other(&format!(
            "/portal/batches/{}?notice=saved",
            view.batch.id
        ))),
        Err(err) => {
            let status = shown.form.mark(err)?;
            html_with(status, &shown)
        }
    }
}
