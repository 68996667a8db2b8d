//! `/reset?secret=…`: the page a one-time reset link opens (an admin makes
//! it on the account's page and hands it over). No login: the secret is
//! the credential, so a post is throttled like a login — the same limit
//! and key as the API's `POST /auth/reset` — and carries the signed
//! double-submit token the login form uses, since there is no session.
//! The secret travels in the query and a hidden field; the access log
//! writes paths only, and the page links nowhere else.

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest};
use askama::Template;
use serde::Deserialize;

use super::form_token::FormToken;
use super::forms::translate;
use super::frame::Chrome;
use super::{html_with, lang_of, remember_lang, see_other, PageResult};
use crate::error::AppError;
use crate::service::credentials;
use crate::AppState;

const RESET_FORM: FormToken = FormToken {
    label: b"tracestamp/reset-form/v1",
    cookie: "tracestamp_reset_csrf",
    path: "/reset",
};

/// The limiter's key for reset attempts: the API's, so that the page and
/// the API share one allowance.
const RESET_KEY: &str = "password reset";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reset", web::get().to(form))
        .route("/reset", web::post().to(submit));
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage {
    c: Chrome,
    form_token: String,
    secret: String,
    shown: Shown,
}

/// What the page shows besides the form.
#[derive(Default)]
struct Shown {
    /// Whose password is set; `None` when the link cannot be used (the
    /// form is then not shown).
    username: Option<String>,
    /// A refusal about no one input.
    problem: Option<String>,
    password_error: Option<String>,
    confirm_error: Option<String>,
}

impl Shown {
    /// A refusal put beside its input (`password`, `confirm_password`) or
    /// above the form (also when the link cannot be used any more, and so
    /// no form is shown).
    fn refused(username: Option<String>, field: &str, error: String) -> Shown {
        let mut shown = Shown {
            username,
            ..Shown::default()
        };
        match field {
            "password" if shown.username.is_some() => shown.password_error = Some(error),
            "confirm_password" if shown.username.is_some() => shown.confirm_error = Some(error),
            _ => shown.problem = Some(error),
        }
        shown
    }
}

fn page(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    secret: String,
    shown: Shown,
) -> PageResult {
    let l = lang_of(req);
    let token = RESET_FORM.for_form(req, state);
    let view = ResetPage {
        c: Chrome::public(
            l,
            l.t("Đặt mật khẩu mới", "Set a new password"),
            state.config.base_url(),
        )
        .switching_on(req),
        form_token: token.clone(),
        secret,
        shown,
    };
    let mut response = html_with(status, &view)?;
    RESET_FORM.set_cookie(state, &mut response, token);
    Ok(remember_lang(req, response))
}

/// The link cannot be used: why, and what to do.
fn gone(req: &HttpRequest, state: &AppState) -> PageResult {
    let l = lang_of(req);
    let error = l.t(
        "Liên kết này không dùng được: nó đã được dùng, đã bị thay bằng liên kết mới hơn, hoặc đã quá 24 giờ. Hãy xin quản trị viên một liên kết mới.",
        "This link cannot be used: it was used already, replaced by a newer one, or is more than 24 hours old. Ask an admin for a new link.",
    );
    page(
        req,
        state,
        StatusCode::NOT_FOUND,
        String::new(),
        Shown {
            problem: Some(error.to_owned()),
            ..Shown::default()
        },
    )
}

#[derive(Deserialize)]
struct SecretQuery {
    #[serde(default)]
    secret: String,
}

async fn form(req: HttpRequest, state: web::Data<AppState>) -> PageResult {
    let secret = web::Query::<SecretQuery>::from_query(req.query_string())
        .map(|q| q.into_inner().secret)
        .unwrap_or_default();
    let looked_up = secret.clone();
    match state
        .db(move |conn| credentials::reset_holder(conn, &looked_up))
        .await
    {
        Ok(username) => page(
            &req,
            &state,
            StatusCode::OK,
            secret,
            Shown {
                username: Some(username),
                ..Shown::default()
            },
        ),
        Err(AppError::NotFound(_)) => gone(&req, &state),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Form<ResetForm>,
) -> PageResult {
    let ResetForm {
        csrf,
        secret,
        password,
        confirm_password,
    } = body.into_inner();
    let l = lang_of(&req);
    // The form again for the same link, with a refusal.
    let again = |status: StatusCode, error: String, field: &'static str| {
        let looked_up = secret.clone();
        let state = state.clone();
        let req = req.clone();
        let secret = secret.clone();
        async move {
            let username = match state
                .db(move |conn| credentials::reset_holder(conn, &looked_up))
                .await
            {
                Ok(username) => Some(username),
                Err(AppError::NotFound(_)) => None,
                Err(other) => return Err(other.into()),
            };
            page(
                &req,
                &state,
                status,
                secret,
                Shown::refused(username, field, error),
            )
        }
    };
    if !RESET_FORM.is_fresh(&req, &state, &csrf) {
        let error = l.t(
            "Biểu mẫu đã hết hạn. Vui lòng nhập lại.",
            "The form expired. Please try again.",
        );
        return again(StatusCode::FORBIDDEN, error.to_owned(), "").await;
    }
    let client = state.client_ip(&req);
    if let Err(AppError::TooManyRequests { retry_after }) = state.limits.login(client, RESET_KEY) {
        let error = l.t(
            "Quá nhiều lần thử. Vui lòng chờ một phút rồi thử lại.",
            "Too many attempts. Please wait a minute and try again.",
        );
        let mut refused = again(StatusCode::TOO_MANY_REQUESTS, error.to_owned(), "").await?;
        refused
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
        return Ok(refused);
    }
    if password != confirm_password {
        let error = translate(l, "the two new passwords differ");
        return again(StatusCode::UNPROCESSABLE_ENTITY, error, "confirm_password").await;
    }
    let used = {
        let secret = secret.clone();
        state
            .db(move |conn| credentials::use_reset(conn, &secret, &password))
            .await
    };
    if matches!(used, Ok(()) | Err(AppError::NotFound(_))) {
        state.limits.login_outcome(client, RESET_KEY, used.is_ok());
    }
    match used {
        Ok(()) => Ok(see_other("/login?notice=reset")),
        Err(AppError::NotFound(_)) => gone(&req, &state),
        Err(AppError::Invalid { message, .. }) => {
            let error = translate(l, &message);
            again(StatusCode::UNPROCESSABLE_ENTITY, error, "password").await
        }
        Err(other) => Err(other.into()),
    }
}
