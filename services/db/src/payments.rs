//! Payments: the signed quote a job is funded with, and its status as the chain moves it.

use anyhow::Context;
use attune_domain::settlement::PaymentStatus;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PaymentRow {
    pub job_id: Uuid,
    pub organization_id: Uuid,
    pub job_ref: String,
    pub quote_id: String,
    pub chain_id: i64,
    pub escrow_address: String,
    pub token_address: String,
    pub buyer_address: String,
    pub amount: String,
    pub payees: serde_json::Value,
    pub deadline: DateTime<Utc>,
    pub typed_data: serde_json::Value,
    pub signature: String,
    pub status: String,
    pub payer_address: Option<String>,
    pub funded_tx: Option<String>,
    pub funded_block: Option<i64>,
    pub flags: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PaymentRow {
    /// The stored status as the state machine's type.
    pub fn state(&self) -> anyhow::Result<PaymentStatus> {
        PaymentStatus::parse(&self.status).with_context(|| format!("a stored payment status is unknown: {}", self.status))
    }
}

pub struct NewPayment<'a> {
    pub job_id: Uuid,
    pub organization_id: Uuid,
    pub job_ref: &'a str,
    pub quote_id: &'a str,
    pub chain_id: i64,
    pub escrow_address: &'a str,
    pub token_address: &'a str,
    pub buyer_address: &'a str,
    pub amount: &'a str,
    pub payees: &'a serde_json::Value,
    pub deadline: DateTime<Utc>,
    pub typed_data: &'a serde_json::Value,
    pub signature: &'a str,
}

pub async fn insert(conn: &mut PgConnection, p: &NewPayment<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into payment (job_id, organization_id, job_ref, quote_id, chain_id, escrow_address, token_address, buyer_address, amount,
            payees, deadline, typed_data, signature)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        p.job_id,
        p.organization_id,
        p.job_ref,
        p.quote_id,
        p.chain_id,
        p.escrow_address,
        p.token_address,
        p.buyer_address,
        p.amount,
        p.payees,
        p.deadline,
        p.typed_data,
        p.signature,
    )
    .execute(conn)
    .await
    .context("failed to insert a payment")?;
    Ok(())
}

pub async fn get(conn: &mut PgConnection, job_id: Uuid) -> anyhow::Result<Option<PaymentRow>> {
    sqlx::query_as!(
        PaymentRow,
        "select job_id, organization_id, job_ref, quote_id, chain_id, escrow_address, token_address, buyer_address, amount, payees,
            deadline, typed_data, signature, status, payer_address, funded_tx, funded_block, flags, created_at, updated_at
         from payment where job_id = $1",
        job_id,
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a payment")
}

pub async fn by_job_ref_for_update(conn: &mut PgConnection, chain_id: i64, job_ref: &str) -> anyhow::Result<Option<PaymentRow>> {
    sqlx::query_as!(
        PaymentRow,
        "select job_id, organization_id, job_ref, quote_id, chain_id, escrow_address, token_address, buyer_address, amount, payees,
            deadline, typed_data, signature, status, payer_address, funded_tx, funded_block, flags, created_at, updated_at
         from payment where chain_id = $1 and job_ref = $2 for update",
        chain_id,
        job_ref,
    )
    .fetch_optional(conn)
    .await
    .context("failed to lock a payment")
}

/// Moves a payment from `from` to `to`, guarded by `from` (`update … where status = $from`); false
/// when the row was no longer in `from`. A move the state machine forbids is an error, not a no-op.
pub async fn set_status(conn: &mut PgConnection, job_id: Uuid, from: PaymentStatus, to: PaymentStatus) -> anyhow::Result<bool> {
    anyhow::ensure!(from.can_move_to(to), "a payment cannot go from {} to {}", from.as_str(), to.as_str());
    let done = sqlx::query!("update payment set status = $3 where job_id = $1 and status = $2", job_id, from.as_str(), to.as_str())
        .execute(conn)
        .await
        .context("failed to change a payment's status")?;
    Ok(done.rows_affected() == 1)
}

pub async fn record_funding(conn: &mut PgConnection, job_id: Uuid, payer: &str, tx_hash: &str, block: i64) -> anyhow::Result<()> {
    sqlx::query!(
        "update payment set payer_address = $2, funded_tx = $3, funded_block = $4 where job_id = $1",
        job_id,
        payer,
        tx_hash,
        block,
    )
    .execute(conn)
    .await
    .context("failed to record a funding")?;
    Ok(())
}

pub async fn add_flag(conn: &mut PgConnection, job_id: Uuid, flag: &serde_json::Value) -> anyhow::Result<()> {
    sqlx::query!("update payment set flags = flags || jsonb_build_array($2::jsonb) where job_id = $1", job_id, flag)
        .execute(conn)
        .await
        .context("failed to flag a payment")?;
    Ok(())
}

/// Payments whose escrow should be in a known on-chain state, for the reconciler.
pub async fn settled(conn: &mut PgConnection, chain_id: i64, limit: i64) -> anyhow::Result<Vec<PaymentRow>> {
    sqlx::query_as!(
        PaymentRow,
        "select job_id, organization_id, job_ref, quote_id, chain_id, escrow_address, token_address, buyer_address, amount, payees,
            deadline, typed_data, signature, status, payer_address, funded_tx, funded_block, flags, created_at, updated_at
         from payment where chain_id = $1 and status in ('cleared', 'review', 'released', 'refunded', 'frozen')
         order by updated_at desc limit $2",
        chain_id,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list settled payments")
}

/// The organisation's history the AML rules look at, for one payment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AmlHistory {
    pub kyc_level: String,
    pub country: String,
    pub account_age_days: i32,
    pub previous_payments: i64,
    pub payments_last_24h: i64,
    pub refunds_last_30d: i64,
    pub days_since_last_payment: Option<i32>,
    pub recent_amounts: Vec<String>,
    pub buyer_is_provider: bool,
}

pub async fn aml_history(conn: &mut PgConnection, job_id: Uuid, window_days: i32) -> anyhow::Result<AmlHistory> {
    sqlx::query_as!(
        AmlHistory,
        r#"select o.kyc_level, o.country::text as "country!",
                extract(day from now() - o.created_at)::int as "account_age_days!",
                (select count(*) from payment q where q.organization_id = o.id and q.job_id <> p.job_id and q.funded_tx is not null) as "previous_payments!",
                (select count(*) from payment q where q.organization_id = o.id and q.job_id <> p.job_id and q.funded_tx is not null
                    and q.updated_at > now() - interval '24 hours') as "payments_last_24h!",
                (select count(*) from payment q where q.organization_id = o.id and q.status = 'refunded' and q.updated_at > now() - interval '30 days') as "refunds_last_30d!",
                (select extract(day from now() - max(q.updated_at))::int from payment q where q.organization_id = o.id and q.job_id <> p.job_id
                    and q.funded_tx is not null) as "days_since_last_payment?",
                array(select q.amount from payment q where q.organization_id = o.id and q.job_id <> p.job_id and q.funded_tx is not null
                    and q.updated_at > now() - make_interval(days => $2)) as "recent_amounts!",
                (m.organization_id = o.id) as "buyer_is_provider!"
         from payment p join organization o on o.id = p.organization_id join job j on j.id = p.job_id join base_model m on m.id = j.base_model_id
         where p.job_id = $1"#,
        job_id,
        window_days,
    )
    .fetch_one(conn)
    .await
    .context("failed to read a payment's AML history")
}

/// Payments held on a screening hit (blocked or frozen) with the address that paid them.
pub async fn held(conn: &mut PgConnection) -> anyhow::Result<Vec<PaymentRow>> {
    sqlx::query_as!(
        PaymentRow,
        "select job_id, organization_id, job_ref, quote_id, chain_id, escrow_address, token_address, buyer_address, amount, payees,
            deadline, typed_data, signature, status, payer_address, funded_tx, funded_block, flags, created_at, updated_at
         from payment where status in ('blocked', 'frozen') and payer_address is not null",
    )
    .fetch_all(conn)
    .await
    .context("failed to list held payments")
}
