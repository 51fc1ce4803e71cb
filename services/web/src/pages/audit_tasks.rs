//! The auditor's pages: the open tasks of the pools they audit, and a task with all its evidence,
//! where they claim it and approve or request changes with findings (new or from the library).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::audit_evidence::TaskDetail;
use attune_app::audit_tasks::{FindingInput, TaskView};
use attune_domain::pools::AuditTaskStatus;
use uuid::Uuid;

use super::{Layout, app_error, checked_form as form, form_value, form_values, page_layout, redirect, signed_in};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit-tasks", web::get().to(list))
        .route("/audit-tasks/{id}", web::get().to(show))
        .route("/audit-tasks/{id}/claim", web::post().to(claim))
        .route("/audit-tasks/{id}/decision", web::post().to(decide));
}

#[derive(Template)]
#[template(path = "audit_tasks.html")]
struct TasksPage {
    layout: Layout,
    waiting: Vec<TaskView>,
    decided: Vec<TaskView>,
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Audit tasks").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::audit_tasks::list(&state.pool, &actor, None).await {
        Ok(all) => {
            let (waiting, decided): (Vec<TaskView>, Vec<TaskView>) =
                all.into_iter().partition(|t| AuditTaskStatus::parse(&t.status).is_some_and(AuditTaskStatus::is_live));
            let body = TasksPage { layout: page_layout(&page), waiting, decided }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Listing the audit tasks", None).await,
    }
}

#[derive(Template)]
#[template(path = "audit_task.html")]
struct TaskPage {
    layout: Layout,
    t: TaskDetail,
    /// The assessment's reasons, as (rule, detail).
    reasons: Vec<(String, String)>,
    /// Each document rendered from its template's markdown, as (title, revision, markdown).
    documents: Vec<(String, i32, String)>,
    mine: bool,
}

async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Audit task").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::audit_evidence::get(&state.pool, &actor, path.into_inner()).await {
        Ok(t) => {
            let reasons = t.job.assessed().map(|a| a.reasons.into_iter().map(|r| (r.rule, r.detail)).collect()).unwrap_or_default();
            let documents = t
                .documents
                .iter()
                .map(|d| {
                    let empty = serde_json::Map::new();
                    let fields = d.fields.as_object().unwrap_or(&empty);
                    match state.templates.get(&d.template) {
                        Some(t) if !t.markdown.is_empty() => (t.title.clone(), d.revision, t.render(fields)),
                        _ => (d.template.clone(), d.revision, serde_json::to_string_pretty(&d.fields).unwrap_or_default()),
                    }
                })
                .collect();
            let mine = t.task.claimed_by == Some(actor.user_id);
            let body = TaskPage { layout: page_layout(&page), t, reasons, documents, mine }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Reading the task", Some(("/audit-tasks", "Back to the tasks"))).await,
    }
}

async fn claim(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let id = path.into_inner();
    let back_href = format!("/audit-tasks/{id}");
    let back = (back_href.as_str(), "Back to the task");
    let (_, actor) = match form(&req, &state, &body, back).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match attune_app::audit_tasks::claim(&state.pool, &actor, id).await {
        Ok(_) => redirect(&back_href),
        Err(e) => app_error(&req, &state, e, "Claiming the task", Some(back)).await,
    }
}

async fn decide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let id = path.into_inner();
    let back_href = format!("/audit-tasks/{id}");
    let back = (back_href.as_str(), "Back to the task");
    let (pairs, actor) = match form(&req, &state, &body, back).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut findings: Vec<FindingInput> = form_values(&pairs, "library")
        .iter()
        .filter_map(|v| v.parse::<Uuid>().ok())
        .map(|library_id| FindingInput { library_id: Some(library_id), title: None, severity: None, detail: None })
        .collect();
    let title = form_value(&pairs, "finding_title");
    if !title.trim().is_empty() {
        findings.push(FindingInput {
            library_id: None,
            title: Some(title),
            severity: Some(form_value(&pairs, "finding_severity")),
            detail: Some(form_value(&pairs, "finding_detail")),
        });
    }
    let notes = form_value(&pairs, "notes");
    let decision = form_value(&pairs, "decision");
    match attune_app::audit_tasks::decide(&state.pool, state.chain.as_deref(), &actor, id, &decision, Some(&notes), &findings).await {
        Ok(_) => redirect(&back_href),
        Err(e) => app_error(&req, &state, e, "Recording the decision", Some(back)).await,
    }
}
