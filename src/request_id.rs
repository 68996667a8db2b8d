//! The request id: one short token per request that ties together the
//! access log line, any warning logged while serving it, the `X-Request-Id`
//! header of the answer and the `request_id` of an error body, so that a
//! consumer's or producer's "it said error, here is the id" leads to the
//! log. nginx makes one per request (`$request_id`) and passes it on, so its
//! own log line carries the same id; without a proxy the node makes one.
//!
//! The id is held in a task-local for the duration of the request rather
//! than in the request's extensions: `AppError::error_response` has no
//! request at hand, and the extensions would cost a map insert per request
//! on the resolver's path.

use actix_web::http::header::{HeaderName, HeaderValue};

/// The header read from the proxy and written on every answer (a name
/// made once: looked up as text, it would be parsed and copied to the heap
/// at every request).
pub static HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Longest id taken from a proxy; a longer or odd one is replaced.
const MAX_LEN: usize = 64;

tokio::task_local! {
    static CURRENT: HeaderValue;
}

/// The proxy's id when it is a plausible one (1–64 characters of letters,
/// digits, `-`, `_`, `.`), else a new one: a client cannot put arbitrary
/// text into the logs or the error bodies through this header.
pub fn from_proxy_or_new(given: Option<&HeaderValue>) -> HeaderValue {
    match given {
        Some(v) if plausible(v.as_bytes()) => v.clone(),
        _ => new_id(),
    }
}

fn plausible(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// 64 random bits as 16 hexadecimal digits: unique enough across nodes and
/// restarts for finding a log line, and cheap to make.
fn new_id() -> HeaderValue {
    let id = format!("{:016x}", rand::random::<u64>());
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// Runs `work` with `id` as the current request's id.
pub async fn scope<F: std::future::Future>(id: HeaderValue, work: F) -> F::Output {
    CURRENT.scope(id, work).await
}

/// The id of the request being served, if any (none outside a request: in
/// the CLI, the scan flusher, a test calling a function directly).
pub fn current() -> Option<String> {
    CURRENT
        .try_with(|id| id.to_str().ok().map(str::to_owned))
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proxys_id_is_kept_when_plausible() {
        let given = HeaderValue::from_static("3f2a9c0d7b1e4a5f8c6d2b1a0e9f8d7c");
        assert_eq!(from_proxy_or_new(Some(&given)), given);
    }

    #[test]
    fn an_odd_or_long_id_is_replaced() {
        for odd in ["", "a b", "<script>", "x\u{7f}", &"a".repeat(65)] {
            let Ok(given) = HeaderValue::from_str(odd) else {
                continue;
            };
            let id = from_proxy_or_new(Some(&given));
            assert_ne!(id, given, "{odd:?} kept");
            assert_eq!(id.len(), 16);
        }
        let made = from_proxy_or_new(None);
        assert!(plausible(made.as_bytes()));
        assert_ne!(made, from_proxy_or_new(None));
    }

    #[test]
    fn current_is_the_scoped_id_and_none_outside() {
        assert_eq!(current(), None);
        let id = HeaderValue::from_static("abc-123");
        let inside = actix_web::rt::System::new().block_on(scope(id, async { current() }));
        assert_eq!(inside.as_deref(), Some("abc-123"));
    }
}
