//! The admin review queue: cases opened by screening, each read with its evidence and decided by an
//! admin with notes (four eyes as the review policy says: two different admins approve).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::case_evidence::MatchFeature;
use attune_app::cases;
use attune_app::cases::{Case, CaseDecision};
use attune_app::error::AppError;
use attune_domain::PlatformRole;
use serde::Deserialize;
use std::collections::HashMap;

use uuid::Uuid;

use super::{EXPIRED_FORM, Layout, Page, form_pairs, form_value, message, page_layout, redirect, signed_in, usdc};
use crate::csrf;
use crate::state::AppState;

const QUEUE: &str = "/admin/cases";
const STATUSES: [&str; 7] = ["open", "awaiting_second_approval", "info_requested", "approved", "rejected", "blocked", "all"];
const PAGE_SIZE: i64 = 50;
const KINDS: [&str; 5] = ["all", "wallet", "payment", "name", "rescreen"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(QUEUE, web::get().to(queue_page))
        .route("/admin/cases/{id}", web::get().to(case_page))
        .route("/admin/cases/{id}/decision", web::post().to(decide));
}

async fn forbidden(req: &HttpRequest, state: &AppState) -> HttpResponse {
    message(
        req,
        state,
        StatusCode::FORBIDDEN,
        "Not allowed",
        "The review queue is for platform admins.",
        Some(("/", "Go to the home page")),
    )
    .await
}

async fn failed(req: &HttpRequest, state: &AppState, e: AppError) -> HttpResponse {
    tracing::error!(error = %e, "a case page failed");
    message(req, state, StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "The page could not be loaded. Please try again.", None)
        .await
}

/// A `<time>` element (HTML).
fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
    super::human::when(t)
}

fn amount_of(case: &Case) -> String {
    case.amount.as_deref().map(|a| format!("{} USDC", usdc(a))).unwrap_or_default()
}

struct CaseItem {
    id: Uuid,
    kind: String,
    subject: String,
    score: String,
    amount: String,
    status: String,
    opened: String,
}

#[derive(Template)]
#[template(path = "admin_cases.html")]
struct QueuePage {
    layout: Layout,
    status: String,
    kind: String,
    statuses: Vec<&'static str>,
    kinds: Vec<&'static str>,
    items: Vec<CaseItem>,
    /// The next page's address, when there are more cases.
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
struct QueueQuery {
    status: Option<String>,
    kind: Option<String>,
    cursor: Option<String>,
}

async fn queue_page(req: HttpRequest, state: web::Data<AppState>, query: web::Query<QueueQuery>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Review queue").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !actor.has_role(PlatformRole::Admin) {
        return forbidden(&req, &state).await;
    }
    let status = query.status.clone().filter(|s| STATUSES.contains(&s.as_str())).unwrap_or_else(|| "open".to_string());
    let kind = query.kind.clone().filter(|k| KINDS.contains(&k.as_str())).unwrap_or_else(|| "all".to_string());
    let status_filter = (status != "all").then_some(status.as_str());
    let kind_filter = (kind != "all").then_some(kind.as_str());
    let rows = match cases::list(&state.pool, &actor, status_filter, kind_filter, query.cursor.as_deref(), PAGE_SIZE).await {
        Ok(rows) => rows,
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
    let next = rows.next_cursor.map(|c| format!("{QUEUE}?status={status}&kind={kind}&cursor={c}"));
    let items = rows
        .items
        .iter()
        .map(|c| CaseItem {
            id: c.id,
            kind: c.kind.clone(),
            subject: c.subject.clone(),
            score: format!("{:.2}", c.score),
            amount: amount_of(c),
            status: c.status.clone(),
            opened: when(&c.created_at),
        })
        .collect();
    let body =
        QueuePage { layout: page_layout(&page), status, kind, statuses: STATUSES.to_vec(), kinds: KINDS.to_vec(), items, next }.render();
    page.render(StatusCode::OK, body)
}

struct ReasonView {
    rule: String,
    detail: String,
    score: String,
}

struct NameMatchView {
    entity: String,
    name: String,
    matched_name: String,
    score: String,
    features: String,
}

struct AddressMatchView {
    entity: String,
    currency: String,
    listed_address: String,
}

struct DecisionView {
    admin_id: Uuid,
    /// The admin's name, where the account still exists.
    admin: Option<String>,
    decision: String,
    notes: String,
    at: String,
}

#[derive(Template)]
#[template(path = "admin_case.html")]
struct CasePage {
    layout: Layout,
    id: Uuid,
    kind: String,
    subject: String,
    status: String,
    score: String,
    amount: String,
    list_version: String,
    opened: String,
    closed: bool,
    four_eyes: bool,
    reasons: Vec<ReasonView>,
    evidence: String,
    matches: Vec<NameMatchView>,
    address_match: Option<AddressMatchView>,
    decisions: Vec<DecisionView>,
    errors: Vec<String>,
    notes: String,
}

fn score(s: Option<f64>) -> String {
    s.map(|f| format!("{f:.2}")).unwrap_or_default()
}

/// `feature 0.40, …`.
fn features(list: &[MatchFeature]) -> String {
    list.iter()
        .map(|f| match f {
            MatchFeature::Weighted(name, weight) => format!("{name} {weight:.2}"),
            MatchFeature::Other(other) => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn case_view(
    layout: Layout,
    case: &Case,
    (decisions, deciders): (&[CaseDecision], &HashMap<Uuid, String>),
    errors: Vec<String>,
    notes: String,
) -> CasePage {
    let reasons = case.fired_rules().into_iter().map(|r| ReasonView { rule: r.rule, detail: r.detail, score: score(r.score) }).collect();
    let matches = case
        .name_matches()
        .into_iter()
        .map(|m| NameMatchView {
            features: features(&m.features),
            entity: m.entity_id,
            name: m.name,
            matched_name: m.matched_name,
            score: score(m.score),
        })
        .collect();
    let address_match = case.address_match().map(|hit| AddressMatchView {
        entity: hit.entity_id,
        currency: hit.currency,
        listed_address: hit.listed_address,
    });
    let four_eyes = cases::four_eyes_apply(case);
    CasePage {
        layout,
        id: case.id,
        kind: case.kind.clone(),
        subject: case.subject.clone(),
        status: case.status.clone(),
        score: format!("{:.2}", case.score),
        amount: amount_of(case),
        list_version: case.list_version.clone(),
        opened: when(&case.created_at),
        closed: !matches!(case.status.as_str(), "open" | "awaiting_second_approval" | "info_requested"),
        four_eyes,
        reasons,
        evidence: serde_json::to_string_pretty(&case.evidence).unwrap_or_else(|_| case.evidence.to_string()),
        matches,
        address_match,
        decisions: decisions
            .iter()
            .map(|d| DecisionView {
                admin_id: d.admin_id,
                admin: deciders.get(&d.admin_id).cloned(),
                decision: d.decision.clone(),
                notes: d.notes.clone(),
                at: when(&d.created_at),
            })
            .collect(),
        errors,
        notes,
    }
}

/// Loads the case and renders it with `status`, the errors and the notes typed so far.
async fn render_case(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    page: Page,
    actor: &attune_app::Actor,
    id: Uuid,
    status: StatusCode,
    (errors, notes): (Vec<String>, String),
) -> HttpResponse {
    match cases::get(&state.pool, actor, id).await {
        Ok((case, decisions, _report)) => {
            let deciders = cases::decider_names(&state.pool, actor, &decisions).await.unwrap_or_default();
            let body = case_view(page_layout(&page), &case, (&decisions, &deciders), errors, notes).render();
            page.render(status, body)
        }
        Err(AppError::NotFound) => super::not_found(req.clone(), state.clone()).await,
        Err(AppError::Forbidden(_)) => forbidden(req, state).await,
        Err(e) => failed(req, state, e).await,
    }
}

async fn case_page(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Case").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !actor.has_role(PlatformRole::Admin) {
        return forbidden(&req, &state).await;
    }
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else { return super::not_found(req, state).await };
    render_case(&req, &state, page, &actor, id, StatusCode::OK, (Vec::new(), String::new())).await
}

async fn decide(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let (page, actor) = match signed_in(&req, &state, "Case").await {
        Ok(p) => p,
        Err(r) => return r,
    };
    if !actor.has_role(PlatformRole::Admin) {
        return forbidden(&req, &state).await;
    }
    let Ok(id) = Uuid::parse_str(&path.into_inner()) else { return super::not_found(req, state).await };
    let p = form_pairs(&body);
    let case_path = format!("/admin/cases/{id}");
    if !csrf::verify(&req, &state, &form_value(&p, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some((&case_path, "Back to the case"))).await;
    }
    let notes = form_value(&p, "notes");
    match cases::decide(&state.pool, state.chain.as_deref(), &actor, id, &form_value(&p, "decision"), &notes).await {
        Ok(_) => redirect(&case_path),
        Err(AppError::Validation(e)) => {
            let errors = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            render_case(&req, &state, page, &actor, id, StatusCode::UNPROCESSABLE_ENTITY, (errors, notes)).await
        }
        Err(AppError::Conflict { detail, .. }) => {
            render_case(&req, &state, page, &actor, id, StatusCode::CONFLICT, (vec![detail], notes)).await
        }
        Err(AppError::NotFound) => super::not_found(req, state).await,
        Err(AppError::Forbidden(_)) => forbidden(&req, &state).await,
        Err(e) => failed(&req, &state, e).await,
    }
}
