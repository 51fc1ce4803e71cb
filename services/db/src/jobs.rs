//! Fine-tune jobs: the row with its immutable snapshots, guarded status changes and their events.

use anyhow::Context;
use attune_domain::OrgScope;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub base_model_id: Uuid,
    pub dataset_id: Uuid,
    pub status: String,
    pub method: String,
    pub hyperparameters: serde_json::Value,
    pub deployment: serde_json::Value,
    pub assessment: serde_json::Value,
    pub risk_tier: String,
    pub audit_required: bool,
    pub quote_amount: String,
    pub policy_version: String,
    pub policy_sha256: String,
    pub gate: serde_json::Value,
    pub accepted_records: i64,
    pub accepted_tokens: i64,
    pub training_summary: serde_json::Value,
    /// The audit pool that reviews the job (none: the platform's own review).
    pub audit_pool_id: Option<Uuid>,
    /// The tier under the latest usage report (graduated transition), when one was made.
    pub deployed_risk_tier: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewJob<'a> {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: Uuid,
    pub base_model_id: Uuid,
    pub dataset_id: Uuid,
    pub status: &'a str,
    pub method: &'a str,
    pub hyperparameters: &'a serde_json::Value,
    pub deployment: &'a serde_json::Value,
    pub assessment: &'a serde_json::Value,
    pub risk_tier: &'a str,
    pub audit_required: bool,
    pub quote_amount: &'a str,
    pub policy_version: &'a str,
    pub policy_sha256: &'a str,
    pub gate: &'a serde_json::Value,
    pub accepted_records: i64,
    pub accepted_tokens: i64,
    pub training_summary: &'a serde_json::Value,
    pub audit_pool_id: Option<Uuid>,
}

pub async fn insert(conn: &mut PgConnection, j: &NewJob<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into job (id, organization_id, created_by, base_model_id, dataset_id, status, method, hyperparameters, deployment,
            assessment, risk_tier, audit_required, quote_amount, policy_version, policy_sha256, gate, accepted_records, accepted_tokens,
            training_summary, audit_pool_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
        j.id,
        j.organization_id,
        j.created_by,
        j.base_model_id,
        j.dataset_id,
        j.status,
        j.method,
        j.hyperparameters,
        j.deployment,
        j.assessment,
        j.risk_tier,
        j.audit_required,
        j.quote_amount,
        j.policy_version,
        j.policy_sha256,
        j.gate,
        j.accepted_records,
        j.accepted_tokens,
        j.training_summary,
        j.audit_pool_id
    )
    .execute(conn)
    .await
    .context("failed to insert a job")?;
    Ok(())
}

/// Excludes from a job every record of one gate group (see `dataset_gate::gate_groups`).
pub async fn exclude_group(
    conn: &mut PgConnection,
    job_id: Uuid,
    dataset_id: Uuid,
    group: &crate::dataset_gate::GateGroup,
    reasons: &serde_json::Value,
) -> anyhow::Result<u64> {
    let done = sqlx::query!(
        "insert into job_record_exclusion (job_id, record_id, reasons)
         select $1, record_id, $6 from dataset_record
         where dataset_id = $2 and licence_kind = $3 and optout_status is not distinct from $4 and review_decision is not distinct from $5",
        job_id,
        dataset_id,
        group.licence_kind.as_str(),
        group.optout_status.as_deref(),
        group.review_decision.as_deref(),
        reasons
    )
    .execute(conn)
    .await
    .context("failed to record a job's excluded records")?;
    Ok(done.rows_affected())
}

/// The records a job accepted, aggregated by licence kind and domain. An erased record counts as
/// personal: only records naming a data subject are erased, and the job was decided with it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AcceptedGroup {
    pub licence_kind: String,
    pub domain: Option<String>,
    pub records: i64,
    pub tokens: i64,
    pub pii_records: i64,
    pub special_records: i64,
}

pub async fn accepted_groups(conn: &mut PgConnection, job_id: Uuid, dataset_id: Uuid) -> anyhow::Result<Vec<AcceptedGroup>> {
    sqlx::query_as!(
        AcceptedGroup,
        r#"select r.licence_kind, r.domain, count(*) as "records!", coalesce(sum(r.tokens), 0)::bigint as "tokens!",
            count(*) filter (where cardinality(r.pii_subject_ids) > 0 or r.erased_at is not null) as "pii_records!",
            count(*) filter (where cardinality(r.special_categories) > 0) as "special_records!"
         from dataset_record r
         where r.dataset_id = $2
           and not exists (select 1 from job_record_exclusion e where e.job_id = $1 and e.record_id = r.record_id)
         group by r.licence_kind, r.domain order by 1, 2"#,
        job_id,
        dataset_id
    )
    .fetch_all(conn)
    .await
    .context("failed to aggregate a job's accepted records")
}

pub async fn set_accepted(
    conn: &mut PgConnection,
    job_id: Uuid,
    records: i64,
    tokens: i64,
    summary: &serde_json::Value,
) -> anyhow::Result<()> {
    sqlx::query!(
        "update job set accepted_records = $2, accepted_tokens = $3, training_summary = $4 where id = $1",
        job_id,
        records,
        tokens,
        summary
    )
    .execute(conn)
    .await
    .context("failed to record a job's accepted records")?;
    Ok(())
}

/// Replaces the job's training content summary (regenerated when a document it cites is filed).
pub async fn set_training_summary(conn: &mut PgConnection, job_id: Uuid, summary: &serde_json::Value) -> anyhow::Result<()> {
    sqlx::query!("update job set training_summary = $2 where id = $1", job_id, summary)
        .execute(conn)
        .await
        .context("failed to replace a job's training summary")?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, scope: &OrgScope, id: Uuid) -> anyhow::Result<Option<JobRow>> {
    sqlx::query_as!(
        JobRow,
        "select id, organization_id, base_model_id, dataset_id, status, method, hyperparameters, deployment, assessment,
            risk_tier, audit_required, quote_amount, policy_version, policy_sha256, gate, accepted_records, accepted_tokens,
            training_summary, audit_pool_id, deployed_risk_tier, created_at, updated_at
         from job where id = $1 and ($2::uuid is null or organization_id = $2)",
        id,
        scope.organization_filter()
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a job")
}

pub async fn get_for_update(conn: &mut PgConnection, scope: &OrgScope, id: Uuid) -> anyhow::Result<Option<JobRow>> {
    sqlx::query_as!(
        JobRow,
        "select id, organization_id, base_model_id, dataset_id, status, method, hyperparameters, deployment, assessment,
            risk_tier, audit_required, quote_amount, policy_version, policy_sha256, gate, accepted_records, accepted_tokens,
            training_summary, audit_pool_id, deployed_risk_tier, created_at, updated_at
         from job where id = $1 and ($2::uuid is null or organization_id = $2) for update",
        id,
        scope.organization_filter()
    )
    .fetch_optional(conn)
    .await
    .context("failed to lock a job")
}

/// A page of a scope's jobs, newest first, after the keyset `(created_at, id)`.
pub async fn list(
    conn: &mut PgConnection,
    scope: &OrgScope,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> anyhow::Result<Vec<JobRow>> {
    sqlx::query_as!(
        JobRow,
        "select id, organization_id, base_model_id, dataset_id, status, method, hyperparameters, deployment, assessment,
            risk_tier, audit_required, quote_amount, policy_version, policy_sha256, gate, accepted_records, accepted_tokens,
            training_summary, audit_pool_id, deployed_risk_tier, created_at, updated_at
         from job where ($1::uuid is null or organization_id = $1)
           and ($2::timestamptz is null or (created_at, id) < ($2, $3))
         order by created_at desc, id desc limit $4",
        scope.organization_filter(),
        after.map(|a| a.0),
        after.map(|a| a.1),
        limit
    )
    .fetch_all(conn)
    .await
    .context("failed to list jobs")
}

/// Moves a job from `from` to `to`; false when it was no longer in `from`.
pub async fn transition(conn: &mut PgConnection, id: Uuid, from: &str, to: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!("update job set status = $3 where id = $1 and status = $2", id, from, to)
        .execute(conn)
        .await
        .context("failed to change a job's status")?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor_id: Option<Uuid>,
    pub detail: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub struct NewEvent<'a> {
    pub job_id: Uuid,
    pub kind: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub actor_id: Option<Uuid>,
    pub detail: &'a serde_json::Value,
}

pub async fn insert_event(conn: &mut PgConnection, e: &NewEvent<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into job_event (job_id, kind, from_status, to_status, actor_id, detail) values ($1, $2, $3, $4, $5, $6)",
        e.job_id,
        e.kind,
        e.from_status,
        e.to_status,
        e.actor_id,
        e.detail
    )
    .execute(conn)
    .await
    .context("failed to insert a job event")?;
    Ok(())
}

/// Records that a job is held and why, unless its latest event already says the same.
pub async fn insert_held_event(conn: &mut PgConnection, job_id: Uuid, detail: &serde_json::Value) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into job_event (job_id, kind, detail)
         select $1, 'held', $2
         where not exists (select 1 from (select kind, detail from job_event where job_id = $1 order by id desc limit 1) last
                           where last.kind = 'held' and last.detail = $2)",
        job_id,
        detail
    )
    .execute(conn)
    .await
    .context("failed to record a held job")?;
    Ok(())
}

/// Paid jobs (waiting to move on), oldest first: the watcher retries them when their funds may
/// have become readable (a chain that was away).
pub async fn paid_ids(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<Uuid>> {
    sqlx::query_scalar!("select id from job where status = 'paid' order by updated_at limit $1", limit)
        .fetch_all(conn)
        .await
        .context("failed to list paid jobs")
}

pub async fn events(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "select id, kind, from_status, to_status, actor_id, detail, created_at from job_event where job_id = $1 order by id",
        job_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's events")
}

/// Every record the job left out, with its reasons, in upload order.
pub async fn exclusions(conn: &mut PgConnection, job_id: Uuid, limit: i64) -> anyhow::Result<Vec<(String, serde_json::Value)>> {
    let rows = sqlx::query!(
        "select e.record_id, e.reasons from job_record_exclusion e join job j on j.id = e.job_id
         join dataset_record r on r.dataset_id = j.dataset_id and r.record_id = e.record_id
         where e.job_id = $1 order by r.seq limit $2",
        job_id,
        limit
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's excluded records")?;
    Ok(rows.into_iter().map(|r| (r.record_id, r.reasons)).collect())
}

/// Whom a job's notifications go to: the user who created it.
pub async fn creator_email(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<(String, String)>> {
    let row = sqlx::query!("select u.email, u.name from job j join app_user u on u.id = j.created_by where j.id = $1", job_id)
        .fetch_optional(conn)
        .await
        .context("failed to read a job's creator")?;
    Ok(row.map(|r| (r.email, r.name)))
}

/// Jobs waiting for the platform's own review (`audit`, in no pool), oldest first.
pub async fn awaiting_review(conn: &mut PgConnection, limit: i64) -> anyhow::Result<Vec<JobRow>> {
    sqlx::query_as!(
        JobRow,
        "select id, organization_id, base_model_id, dataset_id, status, method, hyperparameters, deployment, assessment,
            risk_tier, audit_required, quote_amount, policy_version, policy_sha256, gate, accepted_records, accepted_tokens,
            training_summary, audit_pool_id, deployed_risk_tier, created_at, updated_at
         from job where status = 'audit' and audit_pool_id is null order by updated_at limit $1",
        limit
    )
    .fetch_all(conn)
    .await
    .context("failed to list jobs awaiting review")
}

/// The newest review decision recorded on a job (the `detail` of its last `review` event).
pub async fn last_review(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<(serde_json::Value, DateTime<Utc>)>> {
    let row =
        sqlx::query!("select detail, created_at from job_event where job_id = $1 and kind = 'review' order by id desc limit 1", job_id)
            .fetch_optional(conn)
            .await
            .context("failed to read a job's review")?;
    Ok(row.map(|r| (r.detail, r.created_at)))
}
