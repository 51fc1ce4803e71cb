//! Reading datasets: one with its gate counts and source domains, a page of them, a page of records.

use anyhow::Context;
use attune_domain::dataset::{DomainShare, domain_shares};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
use crate::view::view;

view! {
    /// A dataset: its manifest, totals and the data policy its gate verdicts used.
    #[derive(Debug, Clone)]
    pub struct Dataset from attune_db::datasets::DatasetRow {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub name: String,
        /// `scanning` while web records wait for the opt-out scan, then `ready`.
        pub status: String,
        pub manifest_sha256: String,
        pub record_count: i64,
        pub token_count: i64,
        pub pii_records: i64,
        /// Records that declare GDPR Art. 9 special-category data.
        pub special_category_records: i64,
        pub data_policy_version: String,
        pub data_policy_sha256: String,
        pub scanned_at: Option<DateTime<Utc>>,
        pub created_at: DateTime<Utc>,
    }
}

view! {
    /// How many of a dataset's records the gate allowed, blocked or holds for review.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct GateCounts from attune_db::datasets::GateCounts {
        pub total: i64,
        pub allowed: i64,
        pub blocked: i64,
        pub review: i64,
    }
}

view! {
    /// One record: its content (or tombstone), licence, personal data, opt-out evidence and gate verdict.
    #[derive(Debug, Clone)]
    pub struct Record from attune_db::datasets::RecordRow {
        pub record_id: String,
        pub seq: i64,
        pub text: Option<String>,
        pub uri: Option<String>,
        pub source_url: Option<String>,
        pub domain: Option<String>,
        pub content_hash: String,
        pub licence_kind: String,
        pub licence_ref: Option<String>,
        pub pii_subject_ids: Vec<String>,
        pub special_categories: Vec<String>,
        pub tokens: i64,
        pub optout_status: Option<String>,
        /// The opt-out scan's verdict in its stored form (signals, evidence, policy).
        pub optout: Option<serde_json::Value>,
        pub optout_checked_at: Option<DateTime<Utc>>,
        pub optout_recheck_at: Option<DateTime<Utc>>,
        /// `allowed`, `blocked` or `review`.
        pub gate: String,
        pub gate_reasons: serde_json::Value,
        pub review_decision: Option<String>,
        pub review_notes: Option<String>,
        pub reviewed_at: Option<DateTime<Utc>>,
        /// Set on a tombstone: the content was erased (GDPR Art. 17); id and content hash remain.
        pub erased_at: Option<DateTime<Utc>>,
    }
}

pub struct DatasetView {
    pub dataset: Dataset,
    pub counts: GateCounts,
    pub domains: Vec<DomainShare>,
}

pub async fn get(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<DatasetView, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let dataset = attune_db::datasets::get(&mut conn, &actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    let counts = attune_db::datasets::gate_counts(&mut conn, id).await?;
    let domains = domain_shares(attune_db::datasets::domains(&mut conn, id).await?.into_iter().map(|(d, n)| (d, n.max(0) as u64)));
    Ok(DatasetView { dataset: dataset.into(), counts: counts.into(), domains })
}

/// The caller's latest datasets (at most 100), for choosing one on a page.
pub async fn list(pool: &PgPool, actor: &Actor) -> Result<Vec<Dataset>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::datasets::list(&mut conn, &actor.scope(), None, 100).await?.into_iter().map(Dataset::from).collect())
}

/// A page of the caller's datasets with their gate counts, newest first.
pub struct DatasetPage {
    pub items: Vec<(Dataset, GateCounts)>,
    pub next_cursor: Option<String>,
}

/// The caller's latest datasets with their gate counts.
pub async fn list_with_counts(pool: &PgPool, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<DatasetPage, AppError> {
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut rows = attune_db::datasets::list(&mut conn, &actor.scope(), after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut rows, limit, |d| (d.created_at, d.id));
    let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
    let counts = attune_db::datasets::gate_counts_many(&mut conn, &ids).await?;
    let items = rows
        .into_iter()
        .map(|d| {
            let c = counts.iter().find(|(id, _)| *id == d.id).map(|(_, c)| *c).unwrap_or_default();
            (Dataset::from(d), GateCounts::from(c))
        })
        .collect();
    Ok(DatasetPage { items, next_cursor })
}

pub struct RecordPage {
    pub items: Vec<Record>,
    pub next_cursor: Option<String>,
}

/// A page of a dataset's records; the owner and platform reviewers may read them.
pub async fn records(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    gate: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<RecordPage, AppError> {
    if let Some(g) = gate
        && !matches!(g, "allowed" | "blocked" | "review")
    {
        return Err(AppError::field("gate", "must be allowed, blocked or review"));
    }
    let after = match cursor {
        None => 0,
        Some(c) => crate::cursor::digits(c).ok_or_else(|| AppError::field("cursor", "is not a cursor this server issued"))?,
    };
    let limit = limit.clamp(1, 500);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let scope = crate::dataset_review::reviewer_or_owner_scope(actor);
    attune_db::datasets::get(&mut conn, &scope, id).await?.ok_or(AppError::NotFound)?;
    let mut items = attune_db::datasets::records(&mut conn, id, gate, after, limit + 1).await?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|r| r.seq.to_string())
    } else {
        None
    };
    Ok(RecordPage { items: items.into_iter().map(Record::from).collect(), next_cursor })
}
