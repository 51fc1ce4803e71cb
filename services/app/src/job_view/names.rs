//! What a job refers to, by name: its base model and its dataset, for pages that would otherwise
//! show their ids.

use anyhow::Context;
use sqlx::PgPool;

use super::JobView;
use crate::Actor;
use crate::error::AppError;

/// The names of what a job refers to; `None` where the thing is gone or not the reader's to see.
#[derive(Debug, Clone, Default)]
pub struct JobNames {
    /// "Name version" of the base model.
    pub model: Option<String>,
    pub dataset: Option<String>,
}

pub async fn names(pool: &PgPool, actor: &Actor, job: &JobView) -> Result<JobNames, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let model = attune_db::models::get(&mut conn, job.base_model_id).await?.map(|m| format!("{} {}", m.name, m.version));
    let dataset = attune_db::datasets::get(&mut conn, &actor.scope(), job.dataset_id).await?.map(|d| d.name);
    Ok(JobNames { model, dataset })
}
