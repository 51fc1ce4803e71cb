//! Datasets and their records. Records are inserted in batches through `unnest`, so an upload of a
//! million lines is a few thousand statements inside one transaction.

use anyhow::Context;
use attune_domain::OrgScope;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DatasetRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
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

/// A placeholder digest until the upload's last record is in.
pub const PENDING_MANIFEST: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct NewDataset<'a> {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: Uuid,
    pub name: &'a str,
    pub data_policy_version: &'a str,
    pub data_policy_sha256: &'a str,
}

pub async fn create(conn: &mut PgConnection, d: &NewDataset<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into dataset (id, organization_id, created_by, name, status, manifest_sha256, record_count, token_count, pii_records,
            data_policy_version, data_policy_sha256)
         values ($1, $2, $3, $4, 'scanning', $5, 0, 0, 0, $6, $7)",
        d.id,
        d.organization_id,
        d.created_by,
        d.name,
        PENDING_MANIFEST,
        d.data_policy_version,
        d.data_policy_sha256,
    )
    .execute(conn)
    .await
    .context("failed to insert a dataset")?;
    Ok(())
}

/// One record as stored, before or after its opt-out scan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecordRow {
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
    pub optout: Option<serde_json::Value>,
    pub optout_checked_at: Option<DateTime<Utc>>,
    pub optout_recheck_at: Option<DateTime<Utc>>,
    pub gate: String,
    pub gate_reasons: serde_json::Value,
    pub review_decision: Option<String>,
    pub review_notes: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// Set on a tombstone: the content was erased (GDPR Art. 17); id and content hash remain.
    pub erased_at: Option<DateTime<Utc>>,
}

/// Inserts a batch of new records; returns the `seq` of every record whose id was new, so the
/// caller can name the lines whose ids repeat an earlier one.
pub async fn insert_records(conn: &mut PgConnection, dataset_id: Uuid, batch: &[RecordRow]) -> anyhow::Result<Vec<i64>> {
    let col = |f: fn(&RecordRow) -> Option<String>| batch.iter().map(f).collect::<Vec<_>>();
    let ids: Vec<String> = batch.iter().map(|r| r.record_id.clone()).collect();
    let seqs: Vec<i64> = batch.iter().map(|r| r.seq).collect();
    let pii: Vec<String> = batch.iter().map(|r| serde_json::Value::from(r.pii_subject_ids.clone()).to_string()).collect();
    let special: Vec<String> = batch.iter().map(|r| serde_json::Value::from(r.special_categories.clone()).to_string()).collect();
    let tokens: Vec<i64> = batch.iter().map(|r| r.tokens).collect();
    let reasons: Vec<serde_json::Value> = batch.iter().map(|r| r.gate_reasons.clone()).collect();
    let text = col(|r| r.text.clone());
    let uri = col(|r| r.uri.clone());
    let source_url = col(|r| r.source_url.clone());
    let domain = col(|r| r.domain.clone());
    let content_hash = col(|r| Some(r.content_hash.clone()));
    let licence_kind = col(|r| Some(r.licence_kind.clone()));
    let licence_ref = col(|r| r.licence_ref.clone());
    let gate = col(|r| Some(r.gate.clone()));
    sqlx::query_scalar!(
        r#"insert into dataset_record (dataset_id, record_id, seq, text, uri, source_url, domain, content_hash, licence_kind, licence_ref,
            pii_subject_ids, special_categories, tokens, gate, gate_reasons)
         select $1, v.record_id, v.seq, v.text, v.uri, v.source_url, v.domain, v.content_hash, v.licence_kind, v.licence_ref,
            array(select jsonb_array_elements_text(v.pii::jsonb)), array(select jsonb_array_elements_text(v.special::jsonb)),
            v.tokens, v.gate, v.reasons
         from unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
            $11::text[], $12::bigint[], $13::text[], $14::jsonb[], $15::text[])
            as v(record_id, seq, text, uri, source_url, domain, content_hash, licence_kind, licence_ref, pii, tokens, gate, reasons, special)
         on conflict (dataset_id, record_id) do nothing
         returning seq as "seq!""#,
        dataset_id,
        &ids[..],
        &seqs[..],
        &text[..] as &[Option<String>],
        &uri[..] as &[Option<String>],
        &source_url[..] as &[Option<String>],
        &domain[..] as &[Option<String>],
        &content_hash[..] as &[Option<String>],
        &licence_kind[..] as &[Option<String>],
        &licence_ref[..] as &[Option<String>],
        &pii[..],
        &tokens[..],
        &gate[..] as &[Option<String>],
        &reasons[..],
        &special[..],
    )
    .fetch_all(conn)
    .await
    .context("failed to insert dataset records")
}

pub struct UploadTotals<'a> {
    pub manifest_sha256: &'a str,
    pub record_count: i64,
    pub token_count: i64,
    pub pii_records: i64,
    pub special_category_records: i64,
    /// `scanning` when web records await the opt-out scanner, else `ready`.
    pub status: &'a str,
}

pub async fn finish_upload(conn: &mut PgConnection, id: Uuid, t: &UploadTotals<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        "update dataset set manifest_sha256 = $2, record_count = $3, token_count = $4, pii_records = $5, status = $6,
            special_category_records = $7, scanned_at = case when $6 = 'ready' then now() else null end
         where id = $1",
        id,
        t.manifest_sha256,
        t.record_count,
        t.token_count,
        t.pii_records,
        t.status,
        t.special_category_records,
    )
    .execute(conn)
    .await
    .context("failed to finish a dataset upload")?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, scope: &OrgScope, id: Uuid) -> anyhow::Result<Option<DatasetRow>> {
    sqlx::query_as!(
        DatasetRow,
        "select id, organization_id, name, status, manifest_sha256, record_count, token_count, pii_records, special_category_records,
            data_policy_version, data_policy_sha256, scanned_at, created_at
         from dataset where id = $1 and ($2::uuid is null or organization_id = $2)",
        id,
        scope.organization_filter(),
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a dataset")
}

/// A scope's datasets, newest first.
/// Datasets in scope, newest first, after the `(created_at, id)` of the previous page's last one.
pub async fn list(
    conn: &mut PgConnection,
    scope: &OrgScope,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> anyhow::Result<Vec<DatasetRow>> {
    sqlx::query_as!(
        DatasetRow,
        "select id, organization_id, name, status, manifest_sha256, record_count, token_count, pii_records, special_category_records,
            data_policy_version, data_policy_sha256, scanned_at, created_at
         from dataset where ($1::uuid is null or organization_id = $1)
           and ($2::timestamptz is null or (created_at, id) < ($2, $3))
         order by created_at desc, id desc limit $4",
        scope.organization_filter(),
        after.map(|a| a.0),
        after.map(|a| a.1),
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list datasets")
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct GateCounts {
    pub total: i64,
    pub allowed: i64,
    pub blocked: i64,
    pub review: i64,
}

pub async fn gate_counts(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<GateCounts> {
    sqlx::query_as!(
        GateCounts,
        r#"select count(*) as "total!",
                count(*) filter (where gate = 'allowed') as "allowed!",
                count(*) filter (where gate = 'blocked') as "blocked!",
                count(*) filter (where gate = 'review') as "review!"
         from dataset_record where dataset_id = $1"#,
        id,
    )
    .fetch_one(conn)
    .await
    .context("failed to count a dataset's gate verdicts")
}

/// Records per source domain.
pub async fn domains(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"select domain as "domain!", count(*) as "count!" from dataset_record where dataset_id = $1 and domain is not null group by domain"#,
        id,
    )
    .fetch_all(conn)
    .await
    .context("failed to count a dataset's domains")?;
    Ok(rows.into_iter().map(|r| (r.domain, r.count)).collect())
}

/// A page of records in upload order, optionally only those with one gate verdict.
pub async fn records(conn: &mut PgConnection, id: Uuid, gate: Option<&str>, after_seq: i64, limit: i64) -> anyhow::Result<Vec<RecordRow>> {
    sqlx::query_as!(
        RecordRow,
        "select record_id, seq, text, uri, source_url, domain, content_hash, licence_kind, licence_ref, pii_subject_ids, special_categories,
            tokens, optout_status, optout, optout_checked_at, optout_recheck_at, gate, gate_reasons, review_decision, review_notes,
            reviewed_at, erased_at
         from dataset_record
         where dataset_id = $1 and ($2::text is null or gate = $2) and seq > $3 order by seq limit $4",
        id,
        gate,
        after_seq,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list dataset records")
}

pub async fn record_for_update(conn: &mut PgConnection, id: Uuid, record_id: &str) -> anyhow::Result<Option<RecordRow>> {
    sqlx::query_as!(
        RecordRow,
        "select record_id, seq, text, uri, source_url, domain, content_hash, licence_kind, licence_ref, pii_subject_ids, special_categories,
            tokens, optout_status, optout, optout_checked_at, optout_recheck_at, gate, gate_reasons, review_decision, review_notes,
            reviewed_at, erased_at
         from dataset_record where dataset_id = $1 and record_id = $2 for update",
        id,
        record_id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a dataset record")
}

/// Gate counts of several datasets at once (for lists).
pub async fn gate_counts_many(conn: &mut PgConnection, ids: &[Uuid]) -> anyhow::Result<Vec<(Uuid, GateCounts)>> {
    let rows = sqlx::query!(
        r#"select dataset_id, count(*) as "total!",
                count(*) filter (where gate = 'allowed') as "allowed!",
                count(*) filter (where gate = 'blocked') as "blocked!",
                count(*) filter (where gate = 'review') as "review!"
         from dataset_record where dataset_id = any($1) group by dataset_id"#,
        ids,
    )
    .fetch_all(conn)
    .await
    .context("failed to count the gate verdicts of datasets")?;
    Ok(rows
        .into_iter()
        .map(|r| (r.dataset_id, GateCounts { total: r.total, allowed: r.allowed, blocked: r.blocked, review: r.review }))
        .collect())
}
