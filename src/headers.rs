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

/// Characters RFC 5987 lets stand in an `ext-value` (attr-char); the rest
/// are percent-encoded.
const ATTR_CHAR_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `Content-Disposition: attachment` for a file name that may hold anything
/// a producer typed (a lot code with `"`, `;`, Vietnamese letters): an ASCII
/// `filename` with every other character replaced by `_` (RFC 6266), and the
/// exact name as UTF-8 in `filename*` (RFC 5987).
pub fn attachment(filename: &str) -> (HeaderName, String) {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let exact = percent_encoding::utf8_percent_encode(filename, ATTR_CHAR_ESCAPED);
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{exact}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_filenames_make_a_valid_header() {
        let (_, value) = attachment("tem-LÔ\"1;x=\r\n\\ 2.pdf");
        assert_eq!(
            value,
            "attachment; filename=\"tem-L__1_x_____2.pdf\"; \
             filename*=UTF-8''tem-L%C3%94%221%3Bx%3D%0D%0A%5C%202.pdf"
        );
        assert!(header::HeaderValue::from_str(&value).is_ok());
    }
}
