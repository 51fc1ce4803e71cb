//! Job pages: the buyer's jobs, and one job with its state timeline, the obligations checklist
//! with the document forms that satisfy them, the gate's result and the training content summary.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::error::AppError;
use attune_app::job_view::{self, EventNote, JobNames, JobView};
use attune_domain::FieldError;
use attune_domain::dataset::GateReason;
use attune_domain::job::JobStatus;
use attune_domain::labels::{Labels, Vocabulary};
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::job_documents::{DocumentForm, document_fields, form_field};
use super::job_training::{Training, training_section};
use super::{EXPIRED_FORM, Layout, form_pairs, form_value, human, message, page_layout, redirect, signed_in, usdc};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/jobs", web::get().to(list))
        .route("/jobs/{id}", web::get().to(show))
        .route("/jobs/{id}/cancel", web::post().to(cancel))
        .route("/jobs/{id}/documents/{template}", web::post().to(file_document));
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    layout: Layout,
    jobs: Vec<JobRow>,
}

/// A job in the list: named by its purpose, with a short id.
struct JobRow {
    id: String,
    name: String,
    short_id: String,
    status: String,
    tier: String,
    tier_label: String,
    /// USDC for people.
    amount: String,
    /// A `<time>` element.
    created: String,
}

async fn list(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Your fine-tune jobs").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let items = job_view::list(&state.pool, &actor, None, 100).await.map(|p| p.items).unwrap_or_default();
    let jobs = items
        .iter()
        .map(|j| {
            let tier = j.assessed().map(|a| a.risk_tier.as_str().to_string()).unwrap_or_default();
            let purpose = j.deployment_context().map(|d| d.purpose).unwrap_or_default();
            JobRow {
                id: j.id.to_string(),
                name: if purpose.trim().is_empty() { "Fine-tune job".to_string() } else { purpose },
                short_id: human::short_id(&j.id),
                status: status_label(&j.status),
                tier_label: Labels::enforced().label(Vocabulary::RiskTiers, &tier).to_string(),
                tier,
                amount: usdc(&j.payment.amount),
                created: human::when(&j.created_at),
            }
        })
        .collect();
    let body = JobsPage { layout: page_layout(&page), jobs }.render();
    page.render(StatusCode::OK, body)
}

fn status_label(raw: &str) -> String {
    JobStatus::parse(raw).map_or_else(|| raw.to_string(), |s| s.label().to_string())
}

#[derive(Template)]
#[template(path = "job.html")]
struct JobDetailPage {
    layout: Layout,
    job: JobView,
    names: JobNames,
    status_label: String,
    /// What the status means and what happens next.
    status_help: String,
    tier: String,
    tier_label: String,
    payment_label: String,
    /// The legal classification, roles and platform measures, as the wizard shows them.
    classification_html: String,
    /// Erasures that touched the job: (request id, requested, shard, from slice, state).
    erasures: Vec<(String, String, i32, i32, String)>,
    amount: String,
    cancellable: bool,
    /// (from, to, when, detail)
    timeline: Vec<(String, String, DateTime<Utc>, String)>,
    forms: Vec<DocumentForm>,
    /// (licence kind, opt-out status, records, verdict, reasons)
    gate_groups: Vec<(String, String, String, String, String)>,
    /// (record id, reasons)
    excluded: Vec<(String, String)>,
    policy_version: String,
    /// "Jurisdictions EU, UK; commercial purpose. 3 records accepted, 1 left out."
    gate_text: String,
    /// Section texts of the summary, keyed as in its JSON.
    summary: std::collections::BTreeMap<&'static str, String>,
    summary_sources: Vec<(String, String, String, String)>,
    summary_domains: Vec<(String, String, String)>,
    training: Training,
}

pub(super) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn reasons_text(reasons: &[GateReason]) -> String {
    reasons.iter().map(|r| format!("{} — {}", r.code, r.detail)).collect::<Vec<_>>().join("; ")
}

/// The page; `submitted` re-shows a refused document form with its values and errors.
async fn render(
    req: &HttpRequest,
    state: &AppState,
    id: Uuid,
    submitted: Option<(&str, serde_json::Map<String, Value>, Vec<FieldError>)>,
) -> HttpResponse {
    let (page, actor) = match signed_in(req, state, "Fine-tune job").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let job = match job_view::get(&state.pool, &actor, id).await {
        Ok(job) => job,
        Err(AppError::NotFound) => {
            return message(req, state, StatusCode::NOT_FOUND, "Page not found", "There is no such job.", Some(("/jobs", "Your jobs")))
                .await;
        }
        Err(e) => {
            tracing::error!(error = ?e, "job page failed");
            return message(req, state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The job could not be shown.", None)
                .await;
        }
    };
    let events = job_view::events(&state.pool, &actor, id).await.unwrap_or_default();
    let excluded = job_view::exclusions(&state.pool, &actor, id, 50).await.unwrap_or_default();
    let jurisdictions: Vec<String> = job.deployment_context().map(|d| d.jurisdictions).unwrap_or_default();
    let mut templates: Vec<String> = Vec::new();
    for o in &job.obligations {
        if state.templates.get(&o.template).is_some_and(|t| !t.generated) && !templates.contains(&o.template) {
            templates.push(o.template.clone());
        }
    }
    // A job reviewed by its pool can earn the safe harbour, which asks for a remediation plan.
    if job.audit.as_ref().is_some_and(|a| a.reviewer == "pool") && state.templates.get("remediation_plan").is_some() {
        templates.push("remediation_plan".to_owned());
    }
    let forms = templates
        .iter()
        .filter_map(|t| state.templates.get(t))
        .map(|t| {
            let filed = job.documents.iter().find(|d| d.template == t.id);
            let (values, errors) = match &submitted {
                Some((template, values, errors)) if *template == t.id => (Value::Object(values.clone()), errors.clone()),
                _ => (filed.map(|d| d.fields.clone()).unwrap_or(Value::Null), Vec::new()),
            };
            let fields = t
                .fields
                .iter()
                .map(|f| {
                    let error = errors.iter().find(|e| e.field == format!("fields.{}", f.name)).map(|e| &e.message);
                    form_field(f, &jurisdictions, &values[f.name.as_str()], error)
                })
                .collect();
            DocumentForm {
                template: t.id.clone(),
                title: t.title.clone(),
                article: t.article.clone(),
                revision: filed.map(|d| d.revision),
                fields,
            }
        })
        .collect();
    let status = JobStatus::parse(&job.status);
    let gate = job.gate_outcome();
    let gate_groups = gate
        .iter()
        .flat_map(|g| &g.groups)
        .map(|g| {
            let reasons = g.reasons.iter().map(|r| format!("{} — {}", r.code, r.detail)).collect::<Vec<_>>().join("; ");
            let optout = g.optout_status.clone().unwrap_or_else(|| "—".to_string());
            (g.licence_kind.clone(), optout, g.records.to_string(), g.verdict.as_str().to_string(), reasons)
        })
        .collect();
    let summary = job_view::content_summary(&state.pool, &actor, id).await.ok().flatten();
    // Every key the template reads is there, empty when the summary cannot be read.
    let summary_text = {
        let text = |f: &dyn Fn(&attune_domain::dataset::TrainingContentSummary) -> String| summary.as_ref().map(f).unwrap_or_default();
        [
            ("template", text(&|s| s.general_information.template.clone())),
            ("generated_at", text(&|s| s.general_information.generated_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))),
            ("organization", text(&|s| s.general_information.organization.clone())),
            ("base_model", text(&|s| s.general_information.base_model.clone())),
            ("dataset_name", text(&|s| s.general_information.dataset_name.clone())),
            ("manifest", text(&|s| s.general_information.dataset_manifest_sha256.clone())),
            (
                "content",
                text(&|s| {
                    let info = &s.general_information;
                    format!("{} records, {} tokens of {}", info.total_records, info.total_tokens, info.modality)
                }),
            ),
            ("opt_out_policy", text(&|s| s.opt_out_policy.text.clone())),
            ("personal_data", text(&|s| s.personal_data.text.clone())),
            ("processing", text(&|s| s.processing.text.clone())),
        ]
        .into_iter()
        .collect()
    };
    let gate_text = match &gate {
        Some(g) => format!(
            "Jurisdictions {}; {} purpose. {} records accepted, {} left out.",
            g.context.jurisdictions.join(", "),
            if g.context.commercial { "commercial" } else { "non-commercial" },
            g.accepted,
            g.excluded,
        ),
        None => String::new(),
    };
    let summary_sources = summary
        .as_ref()
        .map(|summary| {
            summary
                .data_sources
                .iter()
                .map(|s| (s.category.clone(), s.description.clone(), s.records.to_string(), s.tokens.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let summary_domains = summary
        .as_ref()
        .map(|summary| {
            summary
                .top_domains
                .domains
                .iter()
                .map(|d| (d.domain.clone(), d.tokens.to_string(), format!("{:.1} %", d.share * 100.0)))
                .collect()
        })
        .unwrap_or_default();
    let history = job_view::loss_history(&state.pool, &actor, id).await.unwrap_or_default();
    let training = training_section(&job, &history);
    let assessed = job.assessed();
    let names = job_view::names(&state.pool, &actor, &job).await.unwrap_or_default();
    let tier = assessed.as_ref().map(|a| a.risk_tier.as_str().to_string()).unwrap_or_default();
    let labels = Labels::enforced();
    let body = JobDetailPage {
        training,
        layout: page_layout(&page),
        names,
        status_label: status_label(&job.status),
        status_help: labels.get(Vocabulary::JobStates, &job.status).map(|w| w.help.clone()).unwrap_or_default(),
        tier_label: labels.label(Vocabulary::RiskTiers, &tier).to_string(),
        tier,
        payment_label: labels.label(Vocabulary::PaymentStates, &job.payment.status).to_string(),
        classification_html: assessed.as_ref().map(super::classification::Classification::html).unwrap_or_default(),
        erasures: attune_app::erasure::for_job(&state.pool, &actor, id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|(e, _, at, shard, from, st)| (e.to_string(), at.format("%Y-%m-%d").to_string(), shard, from, st.replace('_', " ")))
            .collect(),
        amount: usdc(&job.payment.amount),
        cancellable: status.and_then(JobStatus::cancel_target).is_some(),
        timeline: events
            .iter()
            .map(|e| {
                let note = e.note();
                let detail = match (e.kind.as_str(), &note.notes) {
                    ("document", _) => document_event(&note),
                    ("review", notes) => format!(
                        "review: {} — {}",
                        note.decision.as_deref().unwrap_or_default().replace('_', " "),
                        notes.as_deref().unwrap_or_default()
                    ),
                    (_, Some(notes)) => format!("{}: {notes}", note.reason.as_deref().unwrap_or_default()),
                    (_, None) => note.reason.clone().unwrap_or_default(),
                };
                (
                    e.from.as_deref().map(status_label).unwrap_or_default(),
                    e.to.as_deref().map(status_label).unwrap_or_default(),
                    e.at,
                    detail,
                )
            })
            .collect(),
        forms,
        gate_groups,
        excluded: excluded.iter().map(|(id, r)| (id.clone(), reasons_text(r))).collect(),
        policy_version: assessed.as_ref().map(|a| a.policy.version.clone()).unwrap_or_default(),
        gate_text,
        summary: summary_text,
        summary_sources,
        summary_domains,
        job,
    }
    .render();
    let code = if submitted.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    page.render(code, body)
}

/// A filed document on the timeline, with why it satisfies nothing when what it says keeps its
/// obligations open.
fn document_event(note: &EventNote) -> String {
    let template = note.template.as_deref().unwrap_or_default();
    if note.blocked_by.is_empty() {
        format!("document {template} filed")
    } else {
        format!("document {template} filed, but it satisfies nothing: {}", note.blocked_by.join(" "))
    }
}

async fn show(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>) -> HttpResponse {
    render(&req, &state, path.into_inner(), None).await
}

async fn cancel(req: HttpRequest, state: web::Data<AppState>, path: web::Path<Uuid>, body: web::Bytes) -> HttpResponse {
    let id = path.into_inner();
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return message(
            &req,
            &state,
            StatusCode::FORBIDDEN,
            "Form expired",
            EXPIRED_FORM,
            Some((&format!("/jobs/{id}"), "Back to the job")),
        )
        .await;
    }
    let Some(actor) = crate::extract::current_actor(&req).await.ok().flatten() else { return redirect("/login") };
    match attune_app::job_lifecycle::cancel(&state.pool, &actor, id).await {
        Ok(_) | Err(AppError::Conflict { .. }) => redirect(&format!("/jobs/{id}")),
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(e) => {
            tracing::error!(error = ?e, "cancel failed");
            message(&req, &state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The job could not be cancelled.", None).await
        }
    }
}

async fn file_document(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(Uuid, String)>, body: web::Bytes) -> HttpResponse {
    let (id, template) = path.into_inner();
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return message(
            &req,
            &state,
            StatusCode::FORBIDDEN,
            "Form expired",
            EXPIRED_FORM,
            Some((&format!("/jobs/{id}"), "Back to the job")),
        )
        .await;
    }
    let Some(actor) = crate::extract::current_actor(&req).await.ok().flatten() else { return redirect("/login") };
    let fields = document_fields(&state, &template, &pairs);
    match attune_app::job_lifecycle::put_document(
        &state.pool,
        &state.templates,
        &actor,
        id,
        &template,
        &Value::Object(fields.clone()),
        state.chain.as_deref(),
    )
    .await
    {
        Ok(_) => redirect(&format!("/jobs/{id}#doc-{template}")),
        Err(AppError::Validation(e)) => render(&req, &state, id, Some((&template, fields, e.0))).await,
        Err(AppError::Conflict { detail, .. }) => {
            message(&req, &state, StatusCode::CONFLICT, "Not now", &detail, Some((&format!("/jobs/{id}"), "Back to the job"))).await
        }
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(e) => {
            tracing::error!(error = ?e, "filing a document failed");
            message(&req, &state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The document could not be saved.", None).await
        }
    }
}
