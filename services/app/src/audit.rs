//! Writing and verifying the audit log.

use attune_domain::audit::{ChainBreak, ChainVerifier};
use sqlx::PgPool;

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Broken(#[from] ChainBreak),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Recomputes the whole chain; returns how many entries are intact, or the first bad entry.
#[tracing::instrument(skip_all)]
pub async fn verify(pool: &PgPool) -> Result<u64, VerifyError> {
    let mut conn = pool.acquire().await.map_err(anyhow::Error::from)?;
    // One snapshot for the walk and the head, so concurrent writers cannot confuse it.
    let mut tx = attune_db::audit::begin_snapshot(&mut conn).await?;
    let mut verifier = ChainVerifier::new();
    let mut after = 0i64;
    loop {
        let page = attune_db::audit::page(&mut tx, after, 1000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for record in &page {
            verifier.push(record)?;
        }
    }
    let head = attune_db::audit::head(&mut tx).await?;
    tx.rollback().await.map_err(anyhow::Error::from)?;
    Ok(verifier.finish(head)?)
}
