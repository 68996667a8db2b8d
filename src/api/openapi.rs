//! The OpenAPI 3.0 description of `/api/v1`, served without login at
//! `GET /api/v1/openapi.json` for client authors and for the bad-input sweep
//! (`scripts/sweep.sh`), which generates its requests from it.
//!
//! It is written here as one table of operations rather than derived from
//! annotations: the request structs live in `models/` with PATCH semantics
//! (`Option<Option<T>>`) and validation in code that no derive could read, so
//! the limits below are taken from the same constants and vocabularies the
//! validators use where those are public (enum values, `MAX_ROLL`, paging),
//! and a test (`tests/it/openapi.rs`) checks that every route the app
//! registers under `/api/v1` is described and every described one answers.

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

use crate::domain::admin_units::PROVINCE_CODES;
use crate::domain::kde;
use crate::domain::kinds::{
    BatchStatus, CertificationScheme, EventKind, FacilityKind, FacilityStatus, InspectionResult,
    ProductCategory, Unit,
};
use crate::domain::validate::PROVINCES;
use crate::labels::sheet::{Layout, MAX_LABELS_PER_PDF};
use crate::models::page::MAX_PER_PAGE;
use crate::models::stamp_roll::MAX_ROLL;
use crate::service::nfc::{MAX_BIND_BYTES, MAX_BIND_ROWS};

#[path = "openapi_export_codes.rs"]
mod export_codes;

/// `GET /api/v1/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(spec())
}

/// One operation: method, path under `/api/v1`, and what it takes and gives.
struct Operation {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    query: Vec<Value>,
    body: Option<Value>,
    /// The request body's media type.
    body_media: &'static str,
    /// The success status and its JSON schema (`Null`: no JSON body).
    ok: (u16, Value),
    /// Media types the success answer takes besides JSON (a PDF, a CSV
    /// stream); `text/csv` is added by itself when `format` offers `csv`.
    media: Vec<&'static str>,
    /// Statuses answered besides success and the common errors, and why.
    more: Vec<(u16, &'static str)>,
}

fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
) -> Operation {
    Operation {
        method,
        path,
        tag,
        summary,
        query: Vec::new(),
        body: None,
        body_media: "application/json",
        ok: (200, Value::Null),
        media: Vec::new(),
        more: Vec::new(),
    }
}

impl Operation {
    fn query(mut self, params: Vec<Value>) -> Self {
        self.query.extend(params);
        self
    }
    fn body(mut self, schema: Value) -> Self {
        self.body = Some(schema);
        self
    }
    /// A body of another media type than JSON (an uploaded CSV).
    fn body_as(mut self, media_type: &'static str, schema: Value) -> Self {
        self.body = Some(schema);
        self.body_media = media_type;
        self
    }
    fn ok(mut self, status: u16, schema: Value) -> Self {
        self.ok = (status, schema);
        self
    }
    fn media(mut self, media_type: &'static str) -> Self {
        self.media.push(media_type);
        self
    }
    /// Past a rate limit the answer is 429 with `Retry-After`.
    fn rate_limited(mut self) -> Self {
        self.more.push((429, "too many attempts; see Retry-After"));
        self
    }
    /// Whether the success answer can be CSV (`?format=csv`).
    fn offers_csv(&self) -> bool {
        self.query.iter().any(|p| {
            p["name"] == "format"
                && p["schema"]["enum"]
                    .as_array()
                    .is_some_and(|e| e.contains(&json!("csv")))
        })
    }
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// Required text as `validate::text` checks it: trimmed, 1..=max characters.
fn text(max: usize) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max})
}

/// A link: text of at most `max` characters starting as `pattern` says
/// (the validators check the scheme only); `example` shows one.
fn url(max: usize, pattern: &str, example: &str) -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": max, "pattern": pattern, "example": example})
}

fn nullable(mut schema: Value) -> Value {
    schema["nullable"] = json!(true);
    schema
}

fn one_of(values: impl IntoIterator<Item = &'static str>) -> Value {
    json!({"type": "string", "enum": values.into_iter().collect::<Vec<_>>()})
}

fn date() -> Value {
    json!({"type": "string", "format": "date", "description": "YYYY-MM-DD, 2000-01-01 to 2100-12-31"})
}

fn id() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn object(props: &[(&str, Value)], required: &[&str]) -> Value {
    let properties: Map<String, Value> = props
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

/// A request body: unknown fields are refused (`deny_unknown_fields`).
/// Also an answer whose optional members are listed: no member beyond them.
fn closed(props: &[(&str, Value)], required: &[&str]) -> Value {
    let mut schema = object(props, required);
    schema["additionalProperties"] = json!(false);
    schema
}

/// An answer the code serialises whole: every member is always there
/// (`null` when empty) and there are no others, so a member added to, renamed
/// in or dropped from the code without the document fails the tests that
/// check every answer against it (`tests/it/conformance.rs`).
fn record(props: &[(&str, Value)]) -> Value {
    let required: Vec<&str> = props.iter().map(|(k, _)| *k).collect();
    closed(props, &required)
}

fn param(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema})
}

fn paging() -> Vec<Value> {
    vec![
        param(
            "page",
            json!({"type": "integer", "minimum": 1, "maximum": 1_000_000}),
        ),
        param(
            "per_page",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
        ),
    ]
}

fn listing() -> Vec<Value> {
    let mut params = paging();
    params.push(param("format", one_of(["json", "csv"])));
    params
}

fn provinces() -> Value {
    one_of(PROVINCES.iter().copied())
}

/// A list's province filter: the name or the official code.
fn province_filter() -> Value {
    one_of(PROVINCES.iter().chain(PROVINCE_CODES.iter()).copied())
}

/// An official commune, ward or special-zone code (Decision 19/2025/QĐ-TTg).
fn commune_code() -> Value {
    json!({"type": "string", "pattern": "^[0-9]{5}$",
        "description": "official code of a commune, ward or special zone since 1 July 2025 \
        (listed at /open-data/communes.csv); the province follows from it"})
}

fn names<T: Copy>(all: &'static [T], name: fn(T) -> &'static str) -> Value {
    one_of(all.iter().map(|k| name(*k)))
}

fn list_of(item: &str) -> Value {
    closed(
        &[
            ("items", json!({"type": "array", "items": schema_ref(item)})),
            ("total", json!({"type": "integer"})),
            ("page", json!({"type": "integer"})),
            ("per_page", json!({"type": "integer"})),
        ],
        &["items", "total", "page", "per_page"],
    )
}

fn array_of(item: &str) -> Value {
    json!({"type": "array", "items": schema_ref(item)})
}

/// The telephone number consumers see on stamp pages.
fn contact_phone() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 32,
        "pattern": "^[0-9 +.()-]+$", "description": "8 to 15 digits"})
}

/// A Zalo page: `https://zalo.me/` and a phone number or account id.
fn zalo_url() -> Value {
    url(
        100,
        "^[Hh][Tt][Tt][Pp][Ss]://[Zz][Aa][Ll][Oo]\\.[Mm][Ee]/[A-Za-z0-9][A-Za-z0-9._-]{0,83}/?$",
        "https://zalo.me/0912345678",
    )
}

/// The request bodies: `NAME` for a create (required fields), `NAMEPatch`
/// for a PATCH (every field optional; `null` clears an optional one).
/// A request body: its name, its fields' schemas, the fields a create needs.
type Body = (&'static str, Vec<(&'static str, Value)>, Vec<&'static str>);

fn fields() -> Vec<Body> {
    let unit = names(Unit::ALL, Unit::as_str);
    vec![
        (
            "EnterpriseFields",
            vec![
                ("name", text(200)),
                (
                    "tax_code",
                    json!({"type": "string", "pattern": "^[0-9]{10}(-[0-9]{3})?$"}),
                ),
                ("address", text(300)),
                (
                    "gs1_prefix",
                    nullable(json!({"type": "string", "pattern": "^893[0-9]{4,7}$"})),
                ),
                (
                    "phone",
                    nullable(json!({"type": "string", "minLength": 1, "maxLength": 32,
                        "pattern": "^[0-9 +.()-]+$", "description": "8 to 15 digits"})),
                ),
                (
                    "email",
                    nullable(
                        json!({"type": "string", "format": "email", "minLength": 3, "maxLength": 254}),
                    ),
                ),
                ("contact_phone", nullable(contact_phone())),
                ("zalo_url", nullable(zalo_url())),
                ("commune_code", commune_code()),
                ("former_address", nullable(text(300))),
            ],
            vec!["name", "tax_code", "address", "commune_code"],
        ),
        (
            "ContactFields",
            vec![
                ("contact_phone", nullable(contact_phone())),
                ("zalo_url", nullable(zalo_url())),
            ],
            vec![],
        ),
        (
            "FacilityFields",
            vec![
                ("enterprise_id", nullable(id())),
                ("name", text(200)),
                ("kind", names(FacilityKind::ALL, FacilityKind::as_str)),
                ("address", text(300)),
                (
                    "district",
                    json!({"type": "string", "maxLength": 0,
                        "description": "districts were abolished on 1 July 2025: empty or absent"}),
                ),
                (
                    "latitude",
                    nullable(json!({"type": "number", "minimum": -90, "maximum": 90})),
                ),
                (
                    "longitude",
                    nullable(json!({"type": "number", "minimum": -180, "maximum": 180})),
                ),
                ("area_code", nullable(text(64))),
                (
                    "gln",
                    nullable(json!({"type": "string", "pattern": "^[0-9]{13}$",
                    "description": "GS1 Global Location Number: 13 digits with a valid check \
                    digit, under the enterprise's GS1 company prefix, used by no other \
                    facility; resolved at /414/{gln}"})),
                ),
                ("commune_code", commune_code()),
                ("former_address", nullable(text(300))),
            ],
            vec!["name", "kind", "address", "commune_code"],
        ),
        (
            "CertificationFields",
            vec![
                (
                    "scheme",
                    names(CertificationScheme::ALL, CertificationScheme::as_str),
                ),
                ("number", text(64)),
                ("issuer", text(200)),
                ("valid_from", date()),
                ("valid_to", date()),
            ],
            vec!["scheme", "number", "issuer", "valid_from", "valid_to"],
        ),
        (
            "ProductFields",
            vec![
                ("enterprise_id", nullable(id())),
                ("name_vi", text(200)),
                ("name_en", text(200)),
                ("name_zh", nullable(text(200))),
                (
                    "category",
                    names(ProductCategory::ALL, ProductCategory::as_str),
                ),
                ("variety", nullable(text(100))),
                (
                    "gtin",
                    nullable(json!({"type": "string", "pattern": "^[0-9]{8,14}$",
                    "description": "GTIN-8, -12, -13 or -14 with a valid check digit"})),
                ),
                ("unit", unit.clone()),
                (
                    "image_url",
                    nullable(url(500, "^(https?://|/)", "https://example.vn/buoi.jpg")),
                ),
                (
                    "shelf_life_days",
                    nullable(json!({"type": "integer", "minimum": 1, "maximum": 3650})),
                ),
                ("standards", nullable(text(300))),
            ],
            vec!["name_vi", "name_en", "category", "unit"],
        ),
        (
            "BatchFields",
            vec![
                ("product_id", id()),
                ("facility_id", id()),
                (
                    "lot_code",
                    json!({"type": "string", "minLength": 1, "maxLength": 20,
                    "pattern": "^[A-Za-z0-9!\"%&'()*+,./:;<=>?_-]{1,20}$",
                    "description": "GS1 character set 82"}),
                ),
                ("produced_on", date()),
                (
                    "quantity",
                    json!({"type": "number", "exclusiveMinimum": true, "minimum": 0,
                    "exclusiveMaximum": true, "maximum": 1e12}),
                ),
                ("unit", unit.clone()),
                ("expires_on", nullable(date())),
                (
                    "market",
                    nullable(names(
                        crate::domain::market::Market::ALL,
                        crate::domain::market::Market::as_str,
                    )),
                ),
            ],
            vec![
                "product_id",
                "facility_id",
                "lot_code",
                "produced_on",
                "quantity",
                "unit",
            ],
        ),
        (
            "EventFields",
            vec![
                ("kind", names(EventKind::ALL, EventKind::as_str)),
                (
                    "occurred_at",
                    json!({"type": "string", "format": "date-time"}),
                ),
                ("facility_id", id()),
                (
                    "details",
                    nullable(json!({"type": "object", "description":
                    "at most 16 KiB: the kind's key data elements only (README, Rules and FSMA 204): \
                     e.g. harvesting quantity + unit; shipping ship_to {party_id, business_name, phone, street, \
                     province, country, gln, fda_registration}, quantity + unit, reference_document {type, number}; \
                     every refused one is listed in the error's problems"})),
                ),
                (
                    "inputs",
                    nullable(json!({"type": "array", "maxItems": 100,
                    "description": "transformation only: its input batches",
                    "items": closed(&[
                        ("batch_id", id()),
                        ("quantity", nullable(json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}))),
                        ("unit", nullable(unit)),
                    ], &["batch_id"])})),
                ),
            ],
            vec!["kind", "occurred_at", "facility_id"],
        ),
        (
            "PartyFields",
            vec![
                (
                    "enterprise_id",
                    nullable(json!({"type": "string", "format": "uuid",
                    "description": "an enterprise of the service: its party (name, address, \
                    phone follow the enterprise); absent for an outside party"})),
                ),
                ("business_name", text(200)),
                ("street", text(300)),
                (
                    "province",
                    json!({"type": "string", "minLength": 1, "description":
                    "a Vietnamese province when country is VN (the default); else the region, \
                    at most 100 characters"}),
                ),
                (
                    "country",
                    json!({"type": "string", "pattern": "^[A-Za-z]{2}$",
                    "description": "ISO 3166-1 alpha-2, VN by default"}),
                ),
                ("phone", nullable(contact_phone())),
                (
                    "gln",
                    nullable(json!({"type": "string", "pattern": "^[0-9]{13}$",
                    "description": "GS1 Global Location Number: 13 digits with a valid check digit"})),
                ),
                (
                    "fda_registration",
                    nullable(json!({"type": "string", "pattern": "^[0-9]{11}$",
                    "description": "US FDA food facility registration number"})),
                ),
            ],
            vec![],
        ),
    ]
}

fn schemas() -> Map<String, Value> {
    let mut out = Map::new();
    for (name, props, required) in fields() {
        out.insert(name.to_owned(), closed(&props, &required));
        // On PATCH, `product_id`, `facility_id` and `enterprise_id` cannot
        // change and an event's `kind` and `inputs` are fixed: they are
        // refused with a 422.
        let patchable: Vec<(&str, Value)> = props
            .into_iter()
            .filter(|(k, _)| !matches!(*k, "product_id" | "enterprise_id" | "inputs"))
            .filter(|(k, _)| !(name == "EventFields" && *k == "kind"))
            .filter(|(k, _)| !(name == "BatchFields" && *k == "facility_id"))
            // A facility's province and district move only by its regulator
            // (`POST /facilities/{id}/relocate`); a PATCH changing them is 422.
            .filter(|(k, _)| {
                !(name == "FacilityFields"
                    && matches!(*k, "province" | "district" | "commune_code"))
            })
            // A `null` for a field a create requires leaves it as it is.
            .map(|(k, v)| (k, nullable(v)))
            .collect();
        out.insert(format!("{name}Patch"), closed(&patchable, &[]));
    }
    let time = || json!({"type": "string", "format": "date-time"});
    let s = || json!({"type": "string"});
    let ns = || nullable(json!({"type": "string"}));
    let rows: Vec<(&str, Value)> = vec![
        (
            "Error",
            closed(
                &[(
                    "error",
                    closed(
                        &[
                            ("code", s()),
                            ("message", s()),
                            ("field", s()),
                            ("request_id", s()),
                            (
                                "problems",
                                json!({"type": "array", "description":
                                "every refused field, when several were (an event's details)",
                                "items": closed(
                                    &[("field", nullable(s())), ("message", s()), ("message_vi", s())],
                                    &["field", "message", "message_vi"],
                                )}),
                            ),
                        ],
                        &["code", "message"],
                    ),
                )],
                &["error"],
            ),
        ),
        (
            "Login",
            closed(
                &[("username", s()), ("password", s())],
                &["username", "password"],
            ),
        ),
        (
            "Me",
            record(&[
                ("id", id()),
                ("username", s()),
                ("role", one_of(["admin", "producer", "regulator"])),
                ("enterprise_id", nullable(id())),
                ("province", ns()),
            ]),
        ),
        (
            "TokenRequest",
            closed(
                &[
                    ("name", text(100)),
                    (
                        "expires_in_days",
                        json!({"type": "integer", "minimum": 1, "maximum": 90,
                               "description": "at most TOKEN_DAYS (default 90)"}),
                    ),
                ],
                &["name"],
            ),
        ),
        (
            "TokenCreated",
            object(
                &[
                    ("id", s()),
                    ("name", s()),
                    ("expires_at", s()),
                    ("token", s()),
                ],
                &["id", "name", "expires_at", "token"],
            ),
        ),
        (
            "TokenList",
            object(
                &[(
                    "items",
                    json!({"type": "array", "items": object(
                        &[("id", s()), ("name", s()), ("kind", s()), ("created_at", s()),
                          ("expires_at", ns()), ("current", json!({"type": "boolean"}))],
                        &["id", "name", "kind", "created_at", "current"])}),
                )],
                &["items"],
            ),
        ),
        (
            "PasswordChange",
            closed(
                &[("current_password", s()), ("new_password", text(256))],
                &["current_password", "new_password"],
            ),
        ),
        (
            "ResetRequest",
            closed(
                &[("token", s()), ("password", text(256))],
                &["token", "password"],
            ),
        ),
        (
            "Revoked",
            object(
                &[("tokens_revoked", json!({"type": "integer"}))],
                &["tokens_revoked"],
            ),
        ),
        (
            "Enterprise",
            record(&[
                ("id", id()),
                ("name", s()),
                ("tax_code", s()),
                ("address", s()),
                ("province", provinces()),
                ("gs1_prefix", ns()),
                ("phone", ns()),
                ("email", ns()),
                ("created_at", time()),
                ("updated_at", time()),
                ("contact_phone", ns()),
                ("zalo_url", ns()),
                ("commune_code", nullable(commune_code())),
                ("province_code", s()),
                ("former_address", ns()),
            ]),
        ),
        (
            "Facility",
            record(&[
                ("id", id()),
                ("enterprise_id", id()),
                ("name", s()),
                ("kind", names(FacilityKind::ALL, FacilityKind::as_str)),
                ("address", s()),
                ("district", s()),
                ("province", provinces()),
                ("latitude", nullable(json!({"type": "number"}))),
                ("longitude", nullable(json!({"type": "number"}))),
                ("area_code", ns()),
                ("status", names(FacilityStatus::ALL, FacilityStatus::as_str)),
                ("status_reason", ns()),
                ("created_at", time()),
                ("updated_at", time()),
                ("gln", ns()),
                ("commune_code", nullable(commune_code())),
                ("province_code", s()),
                ("former_address", ns()),
            ]),
        ),
        (
            "Certification",
            record(&[
                ("id", id()),
                ("facility_id", id()),
                (
                    "scheme",
                    names(CertificationScheme::ALL, CertificationScheme::as_str),
                ),
                ("number", s()),
                ("issuer", s()),
                ("valid_from", date()),
                ("valid_to", date()),
                ("created_at", time()),
                ("updated_at", time()),
            ]),
        ),
        (
            "Product",
            record(&[
                ("id", id()),
                ("enterprise_id", id()),
                ("name_vi", s()),
                ("name_en", s()),
                ("name_zh", ns()),
                (
                    "category",
                    names(ProductCategory::ALL, ProductCategory::as_str),
                ),
                ("variety", ns()),
                ("gtin", ns()),
                ("unit", names(Unit::ALL, Unit::as_str)),
                ("image_url", ns()),
                ("shelf_life_days", nullable(json!({"type": "integer"}))),
                ("standards", ns()),
                ("created_at", time()),
                ("updated_at", time()),
            ]),
        ),
        (
            "ProductLinkFields",
            closed(
                &[
                    (
                        "link_type",
                        json!({"type": "string", "minLength": 1,
            "description": "a GS1 link type such as gs1:recipeInfo"}),
                    ),
                    (
                        "href",
                        url(500, "^https?://", "https://example.vn/cong-thuc"),
                    ),
                    ("title", text(200)),
                    (
                        "lang",
                        nullable(json!({"type": "string", "maxLength": 8,
                            "pattern": "^[A-Za-z-]{2,8}$", "description": "a language tag: vi, en"})),
                    ),
                ],
                &["link_type", "href", "title"],
            ),
        ),
        (
            "ProductLink",
            record(&[
                ("id", id()),
                ("product_id", id()),
                ("link_type", s()),
                ("href", s()),
                ("title", s()),
                ("lang", ns()),
                ("created_at", time()),
            ]),
        ),
        ("Batch", {
            // `former_lot_codes` only on a single batch, not in lists.
            let mut batch = record(&[
                ("id", id()),
                ("product_id", id()),
                ("facility_id", id()),
                ("lot_code", s()),
                ("produced_on", date()),
                ("quantity", json!({"type": "number"})),
                ("unit", names(Unit::ALL, Unit::as_str)),
                ("expires_on", nullable(date())),
                ("status", names(BatchStatus::ALL, BatchStatus::as_str)),
                ("recall_reason", ns()),
                ("recalled_because", nullable(id())),
                ("created_at", time()),
                ("updated_at", time()),
                ("recalled_at", nullable(time())),
                (
                    "recall_authority",
                    nullable(json!({"type": "string",
                        "description": "the recalling regulator's province, or `national`"})),
                ),
                (
                    "market",
                    nullable(names(
                        crate::domain::market::Market::ALL,
                        crate::domain::market::Market::as_str,
                    )),
                ),
                ("product_name_vi", s()),
                ("product_name_en", s()),
            ]);
            batch["properties"]["former_lot_codes"] =
                json!({"type": "array", "items": {"type": "string"}});
            batch
        }),
        (
            "Event",
            record(&[
                ("id", id()),
                ("batch_id", id()),
                ("kind", names(EventKind::ALL, EventKind::as_str)),
                ("occurred_at", time()),
                ("facility_id", id()),
                ("details", json!({"type": "object"})),
                (
                    "inputs",
                    json!({"type": "array", "items": record(&[
                        ("batch_id", id()),
                        ("quantity", nullable(json!({"type": "number"}))),
                        ("unit", nullable(names(Unit::ALL, Unit::as_str))),
                    ])}),
                ),
                ("recorded_by", ns()),
                ("created_at", time()),
                ("updated_at", time()),
                ("retracted_at", nullable(time())),
                ("retraction_reason", ns()),
                ("retracted_by", ns()),
                ("corrected_at", nullable(time())),
                ("assigned_lot_code", ns()),
            ]),
        ),
        ("Retraction", closed(&[("reason", text(500))], &["reason"])),
        (
            "Shipment",
            closed(
                &[
                    ("to_party_id", id()),
                    ("facility_id", id()),
                    ("occurred_at", time()),
                    (
                        "quantity",
                        json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}),
                    ),
                    ("unit", names(Unit::ALL, Unit::as_str)),
                    (
                        "details",
                        nullable(json!({"type": "object",
                        "description": "more details of the shipping event (carrier, document…)"})),
                    ),
                ],
                &[
                    "to_party_id",
                    "facility_id",
                    "occurred_at",
                    "quantity",
                    "unit",
                ],
            ),
        ),
        (
            "Acceptance",
            closed(
                &[
                    (
                        "quantity",
                        json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}),
                    ),
                    ("facility_id", id()),
                    (
                        "reference_type",
                        one_of(kde::DOCUMENT_TYPES.iter().map(|t| t.0)),
                    ),
                    ("reference_number", text(100)),
                    ("occurred_at", nullable(time())),
                ],
                &[
                    "quantity",
                    "facility_id",
                    "reference_type",
                    "reference_number",
                ],
            ),
        ),
        (
            "ExternalLot",
            closed(
                &[
                    ("party_id", id()),
                    ("product_id", id()),
                    ("facility_id", id()),
                    (
                        "lot_code",
                        json!({"type": "string", "minLength": 1, "maxLength": 20,
                        "pattern": "^[A-Za-z0-9!\"%&'()*+,./:;<=>?_-]{1,20}$",
                        "description": "the supplier's lot code, GS1 character set 82"}),
                    ),
                    ("product_description", text(300)),
                    (
                        "quantity",
                        json!({"type": "number", "exclusiveMinimum": true, "minimum": 0}),
                    ),
                    ("unit", names(Unit::ALL, Unit::as_str)),
                    (
                        "reference_type",
                        one_of(kde::DOCUMENT_TYPES.iter().map(|t| t.0)),
                    ),
                    ("reference_number", text(100)),
                    ("occurred_at", time()),
                    (
                        "details",
                        nullable(json!({"type": "object",
                        "description": "more details of the receiving event (its KDEs: \
                        see README, \"FSMA 204\")"})),
                    ),
                ],
                &[
                    "party_id",
                    "product_id",
                    "facility_id",
                    "lot_code",
                    "product_description",
                    "quantity",
                    "unit",
                    "reference_type",
                    "reference_number",
                    "occurred_at",
                ],
            ),
        ),
        (
            "Party",
            record(&[
                ("id", id()),
                ("enterprise_id", nullable(id())),
                ("recorded_by_enterprise", nullable(id())),
                ("business_name", s()),
                ("street", s()),
                ("province", s()),
                ("country", s()),
                ("phone", ns()),
                ("gln", ns()),
                ("fda_registration", ns()),
                ("created_at", time()),
                ("updated_at", time()),
            ]),
        ),
        (
            "Handover",
            record(&[
                ("id", id()),
                ("batch_id", id()),
                ("shipping_event_id", nullable(id())),
                ("from_enterprise_id", nullable(id())),
                ("from_facility_id", nullable(id())),
                ("from_party_id", nullable(id())),
                ("to_enterprise_id", id()),
                ("to_party_id", id()),
                ("quantity_shipped", json!({"type": "number"})),
                ("unit", names(Unit::ALL, Unit::as_str)),
                ("status", one_of(["pending", "accepted", "refused"])),
                ("quantity_received", nullable(json!({"type": "number"}))),
                ("reference_type", ns()),
                ("reference_number", ns()),
                ("received_facility_id", nullable(id())),
                ("accepted_at", nullable(time())),
                ("accepted_by", ns()),
                ("receiving_event_id", nullable(id())),
                ("refusal_reason", ns()),
                ("supplier_lot_code", ns()),
                ("product_description", ns()),
                ("created_at", time()),
                ("updated_at", time()),
                (
                    "lot",
                    record(&[
                        ("lot_code", s()),
                        ("product_name_vi", s()),
                        ("product_name_en", s()),
                        ("produced_on", date()),
                        ("quantity", json!({"type": "number"})),
                        ("unit", s()),
                        ("supplier", s()),
                        ("facility_name", s()),
                        ("facility_province", s()),
                        ("area_code", ns()),
                        ("certifications", json!({"type": "array", "items": s()})),
                    ]),
                ),
                ("receiver", s()),
            ]),
        ),
        (
            "Shipped",
            record(&[
                ("event", schema_ref("Event")),
                ("handover", nullable(schema_ref("Handover"))),
            ]),
        ),
        (
            "IssueRequest",
            closed(
                &[(
                    "count",
                    json!({"type": "integer", "minimum": 1, "maximum": MAX_ROLL}),
                )],
                &["count"],
            ),
        ),
        (
            "StampRoll",
            record(&[
                ("id", id()),
                ("number", json!({"type": "integer"})),
                ("batch_id", id()),
                (
                    "count",
                    json!({"type": "integer", "minimum": 1, "maximum": MAX_ROLL}),
                ),
                ("key_id", json!({"type": "integer"})),
                ("voided_at", nullable(time())),
                ("void_reason", ns()),
                ("created_by", ns()),
                ("created_at", time()),
                ("first_serial", s()),
                ("first_serial_grouped", s()),
                ("first_url", s()),
            ]),
        ),
        (
            "VoidRequest",
            closed(
                &[
                    (
                        "serials",
                        json!({"type": "array", "maxItems": 10_000, "items": {"type": "string"}}),
                    ),
                    ("all", json!({"type": "boolean"})),
                    ("reason", text(500)),
                ],
                &["reason"],
            ),
        ),
        (
            "VoidAnswer",
            closed(
                &[
                    ("voided", json!({"type": "integer"})),
                    ("all", json!({"type": "boolean"})),
                ],
                &[],
            ),
        ),
        (
            "InspectionFields",
            closed(
                &[
                    ("inspected_on", date()),
                    (
                        "result",
                        names(InspectionResult::ALL, InspectionResult::as_str),
                    ),
                    ("findings", text(4000)),
                    ("follow_up_due", nullable(date())),
                    (
                        "checklist",
                        json!({
                            "description": "The facility kind's inspection checklist (optional; when given, every item of the kind answered once). Item codes per kind: see domain::checklist.",
                            "type": "array",
                            "maxItems": crate::domain::checklist::MAX_ITEMS,
                            "items": closed(
                                &[
                                    ("code", text(64)),
                                    ("answer", one_of(crate::domain::checklist::Answer::ALL.iter().map(|a| a.as_str()))),
                                    ("note", nullable(text(crate::domain::checklist::MAX_NOTE))),
                                ],
                                &["code", "answer"],
                            ),
                        }),
                    ),
                ],
                &["inspected_on", "result", "findings"],
            ),
        ),
        (
            "Inspection",
            record(&[
                ("id", id()),
                ("facility_id", id()),
                ("inspector_id", nullable(id())),
                ("inspected_on", date()),
                (
                    "result",
                    names(InspectionResult::ALL, InspectionResult::as_str),
                ),
                ("findings", s()),
                ("follow_up_due", nullable(date())),
                ("created_at", time()),
            ]),
        ),
        (
            "FakeReport",
            record(&[
                ("id", id()),
                ("code", s()),
                ("roll_id", nullable(id())),
                ("stamp_index", nullable(json!({"type": "integer"}))),
                ("batch_id", nullable(id())),
                ("enterprise_id", nullable(id())),
                ("province", provinces()),
                ("shop_name", s()),
                ("shop_address", s()),
                (
                    "phone",
                    nullable(json!({"type": "string",
                        "description": "the reporter's phone; null for producers"})),
                ),
                ("has_photo", json!({"type": "boolean"})),
                ("reported_at", time()),
            ]),
        ),
        ("Reason", closed(&[("reason", text(1000))], &["reason"])),
        (
            "Relocation",
            closed(
                &[
                    ("commune_code", commune_code()),
                    ("address", text(300)),
                    ("reason", text(1000)),
                ],
                &["commune_code", "reason"],
            ),
        ),
        (
            "FacilityMove",
            record(&[
                ("id", id()),
                ("facility_id", id()),
                ("from_province", s()),
                ("from_district", s()),
                ("to_province", s()),
                ("to_district", s()),
                ("reason", s()),
                ("moved_by", s()),
                ("moved_at", time()),
                ("from_commune_code", nullable(commune_code())),
                ("to_commune_code", nullable(commune_code())),
            ]),
        ),
        (
            "Relocated",
            record(&[
                ("facility", schema_ref("Facility")),
                ("move", schema_ref("FacilityMove")),
            ]),
        ),
        (
            "FacilityMoves",
            object(&[("items", array_of("FacilityMove"))], &["items"]),
        ),
        (
            "RecallAnswer",
            record(&[(
                "batches",
                json!({"type": "array", "items": {"type": "string"}}),
            )]),
        ),
        (
            "AffectedLot",
            record(&[
                ("batch_id", id()),
                ("lot_code", json!({"type": "string"})),
                ("product_name_vi", json!({"type": "string"})),
                ("product_name_en", json!({"type": "string"})),
                ("facility_id", id()),
                ("facility_name", json!({"type": "string"})),
                (
                    "depth",
                    json!({"type": "integer", "description": "tiers from the lot recalled"}),
                ),
                ("already_recalled", json!({"type": "boolean"})),
                (
                    "stamps",
                    json!({"type": "integer", "description": "stamps in rolls not voided"}),
                ),
                (
                    "recent_scans",
                    json!({"type": "integer", "description": "scans in the last `recent_scan_days` days"}),
                ),
            ]),
        ),
        (
            "RecallPreview",
            record(&[
                ("batch_id", id()),
                ("recent_scan_days", json!({"type": "integer"})),
                ("lots", array_of("AffectedLot")),
                (
                    "elsewhere",
                    json!({"type": "integer", "description": "affected lots outside the caller's reach, counted but not named"}),
                ),
                (
                    "stamps",
                    json!({"type": "integer", "description": "over every affected lot, those elsewhere included"}),
                ),
                ("recent_scans", json!({"type": "integer"})),
            ]),
        ),
        (
            "Circular02Report",
            // What a record lacks under Circular 02/2024/TT-BKHCN (README,
            // "Circular 02/2024").
            record(&[
                ("complete", json!({"type": "boolean"})),
                (
                    "missing",
                    json!({"type": "array", "items": one_of(["product_name", "product_image", "producer_name", "producer_address", "production_stages", "traceability_code", "brand_or_serial", "shelf_life", "standards"])}),
                ),
                (
                    "items",
                    json!({"type": "array", "items": record(&[
                        ("item", one_of(["product_name", "product_image", "producer_name", "producer_address", "production_stages", "traceability_code", "brand_or_serial", "shelf_life", "standards"])),
                        ("presence", one_of(["present", "missing", "not_applicable"])),
                        ("label_vi", s()),
                        ("label_en", s()),
                        ("reason_vi", ns()),
                        ("reason_en", ns()),
                    ])}),
                ),
            ]),
        ),
        (
            "Circular02Record",
            record(&[
                ("format", one_of(["tracestamp.circular-02-2024/1"])),
                ("circular", one_of(["02/2024/TT-BKHCN"])),
                ("code_standard", s()),
                (
                    "product",
                    record(&[
                        (
                            "code",
                            json!({"type": "string", "description": "(01)GTIN-14, or VN{province}.{tax code}.{product id} without a GTIN"}),
                        ),
                        ("gtin", ns()),
                        ("name_vi", s()),
                        ("name_en", s()),
                        ("image_url", ns()),
                        ("category", s()),
                        ("variety", ns()),
                        ("shelf_life_days", nullable(json!({"type": "integer"}))),
                        ("standards", ns()),
                    ]),
                ),
                (
                    "producer",
                    record(&[
                        ("name", s()),
                        ("tax_code", s()),
                        ("address", s()),
                        ("commune_code", ns()),
                        ("province_code", s()),
                        ("former_address", ns()),
                        ("gs1_prefix", ns()),
                    ]),
                ),
                (
                    "batch",
                    record(&[
                        ("id", id()),
                        ("lot_code", s()),
                        (
                            "traceability_code",
                            json!({"type": "string", "description": "product code then (10)lot, or .lot without a GTIN"}),
                        ),
                        ("produced_on", date()),
                        ("expires_on", nullable(date())),
                        ("quantity", json!({"type": "number"})),
                        ("unit", s()),
                        ("status", one_of(["active", "recalled"])),
                        (
                            "stamps",
                            json!({"type": "integer", "description": "stamps issued in rolls not voided"}),
                        ),
                    ]),
                ),
                (
                    "stages",
                    json!({"type": "array", "items": record(&[
                        ("stage", s()),
                        ("product_code", s()),
                        ("location_code", nullable(json!({"type": "string", "description": "(414)GLN, else VN.{commune code}; null when the place has neither"}))),
                        ("location_name", s()),
                        ("time", time()),
                    ])}),
                ),
                ("completeness", schema_ref("Circular02Report")),
            ]),
        ),
        (
            "Trace",
            record(&[
                ("root", id()),
                ("direction", one_of(["backward", "forward"])),
                (
                    "batches",
                    // A batch within the reader's reach in full; outside it,
                    // only its place in the graph (README, "Rules").
                    json!({"type": "array", "items": {"oneOf": [
                        record(&[
                            ("id", id()),
                            ("lot_code", s()),
                            ("product_id", id()),
                            ("product_name_vi", s()),
                            ("product_name_en", s()),
                            ("enterprise_id", id()),
                            ("facility_id", id()),
                            ("facility_name", s()),
                            ("facility_address", s()),
                            ("facility_province", s()),
                            ("area_code", ns()),
                            ("produced_on", date()),
                            ("quantity", json!({"type": "number"})),
                            ("unit", s()),
                            ("status", names(BatchStatus::ALL, BatchStatus::as_str)),
                            ("depth", json!({"type": "integer", "minimum": 0})),
                        ]),
                        record(&[
                            ("id", id()),
                            ("depth", json!({"type": "integer", "minimum": 0})),
                            ("outside_reach", json!({"type": "boolean", "enum": [true]})),
                            ("note_vi", s()),
                            ("note_en", s()),
                        ]),
                    ]}}),
                ),
                (
                    "links",
                    json!({"type": "array", "items": record(&[
                        ("input", id()),
                        ("output", id()),
                        ("event_id", id()),
                        ("occurred_at", time()),
                        ("quantity", nullable(json!({"type": "number"}))),
                        ("unit", ns()),
                    ])}),
                ),
            ]),
        ),
        (
            "Alerts",
            closed(
                &[
                    (
                        "items",
                        json!({"type": "array", "items": record(&[
                            ("kind", one_of(["forged_burst", "suspicious_scanned",
                                "voided_scanned", "recalled_scanned", "fake_reported"])),
                            ("roll_id", nullable(id())),
                            ("stamp_index", nullable(json!({"type": "integer"}))),
                            ("batch_id", nullable(id())),
                            ("origin", ns()),
                            ("scans", json!({"type": "integer"})),
                            ("first_at", nullable(time())),
                            ("last_at", nullable(time())),
                            ("evidence", s()),
                        ])}),
                    ),
                    ("total", json!({"type": "integer"})),
                ],
                &["items", "total"],
            ),
        ),
        (
            "Scan",
            record(&[
                ("id", json!({"type": "integer"})),
                ("roll_id", ns()),
                ("stamp_index", nullable(json!({"type": "integer"}))),
                ("serial", s()),
                ("scanned_at", time()),
                ("origin_hash", ns()),
                ("origin_region", ns()),
                ("client_class", s()),
                ("verdict", s()),
                ("tally", json!({"type": "integer", "minimum": 1})),
            ]),
        ),
        (
            "Stats",
            record(&[
                (
                    "facilities_by_status",
                    json!({"type": "array", "description": "[status, facilities] pairs",
                        "items": {"type": "array", "minItems": 2, "maxItems": 2,
                        "items": {"anyOf": [names(FacilityStatus::ALL, FacilityStatus::as_str), {"type": "integer"}]}}}),
                ),
                ("products", json!({"type": "integer"})),
                ("batches", json!({"type": "integer"})),
                ("batches_recalled", json!({"type": "integer"})),
                ("stamps_issued", json!({"type": "integer"})),
                (
                    "scans_per_day",
                    json!({"type": "array", "items": record(&[
                        ("day", date()),
                        ("scans", json!({"type": "integer"})),
                    ])}),
                ),
                ("alerts", json!({"type": "integer"})),
            ]),
        ),
        (
            "AuditVerification",
            closed(
                &[
                    ("ok", json!({"type": "boolean"})),
                    ("entries", json!({"type": "integer"})),
                    ("first_broken", json!({"type": "integer"})),
                    ("reason", s()),
                ],
                &["ok"],
            ),
        ),
    ];
    for (name, schema) in rows {
        out.insert(name.to_owned(), schema);
    }
    for (name, schema) in export_codes::schemas() {
        out.insert(name.to_owned(), schema);
    }
    for list in [
        "Enterprise",
        "Facility",
        "Certification",
        "Product",
        "Batch",
        "Event",
        "Inspection",
        "Scan",
        "FakeReport",
        "Party",
        "Handover",
    ] {
        out.insert(format!("{list}List"), list_of(list));
    }
    out
}

/// Every operation under `/api/v1`.
fn operations() -> Vec<Operation> {
    let range = || {
        vec![
            param("from", date()),
            param("to", date()),
            param("format", one_of(["json", "csv"])),
        ]
    };
    let stamps_range = |max: i64| {
        vec![
            param("from", json!({"type": "integer", "minimum": 0})),
            param(
                "count",
                json!({"type": "integer", "minimum": 1, "maximum": max}),
            ),
        ]
    };
    let inspection_filter = || {
        let mut p = listing();
        p.push(param(
            "result",
            names(InspectionResult::ALL, InspectionResult::as_str),
        ));
        p.push(param("overdue", json!({"type": "boolean"})));
        p
    };
    vec![
        op("get", "/openapi.json", "meta", "This document (no login)")
            .ok(200, json!({"type": "object"})),
        op(
            "post",
            "/auth/login",
            "accounts",
            "Log in; sets an HttpOnly session cookie (no login)",
        )
        .body(schema_ref("Login"))
        .ok(200, schema_ref("Me"))
        .rate_limited(),
        op("post", "/auth/logout", "accounts", "End this login session").ok(204, Value::Null),
        op("get", "/me", "accounts", "Who is calling").ok(200, schema_ref("Me")),
        op(
            "post",
            "/tokens",
            "accounts",
            "Create an API token (shown once)",
        )
        .body(schema_ref("TokenRequest"))
        .ok(201, schema_ref("TokenCreated")),
        op(
            "delete",
            "/tokens/{id}",
            "accounts",
            "Revoke one of the caller's API tokens or login sessions",
        )
        .ok(204, Value::Null),
        op(
            "get",
            "/tokens",
            "accounts",
            "The caller's live API tokens and login sessions",
        )
        .ok(200, schema_ref("TokenList")),
        op(
            "post",
            "/auth/password",
            "accounts",
            "Change the caller's password; revokes every token and session of the account",
        )
        .body(schema_ref("PasswordChange"))
        .ok(200, schema_ref("Revoked")),
        op(
            "post",
            "/auth/reset",
            "accounts",
            "Set a new password with a one-time reset secret (no login)",
        )
        .body(schema_ref("ResetRequest"))
        .ok(204, Value::Null)
        .rate_limited(),
        op(
            "post",
            "/accounts/{id}/disable",
            "accounts",
            "Disable an account and revoke its tokens (admins)",
        )
        .ok(200, schema_ref("Revoked")),
        op(
            "post",
            "/accounts/{id}/enable",
            "accounts",
            "Enable an account (admins)",
        )
        .ok(200, schema_ref("Revoked")),
        op(
            "post",
            "/accounts/{id}/reset-link",
            "accounts",
            "A one-time password-reset secret for an account, valid 24 h (admins)",
        )
        .ok(201, json!({"type": "object"})),
        op(
            "get",
            "/audit/verify",
            "audit",
            "Verify the audit log's hash chain (admins, regulators)",
        )
        .ok(200, schema_ref("AuditVerification")),
        op("get", "/enterprises", "enterprises", "List enterprises")
            .query(listing())
            .query(vec![param("province", province_filter())])
            .ok(200, schema_ref("EnterpriseList")),
        op(
            "post",
            "/enterprises",
            "enterprises",
            "Create an enterprise (admins)",
        )
        .body(schema_ref("EnterpriseFields"))
        .ok(201, schema_ref("Enterprise")),
        op("get", "/enterprises/{id}", "enterprises", "One enterprise")
            .ok(200, schema_ref("Enterprise")),
        op(
            "patch",
            "/enterprises/{id}",
            "enterprises",
            "Change an enterprise (admins)",
        )
        .body(schema_ref("EnterpriseFieldsPatch"))
        .ok(200, schema_ref("Enterprise")),
        op(
            "delete",
            "/enterprises/{id}",
            "enterprises",
            "Delete an enterprise with nothing depending on it (admins)",
        )
        .ok(204, Value::Null),
        op(
            "put",
            "/enterprises/{id}/contact",
            "enterprises",
            "Set the phone and Zalo link consumers see (the enterprise's producers, admins)",
        )
        .body(schema_ref("ContactFields"))
        .ok(200, schema_ref("Enterprise")),
        op("get", "/facilities", "facilities", "List facilities")
            .query(listing())
            .query(vec![
                param("province", province_filter()),
                param("commune_code", commune_code()),
                param("district", json!({"type": "string"})),
                param("enterprise", id()),
                param("kind", names(FacilityKind::ALL, FacilityKind::as_str)),
                param("status", names(FacilityStatus::ALL, FacilityStatus::as_str)),
            ])
            .ok(200, schema_ref("FacilityList")),
        op("post", "/facilities", "facilities", "Register a facility")
            .body(schema_ref("FacilityFields"))
            .ok(201, schema_ref("Facility")),
        op("get", "/facilities/{id}", "facilities", "One facility").ok(200, schema_ref("Facility")),
        op(
            "patch",
            "/facilities/{id}",
            "facilities",
            "Change a facility",
        )
        .body(schema_ref("FacilityFieldsPatch"))
        .ok(200, schema_ref("Facility")),
        op(
            "delete",
            "/facilities/{id}",
            "facilities",
            "Delete a facility",
        )
        .ok(204, Value::Null),
        op(
            "get",
            "/facilities/{id}/certifications",
            "facilities",
            "A facility's certifications",
        )
        .query(paging())
        .query(vec![param("valid_on", date())])
        .ok(200, schema_ref("CertificationList")),
        op(
            "post",
            "/facilities/{id}/certifications",
            "facilities",
            "Add a certification",
        )
        .body(schema_ref("CertificationFields"))
        .ok(201, schema_ref("Certification")),
        op(
            "get",
            "/certifications/{id}",
            "facilities",
            "One certification",
        )
        .ok(200, schema_ref("Certification")),
        op(
            "patch",
            "/certifications/{id}",
            "facilities",
            "Change a certification",
        )
        .body(schema_ref("CertificationFieldsPatch"))
        .ok(200, schema_ref("Certification")),
        op(
            "delete",
            "/certifications/{id}",
            "facilities",
            "Delete a certification",
        )
        .ok(204, Value::Null),
        op(
            "get",
            "/facilities/{id}/inspections",
            "oversight",
            "A facility's inspections",
        )
        .query(inspection_filter())
        .ok(200, schema_ref("InspectionList")),
        op(
            "post",
            "/facilities/{id}/inspections",
            "oversight",
            "Record an inspection (the province's regulators)",
        )
        .body(schema_ref("InspectionFields"))
        .ok(201, schema_ref("Inspection")),
        op(
            "get",
            "/inspections",
            "oversight",
            "Inspections within reach",
        )
        .query(inspection_filter())
        .ok(200, schema_ref("InspectionList")),
        op(
            "post",
            "/facilities/{id}/suspend",
            "oversight",
            "Suspend a facility (regulators, admins)",
        )
        .body(schema_ref("Reason"))
        .ok(200, schema_ref("Facility")),
        op(
            "post",
            "/facilities/{id}/relocate",
            "oversight",
            "Move a facility to another province or district (its province's regulators, admins)",
        )
        .body(schema_ref("Relocation"))
        .ok(200, schema_ref("Relocated")),
        op(
            "get",
            "/facility-moves",
            "oversight",
            "Facility moves into or out of the caller's province",
        )
        .ok(200, schema_ref("FacilityMoves")),
        op(
            "post",
            "/facilities/{id}/reinstate",
            "oversight",
            "Reinstate a facility (regulators, admins)",
        )
        .body(schema_ref("Reason"))
        .ok(200, schema_ref("Facility")),
        op("get", "/products", "products", "List products")
            .query(listing())
            .query(vec![
                param("enterprise", id()),
                param(
                    "category",
                    names(ProductCategory::ALL, ProductCategory::as_str),
                ),
                param(
                    "gtin",
                    json!({"type": "string", "pattern": "^[0-9]{8,14}$"}),
                ),
                param("province", province_filter()),
            ])
            .ok(200, schema_ref("ProductList")),
        op("post", "/products", "products", "Register a product")
            .body(schema_ref("ProductFields"))
            .ok(201, schema_ref("Product")),
        op("get", "/products/{id}", "products", "One product").ok(200, schema_ref("Product")),
        op("patch", "/products/{id}", "products", "Change a product")
            .body(schema_ref("ProductFieldsPatch"))
            .ok(200, schema_ref("Product")),
        op(
            "delete",
            "/products/{id}",
            "products",
            "Delete a product without batches",
        )
        .ok(204, Value::Null),
        op(
            "get",
            "/products/{id}/links",
            "products",
            "A product's GS1 links",
        )
        .ok(200, array_of("ProductLink")),
        op("post", "/products/{id}/links", "products", "Add a GS1 link")
            .body(schema_ref("ProductLinkFields"))
            .ok(201, schema_ref("ProductLink")),
        op("get", "/batches", "batches", "List batches")
            .query(listing())
            .query(vec![
                param("product", id()),
                param("facility", id()),
                param("enterprise", id()),
                param("province", province_filter()),
                param("status", names(BatchStatus::ALL, BatchStatus::as_str)),
                param("from", date()),
                param("to", date()),
            ])
            .ok(200, schema_ref("BatchList")),
        op("post", "/batches", "batches", "Register a batch (lot)")
            .body(schema_ref("BatchFields"))
            .ok(201, schema_ref("Batch")),
        op("get", "/batches/{id}", "batches", "One batch").ok(200, schema_ref("Batch")),
        op("patch", "/batches/{id}", "batches", "Change a batch")
            .body(schema_ref("BatchFieldsPatch"))
            .ok(200, schema_ref("Batch")),
        op("delete", "/batches/{id}", "batches", "Delete a batch").ok(204, Value::Null),
        op("get", "/batches/{id}/events", "batches", "A batch's events")
            .query(paging())
            .query(vec![param(
                "kind",
                names(EventKind::ALL, EventKind::as_str),
            )])
            .ok(200, schema_ref("EventList")),
        op("post", "/batches/{id}/events", "batches", "Record an event")
            .body(schema_ref("EventFields"))
            .ok(201, schema_ref("Event")),
        op("get", "/events/{id}", "batches", "One event").ok(200, schema_ref("Event")),
        op("patch", "/events/{id}", "batches", "Change an event")
            .body(schema_ref("EventFieldsPatch"))
            .ok(200, schema_ref("Event")),
        op("delete", "/events/{id}", "batches", "Delete an event").ok(204, Value::Null),
        op(
            "post",
            "/events/{id}/retract",
            "batches",
            "Retract an event recorded by mistake (kept, marked; 409 if already retracted)",
        )
        .body(schema_ref("Retraction"))
        .ok(200, schema_ref("Event")),
        op(
            "get",
            "/products/{id}/circular-02",
            "products",
            "Which minimum items of Circular 02/2024/TT-BKHCN the product's record lacks",
        )
        .ok(200, schema_ref("Circular02Report")),
        op(
            "get",
            "/batches/{id}/circular-02",
            "batches",
            "Which minimum items of Circular 02/2024/TT-BKHCN the batch's record lacks",
        )
        .ok(200, schema_ref("Circular02Report")),
        op(
            "get",
            "/batches/{id}/circular-02/export",
            "batches",
            "The batch's record under Circular 02/2024/TT-BKHCN, TCVN 13274 codes (JSON, or CSV: \
             section,index,field,value)",
        )
        .query(vec![param("format", one_of(["json", "csv"]))])
        .ok(200, schema_ref("Circular02Record")),
        op("get", "/parties", "chain", "Trading parties in reach")
            .ok(200, schema_ref("PartyList")),
        op(
            "post",
            "/parties",
            "chain",
            "Record an outside party, or register an enterprise's (answers the one already there)",
        )
        .body(schema_ref("PartyFields"))
        .ok(201, schema_ref("Party")),
        op("get", "/parties/{id}", "chain", "One party").ok(200, schema_ref("Party")),
        op("patch", "/parties/{id}", "chain", "Change a party")
            .body(schema_ref("PartyFieldsPatch"))
            .ok(200, schema_ref("Party")),
        op(
            "post",
            "/batches/{id}/shipments",
            "chain",
            "Ship a lot to a party: a shipping event with `details.ship_to`, and a pending \
             receipt when the party is an enterprise of the service",
        )
        .body(schema_ref("Shipment"))
        .ok(201, schema_ref("Shipped")),
        op("get", "/handovers", "chain", "Hand-overs in reach, both ways")
            .ok(200, schema_ref("HandoverList")),
        op("get", "/handovers/pending", "chain", "Receipts waiting for the caller")
            .ok(200, schema_ref("HandoverList")),
        op("get", "/handovers/{id}", "chain", "One hand-over").ok(200, schema_ref("Handover")),
        op(
            "post",
            "/handovers/{id}/accept",
            "chain",
            "Accept a pending receipt (records the receiving event; 409 if already answered)",
        )
        .body(schema_ref("Acceptance"))
        .ok(200, schema_ref("Handover")),
        op(
            "post",
            "/handovers/{id}/refuse",
            "chain",
            "Refuse a pending receipt (409 if already answered)",
        )
        .body(schema_ref("Reason"))
        .ok(200, schema_ref("Handover")),
        op(
            "post",
            "/external-lots",
            "chain",
            "Record a lot received from a party outside the service, as a lot of the receiver",
        )
        .body(schema_ref("ExternalLot"))
        .ok(201, schema_ref("Handover")),
        op(
            "post",
            "/batches/{id}/recall",
            "oversight",
            "Recall a batch and what was made from it",
        )
        .body(schema_ref("Reason"))
        .ok(200, schema_ref("RecallAnswer")),
        op(
            "get",
            "/batches/{id}/recall-preview",
            "oversight",
            "What a recall would affect: the lot, the lots made from it, their stamps and recent scans",
        )
        .ok(200, schema_ref("RecallPreview")),
        op(
            "post",
            "/batches/{id}/unrecall",
            "oversight",
            "Lift a recall",
        )
        .body(schema_ref("Reason"))
        .ok(200, schema_ref("RecallAnswer")),
        op(
            "get",
            "/batches/{id}/trace",
            "oversight",
            "Lot genealogy (JSON, or FSMA 204 CSV)",
        )
        .query(vec![
            param("direction", one_of(["backward", "forward"])),
            param("format", one_of(["json", "csv"])),
        ])
        .ok(200, schema_ref("Trace")),
        op(
            "get",
            "/fsma204",
            "oversight",
            "The FDA's FSMA 204 request (21 CFR 1.1455(c)(3)(ii)): every critical tracking event of the \
             lots matching the products, event dates and lot-code range, traced backward and forward, one \
             row per CTE per lot (per input lot for a transformation), each KDE in its own column \
             (README, FSMA 204); only lots within the caller's reach. CSV streamed, or XLSX",
        )
        .query(vec![
            param("product", json!({"type": "string", "description": "product ids, separated by commas"})),
            param("from", json!({"type": "string", "format": "date", "description": "first event day (Vietnam)"})),
            param("to", json!({"type": "string", "format": "date", "description": "last event day (Vietnam)"})),
            param("lot_from", json!({"type": "string", "description": "first lot code (GS1 characters, at most 20)"})),
            param("lot_to", json!({"type": "string", "description": "last lot code (GS1 characters, at most 20)"})),
            param("format", one_of(["csv", "xlsx"])),
        ])
        .media("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        op(
            "get",
            "/batches/{id}/stamp-rolls",
            "stamps",
            "A batch's stamp rolls",
        )
        .ok(200, array_of("StampRoll")),
        op(
            "post",
            "/batches/{id}/stamp-rolls",
            "stamps",
            "Issue a roll of stamps",
        )
        .body(schema_ref("IssueRequest"))
        .ok(201, schema_ref("StampRoll")),
        op("get", "/stamp-rolls/{id}", "stamps", "One stamp roll").ok(200, schema_ref("StampRoll")),
        op(
            "get",
            "/stamp-rolls/{id}/serials",
            "stamps",
            "A roll's serials, streamed (CSV or JSON)",
        )
        .query(vec![param("format", one_of(["csv", "json"]))])
        .query(stamps_range(MAX_ROLL))
        .ok(
            200,
            json!({"type": "array", "items": record(&[("serial", json!({"type": "string"})), ("url", json!({"type": "string"}))])}),
        ),
        op(
            "get",
            "/stamp-rolls/{id}/pins",
            "stamps",
            "A roll's scratch-off PINs (CSV `serial,pin`, streamed): for the print shop only, \
             apart from the serial CSV; whoever holds it can claim the stamps",
        )
        .query(stamps_range(MAX_ROLL))
        .media("text/csv"),
        op(
            "post",
            "/stamp-rolls/{id}/void",
            "stamps",
            "Void some stamps or the whole roll",
        )
        .body(schema_ref("VoidRequest"))
        .ok(200, schema_ref("VoidAnswer")),
        op(
            "get",
            "/stamp-rolls/{id}/labels.pdf",
            "stamps",
            "Print-ready label sheet (PDF, streamed), or with calibration=1 the layout's calibration page (one sheet of numbered outlines and QR crosshairs, no stamps; from, count and start are then not used). lang=zh prints the product's Chinese name (422 when it has none), the lot, the call to scan and the site in Chinese, and each QR asks for the Chinese consumer page",
        )
        .query(vec![
            param(
                "layout",
                one_of(["a4-3x8", "a4-4x10", "roll-40x30", "a4-3x8-pin"]),
            ),
            param(
                "start",
                json!({"type": "integer", "minimum": 1, "maximum": Layout::A4_4x10.per_page(),
                       "description": "1-based position of the first label on the first sheet of a part-used A4 sheet (at most the layout's labels per sheet: 24 or 40); a roll takes only 1"}),
            ),
            param("calibration", one_of(["0", "1"])),
            param("lang", one_of(["vi", "zh"])),
        ])
        .query(stamps_range(MAX_LABELS_PER_PDF as i64))
        .media("application/pdf"),
        op(
            "post",
            "/nfc-tags",
            "stamps",
            "Bind NFC tags to the caller's stamps: a CSV of uid,serial (header optional), whole or not at all",
        )
        .body_as(
            "text/csv",
            json!({"type": "string", "maxLength": MAX_BIND_BYTES, "example": "uid,serial\n04DE5F1EACC040,0123456789ABCDEFGHJK\n"}),
        )
        .ok(200, record(&[("bound", json!({"type": "integer", "minimum": 1, "maximum": MAX_BIND_ROWS}))])),
        op(
            "get",
            "/stamp-rolls/{id}/nfc-keys",
            "stamps",
            "Keys and NDEF URL template of a roll's bound NFC tags (CSV, secret)",
        )
        .media("text/csv"),
        op(
            "get",
            "/alerts",
            "monitoring",
            "Counterfeit and misuse alerts",
        )
        .query(range())
        .ok(200, schema_ref("Alerts")),
        op(
            "get",
            "/scans",
            "monitoring",
            "Scans of a roll (or stamp), or of forged codes from one origin",
        )
        .query(paging())
        .query(vec![
            param("roll_id", id()),
            param("stamp_index", json!({"type": "integer", "minimum": 0})),
            param("origin", json!({"type": "string"})),
            param("verdict", json!({"type": "string"})),
        ])
        .ok(200, schema_ref("ScanList")),
        op(
            "get",
            "/fake-reports",
            "monitoring",
            "Consumers' reports of suspected fakes within reach, newest first",
        )
        .query(paging())
        .query(vec![param("code", json!({"type": "string"}))])
        .ok(200, schema_ref("FakeReportList")),
        op(
            "get",
            "/fake-reports/{id}/photo",
            "monitoring",
            "A report's photo (JPEG, metadata stripped; regulators and admins)",
        )
        .media("image/jpeg"),
        op("get", "/stats", "monitoring", "Dashboard figures")
            .query(range().into_iter().filter(|p| p["name"] != "format").collect())
            .ok(200, schema_ref("Stats")),
    ]
}

/// `(METHOD, path under /api/v1)` of every described operation.
pub fn described() -> Vec<(String, String)> {
    operations()
        .into_iter()
        .chain(export_codes::operations())
        .map(|o| (o.method.to_ascii_uppercase(), o.path.to_owned()))
        .collect()
}

/// The document.
pub fn spec() -> Value {
    let errors = [
        (400, "malformed JSON or query string"),
        (401, "no login"),
        (403, "no right"),
        (404, "not found, or out of the caller's reach"),
        (409, "conflict"),
        (413, "body over 1 MiB"),
        (415, "body not JSON"),
        (422, "a field failed validation"),
        (503, "the database did not answer in time"),
    ];
    let mut paths = Map::new();
    for o in operations().into_iter().chain(export_codes::operations()) {
        let mut responses = Map::new();
        let mut content = Map::new();
        if !o.ok.1.is_null() {
            content.insert("application/json".into(), json!({"schema": o.ok.1}));
        }
        let csv = o.offers_csv().then_some("text/csv");
        for media in o.media.iter().copied().chain(csv) {
            content.insert(
                media.into(),
                json!({"schema": {"type": "string", "format": "binary"}}),
            );
        }
        let mut ok = json!({"description": "success"});
        if !content.is_empty() {
            ok["content"] = Value::Object(content);
        }
        responses.insert(o.ok.0.to_string(), ok);
        for (status, why) in errors.iter().chain(&o.more) {
            responses.insert(
                status.to_string(),
                json!({"description": why, "content": {"application/json": {"schema": schema_ref("Error")}}}),
            );
        }
        let mut parameters = Vec::new();
        if o.path.contains("{id}") {
            parameters.push(json!({"name": "id", "in": "path", "required": true, "schema": id()}));
        }
        parameters.extend(o.query);
        let mut operation = json!({
            "tags": [o.tag],
            "summary": o.summary,
            "operationId": format!("{}{}", o.method, o.path.replace(['/', '{', '}', '.', '-'], "_")),
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(body) = o.body {
            let mut content = Map::new();
            content.insert(o.body_media.into(), json!({ "schema": body }));
            operation["requestBody"] = json!({"required": true, "content": content});
        }
        if matches!(o.path, "/openapi.json" | "/auth/login" | "/auth/reset") {
            operation["security"] = json!([]);
        }
        let entry = paths
            .entry(format!("/api/v1{}", o.path))
            .or_insert_with(|| json!({}));
        entry[o.method] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "tracestamp API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Agricultural traceability with QR stamps: the registry, stamps and oversight. \
                Log in (session cookie) or send `Authorization: Bearer <token>`. Lists answer \
                `{items, total, page, per_page}` or CSV with `?format=csv`. Errors are \
                `{\"error\": {code, message, field}}`.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": crate::auth::SESSION_COOKIE},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    })
}
