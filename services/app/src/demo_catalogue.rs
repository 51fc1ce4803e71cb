//! The embedded setup's demo base model, listed like any other: on first start the platform's own
//! provider organisation ("Attune demo models") links a wallet by signing a challenge, lists the
//! generated model with `file://` URIs under the model file root, signs its manifest, lets the
//! files check fetch and re-hash every file, and verifies it once every automatic check passed (the
//! manifest is then anchored like any verified listing). Idempotent: a second start finds it.

use std::time::Duration;

use anyhow::Context;
use attune_domain::PlatformRole;
use attune_domain::account::{Country, OrgKind, OrgName, PersonName};
use attune_domain::email::Email;
use attune_domain::provenance::{Lineage, ModelFile};
use attune_integrations::chain::wallet::PlatformWallet;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::models::{ListingInput, ModelFileChecking};

pub const DEMO_ORGANIZATION: &str = "Attune demo models";
const DEMO_USER_EMAIL: &str = "demo-models@attune.localhost";

/// The generated model to list: its directory's files and facts.
pub struct DemoModel {
    pub name: String,
    pub version: String,
    pub parameter_count: u64,
    pub card_markdown: String,
    /// `(relative path, absolute path, size, sha256)` of every file.
    pub files: Vec<(String, std::path::PathBuf, u64, String)>,
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DemoListing {
    AlreadyListed(Uuid),
    Listed(Uuid),
}

/// Lists the demo model from the demo organisation's wallet, whose key is derived from the server's
/// secret (every replica signs with the same one).
pub async fn list(market: &crate::marketplace::Marketplace, model: &DemoModel) -> anyhow::Result<DemoListing> {
    let wallet = PlatformWallet::from_key(&crate::secrets::derive(&market.secret_key, b"attune demo catalogue wallet\0"))
        .context("could not derive the demo catalogue's wallet key")?;
    ensure(&market.pool, &market.screening, &market.model_checks, &wallet, model).await
}

/// Lists and verifies the demo model unless the demo organisation already lists this version.
/// Replicas starting together take turns (an advisory lock), so it is listed once.
async fn ensure(
    pool: &PgPool,
    screening: &crate::screening::ScreeningService,
    checks: &ModelFileChecking,
    wallet: &PlatformWallet,
    model: &DemoModel,
) -> anyhow::Result<DemoListing> {
    const LOCK: &str = "attune:demo-catalogue";
    let mut lock = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::organizations::lock(&mut lock, LOCK).await?;
    let result = ensure_locked(pool, screening, checks, wallet, model).await;
    attune_db::organizations::unlock(&mut lock, LOCK).await?;
    result
}

async fn ensure_locked(
    pool: &PgPool,
    screening: &crate::screening::ScreeningService,
    checks: &ModelFileChecking,
    wallet: &PlatformWallet,
    model: &DemoModel,
) -> anyhow::Result<DemoListing> {
    let actor = provider_actor(pool).await?;
    let existing = {
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        attune_db::models::find_by_org_name_version(&mut conn, actor.organization_id, &model.name, &model.version).await?
    };
    if let Some((id, status)) = existing {
        if status == "pending" {
            verify_when_checked(pool, checks, &actor, id).await?;
        }
        return Ok(DemoListing::AlreadyListed(id));
    }
    link_wallet(pool, screening, &actor, wallet).await?;
    let input = ListingInput {
        name: model.name.clone(),
        version: model.version.clone(),
        architecture: "llama".into(),
        parameter_count: model.parameter_count,
        // Its weights are generated, never trained: 0 FLOPs declared, so assessments take the
        // substantial-modification threshold from the policy's fallback (and say so).
        training_flops: Some(0.0),
        intended_uses: vec!["general".into(), "customer_service".into(), "internal_tools".into(), "software".into()],
        licence: "Apache-2.0".into(),
        files: model
            .files
            .iter()
            .map(|(path, abs, size, sha256)| ModelFile {
                path: path.clone(),
                size: *size,
                sha256: sha256.clone(),
                uri: format!("file://{}", abs.display()),
            })
            .collect(),
        card_markdown: model.card_markdown.clone(),
        training_summary: demo_training_summary(),
        lineage: Lineage { base_model_id: None, relation: None },
        licence_fee: "0".into(),
    };
    let limits = checks.limits().clone();
    let listed =
        crate::models::list_model(pool, &limits, &actor, input).await.map_err(|e| anyhow::anyhow!("listing the demo model: {e}"))?;
    let signature = wallet.personal_sign(listed.manifest_sha256.as_bytes()).await.context("failed to sign the demo manifest")?;
    crate::models::sign(pool, &actor, listed.id, &wallet.address().to_checksum(None), &signature)
        .await
        .map_err(|e| anyhow::anyhow!("signing the demo model: {e}"))?;
    verify_when_checked(pool, checks, &actor, listed.id).await?;
    Ok(DemoListing::Listed(listed.id))
}

/// The summary of a model trained on nothing, in the listing's sections.
fn demo_training_summary() -> serde_json::Value {
    json!({
        "data_sources": "None: the weights are generated from a fixed random seed by Attune; no data was used.",
        "data_categories": [],
        "top_domains": [],
        "collection_period": "not applicable",
        "personal_data": "none",
        "opt_out_policy": "No data was collected or used, so no text-and-data-mining reservation (DSM Art. 4(3), CDPA s.29A) applies.",
        "modalities": ["text"],
        "size": "0 tokens",
    })
}

/// Runs the files check (the background step may take it instead) and verifies the listing once
/// every automatic check passed.
async fn verify_when_checked(pool: &PgPool, checks: &ModelFileChecking, actor: &Actor, id: Uuid) -> anyhow::Result<()> {
    for _ in 0..600 {
        let model = crate::models::get(pool, id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let pending = model.checks.as_array().is_some_and(|c| c.iter().any(|c| c["pending"].as_bool() == Some(true)));
        if !pending {
            // The platform verifies its own generated listing, in the role an admin would.
            let mut reviewer = actor.clone();
            reviewer.roles.push(PlatformRole::Admin);
            crate::models::decide(pool, &reviewer, id, "verify", "The platform's generated demo model; every automatic check passed.")
                .await
                .map_err(|e| anyhow::anyhow!("verifying the demo model: {e}"))?;
            return Ok(());
        }
        if checks.try_check_next().await?.is_none() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    anyhow::bail!("the demo model's files were not checked in time")
}

/// The demo organisation's catalogue user (created once; it cannot log in: its password is random
/// and never shown).
async fn provider_actor(pool: &PgPool) -> anyhow::Result<Actor> {
    let mut tx = pool.begin().await.context("failed to begin the demo organisation")?;
    let org = match attune_db::organizations::find_by_name(&mut tx, DEMO_ORGANIZATION).await? {
        Some(org) => org,
        None => {
            let name = OrgName::parse(DEMO_ORGANIZATION).map_err(|e| anyhow::anyhow!(e))?;
            let country = Country::parse("IE").map_err(|e| anyhow::anyhow!(e))?;
            let org = attune_db::organizations::insert(&mut tx, Uuid::now_v7(), &name, country, OrgKind::Enterprise).await?;
            let email = Email::parse(DEMO_USER_EMAIL).map_err(|e| anyhow::anyhow!(e))?;
            let person = PersonName::parse("Attune demo catalogue").map_err(|e| anyhow::anyhow!(e))?;
            let hash = crate::passwords::hash(crate::tokens::new_token()).await?;
            attune_db::users::insert(&mut tx, Uuid::now_v7(), org.id, &email, &person, &hash)
                .await
                .context("failed to create the demo user")?;
            attune_db::audit::append(
                &mut tx,
                "system:demo-catalogue",
                "organization.created",
                &format!("organization:{}", org.id),
                &json!({"name": DEMO_ORGANIZATION, "purpose": "lists the embedded setup's generated demo base model"}),
            )
            .await?;
            org
        }
    };
    let user = attune_db::users::first_of_organization(&mut tx, org.id).await?.context("the demo organisation has no user")?;
    attune_db::users::mark_email_verified(&mut tx, user.id).await?;
    tx.commit().await.context("failed to commit the demo organisation")?;
    Ok(Actor {
        session_id: Uuid::nil(),
        user_id: user.id,
        organization_id: org.id,
        email: user.email,
        name: user.name,
        email_verified: true,
        roles: Vec::new(),
    })
}

async fn link_wallet(
    pool: &PgPool,
    screening: &crate::screening::ScreeningService,
    actor: &Actor,
    wallet: &PlatformWallet,
) -> anyhow::Result<()> {
    let address = wallet.address().to_checksum(None);
    let linked = crate::wallets::list(pool, actor).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    if linked.iter().any(|w| w.address.eq_ignore_ascii_case(&address) && w.status == "active") {
        return Ok(());
    }
    let challenge = crate::wallets::challenge(pool, actor, &address).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let signature = wallet.personal_sign(challenge.message.as_bytes()).await.context("failed to sign the wallet challenge")?;
    crate::wallets::link(pool, screening, actor, &address, &signature)
        .await
        .map_err(|e| anyhow::anyhow!("linking the demo organisation's wallet: {e}"))?;
    Ok(())
}
