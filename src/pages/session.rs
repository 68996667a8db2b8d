//! Who is using a portal page, and the CSRF token of their forms.
//!
//! Pages take the session cookie only (never a bearer token: a browser
//! sends cookies by itself, so every state-changing form must also carry a
//! token an attacker's page cannot know). The token is an HMAC of the
//! session secret under a key derived from the serial key, so it needs no
//! storage and dies with the session. The login form, before any session,
//! uses a random double-submit cookie instead.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::future::Future;
use std::pin::Pin;

use super::frame::{Chrome, NavLink, NavUser};
use super::i18n::Lang;
use super::lang_of;
use crate::auth::{self, Caller, Role, SESSION_COOKIE};
use crate::error::AppError;
use crate::AppState;

/// A logged-in person on a page, with what every page's frame needs.
pub struct PageUser {
    pub caller: Caller,
    pub l: Lang,
    pub csrf: String,
    pub state: web::Data<AppState>,
    req: HttpRequest,
}

impl FromRequest for PageUser {
    type Error = super::PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let secret = req
                .cookie(SESSION_COOKIE)
                .map(|c| c.value().to_owned())
                .ok_or(AppError::Unauthenticated)?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::Internal("no app state".into()))?;
            let hash = auth::token_hash(&secret);
            let found = state
                .db(move |conn| Ok(crate::models::account::by_token_hash(conn, &hash)?))
                .await?;
            let (account, token_id) = found.ok_or(AppError::Unauthenticated)?;
            let caller = auth::caller_of(account, token_id)?;
            Ok(PageUser {
                csrf: csrf_token(&state, &secret),
                l: lang_of(&req),
                caller,
                state,
                req,
            })
        })
    }
}

impl PageUser {
    /// Runs a use case (a `service` function) as this user, on the blocking
    /// pool: pages adapt forms to the same functions the API calls.
    pub async fn act<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut crate::db::DbConnection, &Caller) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let caller = self.caller.clone();
        self.state.db(move |conn| work(conn, &caller)).await
    }

    /// The frame of a portal page titled `title`, with the role's menu.
    pub fn chrome(&self, title: impl Into<String>) -> Chrome {
        let l = self.l;
        let links = match self.caller.role {
            Role::Producer { .. } => vec![
                NavLink {
                    href: "/portal",
                    label: l.t("Tổng quan", "Dashboard"),
                },
                NavLink {
                    href: "/portal/batches/new",
                    label: l.t("Lô hàng mới", "New batch"),
                },
            ],
            Role::Regulator { .. } => vec![
                NavLink {
                    href: "/oversight",
                    label: l.t("Tổng quan", "Overview"),
                },
                NavLink {
                    href: "/oversight/facilities",
                    label: l.t("Cơ sở", "Facilities"),
                },
            ],
            Role::Admin => vec![
                NavLink {
                    href: "/admin/enterprises",
                    label: l.t("Doanh nghiệp", "Enterprises"),
                },
                NavLink {
                    href: "/admin/accounts",
                    label: l.t("Tài khoản", "Accounts"),
                },
                NavLink {
                    href: "/admin/addresses",
                    label: l.t("Địa chỉ cần xác định", "Addresses to settle"),
                },
            ],
        };
        let mut links = links;
        links.push(NavLink {
            href: "/account",
            label: l.t("Tài khoản của tôi", "My account"),
        });
        let mut chrome =
            Chrome::public(l, title, self.state.config.base_url()).switching_on(&self.req);
        chrome.user = Some(NavUser {
            username: self.caller.username.clone(),
            links,
        });
        chrome.csrf = self.csrf.clone();
        chrome
    }

    /// Refuses a form whose token is not this session's (403).
    pub fn check_csrf(&self, presented: &str) -> Result<(), AppError> {
        if constant_time_eq(presented.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "the form is out of date or was not sent from this site; reload the page and try again".into(),
            ))
        }
    }

    /// A posted form's values, once its CSRF token is checked.
    pub fn checked_form(
        &self,
        form: web::Form<std::collections::HashMap<String, String>>,
    ) -> Result<std::collections::HashMap<String, String>, AppError> {
        let values = form.into_inner();
        self.check_csrf(values.get("csrf").map(String::as_str).unwrap_or(""))?;
        Ok(values)
    }

    /// The `notice` query parameter shown once after a change.
    pub fn notice(&self) -> Option<String> {
        notice_of(&self.req, self.l)
    }
}

/// The `notice` query parameter of any page (the login page has no
/// [`PageUser`] but shows notices too), in words.
pub fn notice_of(req: &HttpRequest, l: Lang) -> Option<String> {
    web::Query::<Notice>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().notice)
        .and_then(|code| notice_text(l, &code))
}

#[derive(serde::Deserialize)]
struct Notice {
    notice: Option<String>,
}

/// Notices are codes, not free text, so a link cannot make the site say
/// something it did not.
fn notice_text(l: Lang, code: &str) -> Option<String> {
    let text = match code {
        "saved" => l.t("Đã lưu.", "Saved."),
        "received" => l.t(
            "Đã xác nhận nhận hàng: lô đã nhận dùng được trong đóng gói và chế biến.",
            "Receipt accepted: the lot received can be packed or transformed.",
        ),
        "event" => l.t("Đã ghi nhật ký.", "Event recorded."),
        "corrected" => l.t("Đã sửa sự kiện.", "Event corrected."),
        "retracted" => l.t("Đã rút lại sự kiện.", "Event retracted."),
        "roll" => l.t("Đã cấp cuộn tem.", "Stamp roll issued."),
        "inspection" => l.t("Đã ghi kết quả kiểm tra.", "Inspection recorded."),
        "void" => l.t("Đã hủy tem.", "Stamps voided."),
        "nfc" => l.t("Đã gắn thẻ NFC.", "NFC tags bound."),
        "suspended" => l.t("Đã đình chỉ cơ sở.", "Facility suspended."),
        "reinstated" => l.t("Đã cho cơ sở hoạt động lại.", "Facility reinstated."),
        "relocated" => l.t("Đã chuyển địa bàn cơ sở.", "Facility moved."),
        "recalled" => l.t("Đã thu hồi lô hàng.", "Batch recalled."),
        "unrecalled" => l.t("Đã dỡ bỏ thu hồi lô hàng.", "Recall lifted."),
        "account" => l.t("Đã tạo tài khoản.", "Account created."),
        "revoked" => l.t("Đã thu hồi.", "Revoked."),
        "reach" => l.t(
            "Đã đổi vai trò / phạm vi; mọi phiên đăng nhập và token của tài khoản đã bị thu hồi.",
            "Role or scope changed; every session and token of the account was revoked.",
        ),
        "disabled" => l.t(
            "Đã khóa tài khoản; mọi phiên đăng nhập và token của tài khoản đã bị thu hồi.",
            "Account disabled; every session and token of it was revoked.",
        ),
        "enabled" => l.t(
            "Đã mở khóa tài khoản; người dùng có thể đăng nhập lại.",
            "Account enabled; its owner can log in again.",
        ),
        "password" => l.t(
            "Đã đổi mật khẩu. Mọi phiên đăng nhập và token đã bị thu hồi: vui lòng đăng nhập lại bằng mật khẩu mới.",
            "Password changed. Every session and token was revoked: please log in again with the new password.",
        ),
        "reset" => l.t(
            "Đã đặt mật khẩu mới. Vui lòng đăng nhập bằng mật khẩu mới.",
            "New password set. Please log in with the new password.",
        ),
        "result_withdrawn" => l.t(
            "Đã rút kết quả kiểm nghiệm: kết quả không còn được tính cho yêu cầu của thị trường.",
            "Lab result withdrawn: it no longer counts toward the market's requirement.",
        ),
        "signed_out" => l.t(
            "Đã thu hồi phiên này; bạn đã đăng xuất.",
            "This session was revoked; you are logged out.",
        ),
        _ => return None,
    };
    Some(text.to_owned())
}

pub fn csrf_token(state: &AppState, session_secret: &str) -> String {
    let key = state.codec.derive_secret(b"tracestamp/csrf/v1");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(session_secret.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..20])
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
