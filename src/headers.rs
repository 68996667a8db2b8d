//! Security headers on every response, pages, API answers and errors alike:
//! the pages load only their own scripts, styles and images (QR codes may
//! be inline `data:` images), are never framed (no clickjacking of the
//! regulator's portal), are not sniffed into another type, and leak no full
//! address to other sites. A handler that sets one of them keeps its own.

use actix_web::http::header::{self, HeaderName};
use actix_web::middleware::DefaultHeaders;

/// Images may come from any https address: a product's photo is a link the
/// producer gives (their own site or shop); scripts and styles only from here.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data: https:; \
     style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
     form-action 'self'";

/// The headers and their values.
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::X_FRAME_OPTIONS, "DENY"),
];

/// Middleware adding the headers to every response.
pub fn secure() -> DefaultHeaders {
    SECURITY_HEADERS
        .into_iter()
        .fold(DefaultHeaders::new(), |headers, header| headers.add(header))
}
