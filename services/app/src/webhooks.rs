//! What every provider webhook goes through before its effect: the provider's adapter verifies the
//! signature over the raw body and reads it; the event id is then recorded, so a replay is refused
//! and an event is applied once.

use attune_domain::providers::WebhookRejection;
use sqlx::PgConnection;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("unknown provider")]
    UnknownProvider,
    #[error(transparent)]
    Rejected(#[from] WebhookRejection),
    #[error("event {0} was already received")]
    Replayed(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl WebhookError {
    pub(crate) fn unreadable(what: impl Into<String>) -> Self {
        WebhookError::Rejected(WebhookRejection::Unreadable(what.into()))
    }
}

/// Records the event's id for its source in the caller's transaction; an id seen before is a replay.
pub(crate) async fn first_sight(conn: &mut PgConnection, source: &str, event_id: &str) -> Result<(), WebhookError> {
    if attune_db::received_webhooks::record(conn, source, event_id).await? {
        Ok(())
    } else {
        Err(WebhookError::Replayed(event_id.to_owned()))
    }
}
