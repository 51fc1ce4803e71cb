//! The reviewers' queue: records whose opt-out status the scanner could not settle, each allowed or
//! blocked by an admin or auditor with notes.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::dataset_review;
use attune_app::error::AppError;
use uuid::Uuid;

use super::datasets::{RecordView, failed};
use super::{EXPIRED_FORM, Layout, form_pairs, form_value, message, page_layout, redirect, signed_in};
use crate::csrf;
use crate::state::AppState;

const QUEUE: &str = "/review/datasets";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(QUEUE, web::get().to(queue_page)).route("/review/datasets/{dataset_id}/records/{record_id}", web::post().to(decide));
}

struct QueueItem {
    organization_name: String,
    dataset_id: Uuid,
    dataset_name: String,
    /// The record id percent-encoded for the form's action.
    record_path: String,
    /// A unique suffix for the row's element ids.
    n: usize,
    record: RecordView,
}

#[derive(Template)]
#[template(path = "dataset_reviews.html")]
struct QueuePage {
    layout: Layout,
    items: Vec<QueueItem>,
    /// The next page's cursor, when more records await review.
    next_cursor: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
struct QueueQuery {
    cursor: Option<String>,
}

/// Percent-encodes a path segment (record ids may hold `/`, spaces or anything printable).
fn segment(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect::<String>().replace('+', "%20")
}

async fn forbidden(req: &HttpRequest, state: &AppState) -> HttpResponse {
    message(
        req,
        state,
        StatusCode::FORBIDDEN,
        "Not allowed",
        "Only admins and auditors review dataset records.",
        Some(("/", "Go to the home page")),
    )
    .await
}

async fn queue_page(req: HttpRequest, state: web::Data<AppState>, query: web::Query<QueueQuery>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Record review").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !dataset_review::is_reviewer(&actor) {
        return forbidden(&req, &state).await;
    }
    let queue = match dataset_review::queue(&state.pool, &actor, query.cursor.as_deref(), 100).await {
        Ok(q) => q,
        Err(AppError::Forbidden(_)) => return forbidden(&req, &state).await,
        Err(AppError::Validation(_)) => {
            let first = Some((QUEUE, "Back to the first page"));
            return message(
                &req,
                &state,
                StatusCode::BAD_REQUEST,
                "Not a page of this queue",
                "That page link is not one this site made.",
                first,
            )
            .await;
        }
        Err(e) => return failed(&req, &state, e).await,
    };
    let next_cursor = queue.next_cursor;
    let items = queue
        .items
        .into_iter()
        .enumerate()
        .map(|(n, i)| QueueItem {
            organization_name: i.organization_name,
            dataset_id: i.dataset_id,
            dataset_name: i.dataset_name,
            record_path: segment(&i.record_id),
            n,
            record: RecordView::new(i.record_id, i.seq, i.source_url, i.optout.as_ref(), &i.gate_reasons),
        })
        .collect();
    let body = QueuePage { layout: page_layout(&page), items, next_cursor }.render();
    page.render(StatusCode::OK, body)
}

async fn decide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>, body: web::Bytes) -> HttpResponse {
    let actor = match signed_in(&req, &state, "Record review").await {
        Ok((_, actor)) => actor,
        Err(r) => return r,
    };
    let p = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some((QUEUE, "Back to the review queue"))).await;
    }
    let (dataset_id, record_id) = path.into_inner();
    let Ok(dataset_id) = Uuid::parse_str(&dataset_id) else { return super::not_found(req, state).await };
    match dataset_review::decide(&state.pool, &actor, dataset_id, &record_id, &form_value(&p, "decision"), &form_value(&p, "notes")).await {
        // A conflict means someone decided the record first: the queue shows the current state.
        Ok(_) | Err(AppError::Conflict { .. }) => redirect(QUEUE),
        Err(AppError::Validation(e)) => {
            let text = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
            message(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "The decision was not recorded",
                &text,
                Some((QUEUE, "Back to the review queue")),
            )
            .await
        }
        Err(AppError::Forbidden(_)) => forbidden(&req, &state).await,
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(e) => failed(&req, &state, e).await,
    }
}
