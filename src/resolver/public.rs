//! What every public resolver answer carries, whatever its status (200,
//! 307, 400, 404, 429): CORS, so that a browser app on another site can read
//! it; a `Link` to the item's linkset, so that a client that was redirected
//! can still find every link; and `Vary`, because the answer is negotiated.
//! GS1's resolver standard asks for all three; OPTIONS is answered here too.
//!
//! Written by hand rather than with actix-cors: GS1's conformance suite sends
//! `Access-Control-Request-Method: GET,HEAD,OPTIONS` (a list, which the Fetch
//! standard does not allow), and a strict CORS layer refuses that preflight.
//! Every public answer is the same to every origin (no cookies, no
//! credentials), so the whole policy is four constant headers.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use crate::AppState;

/// GS1 Digital Link primary keys (the path's first element), with the short
/// form and the description file: the resolver's public paths.
const PUBLIC_PREFIXES: [&str; 3] = ["/s/", "/S/", "/.well-known/gs1resolver"];

const CORS: [(HeaderName, &str); 4] = [
    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS"),
    (
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        "Accept, Accept-Language, Content-Type",
    ),
    (
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        "Link, Location, Content-Type, Vary",
    ),
];

/// Whether `path` is answered by the resolver: the short form, the
/// description file, a path whose first element is a GS1 primary key, or a
/// compressed Digital Link (`resolver::compressed_routes`; no root page's
/// path is long enough to look like one).
pub fn is_public_path(path: &str) -> bool {
    PUBLIC_PREFIXES.iter().any(|p| path.starts_with(p))
        || path
            .strip_prefix('/')
            .and_then(|rest| rest.split('/').next())
            .is_some_and(crate::domain::digital_link::is_primary_key)
        || crate::domain::digital_link::compressed::looks_compressed(path)
}

/// Paths naming an item (not the description file) carry a `Link` to the
/// item's linkset.
fn names_an_item(path: &str) -> bool {
    !path.starts_with("/.well-known/")
}

/// The `Link` header value pointing at the linkset of the item at `path`.
pub fn linkset_link(base: &str, path: &str) -> String {
    let path = path
        .strip_suffix('/')
        .filter(|p| !p.is_empty())
        .unwrap_or(path);
    format!("<{base}{path}?linkType=linkset>; rel=\"linkset\"; type=\"application/linkset+json\"")
}

/// Middleware: answers OPTIONS on public paths, and adds CORS, `Link` and
/// `Vary` to every other answer there.
pub async fn public_answers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if !is_public_path(req.path()) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let link = req
        .app_data::<web::Data<AppState>>()
        .filter(|_| names_an_item(req.path()))
        .map(|state| linkset_link(state.config.base_url(), req.path()))
        .and_then(|v| HeaderValue::from_str(&v).ok());
    if req.method() == Method::OPTIONS {
        let mut answer = HttpResponse::NoContent();
        answer.insert_header((header::ALLOW, "GET, HEAD, OPTIONS"));
        answer.insert_header((header::ACCESS_CONTROL_MAX_AGE, "86400"));
        if let Some(link) = link {
            answer.insert_header((header::LINK, link));
        }
        let mut response = answer.finish();
        add_cors(response.headers_mut());
        return Ok(req.into_response(response).map_into_right_body());
    }
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    add_cors(headers);
    if let Some(link) = link {
        // One Link field: clients that keep one value per header name (GS1's
        // suite among them) still see the handler's links and this one.
        let merged = headers
            .get(header::LINK)
            .and_then(|own| own.to_str().ok())
            .and_then(|own| HeaderValue::from_str(&format!("{own}, {}", link.to_str().ok()?)).ok());
        headers.insert(header::LINK, merged.unwrap_or(link));
    }
    headers.append(
        header::VARY,
        HeaderValue::from_static("Accept, Accept-Language"),
    );
    Ok(res.map_into_left_body())
}

fn add_cors(headers: &mut actix_web::http::header::HeaderMap) {
    for (name, value) in CORS {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_paths_are_the_resolvers() {
        for path in [
            "/s/ABC",
            "/S/ABC",
            "/01/09506000134352",
            "/414/9506000000005",
            "/00/106141412345678908",
            "/.well-known/gs1resolver",
            "/ARBAe32ZkA",
        ] {
            assert!(is_public_path(path), "{path}");
        }
        for path in [
            "/",
            "/api/v1/products",
            "/login",
            "/static/site.css",
            "/99/1",
        ] {
            assert!(!is_public_path(path), "{path}");
        }
    }

    #[test]
    fn the_linkset_link_drops_a_trailing_slash() {
        assert_eq!(
            linkset_link("https://t.example", "/01/09506000134352/"),
            "<https://t.example/01/09506000134352?linkType=linkset>; rel=\"linkset\"; \
             type=\"application/linkset+json\""
        );
    }
}
