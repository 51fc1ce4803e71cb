//! The organisation's erasure pages (GDPR Art. 17): name a data subject, preview what an erasure
//! touches and what it costs, confirm, and follow the request to its certificate.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::erasure::{ErasureInput, ErasureView, Preview};
use attune_app::error::AppError;
use attune_domain::FieldError;
use uuid::Uuid;

use super::{EXPIRED_FORM, Layout, Page, form_pairs, form_value, message, page_layout, redirect};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/erasure", web::get().to(index))
        .route("/erasure", web::post().to(create))
        .route("/erasure/preview", web::post().to(preview))
        .route("/erasure/{id}", web::get().to(show))
        .route("/admin/erasure", web::get().to(admin));
}

#[derive(Template)]
#[template(path = "admin_erasure.html")]
struct AdminPage {
    layout: Layout,
    /// (request, organisation, overdue)
    requests: Vec<(ErasureView, String, bool)>,
}

/// Every organisation's erasure requests with their deadlines (admin): open ones first.
async fn admin(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = Page::new(&req, &state, "Erasure requests").await;
    let Some(actor) = page.actor.clone() else { return redirect("/login") };
    match attune_app::erasure::all(&state.pool, &actor).await {
        Ok(all) => {
            let now = chrono::Utc::now();
            let requests = all.into_iter().map(|(r, org)| {
                let overdue = r.status != "completed" && r.deadline_at < now;
                (r, org, overdue)
            });
            let body = AdminPage { layout: page_layout(&page), requests: requests.collect() }.render();
            page.render(StatusCode::OK, body)
        }
        Err(AppError::Forbidden(_)) => {
            message(&req, &state, StatusCode::FORBIDDEN, "Not allowed", "This page is for platform admins.", Some(("/", "Home"))).await
        }
        Err(e) => {
            tracing::error!(error = ?e, "listing erasure requests failed");
            message(&req, &state, StatusCode::SERVICE_UNAVAILABLE, "Could not list erasure requests", "Try again in a moment.", None).await
        }
    }
}

#[derive(Template)]
#[template(path = "erasure.html")]
struct IndexPage {
    layout: Layout,
    /// Each request with how many records it erased.
    requests: Vec<(ErasureView, usize)>,
    subject: String,
    errors: Vec<FieldError>,
    /// The preview of `subject`, before it is confirmed.
    preview: Option<Preview>,
}

#[derive(Template)]
#[template(path = "erasure_request.html")]
struct RequestPage {
    layout: Layout,
    e: ErasureView,
    /// (job, shard, from slice, state)
    shards: Vec<(String, String, String, String)>,
    records: usize,
    certificate_sha256: String,
    anchor: String,
    share: String,
}

fn percent(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

async fn render_index(
    req: &HttpRequest,
    state: &AppState,
    subject: String,
    errors: Vec<FieldError>,
    preview: Option<Preview>,
) -> HttpResponse {
    let page = Page::new(req, state, "Erasure requests").await;
    let Some(actor) = page.actor.clone() else { return redirect("/login") };
    let requests = attune_app::erasure::list(&state.pool, &actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|r| {
            let n = r.affected_set().records.len();
            (r, n)
        })
        .collect();
    let code = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let body = IndexPage { layout: page_layout(&page), requests, subject, errors, preview }.render();
    page.render(code, body)
}

async fn index(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render_index(&req, &state, String::new(), Vec::new(), None).await
}

async fn preview(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some(("/erasure", "Start again"))).await;
    }
    let Some(actor) = crate::extract::current_actor(&req).await.ok().flatten() else { return redirect("/login") };
    let subject = form_value(&pairs, "subject_id");
    match attune_app::erasure::preview(&state.pool, &actor, &subject).await {
        Ok(p) => render_index(&req, &state, subject, Vec::new(), Some(p)).await,
        Err(AppError::Validation(e)) => render_index(&req, &state, subject, e.0, None).await,
        Err(e) => {
            tracing::error!(error = ?e, "an erasure preview failed");
            message(
                &req,
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The preview failed.",
                Some(("/erasure", "Back")),
            )
            .await
        }
    }
}

async fn create(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some(("/erasure", "Start again"))).await;
    }
    let Some(actor) = crate::extract::current_actor(&req).await.ok().flatten() else { return redirect("/login") };
    let subject = form_value(&pairs, "subject_id");
    let reason = Some(form_value(&pairs, "reason"));
    let input = ErasureInput { subject_id: subject.clone(), reason, organization_id: None, evidence: None };
    match attune_app::erasure::request(&state.pool, &actor, &input).await {
        Ok((_, view)) => redirect(&format!("/erasure/{}", view.id)),
        Err(AppError::Validation(e)) => render_index(&req, &state, subject, e.0, None).await,
        Err(e) => {
            tracing::error!(error = ?e, "an erasure request failed");
            message(
                &req,
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The request was not recorded.",
                Some(("/erasure", "Back")),
            )
            .await
        }
    }
}

async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>) -> HttpResponse {
    let page = Page::new(&req, &state, "Erasure request").await;
    let Some(actor) = page.actor.clone() else { return redirect("/login") };
    let e = match attune_app::erasure::get(&state.pool, &actor, path.into_inner()).await {
        Ok(e) => e,
        Err(_) => return super::not_found(req, state).await,
    };
    let affected = e.affected_set();
    let issued = e.issued();
    let shards = affected
        .shards
        .iter()
        .map(|s| {
            let state = issued
                .iter()
                .flat_map(|c| &c.body.jobs)
                .filter(|j| j.job_id == s.job_id)
                .flat_map(|j| &j.shards)
                .find(|x| x.shard_index == s.shard_index)
                .map_or_else(|| e.status.replace('_', " "), |x| x.state.replace('_', " "));
            (s.job_id.to_string(), s.shard_index.to_string(), s.from_slice.to_string(), state)
        })
        .collect();
    let body = RequestPage {
        layout: page_layout(&page),
        shards,
        records: affected.records.len(),
        certificate_sha256: issued.as_ref().map(|c| c.sha256.clone()).unwrap_or_default(),
        anchor: issued.as_ref().and_then(|c| c.anchor.as_ref()).map(|a| a.tx_hash.clone()).unwrap_or_default(),
        share: issued.as_ref().map(|c| percent(c.body.share_of_full_retrain)).unwrap_or_default(),
        e,
    }
    .render();
    page.render(StatusCode::OK, body)
}
