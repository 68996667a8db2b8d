//! Who the client is, as far as the network can tell: the one place that
//! decides a request's client address. Every per-client rate limit, scan
//! origin and login throttle asks here, so a rule about proxies holds
//! everywhere at once.
//!
//! A forwarding header is believed only when the TCP peer is one of the
//! configured `TRUSTED_PROXIES`. A proxy appends the address it saw to
//! `X-Forwarded-For` (or adds a `for=` element to `Forwarded`); whatever
//! stands to the left of that was written by the client and may be a lie.
//! So the header is read from the right, skipping addresses of trusted
//! proxies, and the first address that is not one is the client. A header
//! that is missing, or an entry a trusted hop wrote that does not parse
//! (`unknown`, garbage), leaves the request keyed by its peer: never by a
//! value the client chose, and never by nothing.

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};

/// The standard forwarding header (RFC 7239).
const FORWARDED: &str = "forwarded";
/// The de-facto one most proxies write.
const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The trusted proxies, and whether a forwarding header from an untrusted
/// peer has been reported yet (once per process, so the log is not flooded).
#[derive(Debug, Default)]
pub struct ClientAddresses {
    trusted: Vec<IpNet>,
    warned: AtomicBool,
}

impl ClientAddresses {
    pub fn new(trusted: &[IpNet]) -> Self {
        ClientAddresses {
            trusted: trusted.iter().map(IpNet::trunc).collect(),
            warned: AtomicBool::new(false),
        }
    }

    /// The request's client address; `None` only when the request has no
    /// peer at all (built in-process, as some tests do).
    pub fn of(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        Some(self.resolve(peer, req.headers()))
    }

    /// The rule itself, apart from actix so it can be tested alone.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.is_trusted(peer) {
            if self.trusted.is_empty()
                && is_proxied(headers)
                && !self.warned.swap(true, Ordering::Relaxed)
            {
                log::warn!(
                    "a request from {peer} carries a forwarding header but TRUSTED_PROXIES is \
                     not set: every client behind that proxy shares its address for rate limits \
                     and scan origins; set TRUSTED_PROXIES to the proxy's address"
                );
            }
            return peer;
        }
        let chain = match forwarded_chain(headers) {
            Some(chain) => chain,
            None => return peer,
        };
        let mut client = peer;
        for entry in chain.iter().rev() {
            match entry {
                Some(ip) if self.is_trusted(*ip) => client = *ip,
                Some(ip) => return *ip,
                // A trusted hop wrote something that is not an address.
                None => return peer,
            }
        }
        // Every hop is a trusted proxy: the left-most is as close to the
        // client as the chain goes.
        client
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }
}

/// Whether a request carries any forwarding header.
fn is_proxied(headers: &HeaderMap) -> bool {
    headers.contains_key(X_FORWARDED_FOR) || headers.contains_key(FORWARDED)
}

/// The addresses of the forwarding chain, left (client side) to right
/// (nearest proxy), each `None` when it does not parse. `X-Forwarded-For`
/// when present (every header line, in order), else `Forwarded`'s `for=`.
fn forwarded_chain(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let lines = |name| {
        headers
            .get_all(name)
            .map(|v| v.to_str().ok())
            .collect::<Option<Vec<&str>>>()
    };
    if headers.contains_key(X_FORWARDED_FOR) {
        let Some(values) = lines(X_FORWARDED_FOR) else {
            return Some(vec![None]);
        };
        return Some(
            values
                .iter()
                .flat_map(|v| v.split(','))
                .map(parse_node)
                .collect(),
        );
    }
    if headers.contains_key(FORWARDED) {
        let Some(values) = lines(FORWARDED) else {
            return Some(vec![None]);
        };
        return Some(
            values
                .iter()
                .flat_map(|v| v.split(','))
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.split_once('='))
                        .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, value)| parse_node(value.trim().trim_matches('"')))
                })
                .collect(),
        );
    }
    None
}

/// One node of a chain: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]`
/// or `[2001:db8::1]:80`.
fn parse_node(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            text.strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse().ok())
        })?;
    Some(canonical(ip))
}

/// An IPv4 address seen through an IPv6 socket (`::ffff:1.2.3.4`) is the
/// IPv4 address, so one client has one key.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn behind(proxies: &[&str]) -> ClientAddresses {
        let nets: Vec<IpNet> = proxies.iter().map(|p| p.parse().unwrap()).collect();
        ClientAddresses::new(&nets)
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let none = behind(&[]);
        let h = headers(&[("x-forwarded-for", "9.9.9.9")]);
        assert_eq!(none.resolve(ip("203.0.113.5"), &h), ip("203.0.113.5"));
        let some = behind(&["10.0.0.0/8"]);
        assert_eq!(some.resolve(ip("203.0.113.5"), &h), ip("203.0.113.5"));
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let c = behind(&["10.0.0.0/8", "192.168.1.1/32"]);
        // The client wrote 1.1.1.1 itself; the proxy appended 203.0.113.9.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.1.2.3")]);
        assert_eq!(c.resolve(ip("192.168.1.1"), &h), ip("203.0.113.9"));
        // Several header lines are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.9:4711"),
        ]);
        assert_eq!(c.resolve(ip("10.0.0.1"), &h), ip("203.0.113.9"));
    }

    #[test]
    fn a_spoofed_left_entry_changes_nothing() {
        let c = behind(&["10.0.0.0/8"]);
        for spoof in ["1.1.1.1", "2.2.2.2", "unknown", ""] {
            let h = headers(&[("x-forwarded-for", &format!("{spoof}, 198.51.100.7"))]);
            assert_eq!(c.resolve(ip("10.0.0.1"), &h), ip("198.51.100.7"));
        }
    }

    #[test]
    fn missing_or_garbage_headers_key_by_the_peer() {
        let c = behind(&["10.0.0.0/8"]);
        assert_eq!(c.resolve(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        for garbage in [
            "unknown",
            "",
            "not an address",
            "300.1.1.1",
            "1.1.1.1, junk",
        ] {
            let h = headers(&[("x-forwarded-for", garbage)]);
            assert_eq!(c.resolve(ip("10.0.0.1"), &h), ip("10.0.0.1"), "{garbage}");
        }
    }

    #[test]
    fn a_chain_of_trusted_proxies_ends_at_its_left_most() {
        let c = behind(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]);
        assert_eq!(c.resolve(ip("10.0.0.1"), &h), ip("10.0.0.3"));
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let c = behind(&["10.0.0.0/8", "2001:db8::/32"]);
        let h = headers(&[(
            "forwarded",
            r#"for=1.1.1.1, for="[2001:db8:cafe::17]:4711";proto=https, for=10.0.0.9"#,
        )]);
        assert_eq!(c.resolve(ip("10.0.0.1"), &h), ip("1.1.1.1"));
        let h = headers(&[(
            "forwarded",
            "for=1.1.1.1;proto=http, by=10.0.0.1;for=198.51.100.2",
        )]);
        assert_eq!(c.resolve(ip("10.0.0.1"), &h), ip("198.51.100.2"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(c.resolve(ip("10.0.0.1"), &h), ip("10.0.0.1"));
    }

    #[test]
    fn mapped_ipv4_is_ipv4() {
        let c = behind(&["10.0.0.0/8"]);
        let h = headers(&[("x-forwarded-for", "::ffff:198.51.100.7")]);
        assert_eq!(c.resolve(ip("::ffff:10.0.0.1"), &h), ip("198.51.100.7"));
    }
}
