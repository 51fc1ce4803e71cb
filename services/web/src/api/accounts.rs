//! `/auth/register`, `/auth/login`, `/auth/logout`, `/me`.

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::{HttpRequest, HttpResponse, web};
use attune_app::accounts::{self, RegisterInput};

use super::dto::*;
use crate::extract::{ApiJson, Authenticated, SESSION_COOKIE, client_ip, user_agent};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").route(web::post().to(register)))
        .service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/me").route(web::get().to(me)));
}

impl From<RegisterRequest> for RegisterInput {
    fn from(r: RegisterRequest) -> Self {
        RegisterInput {
            email: r.email,
            password: r.password,
            name: r.name,
            organization_name: r.organization.name,
            organization_country: r.organization.country,
            organization_kind: r.organization.kind,
        }
    }
}

/// Create an organisation and its first user; an e-mail verification link is mailed.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterRequest,
    responses(
        (status = 201, body = RegisterResponse),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "E-mail address taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this client address", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(state: web::Data<AppState>, body: ApiJson<RegisterRequest>) -> Result<HttpResponse, ApiError> {
    let registered = accounts::register(&state.pool, &state.policy, &state.screening, body.0.into()).await?;
    Ok(HttpResponse::Created().json(RegisterResponse { user: registered.user.into(), organization: registered.organization.into() }))
}

/// Log in; returns a bearer token and sets the same token as an HttpOnly session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "Wrong e-mail or password (the same answer for both)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed logins for this e-mail or client address", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(req: HttpRequest, state: web::Data<AppState>, body: ApiJson<LoginRequest>) -> Result<HttpResponse, ApiError> {
    let logged_in = accounts::login(&state.pool, &state.policy, &body.0.email, &body.0.password, client_ip(&req), user_agent(&req)).await?;
    let cookie = session_cookie(&req, &logged_in.token, &state);
    Ok(HttpResponse::Ok().cookie(cookie).json(LoginResponse {
        token: logged_in.token,
        expires_at: logged_in.expires_at,
        user: logged_in.user.into(),
    }))
}

/// End the current session (the bearer token or cookie stops working).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn logout(state: web::Data<AppState>, Authenticated(actor): Authenticated) -> Result<HttpResponse, ApiError> {
    accounts::logout(&state.pool, &actor).await?;
    Ok(HttpResponse::NoContent().cookie(expired_session_cookie()).finish())
}

/// The caller, their organisation and its KYC state.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = MeResponse), (status = 401, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn me(state: web::Data<AppState>, Authenticated(actor): Authenticated) -> Result<HttpResponse, ApiError> {
    let me = accounts::me_with_kyc(&state.pool, &actor).await?;
    let kyc = KycSummary { level: me.kyc_level, status: me.kyc_status };
    Ok(HttpResponse::Ok()
        .json(MeResponse { user: me.user.into(), organization: OrganizationWithKyc { organization: me.organization.into(), kyc } }))
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when served over https.
pub fn session_cookie(req: &HttpRequest, token: &str, state: &AppState) -> Cookie<'static> {
    let secure = req.connection_info().scheme() == "https" || state.policy.public_url.starts_with("https://");
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(state.policy.session_ttl.num_seconds()))
        .finish()
}

pub fn expired_session_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "").path("/").http_only(true).same_site(SameSite::Lax).finish();
    cookie.make_removal();
    cookie
}
