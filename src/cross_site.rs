//! Whether a browser says a form post comes from another site: the one
//! check the public forms that have no session to bind a token to (a
//! stamp's PIN claim, a report of a suspected fake) share.
//!
//! Browsers send `Sec-Fetch-Site` with every request and `Origin` with every
//! POST; a post made by a page elsewhere names that page's origin, which is
//! neither this request's `Host` nor the public base URL's (a proxy may pass
//! the request on under another host). A request without either header is
//! not a browser's cross-site form (tools send neither), so it is let
//! through; forms that must also stop those carry a signed token.

use actix_web::http::header;
use actix_web::HttpRequest;

/// The authority (`host[:port]`) of an absolute URL.
fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// True when the post comes from another site; `official` is the public
/// base URL (`PUBLIC_BASE_URL`).
pub fn cross_site(req: &HttpRequest, official: &str) -> bool {
    let header = |name| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap_or("invalid"))
    };
    if let Some(site) = header("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return true;
        }
    }
    let Some(origin) = header(header::ORIGIN.as_str()) else {
        return false;
    };
    let Some(from) = authority(origin) else {
        // `null` (a sandboxed or privacy-sensitive context) and garbage.
        return true;
    };
    let host = header(header::HOST.as_str());
    let ours = [host, authority(official)];
    !ours
        .iter()
        .flatten()
        .any(|own| own.eq_ignore_ascii_case(from))
}
