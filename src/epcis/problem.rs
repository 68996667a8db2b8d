//! Errors of the EPCIS interface as RFC 9457 problem bodies
//! (`application/problem+json`), with the exception names of the EPCIS 2.0
//! REST binding as `type`, so an EPCIS client can tell a validation failure
//! from a query-parameter mistake without reading prose.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::fmt;

use crate::error::AppError;

/// One thing wrong with a captured document: which event (by position and,
/// when it has one, its eventID) and which field, as a JSON pointer.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EventError {
    /// Position in `epcisBody.eventList`; absent for the document itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_index: Option<usize>,
    #[serde(rename = "eventID", skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// JSON pointer: within the event when `eventIndex` is set, else within
    /// the document.
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: &'static str,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<EventError>,
}

/// A problem as answered: with the request's id (`X-Request-Id`) as an
/// extension member (RFC 9457 §3.2). Added when answered, not kept in the
/// problem, since a capture job's stored problem belongs to no request.
#[derive(Serialize)]
struct Answered<'a> {
    #[serde(flatten)]
    problem: &'a Problem,
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
}

impl Problem {
    fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: String) -> Self {
        Problem {
            kind,
            title,
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
        }
    }

    /// The captured document is not valid EPCIS 2.0.
    pub fn validation(detail: impl Into<String>, errors: Vec<EventError>) -> Self {
        Problem {
            errors,
            ..Problem::new(
                StatusCode::BAD_REQUEST,
                "epcisException:ValidationException",
                "Invalid EPCIS document",
                detail.into(),
            )
        }
    }

    pub fn query_parameter(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "epcisException:QueryParameterException",
            "Invalid query parameter",
            detail.into(),
        )
    }

    pub fn capture_limit(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "epcisException:CaptureLimitExceededException",
            "Capture limit exceeded",
            detail.into(),
        )
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "epcisException:ValidationException",
            "Unsupported media type",
            detail.into(),
        )
    }

    pub fn no_such_resource(detail: impl Into<String>) -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "epcisException:NoSuchResourceException",
            "No such resource",
            detail.into(),
        )
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.title, self.detail)
    }
}

/// Everything the rest of the service reports as `AppError` keeps its
/// status; only the body changes shape.
impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        let status = err.status_code();
        let (kind, title) = match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                ("epcisException:SecurityException", "Access denied")
            }
            StatusCode::NOT_FOUND => ("epcisException:NoSuchResourceException", "No such resource"),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
                ("epcisException:ValidationException", "Invalid request")
            }
            StatusCode::TOO_MANY_REQUESTS => (
                "epcisException:CaptureLimitExceededException",
                "Too many requests",
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                "epcisException:ImplementationException",
                "Service unavailable",
            ),
            _ => ("epcisException:ImplementationException", "Internal error"),
        };
        if let AppError::Internal(detail) = &err {
            log::error!("internal error: {detail}");
        }
        Problem::new(status, kind, title, err.to_string())
    }
}

impl From<diesel::result::Error> for Problem {
    fn from(err: diesel::result::Error) -> Self {
        AppError::from(err).into()
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if self.status == 401 {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.content_type("application/problem+json").body(
            serde_json::to_string(&Answered {
                problem: self,
                request_id: crate::request_id::current(),
            })
            .unwrap_or_default(),
        )
    }
}
