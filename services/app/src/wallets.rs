//! Linking wallets: an EIP-191 challenge with expiry, used once, signed by the wallet.

use anyhow::Context;
use attune_domain::evm::{Address, recover_personal_sign};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
use crate::view::view;

view! {
    /// A wallet an organisation linked by signing a challenge.
    #[derive(Debug, Clone)]
    pub struct Wallet from attune_db::wallets::WalletRow {
        pub id: Uuid,
        pub organization_id: Uuid,
        /// Lower-case hex.
        pub address: String,
        /// `active` or `under_review`.
        pub status: String,
        pub created_at: DateTime<Utc>,
    }
}

/// How long a challenge can be signed.
pub const CHALLENGE_TTL_MINUTES: i64 = 10;

pub struct Challenge {
    pub nonce: String,
    pub message: String,
    pub expires_at: DateTime<Utc>,
}

/// Issues a challenge for `address`: the exact text the wallet must sign with `personal_sign`.
#[tracing::instrument(skip_all, fields(org = %actor.organization_id))]
pub async fn challenge(pool: &PgPool, actor: &Actor, address: &str) -> Result<Challenge, AppError> {
    let address = Address::parse(address).map_err(|m| AppError::field("address", m))?;
    let nonce = crate::tokens::new_token()[..32].to_string();
    let now = Utc::now();
    let expires_at = now + Duration::minutes(CHALLENGE_TTL_MINUTES);
    let message = format!(
        "Attune asks you to prove that you control this wallet.\n\n\
         Address: {}\nOrganisation: {}\nNonce: {nonce}\nIssued at: {}\nExpires at: {}\n\n\
         Signing this message costs nothing and authorises no transaction.",
        address.checksummed(),
        actor.organization_id,
        now.to_rfc3339_opts(SecondsFormat::Secs, true),
        expires_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    );
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::wallets::insert_challenge(
        &mut conn,
        Uuid::now_v7(),
        actor.organization_id,
        actor.user_id,
        &address.to_lower_hex(),
        &nonce,
        &message,
        expires_at,
    )
    .await?;
    Ok(Challenge { nonce, message, expires_at })
}

/// Links a wallet after checking the signature of the latest unexpired, unused challenge.
#[tracing::instrument(skip_all, fields(org = %actor.organization_id))]
pub async fn link(
    pool: &PgPool,
    screening: &crate::screening::ScreeningService,
    actor: &Actor,
    address: &str,
    signature: &str,
) -> Result<Wallet, AppError> {
    let address = Address::parse(address).map_err(|m| AppError::field("address", m))?;
    let mut tx = pool.begin().await.context("failed to begin wallet link")?;
    // Comprehensively embargoed jurisdictions link no wallet.
    let org = attune_db::kyc::org_risk_facts(&mut tx, actor.organization_id).await?;
    if let Some(refusal) = crate::screening::embargo_refusal(&org.country) {
        return Err(AppError::refused("embargoed-jurisdiction", Some("address"), refusal));
    }
    let challenge =
        attune_db::wallets::latest_challenge(&mut tx, actor.organization_id, &address.to_lower_hex()).await?.ok_or_else(|| {
            AppError::refused(
                "no-challenge",
                Some("address"),
                "Ask for a challenge for this address first (POST /api/v1/wallets/challenge).",
            )
        })?;
    if challenge.used_at.is_some() {
        return Err(AppError::refused("challenge-used", Some("signature"), "This challenge was already used; ask for a new one."));
    }
    if challenge.expires_at <= Utc::now() {
        return Err(AppError::refused("challenge-expired", Some("signature"), "The challenge expired; ask for a new one."));
    }
    let signer = recover_personal_sign(&challenge.message, signature).map_err(|m| AppError::field("signature", m))?;
    if signer != address {
        return Err(AppError::refused(
            "signature-mismatch",
            Some("signature"),
            format!("The signature was made by {}, not by {}.", signer.checksummed(), address.checksummed()),
        ));
    }
    if !attune_db::wallets::consume_challenge(&mut tx, challenge.id).await? {
        return Err(AppError::refused("challenge-expired", Some("signature"), "The challenge expired or was used; ask for a new one."));
    }
    // Screened on link: a listed address is kept under review with a case; the caller only ever
    // learns `under_review`, never the match.
    let hit = screening.screen_address(&address.to_lower_hex());
    let aml_policy = attune_domain::aml::AmlPolicy::enforced().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the AML policy: {e}")))?;
    // The AML rules on the link itself (no amount): the organisation's own risk can put a new
    // wallet under review too.
    let decision = crate::payment_screening::screen_wallet_link(&org, hit.is_some(), &aml_policy);
    let aml_review = decision.outcome >= attune_domain::aml::Outcome::Review;
    let status = if hit.is_some() || aml_review { "under_review" } else { "active" };
    let wallet = attune_db::wallets::insert(
        &mut tx,
        Uuid::now_v7(),
        actor.organization_id,
        &address.to_lower_hex(),
        status,
        actor.user_id,
        &challenge.message,
        signature,
    )
    .await
    .map_err(|e| {
        if attune_db::is_constraint_violation(&e, attune_db::wallets::ADDRESS_KEY) {
            AppError::conflict("wallet-taken", "This wallet is already linked to an organisation.")
        } else {
            e.into()
        }
    })?;
    if let Some(hit) = &hit {
        crate::screening::open_address_case(&mut tx, "wallet", &wallet.address, Some(actor.organization_id), hit, None).await?;
    } else if aml_review {
        let reasons =
            json!(decision.hits.iter().map(|h| json!({"rule": h.rule, "detail": h.detail, "score": h.score})).collect::<Vec<_>>());
        attune_db::cases::open_case(
            &mut tx,
            &attune_db::cases::NewCase {
                kind: "wallet",
                subject: &attune_domain::review::CaseSubject::Wallet(wallet.address.clone()).to_string(),
                organization_id: Some(actor.organization_id),
                score: f64::from(decision.score.max(0)) / 100.0,
                reasons: &reasons,
                evidence: &json!({"address": wallet.address, "aml": decision}),
                amount: None,
                list_version: &screening.list_version(),
            },
        )
        .await?;
    }
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "wallet.linked",
        &format!("wallet:{}", wallet.id),
        &json!({"address": wallet.address, "status": wallet.status, "proof": "eip191_personal_sign", "organization_id": actor.organization_id,
                "screening": {"list_version": screening.list_version(), "hit": hit.is_some()}}),
    )
    .await?;
    tx.commit().await.context("failed to commit wallet link")?;
    Ok(wallet.into())
}

pub async fn list(pool: &PgPool, actor: &Actor) -> Result<Vec<Wallet>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::wallets::list(&mut conn, actor.scope()).await?.into_iter().map(Wallet::from).collect())
}
