//! Training workers (API.md "Workers"): created by an admin with a scoped bearer token that is shown
//! once and stored as its sha256. A worker token opens `/api/v1/worker/*` only; it is not a user
//! session, and a user's session is not a worker token. Workers never hold database credentials.

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
use crate::tokens::{new_token, token_sha256};

/// Worker tokens carry a prefix so that they are told apart from session tokens at a glance.
pub const TOKEN_PREFIX: &str = "atw_";

/// The worker a request authenticated as.
#[derive(Debug, Clone)]
pub struct WorkerIdentity {
    pub id: Uuid,
    pub name: String,
}

impl WorkerIdentity {
    pub fn audit_id(&self) -> String {
        format!("worker:{}", self.id)
    }
}

pub struct CreatedWorker {
    pub id: Uuid,
    /// Shown once; only its sha256 is kept.
    pub token: String,
}

#[tracing::instrument(skip_all)]
pub async fn create(pool: &PgPool, actor: &Actor, name: &str) -> Result<CreatedWorker, AppError> {
    actor.admin_scope()?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field("name", "must be 1 to 100 characters"));
    }
    let id = Uuid::new_v4();
    let token = format!("{TOKEN_PREFIX}{}", new_token());
    let mut tx = pool.begin().await.context("failed to begin creating a worker")?;
    attune_db::workers::insert(&mut tx, id, name, &token_sha256(&token), actor.user_id).await?;
    attune_db::audit::append(&mut tx, &actor.audit_id(), "worker.created", &format!("worker:{id}"), &json!({"name": name})).await?;
    tx.commit().await.context("failed to commit a worker")?;
    Ok(CreatedWorker { id, token })
}

/// The worker a bearer token belongs to, if any.
pub async fn authenticate(pool: &PgPool, token: &str) -> anyhow::Result<Option<WorkerIdentity>> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 256 {
        return Ok(None);
    }
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let found = attune_db::workers::find_by_token(&mut conn, &token_sha256(token)).await?;
    Ok(found.map(|(id, name)| WorkerIdentity { id, name }))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CurrentRun {
    pub run_id: Uuid,
    pub job_id: Uuid,
    pub shard_index: i32,
    pub lease_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WorkerView {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = Object)]
    pub capabilities: serde_json::Value,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub current_run: Option<CurrentRun>,
}

pub async fn list(pool: &PgPool, actor: &Actor) -> Result<Vec<WorkerView>, AppError> {
    actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let rows = attune_db::workers::list(&mut conn).await?;
    Ok(rows
        .into_iter()
        .map(|w| WorkerView {
            id: w.id,
            name: w.name,
            capabilities: w.capabilities,
            last_heartbeat_at: w.last_heartbeat_at,
            created_at: w.created_at,
            current_run: match (w.current_run_id, w.current_job_id, w.current_shard_index) {
                (Some(run_id), Some(job_id), Some(shard_index)) => {
                    Some(CurrentRun { run_id, job_id, shard_index, lease_expires_at: w.current_lease_expires_at })
                }
                _ => None,
            },
        })
        .collect())
}

/// The worker `attune serve` runs in-process: one per host, its token rotated on every start and
/// kept in memory only.
pub async fn register_in_process(pool: &PgPool, host: &str) -> Result<CreatedWorker, AppError> {
    let token = format!("{TOKEN_PREFIX}{}", new_token());
    let name: String = format!("in-process worker ({host})").chars().take(100).collect();
    let mut tx = pool.begin().await.context("failed to begin registering the in-process worker")?;
    let id = attune_db::workers::upsert_system(&mut tx, &format!("in-process:{host}"), &name, &token_sha256(&token)).await?;
    attune_db::audit::append(&mut tx, "system:serve", "worker.started", &format!("worker:{id}"), &json!({"name": name})).await?;
    tx.commit().await.context("failed to commit the in-process worker")?;
    Ok(CreatedWorker { id, token })
}
