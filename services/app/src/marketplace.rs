//! The running marketplace: the database, the chain and every service that requests and background
//! tasks reach, built once from the settings. The web layer holds one and adds only HTTP concerns.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use attune_domain::data_policy::DataPolicy;
use attune_domain::documents::DocumentTemplates;
use attune_integrations::fetch::SafeFetcher;
use attune_integrations::mail::Mailer;
use attune_integrations::optout_scanner::{OptoutScanner, ScannerSettings};
use attune_integrations::providers::kyc::{SandboxKyc, SumsubKyc};
use attune_integrations::providers::onramp::{MoonpayOnramp, SandboxOnramp};
use secrecy::{ExposeSecret, SecretSlice};
use sqlx::PgPool;

use crate::accounts::AccountPolicy;
use crate::aggregation::Aggregation;
use crate::chain::Chain;
use crate::database::{self, Database};
use crate::dataset_scan::DatasetScanning;
use crate::kyc::KycProviders;
use crate::models::{ModelFileChecking, ModelFileLimits};
use crate::onramp::OnrampProviders;
use crate::outbox::OutboxDelivery;
use crate::screening::ScreeningService;
use crate::shard_queue::ShardQueue;
use crate::{Settings, secrets};

pub struct Marketplace {
    pub pool: PgPool,
    pub settings: Settings,
    pub policy: AccountPolicy,
    pub delivery: Arc<OutboxDelivery>,
    /// Outbound HTTP with the SSRF guard (model files, sanctions feeds).
    pub fetcher: SafeFetcher,
    /// The server's secret: CSRF tokens and the sandbox providers' derived keys.
    pub secret_key: SecretSlice<u8>,
    /// The chain (settlement), unless switched off.
    pub chain: Option<Arc<Chain>>,
    /// Sanctions screening over the lists in force (rebuilt on import, followed across replicas).
    pub screening: Arc<ScreeningService>,
    /// KYC providers' webhook keys and the sandbox's address.
    pub kyc: Arc<KycProviders>,
    /// Onramp providers' webhook keys and the sandbox's treasury.
    pub onramp: Arc<OnrampProviders>,
    /// The opt-out scanner's and dataset gate's rules.
    pub data_policy: Arc<DataPolicy>,
    /// Compliance document templates (LIA, FRIA, risk assessment…).
    pub templates: Arc<DocumentTemplates>,
    /// The opt-out scan of uploaded datasets (a background step; tests drive it).
    pub scanning: Arc<DatasetScanning>,
    /// The files check of model listings (a background step; tests drive it).
    pub model_checks: Arc<ModelFileChecking>,
    /// The shard-run queue workers lease from (its reaper is a background step; tests drive it).
    pub queue: Arc<ShardQueue>,
    pub aggregation: Arc<Aggregation>,
    /// The embedded setup lists its demo base model.
    pub demo_model: bool,
    database: Database,
}

/// What answers: the database, and the chain when one is configured.
pub struct Readiness {
    pub database: bool,
    pub chain: ChainReadiness,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainReadiness {
    NotConfigured,
    Answers,
    Unreachable,
}

impl Readiness {
    pub fn ready(&self) -> bool {
        self.database && self.chain != ChainReadiness::Unreachable
    }
}

impl Marketplace {
    /// Opens the database (starting the embedded cluster if needed) and the chain, and builds every
    /// service. `bound` is the HTTP address, the public URL when none is configured.
    pub async fn open(mut settings: Settings, bound: SocketAddr) -> anyhow::Result<Self> {
        let demo_model = settings.demo_model.unwrap_or(settings.is_embedded_database() && settings.chain_rpc_url.is_none());
        if demo_model && settings.model_file_root.is_none() {
            // The demo model's files are listed as file:// URIs under this root.
            let root = settings.data_dir.join("models");
            std::fs::create_dir_all(&root).with_context(|| format!("failed to create {}", root.display()))?;
            settings.model_file_root = Some(root);
        }
        let database = database::open(&settings).await?;
        let pool = database.pool.clone();
        let public_url = settings.public_url.clone().unwrap_or_else(|| format!("http://{bound}")).trim_end_matches('/').to_string();
        let mailer = match &settings.smtp_url {
            Some(url) => Mailer::smtp(url.expose_secret())?,
            None => Mailer::file(settings.outbox_dir())?,
        };
        let secret_key = secrets::server_secret(&settings)?;
        let policy = AccountPolicy {
            session_ttl: chrono::Duration::hours(settings.session_ttl_hours),
            verification_ttl: chrono::Duration::hours(settings.email_verification_ttl_hours),
            login_max_failures: settings.login_max_failures,
            login_window: chrono::Duration::minutes(settings.login_window_minutes),
            public_url,
        };
        let fetcher = SafeFetcher::new(
            settings.allow_private_networks,
            settings.model_file_root.clone(),
            concat!("AttuneBot/", env!("CARGO_PKG_VERSION")),
        )?;
        let chain = Chain::open(&settings).await?;
        if let Some(chain) = &chain {
            crate::operator_txs::backfill_anchors(&pool).await?;
            tracing::info!(chain_id = chain.client.deployment.chain_id, escrow = %chain.client.deployment.escrow, "settlement chain ready");
        }
        let screening = Arc::new(ScreeningService::load(&pool).await?);
        let data_policy = Arc::new(DataPolicy::current().map_err(|e| anyhow::anyhow!(e))?);
        let templates = Arc::new(DocumentTemplates::current().map_err(|e| anyhow::anyhow!(e))?);
        let mut scan_settings = scanner_settings(&settings);
        scan_settings.recheck_after = chrono::Duration::days(i64::from(data_policy.optout().recheck_after_days));
        let scanner = OptoutScanner::new(
            scan_settings,
            data_policy.optout().ai_user_agents.clone(),
            data_policy.optout().noai_directives.clone(),
            &format!("{}/{} (+{}/bot)", settings.scanner_bot_name, env!("CARGO_PKG_VERSION"), policy.public_url),
        )?;
        let scanning = Arc::new(DatasetScanning::new(pool.clone(), scanner, data_policy.clone()));
        let model_checks = Arc::new(ModelFileChecking::new(
            pool.clone(),
            fetcher.clone(),
            ModelFileLimits {
                max_files: settings.model_max_files,
                max_total_bytes: settings.model_max_total_bytes,
                fetch_timeout: std::time::Duration::from_secs(settings.model_fetch_timeout_secs.max(1)),
            },
        ));
        let queue = Arc::new(ShardQueue::new(pool.clone(), &settings).map_err(|e| anyhow::anyhow!("{e}"))?);
        let delivery = Arc::new(OutboxDelivery { mailer, mail_from: settings.mail_from.clone(), max_attempts: settings.mail_max_attempts });
        Ok(Self {
            kyc: Arc::new(kyc_providers(&settings, &policy.public_url, &secret_key)),
            onramp: Arc::new(onramp_providers(&settings, &policy.public_url, &secret_key)?),
            aggregation: Arc::new(Aggregation::new(pool.clone(), screening.clone())),
            pool,
            settings,
            policy,
            delivery,
            fetcher,
            secret_key,
            chain,
            screening,
            data_policy,
            templates,
            scanning,
            model_checks,
            queue,
            demo_model,
            database,
        })
    }

    /// Where the state lives, for humans (no credentials).
    pub fn database_location(&self) -> &str {
        &self.database.location
    }

    /// Whether the database and the chain (when configured) answer now.
    pub async fn readiness(&self) -> Readiness {
        let database = attune_db::cluster::ping(&self.pool).await;
        let chain = match &self.chain {
            None => Ok(None),
            Some(chain) => chain.client.head().await.map(Some),
        };
        if database.is_err() || chain.is_err() {
            tracing::warn!(database = ?database.as_ref().err(), chain = ?chain.as_ref().err(), "readiness check failed");
        }
        Readiness {
            database: database.is_ok(),
            chain: match chain {
                Ok(None) => ChainReadiness::NotConfigured,
                Ok(Some(_)) => ChainReadiness::Answers,
                Err(_) => ChainReadiness::Unreachable,
            },
        }
    }

    /// Closes the pool, stops the embedded chain and the embedded PostgreSQL cluster if this process
    /// started them. Background tasks must have stopped first.
    pub async fn close(&self) -> anyhow::Result<()> {
        if let Some(chain) = &self.chain {
            tracing::info!("stopping the chain");
            chain.stop().await?;
        }
        self.pool.close().await;
        if let Some(pg) = &self.database.embedded
            && pg.started_here()
        {
            tracing::info!("stopping the embedded PostgreSQL cluster");
            pg.stop().await?;
        }
        Ok(())
    }
}

/// The KYC providers' webhook keys: the sandbox's is derived from the server's secret key (so every
/// replica agrees); the Sumsub-shaped adapter's come from `ATTUNE_SUMSUB_WEBHOOK_SECRETS`.
fn kyc_providers(settings: &Settings, public_url: &str, secret: &SecretSlice<u8>) -> KycProviders {
    KycProviders {
        public_url: public_url.to_owned(),
        sandbox: SandboxKyc::new(vec![secrets::derive(secret, b"attune kyc sandbox webhook key\0")], public_url),
        sumsub: SumsubKyc::new(secrets::key_list(settings.sumsub_webhook_secrets.as_ref())),
    }
}

/// The onramp providers: the sandbox's webhook key and treasury key are derived from the server's
/// secret; the MoonPay-shaped adapter's keys come from `ATTUNE_MOONPAY_WEBHOOK_SECRETS`.
fn onramp_providers(settings: &Settings, public_url: &str, secret: &SecretSlice<u8>) -> anyhow::Result<OnrampProviders> {
    let sandbox = SandboxOnramp::new(
        vec![secrets::derive(secret, b"attune onramp sandbox webhook key\0")],
        &secrets::derive(secret, b"attune onramp sandbox treasury\0"),
        public_url,
    )?;
    Ok(OnrampProviders {
        public_url: public_url.to_owned(),
        sandbox,
        moonpay: MoonpayOnramp::new(secrets::key_list(settings.moonpay_webhook_secrets.as_ref())),
    })
}

fn scanner_settings(settings: &Settings) -> ScannerSettings {
    let mut s = ScannerSettings::new(&settings.scanner_bot_name, settings.allow_private_networks);
    s.request_timeout = std::time::Duration::from_secs(settings.scanner_timeout_secs.max(1));
    s.per_origin_concurrency = settings.scanner_per_origin_concurrency.max(1);
    s.global_concurrency = settings.scanner_global_concurrency.max(1);
    s.origin_ttl = std::time::Duration::from_secs(settings.scanner_origin_ttl_secs);
    s
}
