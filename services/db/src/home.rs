//! What the home page asks after login: each role's open work, read as counts and short lists in
//! as few statements as the page needs.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// One of an organisation's jobs as the buyer's home lists it, with what is still open on it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BuyerJobRow {
    pub id: Uuid,
    pub status: String,
    /// The deployment's purpose as the buyer wrote it.
    pub purpose: String,
    pub model_name: String,
    pub model_version: String,
    pub risk_tier: String,
    /// Blocking obligations still open that a document of the buyer's satisfies.
    pub documents_open: i64,
    /// Open obligations past their due date (graduated transition).
    pub obligations_overdue: i64,
    /// Whether the job has a current (not superseded) certificate.
    pub certified: bool,
    pub updated_at: DateTime<Utc>,
}

/// The organisation's jobs that are under way, touched in the last 30 days, or overdue on an
/// obligation; most recently changed first. `reviewer_obligations` are satisfied by a reviewer,
/// not by a document of the buyer's, and are not counted as documents to file.
pub async fn buyer_jobs(
    conn: &mut PgConnection,
    organization_id: Uuid,
    reviewer_obligations: &[&str],
    limit: i64,
) -> anyhow::Result<Vec<BuyerJobRow>> {
    let reviewer_obligations: Vec<String> = reviewer_obligations.iter().map(|s| (*s).to_owned()).collect();
    sqlx::query_as!(
        BuyerJobRow,
        r#"select j.id, j.status, coalesce(j.deployment->>'purpose', '') as "purpose!", m.name as model_name,
            m.version as model_version, j.risk_tier,
            (select count(*) from job_obligation o where o.job_id = j.id and o.status = 'open' and o.blocking
                and o.template <> '' and o.obligation_id <> all($2)) as "documents_open!",
            (select count(*) from job_obligation o where o.job_id = j.id and o.status = 'open' and o.due_at < now())
                as "obligations_overdue!",
            exists (select 1 from job_certificate c where c.job_id = j.id and c.superseded_at is null) as "certified!",
            j.updated_at
         from job j join base_model m on m.id = j.base_model_id
         where j.organization_id = $1
           and (j.status not in ('draft', 'completed', 'failed', 'refunded', 'cancelled', 'frozen')
                or j.updated_at > now() - interval '30 days'
                or exists (select 1 from job_obligation o where o.job_id = j.id and o.status = 'open' and o.due_at < now()))
         order by j.updated_at desc, j.id limit $3"#,
        organization_id,
        &reviewer_obligations[..],
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to read the buyer's jobs for the home page")
}

/// One shard run of a job, with the slices it has finished out of its shard's slices.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShardRunProgress {
    pub job_id: Uuid,
    pub status: String,
    pub slices_done: i32,
    pub slices: i32,
}

/// The shard runs of `jobs`.
pub async fn shard_progress(conn: &mut PgConnection, jobs: &[Uuid]) -> anyhow::Result<Vec<ShardRunProgress>> {
    sqlx::query_as!(
        ShardRunProgress,
        r#"select r.job_id, r.status, r.slices_done, cardinality(s.slice_sizes) as "slices!"
         from shard_run r join job_shard s on s.job_id = r.job_id and s.shard_index = r.shard_index
         where r.job_id = any($1) order by r.job_id, r.shard_index"#,
        jobs,
    )
    .fetch_all(conn)
    .await
    .context("failed to read the shard progress of running jobs")
}

/// A listed model of the organisation with the jobs bought on it and what its releases paid the
/// provider.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListingRow {
    pub id: Uuid,
    pub name: String,
    pub version: String,
    pub provenance_status: String,
    /// Jobs on the model that were created (every status).
    pub jobs: i64,
    /// Jobs on the model queued or training now.
    pub jobs_training: i64,
    /// The provider's lines of the quotes whose escrow was released, in USDC base units.
    pub released: String,
}

/// The organisation's listings, newest first. The provider's share of a released payment is the sum
/// of its quote's `provider` lines (the escrow paid those to the provider's wallet).
pub async fn listings(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Vec<ListingRow>> {
    sqlx::query_as!(
        ListingRow,
        r#"select m.id, m.name, m.version, m.provenance_status,
            count(j.id) as "jobs!",
            count(j.id) filter (where j.status in ('queued', 'training', 'aggregating')) as "jobs_training!",
            coalesce(sum(fee.amount) filter (where p.status = 'released'), 0)::text as "released!"
         from base_model m
         left join job j on j.base_model_id = m.id
         left join payment p on p.job_id = j.id
         left join lateral (
             select sum((line->>'amount')::numeric) as amount
             from jsonb_array_elements(case when jsonb_typeof(j.assessment #> '{quote,breakdown}') = 'array'
                                            then j.assessment #> '{quote,breakdown}' else '[]'::jsonb end) line
             where line->>'payee' = 'provider'
         ) fee on true
         where m.organization_id = $1
         group by m.id order by m.created_at desc, m.id"#,
        organization_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to read the provider's listings for the home page")
}

/// Undecided review cases, counted by kind and status.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CaseCount {
    pub kind: String,
    pub status: String,
    pub count: i64,
}

pub async fn undecided_cases(conn: &mut PgConnection) -> anyhow::Result<Vec<CaseCount>> {
    sqlx::query_as!(
        CaseCount,
        r#"select kind, status, count(*) as "count!" from screening_case
         where status in ('open', 'awaiting_second_approval', 'info_requested')
         group by kind, status order by kind, status"#,
    )
    .fetch_all(conn)
    .await
    .context("failed to count undecided cases")
}

/// The admins' other queues, counted.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminCounts {
    pub chain_alerts: i64,
    pub workers: i64,
    /// Workers heard from within the window.
    pub workers_live: i64,
    /// Workers holding a shard run's lease.
    pub workers_busy: i64,
    /// Live workers holding no lease.
    pub workers_idle: i64,
    pub erasures_open: i64,
    /// Erasure requests still open past their deadline.
    pub erasures_overdue: i64,
    /// Dataset records the scanner left for a reviewer (in ready datasets, as the queue shows them).
    pub records_awaiting_review: i64,
    pub models_awaiting_verification: i64,
    /// Jobs in `audit` of organisations in no pool: the platform reviews them.
    pub jobs_awaiting_review: i64,
    /// Open phased obligations past their due date.
    pub obligations_overdue: i64,
}

/// Every admin count in one statement; a worker is live when heard from within `live_secs`.
pub async fn admin_counts(conn: &mut PgConnection, live_secs: f64) -> anyhow::Result<AdminCounts> {
    sqlx::query_as!(
        AdminCounts,
        r#"select
            (select count(*) from chain_alert where resolved_at is null) as "chain_alerts!",
            (select count(*) from worker) as "workers!",
            (select count(*) from worker where last_heartbeat_at > now() - make_interval(secs => $1)) as "workers_live!",
            (select count(distinct worker_id) from shard_run where status = 'leased') as "workers_busy!",
            (select count(*) from worker w where w.last_heartbeat_at > now() - make_interval(secs => $1)
                and not exists (select 1 from shard_run r where r.worker_id = w.id and r.status = 'leased')) as "workers_idle!",
            (select count(*) from erasure_request where status <> 'completed') as "erasures_open!",
            (select count(*) from erasure_request where status <> 'completed' and deadline_at < now()) as "erasures_overdue!",
            (select count(*) from dataset_record r join dataset d on d.id = r.dataset_id
                where r.gate = 'review' and d.status = 'ready') as "records_awaiting_review!",
            (select count(*) from base_model where provenance_status = 'pending') as "models_awaiting_verification!",
            (select count(*) from job where status = 'audit' and audit_pool_id is null) as "jobs_awaiting_review!",
            (select count(*) from job_obligation where status = 'open' and due_at < now()) as "obligations_overdue!""#,
        live_secs,
    )
    .fetch_one(conn)
    .await
    .context("failed to count the admins' queues")
}
