//! The home page: for a visitor, what Attune is; for a signed-in person, what needs them now — one
//! section per role they hold (buyer, provider, auditor, admin).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::audit_tasks::TaskView;
use attune_app::home::{self, AdminCounts, AdminHome, Home, JobLine, ProviderHome};
use attune_domain::job::JobStatus;
use attune_domain::labels::{Labels, Vocabulary};
use chrono::{DateTime, Utc};

use super::{Layout, Page, app_error, human, page_layout, usdc};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    /// `None` for a visitor.
    home: Option<HomeView>,
}

struct HomeView {
    buyer: Option<BuyerView>,
    provider: Option<ProviderView>,
    auditor: Option<AuditorView>,
    admin: Option<AdminView>,
}

/// A job as a row: a link named by its purpose, the model, its state in words, and notes.
struct JobItem {
    href: String,
    name: String,
    model: String,
    status: String,
    /// The risk tier's id (for its colour) and its words.
    tier: String,
    tier_label: String,
    notes: Vec<String>,
    /// A `<time>` element.
    updated: String,
}

struct RunningItem {
    job: JobItem,
    shards: String,
    percent: String,
}

struct BuyerView {
    needs_action: Vec<JobItem>,
    waiting: Vec<JobItem>,
    training: Vec<RunningItem>,
    finished: Vec<(JobItem, bool)>,
}

impl BuyerView {
    fn is_empty(&self) -> bool {
        self.needs_action.is_empty() && self.waiting.is_empty() && self.training.is_empty() && self.finished.is_empty()
    }
}

struct ListingItem {
    href: String,
    name: String,
    verification: &'static str,
    badge: &'static str,
    jobs: i64,
    jobs_training: i64,
    released: String,
}

struct ProviderView {
    listings: Vec<ListingItem>,
    jobs: i64,
    jobs_training: i64,
    released: String,
}

struct TaskItem {
    href: String,
    organization: String,
    tier: String,
    round: i32,
    opened: String,
}

struct AuditorView {
    mine: Vec<TaskItem>,
    open: Vec<TaskItem>,
    claimed_by_others: usize,
}

/// One undecided-case kind: its words and (status, count, link) per undecided status.
struct CaseKindRow {
    kind: &'static str,
    label: &'static str,
    counts: Vec<(i64, String)>,
}

/// One of the admins' other queues: what it is, how many wait, in words, and where to work it.
struct QueueRow {
    id: &'static str,
    label: &'static str,
    figure: String,
    href: &'static str,
    link_text: &'static str,
}

struct AdminView {
    cases: Vec<CaseKindRow>,
    queues: Vec<QueueRow>,
}

pub(super) async fn home(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let page = Page::new(&req, &state, "Compliant fine-tuning").await;
    let Some(actor) = page.actor.clone() else {
        let body = HomePage { layout: page_layout(&page), home: None }.render();
        return page.render(StatusCode::OK, body);
    };
    match home::home(&state.pool, &actor).await {
        Ok(found) => {
            let mut layout = page_layout(&page);
            layout.title = "What needs you now".into();
            let body = HomePage { layout, home: Some(view(found)) }.render();
            page.render(StatusCode::OK, body)
        }
        Err(e) => app_error(&req, &state, e, "Loading your home page", None).await,
    }
}

fn view(home: Home) -> HomeView {
    HomeView {
        buyer: home.buyer.map(|b| BuyerView {
            needs_action: b.needs_action.into_iter().map(|t| job_item(t.job, t.notes)).collect(),
            waiting: b.waiting.into_iter().map(|t| job_item(t.job, t.notes)).collect(),
            training: b
                .training
                .into_iter()
                .map(|r| RunningItem {
                    shards: if r.shards == 0 {
                        "shards not yet assigned".into()
                    } else {
                        format!("{} of {} shard{} done", r.shards_done, r.shards, if r.shards == 1 { "" } else { "s" })
                    },
                    percent: format!("{:.1}", r.percent),
                    job: job_item(r.job, Vec::new()),
                })
                .collect(),
            finished: b.finished.into_iter().map(|f| (job_item(f.job, Vec::new()), f.certified)).collect(),
        }),
        provider: home.provider.map(provider_view),
        auditor: home.auditor.map(|a| AuditorView {
            mine: a.mine.into_iter().map(task_item).collect(),
            open: a.open.into_iter().map(task_item).collect(),
            claimed_by_others: a.claimed_by_others,
        }),
        admin: home.admin.map(admin_view),
    }
}

fn job_item(job: JobLine, notes: Vec<String>) -> JobItem {
    let name = if job.purpose.trim().is_empty() { format!("Job {}", &job.id.simple().to_string()[..8]) } else { job.purpose };
    JobItem {
        href: format!("/jobs/{}", job.id),
        name,
        model: job.model,
        status: status_label(job.status),
        tier_label: Labels::enforced().label(Vocabulary::RiskTiers, &job.risk_tier).to_string(),
        tier: job.risk_tier,
        notes,
        updated: when(job.updated_at),
    }
}

fn status_label(status: JobStatus) -> String {
    status.label().to_owned()
}

fn when(at: DateTime<Utc>) -> String {
    human::when(&at)
}

fn provider_view(p: ProviderHome) -> ProviderView {
    ProviderView {
        listings: p
            .listings
            .into_iter()
            .map(|l| {
                let (verification, badge) = match l.verification.as_str() {
                    "verified" => ("Verified", "ok"),
                    "rejected" => ("Rejected", "bad"),
                    _ => ("Awaiting verification", "warn"),
                };
                ListingItem {
                    href: format!("/models/{}", l.id),
                    name: format!("{} {}", l.name, l.version),
                    verification,
                    badge,
                    jobs: l.jobs,
                    jobs_training: l.jobs_training,
                    released: usdc(&l.released.to_string()),
                }
            })
            .collect(),
        jobs: p.jobs,
        jobs_training: p.jobs_training,
        released: usdc(&p.released.to_string()),
    }
}

fn task_item(t: TaskView) -> TaskItem {
    TaskItem {
        href: format!("/audit-tasks/{}", t.id),
        organization: t.organization,
        tier: Labels::enforced().label(Vocabulary::RiskTiers, &t.risk_tier).to_string(),
        round: t.round,
        opened: when(t.created_at),
    }
}

const CASE_STATUSES: [&str; 3] = ["open", "awaiting_second_approval", "info_requested"];

fn case_kind_label(kind: &'static str) -> &'static str {
    Labels::enforced().label(Vocabulary::CaseKinds, kind)
}

fn admin_view(a: AdminHome) -> AdminView {
    let cases = a
        .cases
        .iter()
        .map(|c| CaseKindRow {
            kind: c.kind,
            label: case_kind_label(c.kind),
            counts: [c.open, c.awaiting_second_approval, c.info_requested]
                .into_iter()
                .zip(CASE_STATUSES)
                .map(|(n, status)| (n, format!("/admin/cases?status={status}&kind={}", c.kind)))
                .collect(),
        })
        .collect();
    AdminView { cases, queues: queues(&a.counts) }
}

fn queues(c: &AdminCounts) -> Vec<QueueRow> {
    vec![
        QueueRow {
            id: "chain-alerts",
            label: "Chain alerts",
            figure: format!("{} open", c.chain_alerts),
            href: "/admin/chain",
            link_text: "Chain",
        },
        QueueRow {
            id: "workers",
            label: "Training workers",
            figure: format!(
                "{} registered; {} live ({} training, {} idle), {} not heard from in {} minutes",
                c.workers,
                c.workers_live,
                c.workers_busy,
                c.workers_idle,
                c.workers - c.workers_live,
                home::WORKER_LIVE_WINDOW.as_secs() / 60
            ),
            href: "/admin/workers",
            link_text: "Workers",
        },
        QueueRow {
            id: "erasures",
            label: "Erasure requests",
            figure: format!("{} open, {} overdue", c.erasures_open, c.erasures_overdue),
            href: "/admin/erasure",
            link_text: "Erasures",
        },
        QueueRow {
            id: "records",
            label: "Dataset records awaiting review",
            figure: c.records_awaiting_review.to_string(),
            href: "/review/datasets",
            link_text: "Record review",
        },
        QueueRow {
            id: "verification",
            label: "Models awaiting verification",
            figure: c.models_awaiting_verification.to_string(),
            href: "/admin/models",
            link_text: "Verification",
        },
        QueueRow {
            id: "job-reviews",
            label: "Jobs awaiting the platform's review",
            figure: c.jobs_awaiting_review.to_string(),
            href: "/admin/reviews",
            link_text: "Reviews",
        },
        QueueRow {
            id: "overdue-obligations",
            label: "Obligations past their due date",
            figure: c.obligations_overdue.to_string(),
            href: "/admin/obligations",
            link_text: "Overdue",
        },
    ]
}
