use anyhow::Context;
use attune_domain::OrgScope;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WalletRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub address: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

pub const ADDRESS_KEY: &str = "wallet_address_key";

#[expect(clippy::too_many_arguments, reason = "one argument per column of the row")]
pub async fn insert_challenge(
    conn: &mut PgConnection,
    id: Uuid,
    organization_id: Uuid,
    user_id: Uuid,
    address: &str,
    nonce: &str,
    message: &str,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into wallet_challenge (id, organization_id, user_id, address, nonce, message, expires_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        id,
        organization_id,
        user_id,
        address,
        nonce,
        message,
        expires_at,
    )
    .execute(conn)
    .await
    .context("failed to insert wallet challenge")?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChallengeRow {
    pub id: Uuid,
    pub message: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// The newest challenge this organisation asked for this address, locked for the caller's transaction.
pub async fn latest_challenge(conn: &mut PgConnection, organization_id: Uuid, address: &str) -> anyhow::Result<Option<ChallengeRow>> {
    sqlx::query_as!(
        ChallengeRow,
        "select id, message, expires_at, used_at from wallet_challenge
         where organization_id = $1 and address = $2 order by created_at desc limit 1 for update",
        organization_id,
        address,
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch wallet challenge")
}

/// Uses a challenge once; false when it was used or expired meanwhile.
pub async fn consume_challenge(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<bool> {
    let done = sqlx::query!("update wallet_challenge set used_at = now() where id = $1 and used_at is null and expires_at > now()", id)
        .execute(conn)
        .await
        .context("failed to consume wallet challenge")?;
    Ok(done.rows_affected() == 1)
}

#[expect(clippy::too_many_arguments, reason = "one argument per column of the row")]
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    organization_id: Uuid,
    address: &str,
    status: &str,
    linked_by: Uuid,
    proof_message: &str,
    proof_signature: &str,
) -> Result<WalletRow, sqlx::Error> {
    sqlx::query_as!(
        WalletRow,
        "insert into wallet (id, organization_id, address, status, linked_by, proof_message, proof_signature)
         values ($1, $2, $3, $4, $5, $6, $7)
         returning id, organization_id, address, status, created_at",
        id,
        organization_id,
        address,
        status,
        linked_by,
        proof_message,
        proof_signature,
    )
    .fetch_one(conn)
    .await
}

pub async fn list(conn: &mut PgConnection, scope: OrgScope) -> anyhow::Result<Vec<WalletRow>> {
    sqlx::query_as!(
        WalletRow,
        "select id, organization_id, address, status, created_at from wallet
         where ($1::uuid is null or organization_id = $1) order by created_at",
        scope.organization_filter(),
    )
    .fetch_all(conn)
    .await
    .context("failed to list wallets")
}

/// An active wallet of the organisation with this address, if any.
pub async fn find_active(conn: &mut PgConnection, organization_id: Uuid, address: &str) -> anyhow::Result<Option<WalletRow>> {
    sqlx::query_as!(
        WalletRow,
        "select id, organization_id, address, status, created_at from wallet
         where organization_id = $1 and address = $2 and status = 'active'",
        organization_id,
        address,
    )
    .fetch_optional(conn)
    .await
    .context("failed to look up wallet")
}

/// Sets the status of every organisation's wallet with this address (a review decision).
pub async fn set_status_by_address(conn: &mut PgConnection, address: &str, status: &str) -> anyhow::Result<u64> {
    let done = sqlx::query!("update wallet set status = $2 where address = $1", address, status)
        .execute(conn)
        .await
        .context("failed to change a wallet's status")?;
    Ok(done.rows_affected())
}

/// The wallet with this address, locked for a review decision.
pub async fn get_by_address_for_update(conn: &mut PgConnection, address: &str) -> anyhow::Result<Option<WalletRow>> {
    sqlx::query_as!(WalletRow, "select id, organization_id, address, status, created_at from wallet where address = $1 for update", address)
        .fetch_optional(conn)
        .await
        .context("failed to look up wallet")
}

/// Moves the wallet with this address from one of `from` to `to`; `true` when it did.
pub async fn set_status_guarded(conn: &mut PgConnection, address: &str, from: &[&str], to: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!("update wallet set status = $3 where address = $1 and status = any($2)", address, from as &[&str], to)
        .execute(conn)
        .await
        .context("failed to change a wallet's status")?;
    Ok(done.rows_affected() == 1)
}
