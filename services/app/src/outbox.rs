//! Delivering outbox items. `try_deliver_next` does one item so tests can drive it step by step;
//! the background task loops over it.

use std::time::Duration;

use anyhow::Context;
use attune_domain::notification::{OutgoingEmail, retry_delay_secs};
use attune_integrations::mail::Mailer;
use sqlx::PgPool;
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Failed; retried later, or given up when attempts ran out.
    Failed,
    /// Nothing is due.
    Empty,
}

#[derive(Clone)]
pub struct OutboxDelivery {
    pub mailer: Mailer,
    pub mail_from: String,
    pub max_attempts: u32,
}

impl OutboxDelivery {
    #[tracing::instrument(skip_all)]
    pub async fn try_deliver_next(&self, pool: &PgPool) -> anyhow::Result<DeliveryOutcome> {
        let mut tx = pool.begin().await.context("failed to begin outbox transaction")?;
        let Some(item) = attune_db::outbox::claim_due(&mut tx).await? else {
            return Ok(DeliveryOutcome::Empty);
        };
        let result = match item.kind.as_str() {
            "email" => match serde_json::from_value::<OutgoingEmail>(item.payload.clone()) {
                Ok(email) => self.mailer.send(&self.mail_from, &email).await,
                Err(e) => Err(anyhow::anyhow!("malformed e-mail payload: {e}")),
            },
            other => Err(anyhow::anyhow!("unknown outbox kind {other}")),
        };
        let outcome = match result {
            Ok(()) => {
                attune_db::outbox::mark_delivered(&mut tx, item.id).await?;
                tracing::info!(outbox_id = %item.id, "outbox item delivered");
                DeliveryOutcome::Delivered
            }
            Err(error) => {
                let attempt = u32::try_from(item.attempts).unwrap_or(0) + 1;
                let retry_at =
                    retry_delay_secs(attempt, self.max_attempts).map(|s| chrono::Utc::now() + chrono::Duration::seconds(s as i64));
                tracing::warn!(outbox_id = %item.id, attempt, error = format!("{error:#}"), gives_up = retry_at.is_none(), "outbox delivery failed");
                attune_db::outbox::mark_failed(&mut tx, item.id, &format!("{error:#}"), retry_at).await?;
                DeliveryOutcome::Failed
            }
        };
        tx.commit().await.context("failed to commit outbox delivery")?;
        Ok(outcome)
    }

    /// Delivers until nothing is due (tests; also the inner loop of the background task).
    pub async fn deliver_all_due(&self, pool: &PgPool) -> anyhow::Result<usize> {
        let mut handled = 0;
        while self.try_deliver_next(pool).await? != DeliveryOutcome::Empty {
            handled += 1;
        }
        Ok(handled)
    }

    /// The background task: deliver what is due, then poll again shortly; stops on shutdown.
    pub async fn run(self, pool: PgPool, mut shutdown: watch::Receiver<bool>) {
        loop {
            if let Err(error) = self.deliver_all_due(&pool).await {
                tracing::error!(error = format!("{error:#}"), "outbox delivery loop error");
            }
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                _ = shutdown.changed() => return,
            }
        }
    }
}
