//! A job's obligations (copied from its assessment at creation) and the documents that satisfy them.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ObligationRow {
    pub obligation_id: String,
    pub article: String,
    pub title: String,
    pub blocking: bool,
    pub template: String,
    pub status: String,
    pub satisfied_by: Option<String>,
    pub satisfied_at: Option<DateTime<Utc>>,
    /// Set for an obligation a usage report phased in (graduated transition), with its due date.
    pub phase: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
}

pub struct NewObligation<'a> {
    pub obligation_id: &'a str,
    pub article: &'a str,
    pub title: &'a str,
    pub blocking: bool,
    pub template: &'a str,
    /// `Some(how)` when the obligation is met the moment the job exists (the gate, a generated document).
    pub satisfied_by: Option<&'a str>,
}

pub async fn insert(conn: &mut PgConnection, job_id: Uuid, items: &[NewObligation<'_>]) -> anyhow::Result<()> {
    for (position, o) in items.iter().enumerate() {
        sqlx::query!(
            "insert into job_obligation (job_id, position, obligation_id, article, title, blocking, template, status, satisfied_by,
                satisfied_at)
             values ($1, $2, $3, $4, $5, $6, $7, case when $8::text is null then 'open' else 'satisfied' end, $8,
                case when $8::text is null then null else now() end)",
            job_id,
            i32::try_from(position).unwrap_or(i32::MAX),
            o.obligation_id,
            o.article,
            o.title,
            o.blocking,
            o.template,
            o.satisfied_by,
        )
        .execute(&mut *conn)
        .await
        .context("failed to insert a job obligation")?;
    }
    Ok(())
}

pub async fn list(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<ObligationRow>> {
    sqlx::query_as!(
        ObligationRow,
        "select obligation_id, article, title, blocking, template, status, satisfied_by, satisfied_at, phase, due_at from job_obligation
         where job_id = $1 order by position",
        job_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's obligations")
}

/// Marks the open obligations that `template` satisfies; returns their ids.
/// `except`: obligations a document never satisfies (a third party's review).
pub async fn satisfy_with_template(
    conn: &mut PgConnection,
    job_id: Uuid,
    template: &str,
    by: &str,
    except: &[&str],
) -> anyhow::Result<Vec<String>> {
    let except: Vec<String> = except.iter().map(|s| (*s).to_owned()).collect();
    sqlx::query_scalar!(
        "update job_obligation set status = 'satisfied', satisfied_by = $3, satisfied_at = now()
         where job_id = $1 and template = $2 and status = 'open' and not (obligation_id = any($4)) returning obligation_id",
        job_id,
        template,
        by,
        &except[..],
    )
    .fetch_all(conn)
    .await
    .context("failed to satisfy a job's obligations")
}

/// Reopens the obligations a document of `template` satisfied (`by`): its newest revision says
/// something that cannot satisfy them.
pub async fn reopen_with_template(conn: &mut PgConnection, job_id: Uuid, template: &str, by: &str) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar!(
        "update job_obligation set status = 'open', satisfied_by = null, satisfied_at = null
         where job_id = $1 and template = $2 and status = 'satisfied' and satisfied_by = $3 returning obligation_id",
        job_id,
        template,
        by,
    )
    .fetch_all(conn)
    .await
    .context("failed to reopen a job's obligations")
}

/// Blocking obligations still open, excluding the ones a later stage satisfies (`except`). An
/// obligation phased in after the job was quoted (graduated transition) has a due date instead.
pub async fn open_blocking(conn: &mut PgConnection, job_id: Uuid, except: &[&str]) -> anyhow::Result<Vec<String>> {
    let except: Vec<String> = except.iter().map(|s| (*s).to_owned()).collect();
    sqlx::query_scalar!(
        "select obligation_id from job_obligation where job_id = $1 and blocking and status = 'open' and phase is null
            and not (obligation_id = any($2)) order by position",
        job_id,
        &except[..],
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's open obligations")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DocumentRow {
    pub template: String,
    pub revision: i32,
    pub template_version: String,
    pub template_sha256: String,
    pub fields: serde_json::Value,
    pub submitted_by: Uuid,
    pub submitted_at: DateTime<Utc>,
}

pub struct NewDocument<'a> {
    pub job_id: Uuid,
    pub template: &'a str,
    pub template_version: &'a str,
    pub template_sha256: &'a str,
    pub fields: &'a serde_json::Value,
    pub submitted_by: Uuid,
}

/// Stores a new revision of a document; returns the revision number.
pub async fn insert_document(conn: &mut PgConnection, d: &NewDocument<'_>) -> anyhow::Result<i32> {
    sqlx::query_scalar!(
        "insert into job_document (job_id, template, revision, template_version, template_sha256, fields, submitted_by)
         values ($1, $2, coalesce((select max(revision) from job_document where job_id = $1 and template = $2), 0) + 1, $3, $4, $5, $6)
         returning revision",
        d.job_id,
        d.template,
        d.template_version,
        d.template_sha256,
        d.fields,
        d.submitted_by,
    )
    .fetch_one(conn)
    .await
    .context("failed to store a job document")
}

/// The revision in force of each document of a job.
pub async fn documents(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Vec<DocumentRow>> {
    sqlx::query_as!(
        DocumentRow,
        "select distinct on (template) template, revision, template_version, template_sha256, fields, submitted_by, submitted_at
         from job_document where job_id = $1 order by template, revision desc",
        job_id,
    )
    .fetch_all(conn)
    .await
    .context("failed to list a job's documents")
}

/// Satisfies one open obligation (a review); false when it is not open (or not the job's).
pub async fn satisfy(conn: &mut PgConnection, job_id: Uuid, obligation_id: &str, by: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update job_obligation set status = 'satisfied', satisfied_by = $3, satisfied_at = now()
         where job_id = $1 and obligation_id = $2 and status = 'open'",
        job_id,
        obligation_id,
        by,
    )
    .execute(conn)
    .await
    .context("failed to satisfy an obligation")?;
    Ok(done.rows_affected() == 1)
}
