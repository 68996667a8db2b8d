//! The public lookup path: `/s/{serial}` and GS1 Digital Link URIs. A
//! serial's MAC is checked before any I/O, so forgeries cost no database
//! work; the answer is negotiated (HTML, JSON, linkset or a redirect); the
//! scan is buffered, never waited for.
//!
//! No block past 1 KB is allocated per answer where it can be helped: glibc
//! serves smaller blocks from the thread's cache, larger ones from the
//! shared arena, under its lock. So every await on this path is boxed (the
//! rare ones would otherwise be inlined in the handler's future, which actix
//! allocates per request), and a JSON answer is sent in pieces
//! (`StampAnswer::to_json`).

mod baseline;
pub mod cache;
mod claim;
mod images;
pub mod links;
mod other_keys;
pub mod page;
pub mod public;
pub mod record;
pub mod retention;
pub mod scan_index;
pub mod scans;
pub mod summary;
mod tap;

use actix_web::body::SizedStream;
use actix_web::http::header::{self, HeaderName};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use actix_web::{guard, web, HttpRequest, HttpResponse};
use futures_util::Stream;
use percent_encoding::percent_decode_str;
use serde::Serialize;
use std::convert::Infallible;
use std::sync::Arc;

use crate::domain::checkers::Checker;
use crate::domain::digital_link::{compressed, DigitalLink, KeyPath, LinkError};
use crate::domain::places::Place;
use crate::domain::serial::{group, SerialError, StampRef};
use crate::domain::verdict::{verdict, StampFacts, Verdict};
use crate::error::{AppError, AppResult};
use crate::pages::i18n::Lang;
use crate::public::record::BatchRecord;
use crate::resolver::cache::VoidNote;
use crate::resolver::scans::{ClientClass, NewScan, Origin};
use crate::AppState;

/// GET and HEAD: GS1's resolver standard asks for HEAD wherever GET is (actix
/// leaves the body out of a HEAD answer).
fn get_or_head() -> actix_web::Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // Stamps first: routes are tried in order, each dynamic one by a regex.
    cfg.route("/healthz/baseline", web::get().to(baseline::baseline))
        .route("/s/{serial}", get_or_head().to(short_link))
        .route("/S/{serial}", get_or_head().to(short_link))
        .route("/s/{serial}/claim", web::post().to(claim::claim))
        .route("/S/{serial}/claim", web::post().to(claim::claim))
        .route("/s/{serial}/qr.svg", web::get().to(images::svg))
        .route("/s/{serial}/qr.png", web::get().to(images::png))
        .route("/01/{tail:.*}", get_or_head().to(digital_link))
        .route(&other_keys_pattern(), get_or_head().to(other_key))
        .route(
            "/.well-known/gs1resolver",
            get_or_head().to(links::resolver_description),
        );
}

/// Compressed Digital Links: one path segment of at least
/// `compressed::MIN_SEGMENT_LEN` URL-safe base64 characters that begins like
/// a compressed link (`compressed::looks_compressed`). Registered after
/// every other module's routes (`crate::configure`), so that a page's path
/// always wins; a path that does not look compressed is not taken here and
/// answers as any unknown path does.
pub fn compressed_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/{segment:[A-Za-z0-9_-]+}")
            .guard(guard::fn_guard(|ctx| {
                compressed::looks_compressed(ctx.head().uri.path())
            }))
            .route(get_or_head().to(compressed_link)),
    );
}

/// A compressed Digital Link is answered as its uncompressed URI would be
/// (same status, verdict, redirect, linkset or page, and the scan recorded
/// once, by the same code), with a `Link` to that URI as its canonical
/// form. The request's own query (`?linkType=…`, `?format=json`) follows
/// the decompressed one; it is not part of the canonical URI.
async fn compressed_link(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let segment = req.path().trim_start_matches('/');
    let (path, packed) = match compressed::decompress(segment) {
        Ok(uncompressed) => uncompressed,
        Err(e) => return actix_web::ResponseError::error_response(&not_a_link(e)),
    };
    let canonical = match &packed {
        Some(query) => format!("{}{path}?{query}", state.config.base_url()),
        None => format!("{}{path}", state.config.base_url()),
    };
    let query: Vec<&str> = [packed.as_deref().unwrap_or(""), req.query_string()]
        .into_iter()
        .filter(|q| !q.is_empty())
        .collect();
    let query = query.join("&");
    let answer = if path.starts_with("/01/") {
        resolve_link(&req, &state, &path, &query).await
    } else {
        other_key_answer(&req, &state, &path, &query).await
    };
    let mut response = answer.unwrap_or_else(|e| actix_web::ResponseError::error_response(&e));
    let link = format!("<{canonical}>; rel=\"canonical\"");
    // One Link field, as `public::public_answers` expects: it adds the
    // linkset's link to the first.
    let merged = match response
        .headers()
        .get(header::LINK)
        .and_then(|own| own.to_str().ok())
    {
        Some(own) => format!("{own}, {link}"),
        None => link,
    };
    if let Ok(value) = header::HeaderValue::from_str(&merged) {
        response.headers_mut().insert(header::LINK, value);
    }
    response
}

fn not_a_link(e: LinkError) -> AppError {
    AppError::BadRequest(format!(
        "không phải GS1 Digital Link hợp lệ / not a valid GS1 Digital Link: {e}"
    ))
}

/// The route of every GS1 primary key but the GTIN: `/{key:(00|253|…)}/…`.
fn other_keys_pattern() -> String {
    let keys: Vec<&str> = crate::domain::gs1::primary_keys()
        .filter(|k| *k != "01")
        .collect();
    format!("/{{key:({})}}/{{tail:.*}}", keys.join("|"))
}

/// A Digital Link URI of another primary key (SSCC, GLN, GRAI …): checked
/// in full, so that bad syntax is a 400; a GLN or an SSCC may be ours
/// (`other_keys`), any other key is a 404.
async fn other_key(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    other_key_answer(&req, &state, req.path(), req.query_string()).await
}

/// The answer of `other_key` for a raw path and query (the request's, or a
/// compressed link's once decompressed).
async fn other_key_answer(
    req: &HttpRequest,
    state: &AppState,
    path: &str,
    query: &str,
) -> AppResult<HttpResponse> {
    let key = KeyPath::parse(path).map_err(not_a_link)?;
    KeyPath::check_query(query).map_err(not_a_link)?;
    let parsed = ResolverQuery::parse(query);
    let answer = negotiate(req, &parsed);
    // The requested URI, as the anchor of its linkset entry.
    let anchor = format!("{}{}", state.config.base_url(), key.path());
    match key.key.as_str() {
        "414" => return other_keys::facility(state, key, anchor, answer, &parsed.pass_on).await,
        "00" => {
            return other_keys::logistic_unit(state, key, anchor, answer, &parsed.pass_on).await
        }
        _ => {}
    }
    Err(AppError::NotFound(format!(
        "mã GS1 hợp lệ nhưng không do chúng tôi quản lý / a valid GS1 key ({}) that this \
         resolver does not hold",
        key.key
    )))
}

/// How the client wants the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Html {
        lang: Lang,
    },
    Json,
    Linkset,
    /// A registered link of this type (`gs1:recipeInfo` …).
    Redirect(String),
    /// Nothing in the request selects an answer: a 307 to the default link
    /// (a Digital Link URI only; the short form is the consumer page).
    /// `lang`: the language of an error page, should there be one.
    Default {
        lang: Lang,
    },
}

/// The resolver's own query parameters, read without regard to the case of
/// their names (`linkType`, `linktype`), and the rest of the query, passed
/// on when redirecting.
#[derive(Debug, Default)]
pub struct ResolverQuery {
    link_type: Option<String>,
    format: Option<String>,
    lang: Option<String>,
    /// A tap on the stamp's NFC tag mirrors these two (`domain::sun`).
    picc_data: Option<String>,
    cmac: Option<String>,
    /// The raw query less `linkType`, to append to a redirect's target.
    pass_on: String,
}

impl ResolverQuery {
    pub fn parse(raw: &str) -> Self {
        let mut query = ResolverQuery::default();
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            let value = || percent_decode_str(value).decode_utf8_lossy().into_owned();
            if key.eq_ignore_ascii_case("linkType") {
                query.link_type.get_or_insert_with(value);
                continue;
            }
            if key.eq_ignore_ascii_case("format") {
                query.format.get_or_insert_with(value);
            } else if key.eq_ignore_ascii_case("lang") {
                query.lang.get_or_insert_with(value);
            } else if key == crate::domain::sun::PICC_PARAM {
                query.picc_data.get_or_insert_with(value);
            } else if key == crate::domain::sun::MAC_PARAM {
                query.cmac.get_or_insert_with(value);
            }
            if !query.pass_on.is_empty() {
                query.pass_on.push('&');
            }
            query.pass_on.push_str(piece);
        }
        query
    }

    fn format_is(&self, name: &str) -> bool {
        self.format
            .as_deref()
            .is_some_and(|f| f.eq_ignore_ascii_case(name))
    }
}

/// Whether `haystack` contains `needle` (ASCII, lower case) in any case:
/// media types are case-insensitive (RFC 9110 §8.3.1).
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn negotiate(req: &HttpRequest, q: &ResolverQuery) -> Answer {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match q.link_type.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("linkset") || t.eq_ignore_ascii_case("all") => {
            return Answer::Linkset
        }
        Some(other) => {
            let short = crate::domain::link_type::short(other);
            return if short.eq_ignore_ascii_case("gs1:defaultLink") {
                Answer::Default {
                    lang: page::consumer_lang(q.lang.as_deref(), req),
                }
            } else {
                Answer::Redirect(short)
            };
        }
        None => {}
    }
    if q.format_is("json") {
        return Answer::Json;
    }
    if q.format_is("html") {
        return Answer::Html {
            lang: page::consumer_lang(q.lang.as_deref(), req),
        };
    }
    if contains_ignore_case(accept, "application/linkset+json") {
        return Answer::Linkset;
    }
    if contains_ignore_case(accept, "application/json")
        && !contains_ignore_case(accept, "text/html")
    {
        return Answer::Json;
    }
    Answer::Default {
        lang: page::consumer_lang(q.lang.as_deref(), req),
    }
}

/// The answer for a stamp: this scan's facts and the batch record. It
/// borrows the cached record rather than copying its strings for every scan;
/// its JSON is these fields followed by the record's (`to_json`).
#[derive(Debug, Serialize)]
pub struct StampAnswer<'a> {
    pub verdict: Verdict,
    /// Why and when the stamp was voided (on a voided stamp only; its answer
    /// then carries no origin record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub void: Option<&'a VoidNote>,
    /// The number to call about a recall (`RECALL_HOTLINES`), on a recalled
    /// stamp when one is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recall_hotline: Option<String>,
    pub serial: String,
    pub serial_grouped: String,
    pub scan_count: i64,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub first_scanned_at: Option<chrono::NaiveDateTime>,
    /// The province of the stamp's first check, when known (DB-IP's
    /// table, `domain::places`): "first checked in Vĩnh Long".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_checked_in: Option<&'static str>,
    /// Distinct people who have checked this stamp, the client included
    /// when it can be told apart ("you are the 2nd to check it").
    pub checkers: i64,
    /// The client has checked this stamp before.
    pub checked_before: bool,
    /// Whether the stamp was claimed with its scratch-off PIN, and when.
    pub claimed: bool,
    #[serde(serialize_with = "crate::time::utc_opt")]
    pub claimed_at: Option<chrono::NaiveDateTime>,
    /// Correct PINs entered after the first claim: evidence of a copy.
    pub later_claims: i32,
    /// Replayed NFC tap URLs opened by others than the tapper: copies.
    pub copied_taps: i64,
    /// The only address to trust: type the printed code there.
    pub official_site: &'a str,
    /// This request was a verified tap on the stamp's NFC tag; absent
    /// from the JSON otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nfc_verified: bool,
    #[serde(skip)]
    pub record: &'a BatchRecord,
}

impl StampAnswer<'_> {
    /// The JSON answer in two pieces: this scan's fields, the object left
    /// open, then `tail`: the record's members and the closing brace as the
    /// cache keeps them (`record::json_tail`), or the brace alone. Sent as
    /// they are (`json_body`), an answer allocates this scan's few hundred
    /// bytes rather than a copy of the whole (see the module's note).
    pub fn to_json(&self, tail: Bytes) -> serde_json::Result<[Bytes; 2]> {
        // This scan's fields take about 300-450 bytes (more with a void
        // note or a hotline).
        let mut head = Vec::with_capacity(512);
        serde_json::to_writer(&mut head, self)?;
        head.pop(); // the closing brace
        Ok([Bytes::from(head), tail])
    }
}

/// A body sent in pieces, with its length known (`Content-Length`, not
/// chunked).
fn json_body(pieces: [Bytes; 2]) -> SizedStream<impl Stream<Item = Result<Bytes, Infallible>>> {
    let size = pieces.iter().map(|p| p.len() as u64).sum();
    SizedStream::new(size, futures_util::stream::iter(pieces.map(Ok)))
}

/// The JSON answer for a code that is not a genuine stamp.
#[derive(Serialize)]
struct UnknownAnswer<'a> {
    verdict: Verdict,
    error: UnknownReason<'a>,
    official_site: &'a str,
}

#[derive(Serialize)]
struct UnknownReason<'a> {
    code: &'static str,
    /// "tiếng Việt / English".
    message: Reason<'a>,
    /// As in every error body (`error::ErrorDetail`).
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

async fn short_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let query = ResolverQuery::parse(req.query_string());
    let answer = match negotiate(&req, &query) {
        // The short form is the consumer page itself.
        Answer::Default { lang } => Answer::Html { lang },
        other => other,
    };
    let serial = path.into_inner().to_ascii_uppercase();
    match state.codec.decode(&serial) {
        Ok(stamp) => {
            // Only a tap's URL carries these: the plain path does no more.
            // A HEAD (a link checker) or a load that is no check (an
            // embedded or prefetched URL) must not use up the tap's counter.
            let nfc_verified = (query.picc_data.is_some() || query.cmac.is_some())
                && req.method() != Method::HEAD
                && is_a_check(&req);
            let sent = device_of(&req, &state);
            // A tap's page gives a browser without our cookie one, and the
            // tap is that device's: a reload on another network is then
            // still the tapper's, not a copy.
            let new_device =
                (nfc_verified && sent.is_none() && matches!(answer, Answer::Html { .. }))
                    .then(device_token);
            if nfc_verified {
                let device = sent.or_else(|| {
                    new_device
                        .as_deref()
                        .map(|token| scans::device_hash(token, &state.origin_salt[..]))
                });
                let tapper = crate::models::nfc_tag::Tapper {
                    network: origin_of(&req, &state).map(|o| scans::origin_hex(o.network)),
                    device: device.map(scans::origin_hex),
                };
                let tapped = tap::verify(
                    &state,
                    stamp,
                    (query.picc_data.as_deref(), query.cmac.as_deref()),
                    tapper,
                );
                if let Err(err) = Box::pin(tapped).await {
                    return Ok(tap::refusal(err, &serial, &answer, &state));
                }
            }
            let anchor = format!("{}/s/{serial}", state.config.base_url());
            let stamp = Resolving {
                stamp,
                serial,
                link: None,
                nfc_verified,
                new_device,
            };
            resolve_stamp(&req, &state, stamp, anchor, answer, &query).await
        }
        Err(err) => refuse(&req, &state, &serial, err, &answer),
    }
}

async fn digital_link(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    resolve_link(&req, &state, req.path(), req.query_string()).await
}

/// Answers the GTIN Digital Link of raw `path` and `raw_query`: the
/// request's own, or those decompressed from a compressed link.
async fn resolve_link(
    req: &HttpRequest,
    state: &AppState,
    path: &str,
    raw_query: &str,
) -> AppResult<HttpResponse> {
    let query = ResolverQuery::parse(raw_query);
    let answer = negotiate(req, &query);
    let link =
        DigitalLink::parse(path, Some(raw_query).filter(|q| !q.is_empty())).map_err(not_a_link)?;
    // The requested URI, as the anchor of its linkset entry.
    let anchor = format!("{}{}", state.config.base_url(), link.path());
    let Some(serial) = link.serial.as_deref() else {
        return links::resolve_class(state, link, anchor, answer, &query.pass_on).await;
    };
    let serial = serial.to_ascii_uppercase();
    match state.codec.decode(&serial) {
        Ok(stamp) => {
            let stamp = Resolving {
                stamp,
                serial,
                link: Some(&link),
                nfc_verified: false,
                new_device: None,
            };
            resolve_stamp(req, state, stamp, anchor, answer, &query).await
        }
        // Not shaped like our serials: a valid key we did not issue, so the
        // answer walks up to the lot or the product (404 if not ours).
        Err(SerialError::Length(_) | SerialError::Character { .. }) => {
            links::resolve_class(state, link, anchor, answer, &query.pass_on).await
        }
        // Shaped like ours but failing its MAC: an imitation of our stamp.
        Err(err) => refuse(req, state, &serial, err, &answer),
    }
}

/// A serial that failed its check: bad syntax is a 400, a forgery or an
/// unknown key a 404 with the counterfeit warning. Recorded for alerts, with
/// no database read.
fn refuse(
    req: &HttpRequest,
    state: &AppState,
    serial: &str,
    err: SerialError,
    answer: &Answer,
) -> AppResult<HttpResponse> {
    let syntax = err.is_syntax();
    // Longer codes are refused whole: neither recorded nor quoted back.
    let kept = serial.chars().count() <= 64;
    if kept && is_a_check(req) {
        state.scans.push(new_scan(
            class_of(req),
            origin_of(req, state),
            None,
            serial,
            Verdict::Unknown,
        ));
    }
    let status = if syntax {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::NOT_FOUND
    };
    let code = if kept { serial } else { "" };
    let reason = Reason {
        vi: &err.vi(),
        en: &err.en(),
    };
    Ok(unknown_answer(status, reason, code, answer, state))
}

/// Why a code is refused, in both languages: the page shows its own, the
/// JSON both.
#[derive(Clone, Copy)]
pub(crate) struct Reason<'a> {
    pub vi: &'a str,
    pub en: &'a str,
}

/// As "tiếng Việt / English", written straight into the JSON answer.
impl Serialize for Reason<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{} / {}", self.vi, self.en))
    }
}

fn unknown_answer(
    status: StatusCode,
    reason: Reason,
    code: &str,
    answer: &Answer,
    state: &AppState,
) -> HttpResponse {
    match answer {
        Answer::Html { lang } | Answer::Default { lang } => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(page::unknown(
                *lang,
                lang.pick(reason.vi, reason.en),
                code,
                state.config.base_url(),
            )),
        _ => {
            let unknown = UnknownAnswer {
                verdict: Verdict::Unknown,
                error: UnknownReason {
                    code: match status {
                        StatusCode::BAD_REQUEST => "bad_request",
                        // A replayed NFC tap (`tap`).
                        StatusCode::CONFLICT => "replayed",
                        _ => "not_found",
                    },
                    message: reason,
                    request_id: crate::request_id::current(),
                },
                official_site: state.config.base_url(),
            };
            // Sized for the answer (about 300 bytes), so that a flood of
            // forged codes grows no buffer per request; writing into a
            // vector cannot fail.
            let mut body = Vec::with_capacity(512);
            let _ = serde_json::to_writer(&mut body, &unknown);
            HttpResponse::build(status)
                .content_type("application/json")
                .body(body)
        }
    }
}

/// The stamp a request names, as decoded, and how it was reached.
struct Resolving<'a> {
    stamp: StampRef,
    serial: String,
    /// The Digital Link it came by, if not the short form (borrowed: the
    /// handler's future holds no copy of it on the short form's path).
    link: Option<&'a DigitalLink>,
    /// A verified tap on the stamp's NFC tag (`tap::verify`).
    nfc_verified: bool,
    /// The device token this answer's cookie gives a browser that had none,
    /// when made before (a tap records its tapper's device).
    new_device: Option<String>,
}

async fn resolve_stamp(
    req: &HttpRequest,
    state: &AppState,
    resolving: Resolving<'_>,
    anchor: String,
    answer: Answer,
    query: &ResolverQuery,
) -> AppResult<HttpResponse> {
    let stamp = resolving.stamp;
    let rule = state.config.clone_rule();
    let origin = origin_of(req, state);
    let recorded = is_a_check(req);
    // A browser without our cookie gets one with the page, and this check
    // is already its device's.
    let sent = device_of(req, state);
    let new_device = (sent.is_none() && recorded && matches!(answer, Answer::Html { .. }))
        .then(|| resolving.new_device.unwrap_or_else(device_token));
    let device = sent.or_else(|| {
        new_device
            .as_deref()
            .map(|token| scans::device_hash(token, &state.origin_salt[..]))
    });
    let class = class_of(req);
    let who = checker(class, origin, device).filter(|_| recorded);
    let mut found = state
        .resolver
        .lookup_cached(stamp.roll, stamp.index, stamp.key_id, who, &rule);
    if found.is_none() {
        // Rare, and boxed as every await here (see the module's note).
        let cache = Arc::clone(&state.resolver);
        found = Box::pin(state.db(move |conn| {
            Ok(cache.lookup(conn, stamp.roll, stamp.index, stamp.key_id, who, &rule)?)
        }))
        .await?;
    }
    // A genuine serial under another product's GTIN or lot is a copied label.
    let found = found.filter(|f| {
        resolving.link.is_none_or(|l| {
            let record = &f.roll.public.record;
            record.product.gtin.as_deref() == Some(l.gtin.as_str())
                && l.lot.as_deref().is_none_or(|lot| {
                    lot == record.batch.lot_code
                        || record.batch.former_lot_codes.iter().any(|f| f == lot)
                })
        })
    });
    // A linkset or a link type's redirect needs the batch's links: read
    // now, so that nothing of the answer below is held across the await.
    let links = match (&answer, &found) {
        (Answer::Linkset | Answer::Redirect(_), Some(found)) => {
            Some(Box::pin(links::links_of_batch(state, &found.roll.batch_id)).await?)
        }
        _ => None,
    };
    let serial = resolving.serial;
    let Some(found) = found else {
        if recorded {
            state
                .scans
                .push(new_scan(class, origin, None, &serial, Verdict::Unknown));
        }
        return Ok(unknown_answer(
            StatusCode::NOT_FOUND,
            Reason {
                vi: "mã tem này chưa từng được cấp",
                en: "this stamp code was never issued",
            },
            &serial,
            &answer,
            state,
        ));
    };
    let roll = &found.roll;
    let public = &roll.public;
    let index = i64::from(stamp.index);
    let claim = roll.claim(index);
    let void = roll.stamp_void(index);
    let copied_taps = roll.copied_taps(index);
    let facts = StampFacts {
        batch_recalled: public.record.recalled(),
        stamp_voided: void.is_some(),
        facility_suspended: public.record.facility_suspended(),
        // Today's date, not the cached record's: a record loaded before
        // midnight of its best-before day turns amber at that midnight.
        expired: public.record.expired_on(crate::time::today()),
        checkers: found.stats.evidence.score,
        later_claims: claim.map_or(0, |c| c.later_claims),
        copied_taps,
    };
    let verdict = verdict(&facts, &rule);
    if let Answer::Default { .. } = answer {
        // The consumer page this redirects to records the scan.
        return Ok(links::default_redirect(
            &[links::Level {
                anchor,
                description: String::new(),
                default_href: format!("{}/s/{serial}", state.config.base_url()),
                links: &[],
            }],
            &query.pass_on,
        ));
    }
    let mut this_scan = new_scan(class, origin, Some((roll.number, index)), &serial, verdict);
    this_scan.device = device;
    let scanned_at = this_scan.scanned_at;
    if recorded {
        // Noted before it is buffered, so that the index expects the row
        // before the flusher can write it and a check read it back.
        state.resolver.scans.record(
            roll.number,
            index,
            who,
            origin.and_then(|o| o.place),
            scanned_at,
        );
        state.scans.push(this_scan);
    }
    let evidence = found.stats.evidence;
    let body = StampAnswer {
        verdict,
        claimed: claim.is_some(),
        claimed_at: claim.map(|c| c.claimed_at),
        later_claims: claim.map_or(0, |c| c.later_claims),
        copied_taps,
        void: void.filter(|_| verdict == Verdict::Voided),
        recall_hotline: (verdict == Verdict::Recalled)
            .then(|| recall_hotline(&state.config, &public.record))
            .flatten(),
        serial_grouped: group(&serial),
        scan_count: found.stats.count + i64::from(recorded),
        first_scanned_at: found
            .stats
            .first_at
            .or(Some(scanned_at).filter(|_| recorded)),
        first_checked_in: found
            .stats
            .first_place
            .or(origin
                .and_then(|o| o.place)
                .filter(|_| recorded && found.stats.first_at.is_none()))
            .map(Place::name),
        checkers: evidence.checkers,
        checked_before: evidence.returning,
        official_site: state.config.base_url(),
        nfc_verified: resolving.nfc_verified,
        serial,
        record: &public.record,
    };
    // A voided stamp vouches for nothing: its answer says why and when, not
    // the origin record.
    let vouches = body.void.is_none();
    match answer {
        Answer::Json => {
            let tail = if vouches {
                public.json.clone()
            } else {
                Bytes::from_static(b"}")
            };
            let pieces = body
                .to_json(tail)
                .map_err(|e| AppError::Internal(format!("stamp answer: {e}")))?;
            Ok(HttpResponse::Ok()
                .content_type("application/json")
                .body(json_body(pieces)))
        }
        Answer::Html { lang } => {
            let mut ok = HttpResponse::Ok();
            ok.content_type("text/html; charset=utf-8");
            if let Some(token) = new_device {
                ok.cookie(device_cookie(state, token));
            }
            Ok(ok.body(page::stamp(
                &body,
                lang,
                if vouches { public.html(lang) } else { "" },
            )))
        }
        Answer::Linkset | Answer::Redirect(_) | Answer::Default { .. } => links::stamp_links(
            state,
            anchor,
            &body,
            &answer,
            &query.pass_on,
            links.as_deref().unwrap_or_default(),
        ),
    }
}

/// Whom to call about a recall: the hotline of the authority that ordered
/// it, else that of the province the product comes from.
fn recall_hotline(config: &crate::config::Config, record: &BatchRecord) -> Option<String> {
    record
        .batch
        .recall_authority
        .as_deref()
        .and_then(|authority| config.recall_hotline(authority))
        .or_else(|| config.recall_hotline(&record.facility.province))
}

fn origin_of(req: &HttpRequest, state: &AppState) -> Option<Origin> {
    state
        .client_ip(req)
        .map(|ip| scans::origins(ip, &state.origin_salt[..], state.places.of(ip)))
}

/// The first-party cookie that tells one device's checks apart from
/// another's on a shared network, and one device's across networks.
pub const DEVICE_COOKIE: &str = "ts_device";

/// The headers `is_a_check` reads besides Accept, as names made once: a
/// name looked up as text is parsed at each lookup and, being unknown to
/// the `http` crate, copied to the heap.
static SEC_FETCH_DEST: HeaderName = HeaderName::from_static("sec-fetch-dest");
static SEC_FETCH_MODE: HeaderName = HeaderName::from_static("sec-fetch-mode");
static SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
static SEC_PURPOSE: HeaderName = HeaderName::from_static("sec-purpose");
static PURPOSE: HeaderName = HeaderName::from_static("purpose");
static X_MOZ: HeaderName = HeaderName::from_static("x-moz");

/// Whether the request is someone checking the stamp: a page load, an app's
/// request, a scanner's. A load one page makes of another's resource (an
/// `<img>` pointing at a stamp's URL, a script's cross-site request, a
/// frame, a prefetch) is answered but never recorded: otherwise every
/// visitor of a rival's page would "check" the rival's stamp.
fn is_a_check(req: &HttpRequest) -> bool {
    let h = |name: &HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok());
    let is = |value: Option<&str>, of: &[&str]| {
        value.is_some_and(|v| of.iter().any(|o| v.trim().eq_ignore_ascii_case(o)))
    };
    let embedded = h(&SEC_FETCH_DEST).is_some_and(|d| !is(Some(d), &["document", "empty"]));
    let cross_site_call = h(&SEC_FETCH_MODE).is_some_and(|m| !is(Some(m), &["navigate"]))
        && h(&SEC_FETCH_SITE).is_some_and(|s| !is(Some(s), &["same-origin", "none"]));
    let prefetch = [h(&SEC_PURPOSE), h(&PURPOSE), h(&X_MOZ)]
        .into_iter()
        .flatten()
        .any(|p| contains_ignore_case(p, "prefetch"));
    // Browsers without Fetch Metadata still say what an `<img>` wants.
    let image = h(&header::ACCEPT).is_some_and(|a| {
        a.get(..6).is_some_and(|t| t.eq_ignore_ascii_case("image/"))
            && !contains_ignore_case(a, "text/html")
    });
    !(embedded || cross_site_call || prefetch || image)
}

/// The salted hash of the device token the client's cookie carries, if it
/// carries one of ours (32 hex digits).
fn device_of(req: &HttpRequest, state: &AppState) -> Option<u64> {
    let cookie = req.cookie(DEVICE_COOKIE)?;
    let token = cookie.value();
    (token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| scans::device_hash(token, &state.origin_salt[..]))
}

/// A new device token (`DEVICE_COOKIE`): 128 random bits in hex, from the
/// thread's CSPRNG (seeded by the system) rather than a system call per page:
/// every first visit of a browser gets one.
fn device_token() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// A new device token's cookie, kept for 400 days (the longest browsers allow);
/// `SameSite=Lax`, so other sites' requests do not carry it.
fn device_cookie(state: &AppState, token: String) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(DEVICE_COOKIE, token)
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies())
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(400))
        .finish()
}

/// Who is checking: a client whose network is known and that is not a
/// program (`ClientClass::Tool`); `None` counts no checker.
pub(crate) fn checker(
    class: ClientClass,
    origin: Option<Origin>,
    device: Option<u64>,
) -> Option<Checker> {
    let origin = origin.filter(|_| class != ClientClass::Tool)?;
    Some(Checker {
        network: origin.network,
        device,
        place: origin.place,
    })
}

/// The client's class (`ClientClass::of`) from its User-Agent: read once a
/// request, as it folds the header's case.
fn class_of(req: &HttpRequest) -> ClientClass {
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    ClientClass::of(user_agent)
}

fn new_scan(
    client_class: ClientClass,
    origin: Option<Origin>,
    stamp: Option<(i64, i64)>,
    serial: &str,
    verdict: Verdict,
) -> NewScan {
    NewScan {
        stamp,
        serial: serial.into(),
        scanned_at: crate::time::now(),
        origin,
        device: None,
        client_class,
        verdict,
    }
}
