//! Request extractors: JSON bodies parsed with the path of the field at fault, the authenticated
//! actor (bearer token or session cookie), and the client's address.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use attune_app::Actor;
use attune_app::idempotency::IdempotencyKey;
use attune_domain::FieldError;
use serde::de::DeserializeOwned;

use crate::problem::ApiError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "attune_session";

/// A JSON body. Wrong content type → 415, too large → 413, not JSON → 400, wrong shape → 422
/// naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json =
            req.mime_type().ok().flatten().is_some_and(|m| m.subtype() == mime_json() || m.suffix().is_some_and(|s| s == mime_json()));
        let limit = req.app_data::<web::Data<AppState>>().map_or(2 * 1024 * 1024, |s| s.settings.max_body_bytes);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "Unsupported media type",
                    "Send the body as application/json.",
                ));
            }
            let bytes = body.await.map_err(|e| payload_error(&e))?;
            if bytes.len() > limit {
                return Err(too_large());
            }
            parse_json(&bytes).map(ApiJson)
        })
    }
}

fn mime_json() -> &'static str {
    "json"
}

fn too_large() -> ApiError {
    ApiError::new(
        actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        "The request body is larger than this endpoint accepts.",
    )
}

fn payload_error(e: &actix_web::Error) -> ApiError {
    if e.as_response_error().status_code() == actix_web::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_large()
    } else {
        ApiError::malformed(format!("The request body could not be read: {e}"))
    }
}

/// A creating POST's JSON body (errors as [`ApiJson`]) and its `Idempotency-Key`, bound to the
/// body's fingerprint when the header is given (a malformed key is a 422 on `Idempotency-Key`).
pub struct Keyed<T> {
    pub body: T,
    pub key: Option<IdempotencyKey>,
}

impl<T: DeserializeOwned + 'static> FromRequest for Keyed<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // A value that is not visible ASCII is refused as an empty key would be.
        let header = req.headers().get("idempotency-key").map(|v| v.to_str().unwrap_or_default().to_owned());
        let json = ApiJson::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let ApiJson(value) = json.await?;
            let key = header.map(|h| IdempotencyKey::new(&h, &value)).transpose()?;
            Ok(Keyed { body: parse_value(value)?, key })
        })
    }
}

/// Parses JSON, reporting where a value of the wrong shape sits, and naming a string that holds
/// U+0000 (valid JSON that no text column can store) with 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // JSON can only carry U+0000 escaped; look closer only when the escape appears.
    if bytes.windows(6).any(|w| w == b"\\u0000")
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
        && let Some(field) = attune_domain::validation::nul_in_json(&value, "")
    {
        return Err(ApiError::validation(vec![FieldError::new(field, attune_domain::validation::NUL_MESSAGE)]));
    }
    // JSON does not tell 3 from 3.0 (JSON Schema calls both integers); integer fields take either.
    if bytes.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(value) => parse_value(value),
            Err(e) => Err(ApiError::malformed(format!("The body is not valid JSON: {e}"))),
        };
    }
    serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_slice(bytes)).map_err(shape_error)
}

/// A parsed JSON value as `T`, integer fields taking whole floats, errors naming the field.
fn parse_value<T: DeserializeOwned>(mut value: serde_json::Value) -> Result<T, ApiError> {
    integral_floats_as_integers(&mut value);
    serde_path_to_error::deserialize::<_, T>(value).map_err(shape_error)
}

fn shape_error(err: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = err.path().to_string();
    let inner = err.into_inner();
    if inner.is_syntax() || inner.is_eof() {
        return ApiError::malformed(format!("The body is not valid JSON: {inner}"));
    }
    let message = inner.to_string();
    // serde reports a missing field at its parent; name the field itself.
    let (field, message) = match message.strip_prefix("missing field `").and_then(|rest| rest.split_once('`')) {
        Some((name, _)) => (join_path(&path, name), "is required".to_string()),
        None => (if path == "." { "body".to_string() } else { path }, strip_position(&message)),
    };
    ApiError::validation(vec![FieldError::new(field, message)])
}

/// Rewrites every number with no fractional part that fits an integer (`253.0`, `1e3`) as that
/// integer; floating-point fields read integers as readily, so nothing else changes.
fn integral_floats_as_integers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.007_199_254_740_992e15
            {
                // Exact below 2^53; the cast cannot truncate.
                #[allow(clippy::cast_possible_truncation)]
                let whole = f as i64;
                *value = serde_json::Value::from(whole);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_floats_as_integers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_floats_as_integers),
        _ => {}
    }
}

fn join_path(parent: &str, name: &str) -> String {
    if parent == "." || parent.is_empty() { name.to_string() } else { format!("{parent}.{name}") }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The token a request carries: `Authorization: Bearer …` first, then the session cookie.
pub fn request_token(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        let (scheme, token) = value.split_once(' ')?;
        return scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string());
    }
    req.cookie(SESSION_COOKIE).map(|c| c.value().to_string())
}

/// The authenticated caller; 401 problem+json otherwise.
pub struct Authenticated(pub Actor);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match current_actor(&req).await? {
                Some(actor) => Ok(Authenticated(actor)),
                None => Err(ApiError::unauthenticated()),
            }
        })
    }
}

/// Resolves the caller once per request (cached in the request's extensions).
pub async fn current_actor(req: &HttpRequest) -> Result<Option<Actor>, ApiError> {
    if let Some(cached) = req.extensions().get::<Option<Actor>>() {
        return Ok(cached.clone());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Err(ApiError::internal(anyhow::anyhow!("application state missing")));
    };
    let actor = match request_token(req) {
        Some(token) => attune_app::accounts::authenticate(&state.pool, &token).await?,
        None => None,
    };
    if let Some(actor) = &actor {
        tracing::Span::current().record("user_id", tracing::field::display(actor.user_id));
    }
    req.extensions_mut().insert(actor.clone());
    Ok(actor)
}

/// The client's address: the TCP peer, or the address a trusted proxy forwarded for
/// (`ATTUNE_TRUSTED_PROXIES`; see `client_addr`).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    match req.app_data::<web::Data<AppState>>() {
        Some(state) => Some(state.trusted_proxies.client_ip(peer, &crate::client_addr::forwarded_chain(req))),
        None => Some(peer),
    }
}

pub fn user_agent(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok())
}

/// A training worker authenticated by its bearer token (`Authorization: Bearer atw_…`; cookies are
/// not looked at). No or an unknown token → 401; a user's session token → 403.
pub struct WorkerAuthenticated(pub attune_app::workers::WorkerIdentity);

impl FromRequest for WorkerAuthenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let Some(state) = req.app_data::<web::Data<AppState>>() else {
                return Err(ApiError::internal(anyhow::anyhow!("application state missing")));
            };
            let token = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim().to_string());
            let Some(token) = token else { return Err(ApiError::unauthenticated()) };
            if let Some(worker) = attune_app::workers::authenticate(&state.pool, &token).await? {
                tracing::Span::current().record("user_id", tracing::field::display(format!("worker:{}", worker.id)));
                return Ok(WorkerAuthenticated(worker));
            }
            if attune_app::accounts::authenticate(&state.pool, &token).await?.is_some() {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    "not-a-worker",
                    "Not a worker",
                    "Worker endpoints take a worker token (created by an admin), not a user's session.",
                ));
            }
            Err(ApiError::unauthenticated())
        })
    }
}

/// The lease a worker names in `X-Lease-Id` (optional; checked against the run's current lease).
pub fn lease_hint(req: &HttpRequest) -> Result<Option<uuid::Uuid>, ApiError> {
    match req.headers().get("x-lease-id") {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .ok()
            .and_then(|s| uuid::Uuid::parse_str(s.trim()).ok())
            .map(Some)
            .ok_or_else(|| ApiError::validation(vec![FieldError::new("X-Lease-Id", "must be the lease id the lease answer gave")])),
    }
}
