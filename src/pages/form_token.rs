//! The token of a form posted before anyone is logged in (login, a report
//! of a suspected fake): there is no session to bind a token to, so it is a
//! double-submit cookie. Its value is issued by the server and signed, so a
//! value planted by someone else (a sibling subdomain setting the cookie) is
//! not accepted: `nonce.mac`, the MAC an HMAC-SHA-256 of the nonce under a
//! key derived from the serial key for this form alone.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse};
use rand::RngCore;

use super::session::constant_time_eq;
use crate::AppState;

/// One form's token: its key label, cookie name and cookie path.
pub struct FormToken {
    pub label: &'static [u8],
    pub cookie: &'static str,
    pub path: &'static str,
}

impl FormToken {
    fn mac(&self, state: &AppState, nonce: &str) -> String {
        use hmac::{Hmac, Mac};
        let key = state.codec.derive_secret(self.label);
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key)
            .expect("HMAC takes a key of any length");
        mac.update(nonce.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    fn is_ours(&self, state: &AppState, token: &str) -> bool {
        match token.split_once('.') {
            Some((nonce, mac)) if nonce.len() == 32 && mac.len() == 32 => {
                constant_time_eq(self.mac(state, nonce).as_bytes(), mac.as_bytes())
            }
            _ => false,
        }
    }

    /// The token the request's cookie holds if it is ours, else a new one.
    pub fn for_form(&self, req: &HttpRequest, state: &AppState) -> String {
        req.cookie(self.cookie)
            .map(|c| c.value().to_owned())
            .filter(|v| self.is_ours(state, v))
            .unwrap_or_else(|| {
                let mut bytes = [0u8; 16];
                rand::thread_rng().fill_bytes(&mut bytes);
                let nonce = hex::encode(bytes);
                let mac = self.mac(state, &nonce);
                format!("{nonce}.{mac}")
            })
    }

    /// Sets the cookie a form page's token is checked against.
    pub fn set_cookie(&self, state: &AppState, response: &mut HttpResponse, token: String) {
        let cookie = Cookie::build(self.cookie, token)
            .path(self.path)
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(state.config.secure_cookies())
            .finish();
        let _ = response.add_cookie(&cookie);
    }

    /// Whether a posted form's token is the one its cookie holds, and ours.
    pub fn is_fresh(&self, req: &HttpRequest, state: &AppState, presented: &str) -> bool {
        req.cookie(self.cookie).is_some_and(|c| {
            self.is_ours(state, c.value())
                && constant_time_eq(c.value().as_bytes(), presented.as_bytes())
        })
    }
}
