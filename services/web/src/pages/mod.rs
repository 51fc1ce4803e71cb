//! The server-rendered HTML UI. Works without JavaScript; every form carries a CSRF token.

mod accounts;
mod admin;
mod assess;
mod assess_result;
mod audit_tasks;
mod cases;
mod catalogue;
mod choices;
mod classification;
mod dataset_review;
mod datasets;
mod erasure;
mod home;
pub mod human;
mod identity;
mod job_documents;
mod job_training;
mod jobs;
mod loss_chart;
mod obligations;
mod organizations;
mod pay_by_card;
mod pools;
mod provider;
mod reviews;
mod safe_harbour;
mod settlement;
mod wallets;
mod words;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::Actor;
use attune_app::error::AppError;
use attune_domain::PlatformRole;

use crate::csrf;
use crate::extract::current_actor;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    accounts::configure(cfg);
    identity::configure(cfg);
    admin::configure(cfg);
    cases::configure(cfg);
    reviews::configure(cfg);
    organizations::configure(cfg);
    provider::configure(cfg);
    catalogue::configure(cfg);
    wallets::configure(cfg);
    assess::configure(cfg);
    datasets::configure(cfg);
    erasure::configure(cfg);
    dataset_review::configure(cfg);
    jobs::configure(cfg);
    pay_by_card::configure(cfg);
    settlement::configure(cfg);
    pools::configure(cfg);
    obligations::configure(cfg);
    safe_harbour::configure(cfg);
    cfg.route("/", web::get().to(home::home))
        .route("/static/style.css", web::get().to(|| async { asset(CSS, include_str!("../../../../static/style.css")) }))
        .route("/static/wizard.js", web::get().to(|| async { asset(JS, include_str!("../../../../static/wizard.js")) }))
        .route("/static/time.js", web::get().to(|| async { asset(JS, include_str!("../../../../static/time.js")) }))
        .route("/static/live.js", web::get().to(|| async { asset(JS, include_str!("../../../../static/live.js")) }));
}

pub struct NavUser {
    pub name: String,
    pub is_admin: bool,
    /// Admins and auditors review dataset records the scanner could not settle.
    pub is_reviewer: bool,
}

/// What the shared layout needs: the page title, who is logged in, and the CSRF token.
pub struct Layout {
    pub title: String,
    pub user: Option<NavUser>,
    pub csrf_token: String,
}

/// Per-request page context: the layout plus a CSRF cookie to set if the browser had none.
pub struct Page {
    pub layout: Layout,
    pub actor: Option<Actor>,
    csrf_cookie: Option<Cookie<'static>>,
}

impl Page {
    pub async fn new(req: &HttpRequest, state: &AppState, title: &str) -> Page {
        let actor = current_actor(req).await.ok().flatten();
        let csrf = csrf::token_for(req, state);
        let user = actor.as_ref().map(|a| NavUser {
            name: a.name.clone(),
            is_admin: a.has_role(PlatformRole::Admin),
            is_reviewer: a.has_role(PlatformRole::Admin) || a.has_role(PlatformRole::Auditor),
        });
        Page { layout: Layout { title: title.to_string(), user, csrf_token: csrf.token }, actor, csrf_cookie: csrf.cookie }
    }

    /// Renders a template with a status, attaching the CSRF cookie when new.
    pub fn render(self, status: StatusCode, body: Result<String, askama::Error>) -> HttpResponse {
        let mut response = HttpResponse::build(status);
        if let Some(cookie) = self.csrf_cookie {
            response.cookie(cookie);
        }
        match body {
            Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                tracing::error!(error = %e, "template rendering failed");
                HttpResponse::InternalServerError().content_type("text/plain; charset=utf-8").body("The page could not be rendered.")
            }
        }
    }
}

pub const EXPIRED_FORM: &str = "Your form expired or came from another site. Please submit it again.";

/// The page context for a signed-in user, or a redirect to the login page.
pub async fn signed_in(req: &HttpRequest, state: &AppState, title: &str) -> Result<(Page, Actor), HttpResponse> {
    let page = Page::new(req, state, title).await;
    match page.actor.clone() {
        Some(actor) => Ok((page, actor)),
        None => Err(redirect("/login")),
    }
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

fn page_layout(page: &Page) -> Layout {
    Layout {
        title: page.layout.title.clone(),
        user: page.layout.user.as_ref().map(|u| NavUser { name: u.name.clone(), is_admin: u.is_admin, is_reviewer: u.is_reviewer }),
        csrf_token: page.layout.csrf_token.clone(),
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
    pub link_href: String,
    pub link_text: String,
}

/// A simple page with a heading, a sentence and an optional link.
pub async fn message(
    req: &HttpRequest,
    state: &AppState,
    status: StatusCode,
    heading: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> HttpResponse {
    let page = Page::new(req, state, heading).await;
    let (link_href, link_text) = link.map_or((String::new(), String::new()), |(h, t)| (h.to_string(), t.to_string()));
    let body = MessagePage { layout: page_layout(&page), heading: heading.into(), message: message.into(), link_href, link_text }.render();
    page.render(status, body)
}

/// The form's fields after the CSRF check, and the signed-in actor; or the page to answer with.
pub async fn checked_form(
    req: &HttpRequest,
    state: &AppState,
    body: &[u8],
    back: (&str, &str),
) -> Result<(Vec<(String, String)>, attune_app::Actor), HttpResponse> {
    let pairs = form_pairs(body);
    if !csrf::verify(req, state, &form_value(&pairs, "csrf_token")) {
        return Err(message(req, state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some(back)).await);
    }
    match crate::extract::current_actor(req).await.ok().flatten() {
        Some(actor) => Ok((pairs, actor)),
        None => Err(redirect("/login")),
    }
}

/// The page for a use case's refusal: what was wrong, and a way back. `what` names what failed to
/// happen, for the unexpected case (which is logged, not shown).
pub async fn app_error(req: &HttpRequest, state: &AppState, e: AppError, what: &str, back: Option<(&str, &str)>) -> HttpResponse {
    match e {
        AppError::Validation(v) => {
            let text = v.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
            message(req, state, StatusCode::UNPROCESSABLE_ENTITY, "Not done", &text, back).await
        }
        AppError::Refused { detail, .. } => message(req, state, StatusCode::UNPROCESSABLE_ENTITY, "Not done", &detail, back).await,
        AppError::NotFound => message(req, state, StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address.", back).await,
        AppError::Conflict { detail, .. } => message(req, state, StatusCode::CONFLICT, "Not now", &detail, back).await,
        AppError::Forbidden(_) => {
            message(req, state, StatusCode::FORBIDDEN, "Not allowed", "Your account's role does not allow this.", back).await
        }
        AppError::Unexpected(e) => {
            tracing::error!(error = ?e, "{what} failed");
            message(
                req,
                state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                &format!("{what} did not happen; try again."),
                back,
            )
            .await
        }
    }
}

/// The HTML 404 for everything outside `/api`.
pub async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    message(&req, &state, StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address.", Some(("/", "Go to the home page")))
        .await
}

pub const CSS: &str = "text/css; charset=utf-8";
pub const JS: &str = "text/javascript; charset=utf-8";

/// A file compiled into the binary (`static/`), cacheable for an hour.
pub fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok().content_type(content_type).insert_header((header::CACHE_CONTROL, "public, max-age=3600")).body(body)
}

/// Parses an `application/x-www-form-urlencoded` body keeping repeated keys (checkbox groups).
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

pub fn form_value(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
}

pub fn form_values(pairs: &[(String, String)], key: &str) -> Vec<String> {
    pairs.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect()
}

pub use human::usdc;
