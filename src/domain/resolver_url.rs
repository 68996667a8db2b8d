//! Our own resolver's addresses are not pictures or links. A producer who
//! set another enterprise's stamp URL (`/s/{serial}`) as a product's image
//! would make every visitor of its pages "scan" the rival's stamp from their
//! own address, and so turn it amber for everyone; the same holds for a
//! registered link a browser follows. So an image URL or a link target that
//! would land on the resolver is refused wherever it is given.
//!
//! "Land on" is judged the way a browser would read the text: relative and
//! scheme-relative forms are resolved against the official address,
//! backslashes count as slashes, percent-encoding (even doubled) is undone,
//! case is ignored, and our host counts whatever the scheme or port.

use percent_encoding::percent_decode_str;
use url::Url;

use crate::domain::gs1;

/// How many layers of percent-encoding are undone: enough for `%252F`
/// (encoded twice) and one more; a text still changing after that is
/// refused as if it landed.
const DECODE_ROUNDS: usize = 4;

/// Whether `candidate` would reach the resolver at `official` (the service's
/// `PUBLIC_BASE_URL`): its short form (`/s/…`, `/S/…`), any GS1 primary
/// key's path (`/01/…`, `/414/…` …), or the home page's `/lookup`, which
/// redirects to a stamp.
pub fn lands_on_resolver(candidate: &str, official: &str) -> bool {
    let Ok(base) = Url::parse(official) else {
        return false;
    };
    let Some(text) = decoded(candidate) else {
        return true;
    };
    // What a browser strips or reads as a slash in a URL.
    let text: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    let Ok(target) = base.join(&text) else {
        return false;
    };
    if !matches!(target.scheme(), "http" | "https") || host(&target) != host(&base) {
        return false;
    }
    let prefix = base.path().trim_end_matches('/').to_ascii_lowercase();
    let path = target.path().to_ascii_lowercase();
    // Served under a path prefix or at the root behind a proxy: both reach us.
    let path = path.strip_prefix(prefix.as_str()).unwrap_or(&path);
    let first = path.split('/').find(|segment| !segment.is_empty());
    first.is_some_and(|segment| {
        segment == "s" || segment == "lookup" || gs1::is_primary_key(segment)
    })
}

/// The text with every layer of percent-encoding undone; `None` if it is
/// still encoded after `DECODE_ROUNDS`.
fn decoded(candidate: &str) -> Option<String> {
    let mut text = candidate.to_owned();
    for _ in 0..DECODE_ROUNDS {
        let next = percent_decode_str(&text).decode_utf8_lossy().into_owned();
        if next == text {
            return Some(text);
        }
        text = next;
    }
    None
}

/// A URL's host as one name: lower case (the parser does it) without the
/// trailing dot of a fully qualified name.
fn host(url: &Url) -> Option<String> {
    url.host_str()
        .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::lands_on_resolver;

    const OFFICIAL: &str = "https://tx.example.vn";

    #[test]
    fn every_spelling_of_a_resolver_path_lands() {
        for tricky in [
            "https://tx.example.vn/s/0A1B2C3D4E5F6G7H8J9K",
            "/s/0A1B2C3D4E5F6G7H8J9K",
            "s/0A1B2C3D4E5F6G7H8J9K",
            "./s/0A1B2C3D4E5F6G7H8J9K",
            "/x/../s/0A1B2C3D4E5F6G7H8J9K",
            "//tx.example.vn/s/0A1B2C3D4E5F6G7H8J9K",
            "HTTPS://TX.EXAMPLE.VN/S/0A1B2C3D4E5F6G7H8J9K",
            "/S/0A1B2C3D4E5F6G7H8J9K",
            "http://tx.example.vn:8443/s/0A1B2",
            "https://tx.example.vn./s/0A1B2",
            "https://tx.example.vn%2Fs%2F0A1B2",
            "https://tx.example.vn/%73/0A1B2",
            "%2Fs%2F0A1B2",
            "%252Fs%252F0A1B2",
            "/%2e%2e/s/0A1B2",
            "\\\\tx.example.vn\\s\\0A1B2",
            "/\\tx.example.vn/s/0A1B2",
            " /s/0A1B2 ",
            "/s\t/0A1B2",
            "/s//0A1B2",
            "https://tx.example.vn/01/08938641200010/10/L1/21/0A1B2",
            "/01/08938641200010",
            "/414/9506000000005",
            "https://tx.example.vn/lookup?code=0A1B2C3D4E5F6G7H8J9K",
            "https://tx.example.vn/s/0A1B2/qr.png",
            "%25252525252Fs",
        ] {
            assert!(lands_on_resolver(tricky, OFFICIAL), "{tricky}");
        }
    }

    #[test]
    fn pictures_and_pages_elsewhere_do_not() {
        for fine in [
            "https://images.example.vn/s/0A1B2",
            "https://tx.example.vn.evil.example/s/0A1B2",
            "/static/demo/pomelo.svg",
            "https://tx.example.vn/static/s.png",
            "https://san-pham.example.vn/01/buoi",
            "https://tx.example.vn/sach/0A1B2",
            "https://tx.example.vn/",
        ] {
            assert!(!lands_on_resolver(fine, OFFICIAL), "{fine}");
        }
    }

    #[test]
    fn a_path_prefix_of_the_official_address_is_seen_through() {
        let official = "https://example.vn/tx";
        assert!(lands_on_resolver("https://example.vn/tx/s/0A1B2", official));
        assert!(lands_on_resolver("/tx/S/0A1B2", official));
        assert!(lands_on_resolver("/s/0A1B2", official));
        assert!(!lands_on_resolver(
            "https://example.vn/tx/static/a.png",
            official
        ));
    }
}
