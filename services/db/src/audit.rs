//! Append and read the hash-chained audit log.

use anyhow::Context;
use attune_domain::audit::{AuditRecord, GENESIS_HASH, entry_hash};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Advisory-lock key that serialises writers of the chain ("audit" in ASCII).
const AUDIT_LOCK_KEY: i64 = 0x0061_7564_6974;

/// Appends an entry in the caller's transaction. The advisory lock is held until that transaction
/// ends, so entries form one linear chain even with many writers and replicas.
#[tracing::instrument(skip(conn, data))]
pub async fn append(conn: &mut PgConnection, actor: &str, action: &str, subject: &str, data: &serde_json::Value) -> anyhow::Result<i64> {
    sqlx::query!("select pg_advisory_xact_lock($1)", AUDIT_LOCK_KEY).execute(&mut *conn).await.context("failed to take the audit lock")?;
    let allocated = sqlx::query!(r#"select nextval('audit_log_seq_seq') as "seq!", $1::jsonb::text as "data_text!""#, data)
        .fetch_one(&mut *conn)
        .await
        .context("failed to allocate an audit sequence number")?;
    let (seq, data_text) = (allocated.seq, allocated.data_text);
    let prev_hash: Vec<u8> = sqlx::query_scalar!("select hash from audit_head")
        .fetch_optional(&mut *conn)
        .await
        .context("failed to read the audit head")?
        .unwrap_or_else(|| GENESIS_HASH.to_vec());
    let now = Utc::now();
    // Stored with microsecond precision, so hash exactly what will be read back.
    let at = DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let hash = entry_hash(&prev_hash, seq, &at, actor, action, subject, &data_text);
    sqlx::query!(
        "insert into audit_log (seq, at, actor, action, subject, data, prev_hash, hash)
         values ($1, $2, $3, $4, $5, $6::text::jsonb, $7, $8)",
        seq,
        at,
        actor,
        action,
        subject,
        data_text,
        prev_hash,
        hash.as_slice(),
    )
    .execute(&mut *conn)
    .await
    .context("failed to insert audit entry")?;
    sqlx::query!(
        "insert into audit_head (singleton, seq, hash) values (true, $1, $2)
         on conflict (singleton) do update set seq = excluded.seq, hash = excluded.hash",
        seq,
        hash.as_slice(),
    )
    .execute(conn)
    .await
    .context("failed to move the audit head")?;
    Ok(seq)
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    subject: String,
    data: String,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        AuditRecord {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            action: r.action,
            subject: r.subject,
            data: r.data,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

/// A page of entries after `after_seq`, oldest first (for verification and the audit viewer).
pub async fn page(conn: &mut PgConnection, after_seq: i64, limit: i64) -> anyhow::Result<Vec<AuditRecord>> {
    let rows = sqlx::query_as!(
        AuditRow,
        r#"select seq, at, actor, action, subject, data::text as "data!", prev_hash, hash
         from audit_log where seq > $1 order by seq limit $2"#,
        after_seq,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to read audit entries")?;
    Ok(rows.into_iter().map(AuditRecord::from).collect())
}

/// Entries about one subject, newest first.
pub async fn for_subject(conn: &mut PgConnection, subject: &str, limit: i64) -> anyhow::Result<Vec<AuditRecord>> {
    let rows = sqlx::query_as!(
        AuditRow,
        r#"select seq, at, actor, action, subject, data::text as "data!", prev_hash, hash
         from audit_log where subject = $1 order by seq desc limit $2"#,
        subject,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to read audit entries for subject")?;
    Ok(rows.into_iter().map(AuditRecord::from).collect())
}

pub async fn head(conn: &mut PgConnection) -> anyhow::Result<Option<(i64, Vec<u8>)>> {
    let row = sqlx::query!("select seq, hash from audit_head").fetch_optional(conn).await.context("failed to read the audit head")?;
    Ok(row.map(|r| (r.seq, r.hash)))
}

/// A read-only, repeatable-read transaction: one snapshot for walking the chain and reading its
/// head, so concurrent writers cannot confuse a verification.
pub async fn begin_snapshot(conn: &mut PgConnection) -> anyhow::Result<sqlx::Transaction<'_, sqlx::Postgres>> {
    let mut tx = sqlx::Connection::begin(conn).await.context("failed to begin the audit snapshot")?;
    sqlx::query!("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await
        .context("failed to make the audit snapshot read-only")?;
    Ok(tx)
}
