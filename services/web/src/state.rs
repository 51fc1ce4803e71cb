use std::sync::Arc;

use attune_app::Settings;
use attune_app::accounts::AccountPolicy;
use attune_app::dataset_scan::DatasetScanning;
use attune_app::outbox::OutboxDelivery;
use attune_domain::data_policy::DataPolicy;
use attune_domain::documents::DocumentTemplates;
use attune_integrations::fetch::SafeFetcher;
use secrecy::SecretSlice;
use sqlx::PgPool;

/// What every handler can reach.
pub struct AppState {
    pub pool: PgPool,
    pub settings: Settings,
    pub policy: AccountPolicy,
    /// Whose forwarding headers name the client (login and registration limits).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    pub delivery: Arc<OutboxDelivery>,
    /// Outbound HTTP with the SSRF guard (model files now, opt-out signals later).
    pub fetcher: SafeFetcher,
    /// Key for CSRF tokens.
    pub csrf_key: SecretSlice<u8>,
    /// The chain (settlement), unless switched off.
    pub chain: Option<Arc<attune_app::chain::Chain>>,
    /// Sanctions screening over the lists in force (rebuilt on import).
    pub screening: Arc<attune_app::screening::ScreeningService>,
    /// KYC providers' webhook keys and the sandbox's address.
    pub kyc: Arc<attune_app::kyc::KycProviders>,
    /// Onramp providers' webhook keys and the sandbox's treasury.
    pub onramp: Arc<attune_app::onramp::OnrampProviders>,
    /// The opt-out scanner's and dataset gate's rules.
    pub data_policy: Arc<DataPolicy>,
    /// Compliance document templates (LIA, FRIA, risk assessment…).
    pub templates: Arc<DocumentTemplates>,
    /// The opt-out scan of uploaded datasets (a background step; tests drive it).
    pub scanning: Arc<DatasetScanning>,
    /// The files check of model listings (a background step; tests drive it).
    pub model_checks: Arc<attune_app::models::ModelFileChecking>,
    /// The shard-run queue workers lease from (its reaper is a background step; tests drive it).
    pub queue: Arc<attune_app::shard_queue::ShardQueue>,
    pub aggregation: Arc<attune_app::aggregation::Aggregation>,
}
