use std::sync::Arc;

use attune_app::Settings;
use attune_app::accounts::AccountPolicy;
use attune_app::outbox::OutboxDelivery;
use attune_integrations::fetch::SafeFetcher;
use secrecy::SecretSlice;
use sqlx::PgPool;

/// What every handler can reach.
pub struct AppState {
    pub pool: PgPool,
    pub settings: Settings,
    pub policy: AccountPolicy,
    pub delivery: Arc<OutboxDelivery>,
    /// Outbound HTTP with the SSRF guard (model files now, opt-out signals later).
    pub fetcher: SafeFetcher,
    /// Key for CSRF tokens.
    pub csrf_key: SecretSlice<u8>,
    /// Whether the chain is configured (for `/readyz`); the chain arrives with the settlement issue.
    pub chain_configured: bool,
}
