//! Request guards that run before any handler: the registration rate limit (API and form), the
//! same-origin check of cookie-authenticated API requests, and the refusal of U+0000 in a path, a
//! query string or a form.

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use attune_app::registration_limit::{self, RegistrationLimit, RegistrationLimitError};
use attune_domain::FieldError;
use attune_domain::validation::{NUL_MESSAGE, nul_in_pairs};
use futures_util::StreamExt;

use crate::extract::{SESSION_COOKIE, client_ip};
use crate::problem::ApiError;
use crate::state::AppState;

const API_REGISTER: &str = "/api/v1/auth/register";
const FORM_REGISTER: &str = "/register";

/// Counts every registration attempt per client address before it is looked at, and answers 429
/// (problem+json on the API, a page on the form) once the address has used up its window.
pub async fn registration_limit(req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let path = req.path();
    if req.method() != Method::POST || (path != API_REGISTER && path != FORM_REGISTER) {
        return next.call(req).await;
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await;
    };
    let limit = RegistrationLimit {
        max_per_window: state.settings.registration_max_per_window,
        window: chrono::Duration::minutes(state.settings.registration_window_minutes.max(1)),
    };
    let retry_after_secs = match registration_limit::admit(&state.pool, &limit, client_ip(req.request())).await {
        Ok(()) => return next.call(req).await,
        Err(RegistrationLimitError::Limited { retry_after_secs }) => retry_after_secs,
        Err(RegistrationLimitError::Unexpected(e)) => {
            let error = ApiError::internal(e);
            return Ok(req.error_response(error));
        }
    };
    if req.path() == API_REGISTER {
        let mut error = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-registrations",
            "Too many registrations",
            "Too many registrations from this address; try again later.",
        );
        error.retry_after_secs = Some(retry_after_secs);
        return Ok(req.error_response(error));
    }
    let http = req.request().clone();
    let mut page = crate::pages::message(
        &http,
        &state,
        StatusCode::TOO_MANY_REQUESTS,
        "Too many registrations",
        "Too many accounts were registered from your address recently. Please try again later.",
        None,
    )
    .await;
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&retry_after_secs.to_string()) {
        page.headers_mut().insert(actix_web::http::header::RETRY_AFTER, value);
    }
    Ok(req.into_response(page.map_into_boxed_body()))
}

/// CSRF on the JSON API: a request that changes state (POST, PUT, PATCH, DELETE) and is
/// authenticated by the session cookie must come from our own pages — its `Origin` is the
/// server's public origin or names the `Host` it was sent to, or the browser says
/// `Sec-Fetch-Site: same-origin`. A request with an `Authorization` header is authenticated by it
/// alone (the cookie is ignored), and one without a session cookie carries no ambient authority;
/// both are exempt. Webhooks (signed) and the sandbox providers live outside `/api`.
pub async fn api_same_origin(req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let changes_state = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let has_authorization = req.headers().contains_key(header::AUTHORIZATION);
    let has_session_cookie = req.cookie(SESSION_COOKIE).is_some_and(|c| !c.value().is_empty());
    if !changes_state || has_authorization || !has_session_cookie {
        return next.call(req).await;
    }
    let public_url = req.app_data::<web::Data<AppState>>().map(|s| s.policy.public_url.clone()).unwrap_or_default();
    if is_same_origin(req.headers(), &public_url) {
        return next.call(req).await;
    }
    let error = ApiError::new(
        StatusCode::FORBIDDEN,
        "cross-site-request",
        "Cross-site request refused",
        "A request authenticated by the session cookie that changes state must come from this site's own pages \
         (its Origin header must be this server's); API clients send the token as `Authorization: Bearer …` instead.",
    );
    Ok(req.error_response(error))
}

fn is_same_origin(headers: &header::HeaderMap, public_url: &str) -> bool {
    let text = |name: &header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if text(&header::HeaderName::from_static("sec-fetch-site")) == Some("same-origin") {
        return true;
    }
    let Some(origin) = text(&header::ORIGIN).filter(|o| *o != "null") else { return false };
    let origin = origin.trim_end_matches('/');
    if !public_url.is_empty() && origin.eq_ignore_ascii_case(public_url.trim_end_matches('/')) {
        return true;
    }
    // Behind a proxy that keeps the Host header, the page's origin names the host it was sent to.
    match (origin.split_once("://"), text(&header::HOST)) {
        (Some((scheme, authority)), Some(host)) => {
            matches!(scheme, "http" | "https") && !authority.contains('/') && authority.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

/// U+0000 in the path, the query string or a URL-encoded form: no text column can store it, so
/// the request is refused here with 422 naming where it was (`path`, `query.<name>`,
/// `form.<name>`) — problem+json under `/api`, a page elsewhere. JSON bodies are checked where
/// they are parsed (`extract::parse_json`), dataset records by the record parser.
pub async fn reject_nul(mut req: ServiceRequest, next: Next<BoxBody>) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let mut field = nul_in_url(req.uri().path(), req.query_string());
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")));
    if field.is_none() && is_form {
        let limit = req.app_data::<web::Data<AppState>>().map_or(2 * 1024 * 1024, |s| s.settings.max_body_bytes);
        let mut payload = req.take_payload();
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk?;
            if body.len() + chunk.len() > limit {
                // Too large for any handler: the handler's own limit answers (413) on what is left.
                body.extend_from_slice(&chunk);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        let body = body.freeze();
        field = nul_in_form(&body);
        req.set_payload(actix_web::dev::Payload::from(body));
    }
    let Some(field) = field else { return next.call(req).await };
    if req.path().starts_with("/api/") {
        return Ok(req.error_response(ApiError::validation(vec![FieldError::new(field, NUL_MESSAGE)])));
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(req.error_response(ApiError::validation(vec![FieldError::new(field, NUL_MESSAGE)])));
    };
    let http = req.request().clone();
    let detail = format!("The field {field} contains a character that cannot be stored (U+0000). Remove it and send the form again.");
    let page = crate::pages::message(&http, &state, StatusCode::UNPROCESSABLE_ENTITY, "Not done", &detail, None).await;
    Ok(req.into_response(page.map_into_boxed_body()))
}

/// Where a URL carries U+0000: `path` (written `%00`; a raw NUL cannot reach us) or `query.<name>`.
pub fn nul_in_url(raw_path: &str, query: &str) -> Option<String> {
    if raw_path.contains("%00") {
        return Some("path".to_owned());
    }
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    nul_in_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map(|name| format!("query.{name}"))
}

/// The field of a URL-encoded form that carries U+0000, as `form.<name>`.
pub fn nul_in_form(body: &[u8]) -> Option<String> {
    if !body.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00")) {
        return None;
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    nul_in_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map(|name| format!("form.{name}"))
}
