//! The gate's writes: opt-out verdicts from the scanner, reviewers' decisions, and the grouping the
//! job gate works from.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Leases the oldest dataset waiting for its scan (or one whose scanner's lease is older than
/// `lease_secs`, e.g. after a crash); the scan itself runs outside any transaction.
pub async fn lease_scanning(conn: &mut PgConnection, lease_secs: i64) -> anyhow::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "update dataset set scan_started_at = now()
         where id = (select id from dataset
                     where status = 'scanning' and (scan_started_at is null or scan_started_at < now() - make_interval(secs => $1))
                     order by created_at limit 1 for update skip locked)
         returning id",
        lease_secs as f64,
    )
    .fetch_optional(conn)
    .await
    .context("failed to lease a dataset to scan")
}

/// The distinct source URLs of a dataset's web records.
pub async fn web_urls(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"select distinct source_url as "source_url!" from dataset_record
         where dataset_id = $1 and licence_kind = 'web' and source_url is not null"#,
        id,
    )
    .fetch_all(conn)
    .await
    .context("failed to list a dataset's web URLs")
}

/// The verdict for one URL and the gate outcome it gives the web records that cite it.
pub struct UrlOutcome {
    pub url: String,
    pub optout_status: String,
    pub optout: serde_json::Value,
    pub checked_at: DateTime<Utc>,
    pub recheck_at: DateTime<Utc>,
    pub gate: String,
    pub gate_reasons: serde_json::Value,
}

pub async fn apply_url_outcomes(conn: &mut PgConnection, id: Uuid, outcomes: &[UrlOutcome]) -> anyhow::Result<u64> {
    let urls: Vec<&str> = outcomes.iter().map(|o| o.url.as_str()).collect();
    let statuses: Vec<&str> = outcomes.iter().map(|o| o.optout_status.as_str()).collect();
    let optouts: Vec<serde_json::Value> = outcomes.iter().map(|o| o.optout.clone()).collect();
    let checked: Vec<DateTime<Utc>> = outcomes.iter().map(|o| o.checked_at).collect();
    let recheck: Vec<DateTime<Utc>> = outcomes.iter().map(|o| o.recheck_at).collect();
    let gates: Vec<&str> = outcomes.iter().map(|o| o.gate.as_str()).collect();
    let reasons: Vec<serde_json::Value> = outcomes.iter().map(|o| o.gate_reasons.clone()).collect();
    let done = sqlx::query!(
        "update dataset_record r set optout_status = v.status, optout = v.optout, optout_checked_at = v.checked,
            optout_recheck_at = v.recheck, gate = v.gate, gate_reasons = v.reasons
         from unnest($2::text[], $3::text[], $4::jsonb[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::jsonb[])
            as v(url, status, optout, checked, recheck, gate, reasons)
         where r.dataset_id = $1 and r.licence_kind = 'web' and r.source_url = v.url",
        id,
        &urls[..] as &[&str],
        &statuses[..] as &[&str],
        &optouts[..],
        &checked[..],
        &recheck[..],
        &gates[..] as &[&str],
        &reasons[..],
    )
    .execute(conn)
    .await
    .context("failed to record opt-out verdicts")?;
    Ok(done.rows_affected())
}

pub async fn mark_ready(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<bool> {
    let done = sqlx::query!("update dataset set status = 'ready', scanned_at = now() where id = $1 and status = 'scanning'", id)
        .execute(conn)
        .await
        .context("failed to mark a dataset ready")?;
    Ok(done.rows_affected() == 1)
}

pub struct Review<'a> {
    pub dataset_id: Uuid,
    pub record_id: &'a str,
    pub decision: &'a str,
    pub notes: &'a str,
    pub reviewer: Uuid,
    pub gate: &'a str,
    pub gate_reasons: &'a serde_json::Value,
}

/// Records a reviewer's decision on a record awaiting review; false when it no longer awaits one.
pub async fn decide_review(conn: &mut PgConnection, r: &Review<'_>) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update dataset_record set review_decision = $3, review_notes = $4, reviewed_by = $5, reviewed_at = now(), gate = $6,
            gate_reasons = $7
         where dataset_id = $1 and record_id = $2 and gate = 'review'",
        r.dataset_id,
        r.record_id,
        r.decision,
        r.notes,
        r.reviewer,
        r.gate,
        r.gate_reasons,
    )
    .execute(conn)
    .await
    .context("failed to record a review decision")?;
    Ok(done.rows_affected() == 1)
}

/// One entry of the reviewers' queue: a record awaiting review, with its dataset.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewItem {
    pub dataset_id: Uuid,
    pub dataset_name: String,
    pub organization_name: String,
    pub record_id: String,
    pub seq: i64,
    pub source_url: Option<String>,
    pub optout: Option<serde_json::Value>,
    pub gate_reasons: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Records awaiting review across all organisations (reviewers are platform staff), oldest dataset
/// first; after `after` (the dataset's `created_at` and `id`, the record's `seq`) when given.
pub async fn review_queue(
    conn: &mut PgConnection,
    after: Option<(DateTime<Utc>, Uuid, i64)>,
    limit: i64,
) -> anyhow::Result<Vec<ReviewItem>> {
    sqlx::query_as!(
        ReviewItem,
        "select d.id as dataset_id, d.name as dataset_name, o.name as organization_name, r.record_id, r.seq, r.source_url, r.optout,
            r.gate_reasons, d.created_at
         from dataset_record r join dataset d on d.id = r.dataset_id join organization o on o.id = d.organization_id
         where r.gate = 'review' and d.status = 'ready'
           and ($1::timestamptz is null or (d.created_at, d.id, r.seq) > ($1, $2, $3))
         order by d.created_at, d.id, r.seq limit $4",
        after.map(|a| a.0),
        after.map(|a| a.1),
        after.map(|a| a.2),
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to read the review queue")
}

/// Records grouped by everything the gate looks at, so the gate runs once per group.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GateGroup {
    pub licence_kind: String,
    pub optout_status: Option<String>,
    pub review_decision: Option<String>,
    pub records: i64,
    pub tokens: i64,
    pub pii_records: i64,
    /// Records that declare GDPR Art. 9 special-category data.
    pub special_records: i64,
}

pub async fn gate_groups(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Vec<GateGroup>> {
    sqlx::query_as!(
        GateGroup,
        r#"select licence_kind, optout_status, review_decision, count(*) as "records!", coalesce(sum(tokens), 0)::bigint as "tokens!",
            count(*) filter (where cardinality(pii_subject_ids) > 0) as "pii_records!",
            count(*) filter (where cardinality(special_categories) > 0) as "special_records!"
         from dataset_record where dataset_id = $1
         group by licence_kind, optout_status, review_decision order by 1, 2 nulls first, 3 nulls first"#,
        id,
    )
    .fetch_all(conn)
    .await
    .context("failed to group a dataset's records for the gate")
}

/// How many of a dataset's records a reviewer allowed after an inconclusive scan.
pub async fn reviewed_allowed(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<u64> {
    let n = sqlx::query_scalar!(r#"select count(*) as "n!" from dataset_record where dataset_id = $1 and review_decision = 'allow'"#, id)
        .fetch_one(conn)
        .await
        .context("failed to count reviewed records")?;
    Ok(n.max(0) as u64)
}
