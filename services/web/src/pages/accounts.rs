//! Register, log in, log out, verify e-mail, account page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::accounts::{self, AccountError, RegisterInput};
use attune_domain::{FieldError, OrgKind};
use serde::Deserialize;

use super::{EXPIRED_FORM, Layout, Page, message, page_layout, redirect};
use crate::api::accounts::{expired_session_cookie, session_cookie};
use crate::csrf;
use crate::extract::{client_ip, user_agent};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/register", web::get().to(register_form))
        .route("/register", web::post().to(register_submit))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login_submit))
        .route("/logout", web::post().to(logout_submit))
        .route("/verify-email", web::get().to(verify_email))
        .route("/account", web::get().to(account));
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    csrf_token: String,
    email: String,
    password: String,
    name: String,
    organization_name: String,
    organization_country: String,
    organization_kind: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage {
    layout: Layout,
    values: RegisterForm,
    errors: Vec<FieldError>,
    form_error: String,
    kinds: Vec<(&'static str, &'static str)>,
}

impl RegisterPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

fn kinds() -> Vec<(&'static str, &'static str)> {
    OrgKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect()
}

async fn render_register(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    values: RegisterForm,
    errors: Vec<FieldError>,
    form_error: &str,
) -> HttpResponse {
    let page = Page::new(req, state, "Register").await;
    let body = RegisterPage { layout: page_layout(&page), values, errors, form_error: form_error.into(), kinds: kinds() }.render();
    page.render(status, body)
}

async fn register_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let values = RegisterForm { organization_kind: "sme".into(), ..Default::default() };
    render_register(&req, &state, StatusCode::OK, values, Vec::new(), "").await
}

async fn register_submit(req: HttpRequest, state: web::Data<AppState>, form: web::Form<RegisterForm>) -> HttpResponse {
    let mut form = form.into_inner();
    if !csrf::verify(&req, &state, &form.csrf_token) {
        form.password.clear();
        return render_register(&req, &state, StatusCode::FORBIDDEN, form, Vec::new(), EXPIRED_FORM).await;
    }
    let input = RegisterInput {
        email: form.email.clone(),
        password: form.password.clone(),
        name: form.name.clone(),
        organization_name: form.organization_name.clone(),
        organization_country: form.organization_country.clone(),
        organization_kind: form.organization_kind.clone(),
    };
    let password = std::mem::take(&mut form.password);
    match accounts::register(&state.pool, &state.policy, &state.screening, input).await {
        Ok(_) => match accounts::login(&state.pool, &state.policy, &form.email, &password, client_ip(&req), user_agent(&req)).await {
            Ok(logged_in) => {
                let mut response = redirect("/account");
                if let Err(e) = response.add_cookie(&session_cookie(&req, &logged_in.token, &state)) {
                    tracing::error!(error = %e, "failed to set the session cookie");
                }
                response
            }
            Err(_) => redirect("/login"),
        },
        Err(AccountError::Validation(errors)) => {
            render_register(&req, &state, StatusCode::UNPROCESSABLE_ENTITY, form, errors.0, "Please correct the marked fields.").await
        }
        Err(AccountError::EmailTaken) => {
            let errors = vec![FieldError::new("email", "An account with this e-mail address already exists.")];
            render_register(&req, &state, StatusCode::CONFLICT, form, errors, "This e-mail address is already registered.").await
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "registration failed");
            render_register(
                &req,
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                form,
                Vec::new(),
                "Something went wrong on our side. Please try again.",
            )
            .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    form_error: String,
}

async fn render_login(req: &HttpRequest, state: &AppState, status: StatusCode, email: String, form_error: &str) -> HttpResponse {
    let page = Page::new(req, state, "Log in").await;
    let body = LoginPage { layout: page_layout(&page), email, form_error: form_error.into() }.render();
    page.render(status, body)
}

async fn login_form(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render_login(&req, &state, StatusCode::OK, String::new(), "").await
}

async fn login_submit(req: HttpRequest, state: web::Data<AppState>, form: web::Form<LoginForm>) -> HttpResponse {
    let form = form.into_inner();
    if !csrf::verify(&req, &state, &form.csrf_token) {
        return render_login(&req, &state, StatusCode::FORBIDDEN, form.email, EXPIRED_FORM).await;
    }
    match accounts::login(&state.pool, &state.policy, &form.email, &form.password, client_ip(&req), user_agent(&req)).await {
        // Home: what needs the person now, by the roles they hold.
        Ok(logged_in) => {
            let mut response = redirect("/");
            if let Err(e) = response.add_cookie(&session_cookie(&req, &logged_in.token, &state)) {
                tracing::error!(error = %e, "failed to set the session cookie");
            }
            response
        }
        Err(AccountError::InvalidCredentials) => {
            render_login(&req, &state, StatusCode::UNAUTHORIZED, form.email, "The e-mail address or password is wrong.").await
        }
        Err(AccountError::RateLimited { .. }) => {
            render_login(
                &req,
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                form.email,
                "Too many failed logins. Please wait 15 minutes and try again.",
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "login failed");
            render_login(&req, &state, StatusCode::INTERNAL_SERVER_ERROR, form.email, "Something went wrong on our side. Please try again.")
                .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    csrf_token: String,
}

async fn logout_submit(req: HttpRequest, state: web::Data<AppState>, form: web::Form<CsrfForm>) -> HttpResponse {
    if !csrf::verify(&req, &state, &form.csrf_token) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some(("/", "Home"))).await;
    }
    let page = Page::new(&req, &state, "Logged out").await;
    if let Some(actor) = &page.actor
        && let Err(e) = accounts::logout(&state.pool, actor).await
    {
        tracing::error!(error = %e, "logout failed");
    }
    let mut response = redirect("/");
    if let Err(e) = response.add_removal_cookie(&expired_session_cookie()) {
        tracing::error!(error = %e, "failed to clear the session cookie");
    }
    response
}

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    token: String,
}

async fn verify_email(req: HttpRequest, state: web::Data<AppState>, query: web::Query<VerifyQuery>) -> HttpResponse {
    match accounts::verify_email(&state.pool, &query.token).await {
        Ok(_) => {
            message(
                &req,
                &state,
                StatusCode::OK,
                "E-mail address confirmed",
                "Thank you — your e-mail address is confirmed.",
                Some(("/account", "Go to your account")),
            )
            .await
        }
        Err(AccountError::InvalidToken) => {
            message(
                &req,
                &state,
                StatusCode::BAD_REQUEST,
                "Link not valid",
                "This confirmation link is invalid, was already used, or has expired.",
                Some(("/account", "Go to your account")),
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "email verification failed");
            message(&req, &state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "Please try the link again later.", None).await
        }
    }
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    email_verified: bool,
    roles: Vec<String>,
    org_name: String,
    org_kind: String,
    org_country: String,
    members: Vec<(String, String)>,
    identity: super::identity::IdentityPanel,
}

async fn account(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = Page::new(&req, &state, "Your account").await;
    let Some(actor) = page.actor.clone() else {
        return redirect("/login");
    };
    let loaded = accounts::organization(&state.pool, &actor, actor.organization_id).await;
    let me = accounts::me(&state.pool, &actor).await;
    let (Ok((org, members)), Ok((user, _))) = (loaded, me) else {
        return message(&req, &state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "Your account could not be loaded.", None)
            .await;
    };
    let kind = org.kind.parse::<OrgKind>().map(|k| k.label().to_string()).unwrap_or(org.kind.clone());
    let identity = super::identity::IdentityPanel::load(&state, &actor).await;
    let body = AccountPage {
        layout: page_layout(&page),
        name: user.name,
        email: user.email,
        email_verified: user.email_verified_at.is_some(),
        roles: user.roles,
        org_name: org.name,
        org_kind: kind,
        org_country: org.country,
        members: members.into_iter().map(|m| (m.name, m.email)).collect(),
        identity,
    }
    .render();
    page.render(StatusCode::OK, body)
}
