//! Request guards that run before any handler: the registration rate limit (API and form).

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web;
use attune_app::registration_limit::{self, RegistrationLimit, RegistrationLimitError};

use crate::extract::client_ip;
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
