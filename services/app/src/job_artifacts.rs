//! What a buyer takes away from a completed job: the shard adapters (with their sha256) and the
//! fine-tune certificate. Another organisation's job is a 404.

use anyhow::Context;
use serde::Serialize;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;

use crate::error::AppError;

/// An artifact file to send, with its digest.
pub struct Download {
    /// Where the artifact store keeps it.
    pub location: String,
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

/// Shard `shard`'s delivered artifact `name` of a job the actor's organisation owns.
pub async fn download(pool: &PgPool, actor: &Actor, job_id: Uuid, shard: i32, name: &str) -> Result<Download, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::jobs::get(&mut conn, &actor.scope(), job_id).await?.ok_or(AppError::NotFound)?;
    let delivered = attune_db::certificates::delivered(&mut conn, job_id).await?;
    let d = delivered.into_iter().find(|d| d.shard_index == shard && d.name == name).ok_or(AppError::NotFound)?;
    Ok(Download { location: d.location, name: d.name, sha256: d.sha256, size: u64::try_from(d.size).unwrap_or(0) })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    /// The certificate (canonical JSON's content); its sha256 is over RFC 8785 canonical JSON.
    #[schema(value_type = Object)]
    pub certificate: serde_json::Value,
    pub sha256: String,
    pub version: i32,
    /// `{kind: 2, tx_hash, block}` once the registry transaction is mined; `null` before.
    #[schema(value_type = Object)]
    pub anchor: Option<serde_json::Value>,
}

/// The job's current fine-tune certificate; 404 before aggregation.
pub async fn certificate(pool: &PgPool, actor: &Actor, job_id: Uuid) -> Result<CertificateView, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::jobs::get(&mut conn, &actor.scope(), job_id).await?.ok_or(AppError::NotFound)?;
    let c = attune_db::certificates::current(&mut conn, job_id).await?.ok_or(AppError::NotFound)?;
    Ok(CertificateView {
        certificate: c.body,
        sha256: c.sha256,
        version: c.version,
        anchor: c.anchor_tx_hash.map(|tx| serde_json::json!({"kind": 2, "tx_hash": tx, "block": c.anchor_block})),
    })
}
