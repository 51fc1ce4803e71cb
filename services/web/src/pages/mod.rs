//! The server-rendered HTML UI. Works without JavaScript; every form carries a CSRF token.

mod accounts;
mod admin;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::Actor;
use attune_domain::PlatformRole;

use crate::csrf;
use crate::extract::current_actor;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    accounts::configure(cfg);
    admin::configure(cfg);
    cfg.route("/", web::get().to(home)).route("/static/style.css", web::get().to(stylesheet));
}

pub struct NavUser {
    pub name: String,
    pub is_admin: bool,
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
        let user = actor.as_ref().map(|a| NavUser { name: a.name.clone(), is_admin: a.has_role(PlatformRole::Admin) });
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

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to.to_string())).finish()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
}

async fn home(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = Page::new(&req, &state, "Compliant fine-tuning").await;
    let body = HomePage { layout: Layout { ..page_layout(&page) } }.render();
    page.render(StatusCode::OK, body)
}

fn page_layout(page: &Page) -> Layout {
    Layout {
        title: page.layout.title.clone(),
        user: page.layout.user.as_ref().map(|u| NavUser { name: u.name.clone(), is_admin: u.is_admin }),
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

/// The HTML 404 for everything outside `/api`.
pub async fn not_found(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    message(&req, &state, StatusCode::NOT_FOUND, "Page not found", "There is nothing at this address.", Some(("/", "Go to the home page")))
        .await
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../../../static/style.css"))
}
