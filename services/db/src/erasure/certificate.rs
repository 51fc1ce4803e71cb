//! An erasure's certificate: reading it, storing it as the request completes, and recording where
//! it was anchored.

use anyhow::Context;
use sqlx::PgConnection;
use uuid::Uuid;

/// The certificate columns of a request.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ErasureCertificate {
    pub certificate: Option<serde_json::Value>,
    pub certificate_sha256: Option<String>,
    pub anchor_tx_hash: Option<String>,
    pub anchor_block: Option<i64>,
}

pub async fn certificate(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<ErasureCertificate>> {
    sqlx::query_as!(
        ErasureCertificate,
        "select certificate, certificate_sha256, anchor_tx_hash, anchor_block from erasure_request where id = $1",
        id
    )
    .fetch_optional(conn)
    .await
    .context("failed to read an erasure certificate")
}

/// Stores the certificate and completes the request, guarded on the status it leaves.
pub async fn complete(
    conn: &mut PgConnection,
    id: Uuid,
    from: &str,
    certificate: &serde_json::Value,
    sha256: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update erasure_request set status = 'completed', completed_at = now(), certificate = $3, certificate_sha256 = $4
         where id = $1 and status = $2",
        id,
        from,
        certificate,
        sha256
    )
    .execute(conn)
    .await
    .context("failed to complete an erasure request")?;
    Ok(done.rows_affected() == 1)
}

/// Records where an erasure certificate was anchored (the subject `erasure:<id>`).
pub async fn set_anchor(conn: &mut PgConnection, id: Uuid, tx_hash: &str, block: i64) -> anyhow::Result<()> {
    sqlx::query!("update erasure_request set anchor_tx_hash = $2, anchor_block = $3 where id = $1", id, tx_hash, block)
        .execute(conn)
        .await
        .context("failed to record an erasure certificate's anchor")?;
    Ok(())
}
