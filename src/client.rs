//! Who the client is, as far as an address tells: the one place that
//! decides it, for rate limits, scan origins and login throttling.

use actix_web::HttpRequest;
use std::net::IpAddr;

use crate::AppState;

/// The client's address: from the configured proxy header when set (its
/// first entry), else the peer.
pub fn client_ip(req: &HttpRequest, state: &AppState) -> Option<IpAddr> {
    if let Some(name) = &state.config.client_ip_header {
        return req
            .headers()
            .get(name.as_str())
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok());
    }
    req.peer_addr().map(|a| a.ip())
}
