//! The producer's portal (`/portal`): a dashboard of the enterprise's
//! facilities, products, batches, stamp rolls and scans; forms to register
//! and edit them; a batch page to record events in a few taps and to issue
//! and print stamps. Every write goes through the same API handler a client
//! would call, so rules, ownership checks and audit entries are the API's.

use actix_web::web;
use askama::Template;
use chrono::Duration;
use std::collections::HashMap;

use super::chart::{self, Bar};
use super::event_changes::{self, EventLine};
use super::event_form;
use super::forms::{self, field, Field, FormBody, FormPage, Input};
use super::frame::Chrome;
use super::places;
use super::session::PageUser;
use super::{html, path_id, see_other, PageError, PageResult};
use crate::auth::Role;
use crate::domain::id::Id;
use crate::domain::kinds::{BatchStatus, EventKind};
use crate::domain::next_event::next_kind;
use crate::error::AppError;
use crate::models::alerts::{self, Alert};
use crate::models::batch::{self, BatchFilter, BatchView};
use crate::models::enterprise;
use crate::models::facility::{self, Facility, FacilityFilter};
use crate::models::fake_report::FakeReport;
use crate::models::page::Page;
use crate::models::product::{self, Product, ProductFilter};
use crate::models::stamp_roll::{self, StampRoll};
use crate::models::stats;
use crate::service::{batches, facilities, products, reports, stamps};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        super::batch_export::routes(super::export_codes::routes(super::certifications::routes(
            web::scope("/portal"),
        )))
        .wrap(actix_web::middleware::from_fn(super::keep_lang))
        .route("", web::get().to(dashboard))
        .route("/map", web::get().to(super::map::portal_map))
        .route("/contact", web::get().to(super::contact::edit_contact))
        .route("/contact", web::post().to(super::contact::save_contact))
        .route("/receipts", web::get().to(super::receipts::list))
        .route(
            "/receipts/{id}/accept",
            web::get().to(super::receipts::accept_page),
        )
        .route(
            "/receipts/{id}/accept",
            web::post().to(super::receipts::accept),
        )
        .route("/facilities/new", web::get().to(new_facility))
        .route("/facilities/new", web::post().to(create_facility))
        .route("/facilities/{id}/edit", web::get().to(edit_facility))
        .route("/facilities/{id}/edit", web::post().to(update_facility))
        .route("/products/new", web::get().to(new_product))
        .route("/products/new", web::post().to(create_product))
        .route("/products/{id}/edit", web::get().to(edit_product))
        .route("/products/{id}/edit", web::post().to(update_product))
        .route("/batches/new", web::get().to(new_batch))
        .route("/batches/new", web::post().to(create_batch))
        .route("/batches/{id}", web::get().to(show_batch))
        .route("/batches/{id}/edit", web::get().to(edit_batch))
        .route("/batches/{id}/edit", web::post().to(update_batch))
        .route("/rolls/{id}/void", web::get().to(void_form))
        .route("/rolls/{id}/void", web::post().to(void_stamps))
        .route("/rolls/{id}/nfc", web::get().to(super::nfc::bind_form))
        .route("/rolls/{id}/nfc", web::post().to(super::nfc::bind))
        .route("/batches/{id}/events", web::post().to(record_event))
        .route(
            "/events/{id}/edit",
            web::get().to(event_changes::correct_form),
        )
        .route("/events/{id}/edit", web::post().to(event_changes::correct))
        .route(
            "/events/{id}/retract",
            web::get().to(event_changes::retract_form),
        )
        .route(
            "/events/{id}/retract",
            web::post().to(event_changes::retract),
        )
        .route("/batches/{id}/rolls", web::post().to(issue_roll)),
    );
}

/// The enterprise of a producer; other roles have their own portals.
pub(super) fn producer(user: &PageUser) -> Result<String, PageError> {
    match &user.caller.role {
        Role::Producer { enterprise_id } => Ok(enterprise_id.clone()),
        _ => Err(AppError::Forbidden("this page is for producers".into()).into()),
    }
}

type Posted = web::Form<HashMap<String, String>>;

// ---- dashboard -------------------------------------------------------

struct RollLine {
    roll: StampRoll,
    lot_code: String,
    batch_id: String,
}

#[derive(Template)]
#[template(path = "portal/dashboard.html")]
struct Dashboard {
    c: Chrome,
    /// The FSMA 204 request form's products: (id, name).
    fsma_products: Vec<(String, String)>,
    facilities: Vec<Facility>,
    products: Vec<Product>,
    batches: Vec<BatchView>,
    batches_total: i64,
    rolls: Vec<RollLine>,
    stamps_issued: i64,
    scans_total: i64,
    chart: String,
    /// Busiest anonymised origin areas: (area code, scans).
    origins: Vec<(String, i64)>,
    alerts: Vec<Alert>,
    /// Buyers' reports naming the enterprise's stamps.
    reports: Vec<FakeReport>,
    /// Producers do not see reporters' phones and photos.
    photos: bool,
    /// Certificates expired or expiring, not yet renewed.
    reminders: Vec<facilities::HeldCertificate>,
    /// Open inspection findings of the enterprise's facilities.
    findings: Vec<crate::service::findings::OpenFinding>,
}

async fn dashboard(user: PageUser) -> PageResult {
    producer(&user)?;
    let scope = user.caller.scope();
    let today = crate::time::now().date();
    let starts = chart::week_starts(today, 8);
    let from = chart::start_of(starts[0]);
    let to = chart::start_of(today + Duration::days(1));
    let (facilities, products, batches, rolls, figures, alerts, origins) = user
        .state
        .db(move |conn| {
            let facilities =
                facility::list(conn, &scope, &FacilityFilter::default(), Page::export())?;
            let products = product::list(conn, &scope, &ProductFilter::default(), Page::export())?;
            let filter = BatchFilter::default().check()?;
            let batches = batch::list(conn, &scope, &filter, Page::new(Some(1), Some(20))?)?;
            let ids: Vec<&str> = batches.items.iter().map(|b| b.batch.id.as_str()).collect();
            let rolls = stamp_roll::for_batches(conn, &ids)?
                .into_iter()
                .filter_map(|roll| {
                    let b = batches.items.iter().find(|b| b.batch.id == roll.batch_id)?;
                    Some(RollLine {
                        lot_code: b.batch.lot_code.clone(),
                        batch_id: b.batch.id.clone(),
                        roll,
                    })
                })
                .collect::<Vec<_>>();
            let alerts = alerts::alerts(conn, &scope, from, to)?;
            let figures = stats::stats(conn, &scope, from, to, alerts.len())?;
            let origins = stats::scans_by_origin(conn, &scope, from, to)?;
            Ok((
                facilities, products, batches, rolls, figures, alerts, origins,
            ))
        })
        .await?;
    let reports = user
        .act(move |conn, caller| reports::between(conn, caller, from, to))
        .await?;
    let reminders = user
        .act(move |conn, caller| facilities::certificates_held(conn, caller, today))
        .await?
        .into_iter()
        .filter(|h| {
            matches!(
                h.state,
                facilities::CertificateState::Expired | facilities::CertificateState::Expiring
            )
        })
        .collect();
    let findings = user.act(crate::service::findings::open).await?;
    let l = user.l;
    let weekly = chart::weekly_scans(&starts, &figures.scans_per_day);
    let page = Dashboard {
        fsma_products: products
            .items
            .iter()
            .map(|p| (p.id.clone(), l.t(&p.name_vi, &p.name_en).to_owned()))
            .collect(),
        c: user.chrome(l.t("Tổng quan", "Dashboard")),
        chart: chart::bars(
            l.t("Lượt quét tem mỗi tuần", "Stamp scans per week"),
            &weekly,
            false,
        ),
        scans_total: weekly.iter().map(|b: &Bar| b.value).sum(),
        stamps_issued: figures.stamps_issued,
        facilities: facilities.items,
        products: products.items,
        batches_total: batches.total,
        batches: batches.items,
        rolls,
        origins: origins
            .into_iter()
            .map(|(area, scans)| {
                let code = area.map(|a| a.chars().take(8).collect::<String>().to_uppercase());
                (
                    code.unwrap_or_else(|| l.t("không rõ", "unknown").to_owned()),
                    scans,
                )
            })
            .collect(),
        alerts,
        reports,
        photos: false,
        reminders,
        findings,
    };
    let mut c = page;
    c.c.flash = user.notice();
    html(&c)
}

// ---- facilities ----------------------------------------------------------

const FACILITY_KINDS: &[(&str, &str, &str)] = &[
    ("orchard", "Vườn cây ăn trái", "Orchard"),
    ("farm", "Trang trại", "Farm"),
    (
        "aquaculture",
        "Cơ sở nuôi trồng thủy sản",
        "Aquaculture farm",
    ),
    ("packing_house", "Nhà sơ chế, đóng gói", "Packing house"),
    ("processing_plant", "Cơ sở chế biến", "Processing plant"),
    ("warehouse", "Kho", "Warehouse"),
];

/// A new facility's fields: its place is a province and a commune chosen
/// from lists (`places`), then the house, street or hamlet.
const FACILITY_FORM: &[Field] = &[
    field("name", "Tên cơ sở", "Facility name", Input::Text(200)),
    field("kind", "Loại cơ sở", "Kind", Input::Choice(FACILITY_KINDS)),
    places::PROVINCE,
    places::COMMUNE,
    places::STREET,
    FACILITY_AREA_CODE,
    FACILITY_GLN,
    field("latitude", "Vĩ độ", "Latitude", Input::Number),
    field("longitude", "Kinh độ", "Longitude", Input::Number),
];

/// An existing facility's fields: its producer does not move it (a
/// regulator of its province does, `facilities::relocate`), so the
/// province and commune are not among them.
const FACILITY_EDIT_FORM: &[Field] = &[
    field("name", "Tên cơ sở", "Facility name", Input::Text(200)),
    field("kind", "Loại cơ sở", "Kind", Input::Choice(FACILITY_KINDS)),
    field(
        "address",
        "Địa chỉ (chuyển sang xã hoặc tỉnh khác: cơ quan quản lý của tỉnh thực hiện)",
        "Address (a move to another commune or province is made by the province's regulator)",
        Input::Text(300),
    ),
    FACILITY_AREA_CODE,
    FACILITY_GLN,
    field("latitude", "Vĩ độ", "Latitude", Input::Number),
    field("longitude", "Kinh độ", "Longitude", Input::Number),
];

const FACILITY_AREA_CODE: Field = field(
    "area_code",
    "Mã số vùng trồng / cơ sở đóng gói",
    "Planting-area or packing-house code",
    Input::Optional(50),
);

const FACILITY_GLN: Field = field(
    "gln",
    "Mã địa điểm toàn cầu GLN (13 chữ số)",
    "GS1 Global Location Number (GLN, 13 digits)",
    Input::Optional(13),
);

fn facility_values(f: &Facility) -> HashMap<String, String> {
    HashMap::from([
        ("name".into(), f.name.clone()),
        ("kind".into(), f.kind.clone()),
        ("address".into(), f.address.clone()),
        ("area_code".into(), f.area_code.clone().unwrap_or_default()),
        ("gln".into(), f.gln.clone().unwrap_or_default()),
        (
            "latitude".into(),
            f.latitude.map(|v| v.to_string()).unwrap_or_default(),
        ),
        (
            "longitude".into(),
            f.longitude.map(|v| v.to_string()).unwrap_or_default(),
        ),
    ])
}

fn facility_form(
    user: &PageUser,
    action: String,
    values: &HashMap<String, String>,
    editing: bool,
) -> FormPage {
    let l = user.l;
    if editing {
        let heading = l.t("Sửa cơ sở", "Edit facility");
        return FormPage::new(
            user.chrome(heading),
            heading.to_owned(),
            action,
            "/portal".into(),
            FACILITY_EDIT_FORM,
            values,
        )
        .with_script("/static/locate.js");
    }
    let heading = l.t("Cơ sở mới", "New facility");
    let mut page = FormPage::new(
        user.chrome(heading),
        heading.to_owned(),
        action,
        "/portal".into(),
        FACILITY_FORM,
        values,
    );
    page.form = places::offer(page.form, user, values);
    page.with_script("/static/locate.js")
}

async fn new_facility(user: PageUser) -> PageResult {
    producer(&user)?;
    // Most facilities are in their enterprise's province.
    let scope = user.caller.scope();
    let own = match &user.caller.role {
        Role::Producer { enterprise_id } => Some(enterprise_id.clone()),
        _ => None,
    };
    let province = match own {
        Some(id) => user
            .state
            .db(move |conn| Ok(enterprise::find(conn, &scope, &id)?))
            .await?
            .map(|e| e.province),
        None => None,
    };
    let values = HashMap::from([("province".to_owned(), province.unwrap_or_default())]);
    html(&facility_form(
        &user,
        "/portal/facilities/new".into(),
        &values,
        false,
    ))
}

async fn create_facility(user: PageUser, form: Posted) -> PageResult {
    producer(&user)?;
    let values = user.checked_form(form)?;
    let page = facility_form(&user, "/portal/facilities/new".into(), &values, false);
    let done = async {
        let body = forms::body_of(forms::to_json(FACILITY_FORM, &values)?)?;
        let units = user.state.admin_units.clone();
        user.act(move |conn, caller| facilities::create(conn, caller, &units, body))
            .await
    };
    page.submit(done, "/portal?notice=saved").await
}

async fn edit_facility(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let scope = user.caller.scope();
    let row = user
        .state
        .db(move |conn| Ok(facility::find(conn, &scope, &id)?))
        .await?
        .ok_or_else(|| AppError::not_found("facility"))?;
    let action = format!("/portal/facilities/{}/edit", row.id);
    html(&facility_form(&user, action, &facility_values(&row), true))
}

async fn update_facility(user: PageUser, path: web::Path<String>, form: Posted) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let page = facility_form(
        &user,
        format!("/portal/facilities/{}/edit", &*id),
        &values,
        true,
    );
    let done = async {
        let body = forms::body_of(forms::to_json(FACILITY_EDIT_FORM, &values)?)?;
        let units = user.state.admin_units.clone();
        user.act(move |conn, caller| facilities::update(conn, caller, &units, &id, body))
            .await
    };
    page.submit(done, "/portal?notice=saved").await
}

// ---- products -------------------------------------------------------------

const CATEGORIES: &[(&str, &str, &str)] = &[
    ("fruit", "Trái cây", "Fruit"),
    ("vegetable", "Rau củ", "Vegetables"),
    ("seafood", "Thủy sản", "Seafood"),
    ("processed", "Thực phẩm chế biến", "Processed food"),
];

const UNITS: &[(&str, &str, &str)] = &[
    ("kg", "kg", "kg"),
    ("tonne", "tấn", "tonnes"),
    ("box", "thùng", "boxes"),
    ("piece", "quả / cái", "pieces"),
    ("bag", "bao", "bags"),
    ("pack", "gói", "packs"),
];

const PRODUCT_FORM: &[Field] = &[
    field(
        "name_vi",
        "Tên sản phẩm (tiếng Việt)",
        "Product name (Vietnamese)",
        Input::Text(200),
    ),
    field(
        "name_en",
        "Tên sản phẩm (tiếng Anh)",
        "Product name (English)",
        Input::Text(200),
    ),
    field(
        "name_zh",
        "Tên sản phẩm (tiếng Trung, in trên tem xuất khẩu)",
        "Product name (Chinese, printed on export labels)",
        Input::Optional(200),
    ),
    field(
        "category",
        "Nhóm sản phẩm",
        "Category",
        Input::Choice(CATEGORIES),
    ),
    field("variety", "Giống", "Variety", Input::Optional(100)),
    field("unit", "Đơn vị tính", "Unit", Input::Choice(UNITS)),
    field(
        "gtin",
        "Mã GTIN (mã vạch)",
        "GTIN (barcode)",
        Input::Optional(14),
    ),
    field(
        "shelf_life_days",
        "Hạn dùng (số ngày)",
        "Shelf life (days)",
        Input::Number,
    ),
    field(
        "standards",
        "Tiêu chuẩn áp dụng",
        "Standards applied",
        Input::Optional(500),
    ),
    field(
        "image_url",
        "Địa chỉ ảnh sản phẩm (https://…)",
        "Product photo address (https://…)",
        Input::Optional(500),
    ),
];

fn product_values(p: &Product) -> HashMap<String, String> {
    HashMap::from([
        ("name_vi".into(), p.name_vi.clone()),
        ("name_en".into(), p.name_en.clone()),
        ("name_zh".into(), p.name_zh.clone().unwrap_or_default()),
        ("category".into(), p.category.clone()),
        ("variety".into(), p.variety.clone().unwrap_or_default()),
        ("unit".into(), p.unit.clone()),
        ("gtin".into(), p.gtin.clone().unwrap_or_default()),
        (
            "shelf_life_days".into(),
            p.shelf_life_days.map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("standards".into(), p.standards.clone().unwrap_or_default()),
        ("image_url".into(), p.image_url.clone().unwrap_or_default()),
    ])
}

fn product_form(
    user: &PageUser,
    action: String,
    values: &HashMap<String, String>,
    editing: bool,
) -> FormPage {
    let l = user.l;
    let heading = if editing {
        l.t("Sửa sản phẩm", "Edit product")
    } else {
        l.t("Sản phẩm mới", "New product")
    };
    FormPage::new(
        user.chrome(heading),
        heading.to_owned(),
        action,
        "/portal".into(),
        PRODUCT_FORM,
        values,
    )
}

fn product_body(values: &HashMap<String, String>) -> Result<serde_json::Value, AppError> {
    let mut body = forms::to_json(PRODUCT_FORM, values)?;
    forms::whole_numbers(&mut body, &["shelf_life_days"])?;
    Ok(body)
}

async fn new_product(user: PageUser) -> PageResult {
    producer(&user)?;
    html(&product_form(
        &user,
        "/portal/products/new".into(),
        &HashMap::new(),
        false,
    ))
}

async fn create_product(user: PageUser, form: Posted) -> PageResult {
    producer(&user)?;
    let values = user.checked_form(form)?;
    let page = product_form(&user, "/portal/products/new".into(), &values, false);
    let done = async {
        let body = forms::body_of(product_body(&values)?)?;
        let config = user.state.config.clone();
        user.act(move |conn, caller| products::create(conn, caller, &config, body))
            .await
    };
    page.submit(done, "/portal?notice=saved").await
}

async fn edit_product(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let scope = user.caller.scope();
    let caller = user.caller.clone();
    let (row, report) = user
        .state
        .db(move |conn| {
            let row =
                product::find(conn, &scope, &id)?.ok_or_else(|| AppError::not_found("product"))?;
            let report = crate::service::circular02::product_report(conn, &caller, &row.id)?;
            Ok((row, report))
        })
        .await?;
    let action = format!("/portal/products/{}/edit", row.id);
    let mut page = product_form(&user, action, &product_values(&row), true);
    // What Circular 02/2024 still asks of the product, above its form.
    page.form.warning = crate::service::circular02::missing_sentence(&report, user.l.is_en());
    html(&page)
}

async fn update_product(user: PageUser, path: web::Path<String>, form: Posted) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let page = product_form(
        &user,
        format!("/portal/products/{}/edit", &*id),
        &values,
        true,
    );
    let done = async {
        let body = forms::body_of(product_body(&values)?)?;
        {
            let config = user.state.config.clone();
            user.act(move |conn, caller| products::update(conn, caller, &config, &id, body))
                .await
        }
    };
    page.submit(done, "/portal?notice=saved").await
}

// ---- batches ----------------------------------------------------------------

const BATCH_FORM: &[Field] = &[
    field("product_id", "Sản phẩm", "Product", Input::Pick),
    field("facility_id", "Cơ sở sản xuất", "Facility", Input::Pick),
    field("lot_code", "Mã lô", "Lot code", Input::Text(20)),
    field(
        "produced_on",
        "Ngày thu hoạch / sản xuất",
        "Harvested / produced on",
        Input::Date,
    ),
    field("quantity", "Số lượng", "Quantity", Input::Number),
    field("unit", "Đơn vị tính", "Unit", Input::Choice(UNITS)),
    field("expires_on", "Hạn sử dụng", "Best before", Input::Date),
];

/// The enterprise's facilities, as choices.
pub(super) async fn facility_choices(user: &PageUser) -> Result<Vec<(String, String)>, PageError> {
    let scope = user.caller.scope();
    let facilities = user
        .state
        .db(move |conn| {
            Ok(facility::list(
                conn,
                &scope,
                &FacilityFilter::default(),
                Page::export(),
            )?)
        })
        .await?;
    Ok(facilities
        .items
        .into_iter()
        .map(|f| (f.id, format!("{} — {}", f.name, f.district)))
        .collect())
}

/// The enterprise's products, as choices.
pub(super) async fn product_choices(user: &PageUser) -> Result<Vec<(String, String)>, PageError> {
    let scope = user.caller.scope();
    let l = user.l;
    let products = user
        .state
        .db(move |conn| {
            Ok(product::list(
                conn,
                &scope,
                &ProductFilter::default(),
                Page::export(),
            )?)
        })
        .await?;
    Ok(products
        .items
        .into_iter()
        .map(|p| (p.id, l.t(&p.name_vi, &p.name_en).to_owned()))
        .collect())
}

async fn batch_form(
    user: &PageUser,
    values: &HashMap<String, String>,
) -> Result<FormPage, PageError> {
    let (products, facilities) = (product_choices(user).await?, facility_choices(user).await?);
    let l = user.l;
    let heading = l.t("Lô hàng mới", "New batch");
    Ok(FormPage::new(
        user.chrome(heading),
        heading.to_owned(),
        "/portal/batches/new".into(),
        "/portal".into(),
        BATCH_FORM,
        values,
    )
    .with_options("product_id", products)
    .with_options("facility_id", facilities))
}

async fn new_batch(user: PageUser) -> PageResult {
    producer(&user)?;
    let values = HashMap::from([(
        "produced_on".to_owned(),
        crate::time::now().date().format("%Y-%m-%d").to_string(),
    )]);
    html(&batch_form(&user, &values).await?)
}

async fn create_batch(user: PageUser, form: Posted) -> PageResult {
    producer(&user)?;
    let values = user.checked_form(form)?;
    let page = batch_form(&user, &values).await?;
    let done = async {
        let body = forms::to_json(BATCH_FORM, &values)?;
        // Every refused field at once beside its input; then the rules that
        // need the database (the product's and facility's owner, a lot code
        // already taken), one at a time, in the use case itself.
        let problems = batches::create_problems(forms::body_of(body.clone())?);
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let fields = forms::body_of(body)?;
        user.act(move |conn, caller| batches::create(conn, caller, fields))
            .await
            .map(Ok)
    };
    match done.await {
        Ok(Ok(view)) => Ok(see_other(&format!(
            "/portal/batches/{}?notice=saved",
            view.batch.id
        ))),
        Ok(Err(problems)) => page.refused_each(problems),
        Err(err) => page.refused(err),
    }
}

/// Editing keeps the product and the facility: a batch of another product
/// or from another place is another batch.
const BATCH_EDIT_FORM: &[Field] = &[
    field("lot_code", "Mã lô", "Lot code", Input::Text(20)),
    field(
        "produced_on",
        "Ngày thu hoạch / sản xuất",
        "Harvested / produced on",
        Input::Date,
    ),
    field("quantity", "Số lượng", "Quantity", Input::Number),
    field("unit", "Đơn vị tính", "Unit", Input::Choice(UNITS)),
    field("expires_on", "Hạn sử dụng", "Best before", Input::Date),
];

fn batch_edit_page(user: &PageUser, id: &str, values: &HashMap<String, String>) -> FormPage {
    let heading = user.l.t("Sửa lô hàng", "Edit batch");
    FormPage::new(
        user.chrome(heading),
        heading.to_owned(),
        format!("/portal/batches/{id}/edit"),
        format!("/portal/batches/{id}"),
        BATCH_EDIT_FORM,
        values,
    )
}

async fn edit_batch(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let scope = user.caller.scope();
    let row = user
        .state
        .db(move |conn| Ok(batch::find(conn, &scope, &id)?))
        .await?
        .ok_or_else(|| AppError::not_found("batch"))?;
    let values = HashMap::from([
        ("lot_code".to_owned(), row.lot_code.clone()),
        ("produced_on".to_owned(), row.produced_on.to_string()),
        ("quantity".to_owned(), row.quantity.to_string()),
        ("unit".to_owned(), row.unit.clone()),
        (
            "expires_on".to_owned(),
            row.expires_on.map(|d| d.to_string()).unwrap_or_default(),
        ),
    ]);
    html(&batch_edit_page(&user, &row.id, &values))
}

async fn update_batch(user: PageUser, path: web::Path<String>, form: Posted) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let page = batch_edit_page(&user, &id, &values);
    let done = async {
        let body = forms::body_of(forms::to_json(BATCH_EDIT_FORM, &values)?)?;
        {
            let (config, id) = (user.state.config.clone(), id.clone());
            user.act(move |conn, caller| batches::update(conn, caller, &config, &id, body))
                .await
        }
    };
    page.submit(done, &format!("/portal/batches/{}?notice=saved", &*id))
        .await
}

const VOID_WHAT: &[(&str, &str, &str)] = &[
    (
        "listed",
        "Chỉ các tem liệt kê dưới đây",
        "Only the stamps listed below",
    ),
    ("all", "Cả cuộn tem", "The whole roll"),
];

const VOID_FORM: &[Field] = &[
    field("what", "Hủy", "Void", Input::Choice(VOID_WHAT)),
    field(
        "serials",
        "Mã tem (cách nhau bởi dấu cách hoặc xuống dòng)",
        "Stamp codes (separated by spaces or new lines)",
        Input::Optional(200_000),
    ),
    field(
        "reason",
        "Lý do (bắt buộc)",
        "Reason (required)",
        Input::LongText(500),
    ),
];

/// The roll if it belongs to the producer's enterprise, and its batch's id.
pub(super) async fn own_roll(user: &PageUser, id: Id) -> Result<(StampRoll, String), PageError> {
    let scope = user.caller.scope();
    Ok(user
        .state
        .db(move |conn| {
            let roll =
                stamp_roll::find(conn, &id)?.ok_or_else(|| AppError::not_found("stamp roll"))?;
            let lot = batch::find(conn, &scope, &roll.batch_id)?
                .ok_or_else(|| AppError::not_found("stamp roll"))?
                .lot_code;
            Ok((roll, lot))
        })
        .await?)
}

/// A form about one stamp roll (voiding it, binding NFC tags to it): titled
/// with its lot, posted to `/portal/rolls/{id}/{act}`, cancelled back to its
/// batch. Texts are (Vietnamese, English).
pub(super) struct RollForm<'a> {
    pub title: (&'a str, &'a str),
    pub act: &'a str,
    pub fields: &'a [Field],
    pub warning: (&'a str, &'a str),
    pub submit: (&'a str, &'a str),
}

pub(super) fn roll_form_page(
    user: &PageUser,
    roll: &StampRoll,
    lot: &str,
    form: RollForm,
    values: &HashMap<String, String>,
) -> FormPage {
    let l = user.l;
    let heading = format!(
        "{} — {} {lot}",
        l.t(form.title.0, form.title.1),
        l.t("lô", "lot")
    );
    let mut page = FormPage::new(
        user.chrome(heading.clone()),
        heading,
        format!("/portal/rolls/{}/{}", roll.id, form.act),
        format!("/portal/batches/{}", roll.batch_id),
        form.fields,
        values,
    );
    page.form.warning = Some(l.t(form.warning.0, form.warning.1).to_owned());
    page.form.submit = l.t(form.submit.0, form.submit.1).to_owned();
    page
}

fn void_page(
    user: &PageUser,
    roll: &StampRoll,
    lot: &str,
    values: &HashMap<String, String>,
) -> FormPage {
    let mut page = roll_form_page(
        user,
        roll,
        lot,
        RollForm {
            title: ("Hủy tem", "Void stamps"),
            act: "void",
            fields: VOID_FORM,
            warning: (
                "Tem đã hủy không thể dùng lại: người tiêu dùng quét sẽ thấy cảnh báo đỏ “Tem đã hủy”. Dùng khi tem bị mất, hỏng hoặc in sai.",
                "Voided stamps cannot be used again: consumers who scan them see the red “Voided stamp” warning. Use it for lost, damaged or misprinted stamps.",
            ),
            submit: ("Xác nhận hủy tem", "Confirm voiding"),
        },
        values,
    );
    page.form.danger = true;
    page
}

async fn void_form(user: PageUser, path: web::Path<String>) -> PageResult {
    producer(&user)?;
    let (roll, lot) = own_roll(&user, path_id(&path)?).await?;
    html(&void_page(&user, &roll, &lot, &HashMap::new()))
}

async fn void_stamps(user: PageUser, path: web::Path<String>, form: Posted) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let (roll, lot) = own_roll(&user, id.clone()).await?;
    let page = void_page(&user, &roll, &lot, &values);
    let done = async {
        let all = values.get("what").map(String::as_str) == Some("all");
        let serials = if all {
            Vec::new()
        } else {
            let listed: Vec<String> = values
                .get("serials")
                .map(|text| {
                    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            if listed.is_empty() {
                return Err(AppError::invalid("serials", "is required"));
            }
            listed
        };
        let body = stamps::VoidRequest {
            serials,
            all,
            reason: values.get("reason").cloned().unwrap_or_default(),
        };
        {
            let codec = user.state.codec.clone();
            user.act(move |conn, caller| stamps::void(conn, caller, &codec, &id, body))
                .await
        }
    };
    page.submit(
        done,
        &format!("/portal/batches/{}?notice=void", roll.batch_id),
    )
    .await
}

const ROLL_FORM: &[Field] = &[field("count", "Số tem", "Number of stamps", Input::Number)];

#[derive(Template)]
#[template(path = "portal/batch.html")]
struct BatchPage {
    c: Chrome,
    view: BatchView,
    /// Every event, retracted ones struck through.
    history: Vec<EventLine>,
    /// A recalled lot is read-only: no event or roll form is offered.
    recalled: bool,
    /// Whether its events may be corrected or retracted here.
    changeable: bool,
    rolls: Vec<StampRoll>,
    /// The kinds the event form can be switched to: (link, name, current).
    event_kinds: Vec<(String, String, bool)>,
    event_form: FormBody,
    roll_form: FormBody,
    /// The Circular 02/2024 items the record lacks: (name, why).
    circular02: Vec<(String, String)>,
    circular02_batch: Option<String>,
    /// Market, export codes, lab results and what the market still requires.
    export: super::batch_export::ExportSummary,
    /// Whether the product has a Chinese name: Chinese labels are offered
    /// only then (the service refuses them without one).
    chinese_name: bool,
}

async fn batch_page(
    user: &PageUser,
    id: Id,
    event_values: &HashMap<String, String>,
    roll_values: &HashMap<String, String>,
) -> Result<BatchPage, PageError> {
    let scope = user.caller.scope();
    let caller = user.caller.clone();
    let (view, history, rolls, record, chinese_name) = user
        .state
        .db(move |conn| {
            let row =
                batch::find(conn, &scope, &id)?.ok_or_else(|| AppError::not_found("batch"))?;
            let history = crate::models::event::history(conn, &row.id)?;
            let rolls = stamp_roll::for_batch(conn, &row.id)?;
            let record = crate::service::circular02::batch_record(conn, &caller, &row.id)?;
            let chinese_name =
                product::find(conn, &scope, &row.product_id)?.is_some_and(|p| p.name_zh.is_some());
            Ok((
                batch::view(conn, row)?,
                history,
                rolls,
                record,
                chinese_name,
            ))
        })
        .await?;
    let facilities = facility_choices(user).await?;
    let export = super::batch_export::summary(user, view.batch.id.clone(), true).await?;
    let l = user.l;
    let title = format!("{} {}", l.t("Lô", "Lot"), view.batch.lot_code);
    let base = format!("/portal/batches/{}", view.batch.id);
    let mut event_values = event_values.clone();
    let done: Vec<EventKind> = history
        .iter()
        .filter(|(row, _)| row.retracted_at.is_none())
        .filter_map(|(row, _)| EventKind::parse(&row.kind).ok())
        .collect();
    let kind = event_form::chosen(
        event_values.get("kind").map(String::as_str),
        next_kind(&done),
    );
    event_values.insert("kind".into(), kind.as_str().to_owned());
    let event_kinds = event_form::KINDS
        .iter()
        .map(|(name, vi, en)| {
            (
                format!("{base}?kind={name}#event-form"),
                l.t(vi, en).to_owned(),
                *name == kind.as_str(),
            )
        })
        .collect();
    event_values
        .entry("facility_id".into())
        .or_insert_with(|| view.batch.facility_id.clone());
    event_values.entry("occurred_at".into()).or_insert_with(|| {
        (crate::time::now() + Duration::hours(7))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    });
    let c = user.chrome(title.clone());
    let mut event_form = FormBody::new(
        &c,
        l.t("Ghi nhật ký", "Record an event").to_owned(),
        format!("{base}/events"),
        base.clone(),
        &event_form::spec(kind),
        &event_values,
    )
    .with_options("facility_id", facilities);
    event_form::label_units(&mut event_form, kind, l);
    event_form.submit = l.t("Ghi nhật ký", "Record").to_owned();
    event_form.photo = Some(l.t("Ảnh chụp", "Photos").to_owned());
    let mut roll_form = FormBody::new(
        &c,
        l.t("Cấp cuộn tem", "Issue a stamp roll").to_owned(),
        format!("{base}/rolls"),
        base,
        ROLL_FORM,
        roll_values,
    );
    roll_form.submit = l.t("Cấp tem", "Issue stamps").to_owned();
    let mut c = c;
    c.flash = user.notice();
    let mut lines = event_changes::history(&history, l);
    event_changes::add_photos(user, &mut lines).await?;
    Ok(BatchPage {
        c,
        history: lines,
        recalled: view.batch.status == BatchStatus::Recalled.as_str(),
        changeable: view.batch.status != BatchStatus::Recalled.as_str(),
        view,
        rolls,
        event_kinds,
        event_form,
        roll_form,
        circular02: crate::service::circular02::missing_labels(&record.completeness, l.is_en()),
        circular02_batch: Some(record.batch.id),
        export,
        chinese_name,
    })
}

async fn show_batch(
    user: PageUser,
    path: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let asked: HashMap<String, String> = query
        .into_inner()
        .into_iter()
        .filter(|(k, _)| k == "kind")
        .collect();
    let page = batch_page(
        &user,
        id,
        &asked,
        &HashMap::from([("count".into(), "1000".into())]),
    )
    .await?;
    html(&page)
}

async fn record_event(
    user: PageUser,
    path: web::Path<String>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let (values, files) = match super::photos::read_any(&req, payload).await {
        Ok(read) => read,
        Err(err) => {
            let page = batch_page(&user, id, &HashMap::new(), &HashMap::new()).await?;
            return refused_on_batch(page, err, true);
        }
    };
    user.check_csrf(values.get("csrf").map(String::as_str).unwrap_or(""))?;
    let done = async {
        let kind = EventKind::parse(values.get("kind").map(String::as_str).unwrap_or(""))
            .map_err(|why| AppError::invalid("kind", why))?;
        let spec = event_form::spec(kind);
        let mut body = forms::to_json(&spec[..3], &values)?;
        body["details"] = event_form::details(kind, &values)?;
        let body = forms::body_of(body)?;
        let pictures = super::photos::cleaned(files).await?;
        {
            let (config, id) = (user.state.config.clone(), id.clone());
            user.act(move |conn, caller| {
                batches::record_event_with_photos(conn, caller, &config, &id, body, pictures)
            })
            .await
        }
    };
    match done.await {
        Ok(_) => Ok(see_other(&format!("/portal/batches/{}?notice=event", &*id))),
        Err(err) => {
            let page = batch_page(&user, id, &values, &HashMap::new()).await?;
            refused_on_batch(page, err, true)
        }
    }
}

async fn issue_roll(user: PageUser, path: web::Path<String>, form: Posted) -> PageResult {
    producer(&user)?;
    let id = path_id(&path)?;
    let values = user.checked_form(form)?;
    let done = async {
        let mut body = forms::to_json(ROLL_FORM, &values)?;
        forms::whole_numbers(&mut body, &["count"])?;
        if body["count"].is_null() {
            return Err(AppError::invalid("count", "is required"));
        }
        let body: stamps::IssueRequest = forms::body_of(body)?;
        {
            let (codec, id) = (user.state.codec.clone(), id.clone());
            let config = user.state.config.clone();
            user.act(move |conn, caller| stamps::issue(conn, caller, &config, &codec, &id, body))
                .await
        }
    };
    match done.await {
        Ok(_) => Ok(see_other(&format!("/portal/batches/{}?notice=roll", &*id))),
        Err(err) => {
            let page = batch_page(&user, id, &HashMap::new(), &values).await?;
            refused_on_batch(page, err, false)
        }
    }
}

/// Shows the batch page again with the refusal beside the form that
/// caused it.
fn refused_on_batch(mut page: BatchPage, err: AppError, event: bool) -> PageResult {
    let form = if event {
        &mut page.event_form
    } else {
        &mut page.roll_form
    };
    let status = form.mark(err)?;
    super::html_with(status, &page)
}
