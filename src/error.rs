//! The one error type. Handlers return `Result<_, AppError>`; models return
//! diesel's `QueryResult`, converted here so that a missing row is a 404 and a
//! broken constraint a 409 — a 500 only ever means a bug or a dead database.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use std::fmt;

#[derive(Debug)]
pub enum AppError {
    /// A field failed validation (422): names the field and says what is wrong.
    Invalid {
        field: String,
        message: String,
    },
    /// The request itself is malformed (400): bad JSON, bad query string.
    BadRequest(String),
    Unauthenticated,
    Forbidden(String),
    NotFound(String),
    Conflict(String),
    PayloadTooLarge(String),
    UnsupportedMediaType(String),
    /// A rate limit was reached (429); try again after this many seconds.
    TooManyRequests {
        retry_after: u64,
    },
    /// The request's body did not arrive in time (408; `body_deadline`).
    RequestTimeout(String),
    /// The pool could not hand out a connection in time (503).
    Unavailable(String),
    /// A domain rule refused the change (README, "Rules"): said in both
    /// languages, so a page shows it in its reader's.
    Rule(Box<Refusal>),
    /// Several fields refused at once (422), each beside its field on a
    /// form, all listed in the API's answer (`problems`).
    Fields(Vec<Refusal>),
    /// Start-up and command-line problems; never produced by a request.
    Config(String),
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

/// What kind of answer a broken rule gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// 409: the row is in a state that forbids the change (recalled,
    /// suspended, printed).
    Conflict,
    /// 403: the caller's role may not make this change.
    Forbidden,
    /// 422: the value breaks the rule (`field` names it).
    Invalid,
}

/// A broken rule, in English (the API's language) and Vietnamese.
#[derive(Debug)]
pub struct Refusal {
    pub kind: RuleKind,
    pub field: Option<String>,
    pub en: String,
    pub vi: String,
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// A refusal by a rule, worded in English and Vietnamese.
    pub fn rule(
        kind: RuleKind,
        field: Option<&str>,
        en: impl Into<String>,
        vi: impl Into<String>,
    ) -> Self {
        AppError::Rule(Box::new(Refusal {
            kind,
            field: field.map(str::to_owned),
            en: en.into(),
            vi: vi.into(),
        }))
    }

    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("{what} not found"))
    }

    /// The machine-readable code of the JSON error body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Invalid { .. } => "invalid",
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::Fields(_) => "invalid",
            AppError::Rule(r) => match r.kind {
                RuleKind::Conflict => "conflict",
                RuleKind::Forbidden => "forbidden",
                RuleKind::Invalid => "invalid",
            },
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::RequestTimeout(_) => "request_timeout",
            AppError::Unavailable(_) => "unavailable",
            AppError::Config(_) | AppError::Internal(_) => "internal",
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            AppError::Rule(r) => r.field.as_deref(),
            AppError::Fields(all) => all.first().and_then(|r| r.field.as_deref()),
            _ => None,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Invalid { field, message } => write!(f, "{field}: {message}"),
            AppError::Unauthenticated => {
                write!(f, "log in or send Authorization: Bearer <token>")
            }
            AppError::TooManyRequests { retry_after } => {
                write!(f, "too many requests; try again in {retry_after} s")
            }
            AppError::BadRequest(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::PayloadTooLarge(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::RequestTimeout(m)
            | AppError::Unavailable(m)
            | AppError::Config(m) => f.write_str(m),
            AppError::Rule(r) => match &r.field {
                Some(field) => write!(f, "{field}: {}", r.en),
                None => f.write_str(&r.en),
            },
            AppError::Fields(all) => {
                let lines: Vec<String> = all
                    .iter()
                    .map(|r| match &r.field {
                        Some(field) => format!("{field}: {}", r.en),
                        None => r.en.clone(),
                    })
                    .collect();
                f.write_str(&lines.join("; "))
            }
            AppError::Internal(_) => f.write_str("internal error"),
        }
    }
}

impl std::error::Error for AppError {}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    /// The request's id, also in `X-Request-Id` and the logs, for a
    /// support request to quote (absent outside a request).
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    /// Every refused field, when several were (`AppError::Fields`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    problems: Vec<FieldProblem<'a>>,
}

#[derive(Serialize)]
struct FieldProblem<'a> {
    field: Option<&'a str>,
    message: &'a str,
    message_vi: &'a str,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Fields(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Rule(r) => match r.kind {
                RuleKind::Conflict => StatusCode::CONFLICT,
                RuleKind::Forbidden => StatusCode::FORBIDDEN,
                RuleKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            },
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Config(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let request_id = crate::request_id::current();
        // An id in the answer and the log ties a user's report to its cause.
        let error_id = matches!(self, AppError::Internal(_))
            .then(|| uuid::Uuid::new_v4().simple().to_string()[..12].to_owned());
        if let (AppError::Internal(detail), Some(id)) = (self, &error_id) {
            tracing::error!(
                request_id = request_id.as_deref().unwrap_or(""),
                "internal error {id}: {detail}"
            );
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, AppError::Unauthenticated) {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let AppError::TooManyRequests { retry_after } = self {
            response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: match &error_id {
                    Some(id) => format!("internal error (id {id})"),
                    None => self.to_string(),
                },
                field: self.field(),
                request_id,
                problems: match self {
                    AppError::Fields(all) => all
                        .iter()
                        .map(|r| FieldProblem {
                            field: r.field.as_deref(),
                            message: &r.en,
                            message_vi: &r.vi,
                        })
                        .collect(),
                    _ => Vec::new(),
                },
            },
        })
    }
}

impl From<DieselError> for AppError {
    fn from(err: DieselError) -> Self {
        match err {
            DieselError::NotFound => AppError::NotFound("not found".into()),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                AppError::Conflict(format!("already exists ({})", info.message()))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                AppError::Conflict("other records still refer to this one".into())
            }
            other => AppError::Internal(format!("database: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(err: diesel::r2d2::PoolError) -> Self {
        AppError::Unavailable(format!("database busy, try again: {err}"))
    }
}

/// actix answers `BlockingError` when the blocking task panicked (the
/// pool's queue itself does not refuse work): a bug, so a 500 with an error
/// id in the log, not a "busy" that invites the client to try again.
impl From<actix_web::error::BlockingError> for AppError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        AppError::Internal("a blocking task panicked (see the panic above in the log)".into())
    }
}

impl From<Vec<crate::domain::kde::Problem>> for AppError {
    fn from(problems: Vec<crate::domain::kde::Problem>) -> Self {
        AppError::Fields(
            problems
                .into_iter()
                .map(|p| Refusal {
                    kind: RuleKind::Invalid,
                    field: Some(p.field),
                    en: p.en,
                    vi: p.vi,
                })
                .collect(),
        )
    }
}

impl From<crate::domain::validate::FieldError> for AppError {
    fn from(err: crate::domain::validate::FieldError) -> Self {
        AppError::Invalid {
            field: err.field,
            message: err.message,
        }
    }
}
