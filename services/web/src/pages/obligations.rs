//! The admins' page of overdue obligations: those a usage report phased in (graduated transition)
//! and that are still open past their due date, across organisations.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::graduated_transition::OverdueView;

use super::{Layout, app_error, page_layout, signed_in};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/obligations", web::get().to(overdue));
}

#[derive(Template)]
#[template(path = "admin_obligations.html")]
struct OverduePage {
    layout: Layout,
    items: Vec<OverdueView>,
}

async fn overdue(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Overdue obligations").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::graduated_transition::overdue(&state.pool, &actor).await {
        Ok(items) => {
            let body = OverduePage { layout: page_layout(&page), items }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Listing overdue obligations", None).await,
    }
}
