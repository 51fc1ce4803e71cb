//! Screening as a service of the running marketplace: the latest import of every list, held in
//! memory as one `Screener` (rebuilt after each import, on every replica: an import notifies the
//! others over LISTEN/NOTIFY, and a periodic version check catches a missed notification), and the
//! imports themselves — versioned, diffed against the previous import of their source, followed by
//! a re-screen of every wallet, every KYC'd name and every organisation's legal name.
//!
//! A name hit holds: an organisation whose legal name or a KYC'd person matches a list is put on
//! hold with a `name` case (its KYC level is not granted, its payments are held) until an admin
//! decides. Comprehensively embargoed jurisdictions (policy/jurisdictions-v1.toml) are refused at
//! registration and at wallet linking.

use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

use anyhow::Context;
use attune_domain::jurisdictions::Jurisdictions;
use attune_domain::sanctions::ListEntity;
use attune_domain::sanctions::screening::{NameMatch, NameQuery, Screener, ScreeningPolicy};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

mod imports;
mod rescreen;

pub use imports::*;
pub use rescreen::*;

struct Loaded {
    screener: Screener,
    /// `ofac_sdn@<version>,open_sanctions@<version>`: recorded with every decision.
    version: String,
    /// The newest import when this was built: another one means this replica is stale.
    newest: Option<Uuid>,
}

pub struct ScreeningService {
    policy: ScreeningPolicy,
    loaded: RwLock<Arc<Loaded>>,
}

/// A listed address that matched, and the list version that said so.
#[derive(Debug, Clone, Serialize)]
pub struct AddressScreen {
    pub entity_id: String,
    pub currency: String,
    pub listed_address: String,
    pub list_version: String,
}

fn source_name(source: attune_domain::sanctions::ListSource) -> &'static str {
    match source {
        attune_domain::sanctions::ListSource::OfacSdn => "ofac_sdn",
        attune_domain::sanctions::ListSource::OpenSanctions => "open_sanctions",
        attune_domain::sanctions::ListSource::Custom => "custom",
    }
}

async fn current_entities(conn: &mut PgConnection) -> anyhow::Result<(Vec<ListEntity>, String, Option<Uuid>)> {
    let newest = attune_db::screening::newest_import(conn).await?;
    let mut entities = Vec::new();
    let mut versions = Vec::new();
    for import in attune_db::screening::latest_imports(conn).await? {
        for data in attune_db::screening::entities_of(conn, import.id).await? {
            entities.push(serde_json::from_value(data).context("a stored list entity is unreadable")?);
        }
        versions.push(format!("{}@{}", import.source, import.version));
    }
    let version = if versions.is_empty() { "none".to_owned() } else { versions.join(",") };
    Ok((entities, version, newest))
}

impl ScreeningService {
    pub async fn load(pool: &PgPool) -> anyhow::Result<Self> {
        let policy = ScreeningPolicy::current().map_err(|e| anyhow::anyhow!("the screening policy: {e}"))?;
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        let (entities, version, newest) = current_entities(&mut conn).await?;
        let screener = Screener::build(&entities, &policy);
        Ok(Self { policy, loaded: RwLock::new(Arc::new(Loaded { screener, version, newest })) })
    }

    async fn reload(&self, pool: &PgPool) -> anyhow::Result<()> {
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        let (entities, version, newest) = current_entities(&mut conn).await?;
        drop(conn);
        let screener = Screener::build(&entities, &self.policy);
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Loaded { screener, version, newest });
        Ok(())
    }

    /// The version check: rebuilds the screener when the database holds a newer import than the one
    /// it was built from. `true` when it reloaded.
    pub async fn reload_if_stale(&self, pool: &PgPool) -> anyhow::Result<bool> {
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        let newest = attune_db::screening::newest_import(&mut conn).await?;
        drop(conn);
        if newest == self.current().newest {
            return Ok(false);
        }
        self.reload(pool).await?;
        tracing::info!(version = %self.list_version(), "sanctions lists reloaded");
        Ok(true)
    }

    fn current(&self) -> Arc<Loaded> {
        self.loaded.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The screening policy (name normalisation tables and thresholds) in force.
    pub fn policy(&self) -> &ScreeningPolicy {
        &self.policy
    }

    pub fn list_version(&self) -> String {
        self.current().version.clone()
    }

    pub fn screen_address(&self, raw: &str) -> Option<AddressScreen> {
        let loaded = self.current();
        loaded.screener.screen_address(raw).map(|hit| AddressScreen {
            entity_id: hit.entity_id.clone(),
            currency: hit.currency.clone(),
            listed_address: hit.listed_address.clone(),
            list_version: loaded.version.clone(),
        })
    }

    pub fn screen_name(&self, query: &NameQuery) -> (Vec<NameMatch>, String) {
        let loaded = self.current();
        (loaded.screener.screen_name(query, &self.policy), loaded.version.clone())
    }
}

static JURISDICTIONS: LazyLock<Result<Jurisdictions, String>> = LazyLock::new(Jurisdictions::v1);

/// Why `country` (ISO 3166-1 alpha-2, or an ISO 3166-2 region) may not be served, when it is under
/// a comprehensive embargo (policy/jurisdictions-v1.toml); an unreadable list refuses everything.
pub fn embargo_refusal(country: &str) -> Option<String> {
    match JURISDICTIONS.as_ref() {
        Ok(j) => j.embargo_message(country),
        Err(e) => Some(format!("the jurisdiction list cannot be read: {e}")),
    }
}

/// How often a replica checks the lists' version even without a notification.
const VERSION_CHECK_EVERY: Duration = Duration::from_secs(30);

/// Keeps this replica's screener on the newest lists: LISTEN for `sanctions_import` (every import,
/// on any replica, notifies on commit), reload on each notification, and check the version every
/// [`VERSION_CHECK_EVERY`] in case a notification was lost (e.g. while reconnecting).
pub async fn follow_imports(pool: PgPool, service: Arc<ScreeningService>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for sanctions imports; retrying");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        if let Err(e) = listener.listen("sanctions_import").await {
            tracing::warn!(error = %e, "cannot listen for sanctions imports; retrying");
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                _ = shutdown.changed() => return,
            }
        }
        // An import may have landed before LISTEN took effect.
        if let Err(e) = service.reload_if_stale(&pool).await {
            tracing::warn!(error = ?e, "sanctions list version check failed");
        }
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the sanctions import notifications; reconnecting");
                        break;
                    }
                },
                () = tokio::time::sleep(VERSION_CHECK_EVERY) => {}
                _ = shutdown.changed() => return,
            }
            if let Err(e) = service.reload_if_stale(&pool).await {
                tracing::warn!(error = ?e, "sanctions list reload failed");
            }
        }
    }
}
