//! RFC 9457 problem details for every error under `/api`, with the fields at fault.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use attune_app::accounts::AccountError;
use attune_app::error::AppError;
use attune_app::webhooks::WebhookError;
use attune_domain::FieldError;
use attune_domain::providers::WebhookRejection;
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every API error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// `/problems/<code>`: a stable identifier of the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorSchema>)]
    pub errors: Vec<FieldError>,
}

/// One field at fault.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorSchema {
    pub field: String,
    pub message: String,
}

pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    pub errors: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
    /// For a 405: the methods the path answers (`Allow`).
    pub allow: Option<crate::allow::Methods>,
    /// The cause of an unexpected failure: logged, never shown.
    pub cause: Option<anyhow::Error>,
}

impl std::fmt::Debug for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)?;
        if let Some(cause) = &self.cause {
            write!(f, " (cause: {cause:#})")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.title, self.status.as_u16(), self.detail)
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, title, detail: detail.into(), errors: Vec::new(), retry_after_secs: None, allow: None, cause: None }
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-request", "Malformed request", detail)
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
            "Log in and send the token as `Authorization: Bearer <token>` or with the session cookie.",
        )
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    /// 405: `method` is not answered here; `allow` names what is, when known.
    pub fn method_not_allowed(method: &actix_web::http::Method, allow: Option<crate::allow::Methods>) -> Self {
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("{method} is not allowed on this route."),
        );
        e.allow = allow;
        e
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", "No such resource.")
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation-failed", "Invalid fields", detail).with_errors(errors)
    }

    pub fn internal(cause: anyhow::Error) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "Something went wrong on our side; it has been logged.",
        );
        e.cause = Some(cause);
        e
    }

    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.code),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(error = format!("{cause:#}"), "unexpected error");
        }
        let mut response = HttpResponse::build(self.status);
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.to_string()));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"attune\"")));
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Validation(errors) => ApiError::validation(errors.0),
            AppError::NotFound => ApiError::not_found(),
            AppError::Forbidden(missing) => ApiError::forbidden(missing.to_string()),
            AppError::Conflict { code, detail } => ApiError::new(StatusCode::CONFLICT, code, "Conflict", detail),
            AppError::Refused { code, detail, field } => {
                let errors = field.map(|f| vec![FieldError::new(f, detail.clone())]).unwrap_or_default();
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, "Refused", detail).with_errors(errors)
            }
            AppError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

/// A provider's webhook: an unknown provider is 404; a bad, stale or replayed signature 401; a body
/// the provider's format does not explain 422 on `body`.
impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        match e {
            WebhookError::UnknownProvider => ApiError::not_found(),
            e @ (WebhookError::Rejected(WebhookRejection::Signature(_)) | WebhookError::Replayed(_)) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "bad-webhook", "Webhook refused", e.to_string())
            }
            WebhookError::Rejected(WebhookRejection::Unreadable(m)) => ApiError::validation(vec![FieldError::new("body", m)]),
            WebhookError::Unexpected(e) => ApiError::internal(e),
        }
    }
}

impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Validation(errors) => ApiError::validation(errors.0),
            AccountError::EmailTaken => ApiError::new(
                StatusCode::CONFLICT,
                "email-taken",
                "E-mail address taken",
                "An account with this e-mail address already exists.",
            )
            .with_errors(vec![FieldError::new("email", "is already registered")]),
            AccountError::InvalidCredentials => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid-credentials",
                "Invalid credentials",
                "The e-mail address or password is wrong.",
            ),
            AccountError::RateLimited { retry_after_secs } => {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-attempts",
                    "Too many attempts",
                    "Too many failed logins; try again later.",
                );
                e.retry_after_secs = Some(retry_after_secs);
                e
            }
            AccountError::NotFound => ApiError::not_found(),
            AccountError::Forbidden(missing) => ApiError::forbidden(missing.to_string()),
            AccountError::Conflict(detail) => ApiError::new(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            AccountError::InvalidToken => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-token",
                "Invalid token",
                "This verification link is invalid, used or expired.",
            ),
            AccountError::Unexpected(cause) => ApiError::internal(cause),
        }
    }
}

/// Turns any other error response under `/api` (unknown route, wrong method, actix's own
/// extractor errors) into problem+json, so clients never see a plain-text error.
pub fn problemize<B>(res: actix_web::dev::ServiceResponse<B>) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    use actix_web::middleware::ErrorHandlerResponse;
    let is_problem =
        res.response().headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with(PROBLEM_JSON));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let error = match status {
        StatusCode::NOT_FOUND => ApiError::new(status, "not-found", "Not found", "No such resource or route."),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(res.request().method(), crate::allow::allowed(res.request().path())),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(status, "payload-too-large", "Payload too large", "The request body is larger than this endpoint accepts.")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::new(status, "unsupported-media-type", "Unsupported media type", "Send application/json.")
        }
        s if s.is_server_error() => ApiError::new(s, "internal", "Internal error", "Something went wrong on our side; it has been logged."),
        s => ApiError::new(
            s,
            "request-error",
            "Request error",
            s.canonical_reason().unwrap_or("The request could not be served.").to_string(),
        ),
    };
    let (req, _) = res.into_parts();
    let response = error.error_response();
    Ok(ErrorHandlerResponse::Response(actix_web::dev::ServiceResponse::new(req, response).map_into_right_body()))
}
