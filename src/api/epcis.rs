//! The EPCIS 2.0 REST endpoints under `/epcis`. The scope authenticates
//! like `/api/v1` (same accounts and tokens, `auth::resolve`) but answers
//! every refusal as a problem body, as EPCIS clients expect.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders, Next};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};
use std::sync::Arc;

use crate::domain::access::{Caller, Scope};
use crate::epcis::capture::{CaptureJobView, ErrorBehaviour, MAX_BYTES, MAX_EVENTS};
use crate::epcis::document::{Document, SchemaValidator};
use crate::epcis::problem::Problem;
use crate::epcis::query::{self, EventQuery, EVENT_TYPES};
use crate::models::epcis_capture;
use crate::service::epcis::CaptureSettings;
use crate::AppState;

const EPCIS_VERSION: &str = "2.0.0";
const CBV_VERSION: &str = "2.0.0";
const JSON_LD: &str = "application/ld+json";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/epcis")
            .app_data(web::Data::new(SchemaValidator::new()))
            .wrap(from_fn(authenticate))
            .wrap(
                DefaultHeaders::new()
                    .add(("GS1-EPCIS-Version", EPCIS_VERSION))
                    .add(("GS1-CBV-Version", CBV_VERSION)),
            )
            .route("", web::get().to(describe))
            .service(
                web::resource("/capture")
                    .route(web::post().to(capture))
                    .route(web::method(actix_web::http::Method::OPTIONS).to(capture_options)),
            )
            .route("/capture/{id}", web::get().to(capture_job))
            .route("/events", web::get().to(events))
            .route("/events/{event_id:.+}", web::get().to(one_event))
            .route(
                "/eventTypes/{event_type}/events",
                web::get().to(events_of_type),
            )
            .route("/epcs/{epc:.+}/events", web::get().to(events_of_epc))
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(Problem::no_such_resource("no such EPCIS resource"))
            })),
    );
}

/// Authenticates before anything reads the request, so an anonymous
/// capture is refused before its body is read.
async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match crate::auth::resolve(req.request()).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        Err(refusal) => Ok(req
            .error_response(Problem::from(refusal))
            .map_into_right_body()),
    }
}

/// `GET /epcis`: what this service is and offers.
async fn describe() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "epcisVersion": EPCIS_VERSION,
        "cbvVersion": CBV_VERSION,
        "captureLimits": {"events": MAX_EVENTS, "bytes": MAX_BYTES},
        "captureErrorBehaviours": ["rollback", "proceed"],
        "eventTypes": EVENT_TYPES,
        "perPage": {"default": query::DEFAULT_PER_PAGE, "max": query::MAX_PER_PAGE},
        "endpoints": [
            "POST /epcis/capture", "OPTIONS /epcis/capture", "GET /epcis/capture/{captureID}",
            "GET /epcis/events", "GET /epcis/events/{eventID}",
            "GET /epcis/eventTypes/{eventType}/events", "GET /epcis/epcs/{epc}/events"
        ],
    }))
}

async fn capture_options() -> HttpResponse {
    HttpResponse::NoContent()
        .insert_header((header::ALLOW, "OPTIONS, POST"))
        .insert_header(("GS1-EPCIS-Capture-Limit", MAX_EVENTS.to_string()))
        .insert_header(("GS1-EPCIS-Capture-File-Size-Limit", MAX_BYTES.to_string()))
        .insert_header(("GS1-Capture-Error-Behaviour", "rollback, proceed"))
        .finish()
}

/// `POST /epcis/capture`: validates and stores the document, then answers
/// 202 with the (already finished) job's location.
async fn capture(
    caller: Caller,
    state: web::Data<AppState>,
    schema: web::Data<SchemaValidator>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let enterprise = crate::service::epcis::capturing_enterprise(&caller)?;
    state.limits.capture(&enterprise)?;
    let media = req.mime_type().ok().flatten();
    let accepted = media.as_ref().is_some_and(|m| {
        let essence = m.essence_str();
        essence == JSON_LD || essence == "application/json"
    });
    if !accepted {
        return Err(Problem::unsupported_media_type(
            "send the EPCISDocument as Content-Type: application/ld+json or application/json",
        ));
    }
    let behaviour = ErrorBehaviour::parse(
        req.headers()
            .get("GS1-Capture-Error-Behaviour")
            .and_then(|v| v.to_str().ok()),
    )?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        Problem::capture_limit(format!(
            "the document is larger than {MAX_BYTES} bytes (GS1-EPCIS-Capture-File-Size-Limit)"
        ))
    };
    if declared.is_some_and(|n| n > MAX_BYTES) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::with_capacity(declared.unwrap_or(8 * 1024));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| Problem::validation(format!("unreadable body: {e}"), Vec::new()))?;
        if body.len() + chunk.len() > MAX_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }

    let schema: Arc<SchemaValidator> = schema.into_inner();
    let codec = Arc::clone(&state.codec);
    let config = state.config.clone();
    // Read and validated without holding a database connection: a large
    // document takes a while, and the pool is for the database.
    let document = web::block(move || Document::read(&body, &schema, MAX_EVENTS))
        .await
        .map_err(crate::error::AppError::from)??;
    let job = state
        .db(move |conn| {
            let settings = CaptureSettings {
                config: &config,
                codec: &codec,
                behaviour,
            };
            Ok(crate::service::epcis::capture(
                conn, &caller, &settings, document,
            ))
        })
        .await??;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/epcis/capture/{}", job.id)))
        .json(CaptureJobView::from(job)))
}

/// `GET /epcis/capture/{id}`: a producer's own jobs; an admin's any.
async fn capture_job(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let owner = match caller.scope() {
        Scope::All => None,
        Scope::Enterprise(id) => Some(id),
        Scope::Province(_) => {
            return Err(Problem::no_such_resource("no such capture job"));
        }
    };
    let id = path.into_inner();
    let job = state
        .db(move |conn| Ok(epcis_capture::find(conn, owner.as_deref(), &id)?))
        .await?
        .ok_or_else(|| Problem::no_such_resource("no such capture job"))?;
    Ok(HttpResponse::Ok().json(CaptureJobView::from(job)))
}

fn parameters(req: &HttpRequest) -> Result<Vec<(String, String)>, Problem> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| Problem::query_parameter(format!("unreadable query string: {e}")))
}

/// Runs a query and answers one page as an EPCISQueryDocument, with a
/// `Link: <…>; rel="next"` header when there is another page.
async fn answer(
    caller: Caller,
    state: web::Data<AppState>,
    req: &HttpRequest,
    query: EventQuery,
) -> Result<HttpResponse, Problem> {
    let scope = caller.scope();
    let page = state.db(move |conn| Ok(query.run(conn, &scope)?)).await?;
    let mut response = HttpResponse::Ok();
    response.content_type(JSON_LD);
    if let Some(token) = &page.next_page_token {
        let mut link = format!("{}?", req.path());
        for (name, value) in parameters(req)?
            .into_iter()
            .filter(|(name, _)| name != "nextPageToken")
        {
            link.push_str(&format!(
                "{}={}&",
                utf8_percent_encode(&name, NON_ALPHANUMERIC),
                utf8_percent_encode(&value, NON_ALPHANUMERIC)
            ));
        }
        link.push_str(&format!("nextPageToken={token}"));
        response.insert_header((header::LINK, format!("<{link}>; rel=\"next\"")));
    }
    Ok(response.body(query::query_document(&page.events, state.config.base_url()).to_string()))
}

async fn events(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let query = EventQuery::parse(&parameters(&req)?)?;
    answer(caller, state, &req, query).await
}

async fn events_of_type(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let event_type = path.into_inner();
    if !EVENT_TYPES.contains(&event_type.as_str()) {
        return Err(Problem::no_such_resource(format!(
            "{event_type:?} is not one of {}",
            EVENT_TYPES.join(", ")
        )));
    }
    let query = EventQuery::parse(&parameters(&req)?)?.with_event_type(&event_type);
    answer(caller, state, &req, query).await
}

async fn events_of_epc(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let query = EventQuery::parse(&parameters(&req)?)?.with_any_epc(&path.into_inner());
    answer(caller, state, &req, query).await
}

/// `GET /epcis/events/{eventID}`: the event itself, with its `@context`.
async fn one_event(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let event_id = path.into_inner();
    let scope = caller.scope();
    let query = EventQuery::default().with_event_id(&event_id);
    let page = state.db(move |conn| Ok(query.run(conn, &scope)?)).await?;
    let (context, events) = query::answer_events(&page.events, state.config.base_url());
    // An eventID names one event: the first captured under it (a later
    // capture of another enterprise's eventID is refused).
    let mut event = events
        .into_iter()
        .next()
        .ok_or_else(|| Problem::no_such_resource("no such event"))?;
    if let Some(map) = event.as_object_mut() {
        map.entry("@context").or_insert(context);
    }
    Ok(HttpResponse::Ok()
        .content_type(JSON_LD)
        .body(Value::to_string(&event)))
}
