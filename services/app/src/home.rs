//! The home page after login: what needs the signed-in person now, one part per role they hold — the
//! organisation's jobs (buyer), its listings (provider), the pools' audit tasks (auditor) and the
//! platform's review queues (admin).

use std::time::Duration;

use anyhow::Context;
use attune_domain::PlatformRole;
use attune_domain::job::JobStatus;
use attune_domain::review::CASE_KINDS;
use attune_domain::sisa::ShardRunStatus;
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::audit_tasks::TaskView;
use crate::error::AppError;
use crate::job_review::REVIEW_OBLIGATION;
use crate::view::view;

/// A worker heard from within this window counts as live.
pub const WORKER_LIVE_WINDOW: Duration = Duration::from_secs(5 * 60);
/// Completed and failed jobs stay on the buyer's home this many at a time.
const RECENT_FINISHED: usize = 5;
/// The buyer's jobs read at most (the jobs page lists them all).
const BUYER_JOBS_READ: i64 = 100;

/// The parts of the home page that apply to the actor; `None` where a role does not apply.
#[derive(Debug, Clone)]
pub struct Home {
    pub buyer: Option<BuyerHome>,
    pub provider: Option<ProviderHome>,
    pub auditor: Option<AuditorHome>,
    pub admin: Option<AdminHome>,
}

/// A job as the home page names it: what it is for and on which model, rather than its id.
#[derive(Debug, Clone)]
pub struct JobLine {
    pub id: Uuid,
    pub status: JobStatus,
    pub purpose: String,
    /// The base model's name and version.
    pub model: String,
    pub risk_tier: String,
    pub updated_at: DateTime<Utc>,
}

/// A job and, in words, what it waits for.
#[derive(Debug, Clone)]
pub struct JobTodo {
    pub job: JobLine,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RunningJob {
    pub job: JobLine,
    pub shards: usize,
    pub shards_done: usize,
    /// The share trained, 0–100, as the job's page computes it.
    pub percent: f64,
}

#[derive(Debug, Clone)]
pub struct FinishedJob {
    pub job: JobLine,
    pub certified: bool,
}

#[derive(Debug, Clone)]
pub struct BuyerHome {
    /// Jobs that wait for the buyer: a payment, a document, changes the auditors asked for, an
    /// obligation past its due date.
    pub needs_action: Vec<JobTodo>,
    /// Jobs that wait for someone else (a payment review, the audit, funds to be secured).
    pub waiting: Vec<JobTodo>,
    pub training: Vec<RunningJob>,
    /// Completed or failed in the last 30 days, newest first.
    pub finished: Vec<FinishedJob>,
}

#[derive(Debug, Clone)]
pub struct Listing {
    pub id: Uuid,
    pub name: String,
    pub version: String,
    /// `pending`, `verified` or `rejected`.
    pub verification: String,
    pub jobs: i64,
    pub jobs_training: i64,
    /// USDC base units released to the provider for jobs on this model.
    pub released: u128,
}

#[derive(Debug, Clone)]
pub struct ProviderHome {
    pub listings: Vec<Listing>,
    pub jobs: i64,
    pub jobs_training: i64,
    /// USDC base units: the provider's lines of every released payment for jobs on its models.
    pub released: u128,
}

#[derive(Debug, Clone)]
pub struct AuditorHome {
    /// Tasks the auditor claimed and has not decided.
    pub mine: Vec<TaskView>,
    /// Tasks nobody has claimed yet.
    pub open: Vec<TaskView>,
    /// Tasks another auditor of the same pools claimed.
    pub claimed_by_others: usize,
}

/// Undecided cases of one kind, by where they stand.
#[derive(Debug, Clone)]
pub struct CaseKindCount {
    pub kind: &'static str,
    pub open: i64,
    pub awaiting_second_approval: i64,
    pub info_requested: i64,
}

view! {
    /// The admins' other queues, counted.
    #[derive(Debug, Clone)]
    pub struct AdminCounts from attune_db::home::AdminCounts {
        /// Open chain alerts (the chain page lists them).
        pub chain_alerts: i64,
        pub workers: i64,
        /// Heard from within [`WORKER_LIVE_WINDOW`].
        pub workers_live: i64,
        /// Holding a shard run's lease.
        pub workers_busy: i64,
        /// Live and holding no lease.
        pub workers_idle: i64,
        pub erasures_open: i64,
        /// Open past their deadline (GDPR Art. 12(3): one month).
        pub erasures_overdue: i64,
        pub records_awaiting_review: i64,
        pub models_awaiting_verification: i64,
        /// Jobs of organisations in no pool, waiting for the platform's review.
        pub jobs_awaiting_review: i64,
        /// Phased obligations open past their due date.
        pub obligations_overdue: i64,
    }
}

#[derive(Debug, Clone)]
pub struct AdminHome {
    /// Every case kind, in the policy's order, zeros included.
    pub cases: Vec<CaseKindCount>,
    pub counts: AdminCounts,
}

/// Everything the signed-in actor's home page shows.
#[tracing::instrument(skip_all, fields(user_id = %actor.user_id))]
pub async fn home(pool: &PgPool, actor: &Actor) -> Result<Home, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let staff = actor.has_role(PlatformRole::Admin) || actor.has_role(PlatformRole::Auditor);
    let buyer = buyer_home(&mut conn, actor.organization_id).await?;
    // Platform staff see the buyer's part only when their organisation has jobs to show.
    let buyer = buyer.filter(|b| !staff || !b.is_empty());
    let listings = attune_db::home::listings(&mut conn, actor.organization_id).await?;
    let provider = (!listings.is_empty()).then(|| provider_home(listings));
    let admin = if actor.has_role(PlatformRole::Admin) { Some(admin_home(&mut conn).await?) } else { None };
    drop(conn);
    let auditor = if actor.has_role(PlatformRole::Auditor) { Some(auditor_home(pool, actor).await?) } else { None };
    Ok(Home { buyer, provider, auditor, admin })
}

impl BuyerHome {
    pub fn is_empty(&self) -> bool {
        self.needs_action.is_empty() && self.waiting.is_empty() && self.training.is_empty() && self.finished.is_empty()
    }
}

async fn buyer_home(conn: &mut sqlx::PgConnection, organization_id: Uuid) -> Result<Option<BuyerHome>, AppError> {
    let rows = attune_db::home::buyer_jobs(conn, organization_id, &[REVIEW_OBLIGATION], BUYER_JOBS_READ).await?;
    let mut home = BuyerHome { needs_action: Vec::new(), waiting: Vec::new(), training: Vec::new(), finished: Vec::new() };
    let mut running = Vec::new();
    for row in rows {
        let Some(status) = JobStatus::parse(&row.status) else {
            tracing::warn!(job = %row.id, status = %row.status, "a stored job status is unknown");
            continue;
        };
        let job = JobLine {
            id: row.id,
            status,
            purpose: row.purpose,
            model: format!("{} {}", row.model_name, row.model_version),
            risk_tier: row.risk_tier,
            updated_at: row.updated_at,
        };
        let mut action = buyer_actions(status, row.documents_open);
        if row.obligations_overdue > 0 {
            action.push(format!("{} obligation{} past its due date", row.obligations_overdue, plural(row.obligations_overdue)));
        }
        if !action.is_empty() {
            home.needs_action.push(JobTodo { job, notes: action });
            continue;
        }
        match status {
            JobStatus::Queued | JobStatus::Training | JobStatus::Aggregating => running.push(job),
            JobStatus::Completed | JobStatus::Failed => {
                if home.finished.len() < RECENT_FINISHED {
                    home.finished.push(FinishedJob { job, certified: row.certified });
                }
            }
            _ => {
                if let Some(note) = waiting_for(status) {
                    home.waiting.push(JobTodo { job, notes: vec![note.to_owned()] });
                }
            }
        }
    }
    let ids: Vec<Uuid> = running.iter().map(|j| j.id).collect();
    let shards = if ids.is_empty() { Vec::new() } else { attune_db::home::shard_progress(conn, &ids).await? };
    home.training = running
        .into_iter()
        .map(|job| {
            let runs: Vec<_> = shards.iter().filter(|s| s.job_id == job.id).collect();
            let mut done = 0;
            let mut trained = 0.0;
            for run in &runs {
                let status = ShardRunStatus::parse(&run.status).unwrap_or(ShardRunStatus::Queued);
                if status == ShardRunStatus::Succeeded {
                    done += 1;
                }
                trained += attune_domain::sisa::run::shard_fraction(
                    status,
                    u32::try_from(run.slices_done).unwrap_or(0),
                    u32::try_from(run.slices).unwrap_or(0),
                );
            }
            #[allow(clippy::cast_precision_loss)] // a handful of shards
            let percent = if runs.is_empty() { 0.0 } else { (trained / runs.len() as f64 * 1000.0).round() / 10.0 };
            RunningJob { job, shards: runs.len(), shards_done: done, percent }
        })
        .collect();
    Ok(Some(home))
}

/// What the buyer has to do for a job in `status` with `documents_open` documents still to file.
fn buyer_actions(status: JobStatus, documents_open: i64) -> Vec<String> {
    let mut notes = Vec::new();
    match status {
        JobStatus::Assessed | JobStatus::AwaitingPayment => notes.push("Pay the quote to start the job".to_owned()),
        JobStatus::ChangesRequested => notes.push("The auditors asked for changes: revise the documents and resubmit".to_owned()),
        _ => {}
    }
    let files_documents = matches!(
        status,
        JobStatus::Assessed | JobStatus::AwaitingPayment | JobStatus::Paid | JobStatus::Audit | JobStatus::ChangesRequested
    );
    if files_documents && documents_open > 0 {
        notes.push(format!("{documents_open} required document{} to file", plural(documents_open)));
    }
    notes
}

/// What a job that needs nothing from the buyer waits for, in words; `None` for a job that waits for nothing.
fn waiting_for(status: JobStatus) -> Option<&'static str> {
    match status {
        JobStatus::PaymentReview => Some("The payment is being reviewed by compliance"),
        JobStatus::Paid => Some("Paid; waiting for the funds to be secured before it is queued"),
        JobStatus::Audit => Some("Waiting for the audit review"),
        JobStatus::CancelRequested => Some("Stopping its shards before it is cancelled"),
        _ => None,
    }
}

fn plural(n: i64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn provider_home(rows: Vec<attune_db::home::ListingRow>) -> ProviderHome {
    let listings: Vec<Listing> = rows
        .into_iter()
        .map(|r| Listing {
            id: r.id,
            name: r.name,
            version: r.version,
            verification: r.provenance_status,
            jobs: r.jobs,
            jobs_training: r.jobs_training,
            released: r.released.parse().unwrap_or_else(|_| {
                tracing::warn!(model = %r.id, released = %r.released, "a released sum is not an integer");
                0
            }),
        })
        .collect();
    ProviderHome {
        jobs: listings.iter().map(|l| l.jobs).sum(),
        jobs_training: listings.iter().map(|l| l.jobs_training).sum(),
        released: listings.iter().map(|l| l.released).sum(),
        listings,
    }
}

async fn auditor_home(pool: &PgPool, actor: &Actor) -> Result<AuditorHome, AppError> {
    let open = crate::audit_tasks::list(pool, actor, Some("open")).await?;
    let claimed = crate::audit_tasks::list(pool, actor, Some("claimed")).await?;
    let (mine, others): (Vec<TaskView>, Vec<TaskView>) = claimed.into_iter().partition(|t| t.claimed_by == Some(actor.user_id));
    Ok(AuditorHome { mine, open, claimed_by_others: others.len() })
}

async fn admin_home(conn: &mut sqlx::PgConnection) -> Result<AdminHome, AppError> {
    let undecided = attune_db::home::undecided_cases(conn).await?;
    let count = |kind: &str, status: &str| undecided.iter().find(|c| c.kind == kind && c.status == status).map_or(0, |c| c.count);
    let cases = CASE_KINDS
        .iter()
        .map(|kind| CaseKindCount {
            kind,
            open: count(kind, "open"),
            awaiting_second_approval: count(kind, "awaiting_second_approval"),
            info_requested: count(kind, "info_requested"),
        })
        .collect();
    let counts = attune_db::home::admin_counts(conn, WORKER_LIVE_WINDOW.as_secs_f64()).await?;
    Ok(AdminHome { cases, counts: counts.into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_job_awaiting_payment_asks_for_the_payment_and_its_documents() {
        let notes = buyer_actions(JobStatus::AwaitingPayment, 2);
        assert_eq!(notes, vec!["Pay the quote to start the job".to_owned(), "2 required documents to file".to_owned()]);
        assert!(buyer_actions(JobStatus::Training, 1).is_empty(), "a training job's documents no longer block it");
        assert!(buyer_actions(JobStatus::PaymentReview, 0).is_empty());
        assert_eq!(buyer_actions(JobStatus::Audit, 1), vec!["1 required document to file".to_owned()]);
    }
}
