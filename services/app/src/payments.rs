//! A job's payment: the EIP-712 quote the operator signs for the escrow (once, then it is fixed),
//! payable only from the buyer's verified wallet, and its status as the chain watcher moves it.

use std::str::FromStr;

use alloy_primitives::{Address, B256, Bytes, U256};
use anyhow::Context;
use attune_db::payments::{NewPayment, PaymentRow};
use attune_domain::compliance::{Payee, Quote as PriceQuote};
use attune_domain::settlement::{Share, job_ref, shares};
use attune_integrations::chain::bindings::FineTuneEscrow;
use chrono::Utc;
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::Actor;
use crate::chain::Chain;
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PaymentDetail {
    /// `awaiting`, `confirming`, `review`, `cleared`, `blocked`, `frozen`, `released` or `refunded`.
    pub status: String,
    pub chain_id: i64,
    pub escrow_address: String,
    pub token_address: String,
    /// Integer base units of the token.
    pub amount: String,
    pub job_ref: String,
    /// Unix seconds.
    pub deadline: i64,
    /// The wallet that must fund the escrow (the buyer's verified wallet).
    pub buyer_address: String,
    #[schema(value_type = Vec<Object>)]
    pub payees: serde_json::Value,
    /// EIP-712 typed data `{domain, types, primaryType: "Quote", message}`, numbers as decimal strings.
    #[schema(value_type = Object)]
    pub quote: serde_json::Value,
    /// The operator's signature of the quote (0x hex).
    pub signature: String,
    /// The escrow's events and the operator's transactions for this payment, oldest first.
    pub txs: Vec<PaymentTx>,
    #[schema(value_type = Vec<Object>)]
    pub flags: serde_json::Value,
    /// Ready-made transactions for the buyer's wallet: `approve` on the token, then `fund` on the
    /// escrow; null when the stored quote cannot be encoded.
    pub calldata: Option<BuyerCalls>,
}

/// A transaction on the chain that concerns a payment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum PaymentTx {
    /// An escrow event the watcher recorded (`Funded`, `Released`…), `seen`, `applied`, `removed` or `reorged`.
    Event {
        event: String,
        tx_hash: String,
        block_number: i64,
        status: String,
        #[schema(value_type = Object)]
        data: serde_json::Value,
    },
    /// A transaction the operator sent, or is sending (`release`, `refund`, `freeze`, `fund`…).
    Operator {
        operator_action: String,
        tx_hash: Option<String>,
        block_number: Option<i64>,
        status: String,
        /// What went wrong, in words for the buyer.
        error: Option<String>,
    },
}

/// One transaction for the buyer's wallet to send.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WalletCall {
    pub to: String,
    /// ABI-encoded call, 0x hex.
    pub data: String,
}

/// The two transactions the buyer sends: `approve` on the token, then `fund` on the escrow.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BuyerCalls {
    pub approve: WalletCall,
    pub fund: WalletCall,
}

/// The two transactions the buyer sends, ABI-encoded.
fn calldata(row: &PaymentRow) -> Option<BuyerCalls> {
    let quote = quote_from_typed_data(&row.typed_data).ok()?;
    let escrow = Address::from_str(&row.escrow_address).ok()?;
    let signature = row.signature.parse::<Bytes>().ok()?;
    let (approve, fund) = attune_integrations::chain::bindings::buyer_calls(quote, escrow, signature);
    Some(BuyerCalls {
        approve: WalletCall { to: row.token_address.clone(), data: format!("0x{}", hex::encode(approve)) },
        fund: WalletCall { to: row.escrow_address.clone(), data: format!("0x{}", hex::encode(fund)) },
    })
}

fn typed_data(chain_id: u64, escrow: Address, q: &FineTuneEscrow::Quote) -> serde_json::Value {
    let field = |name: &str, ty: &str| json!({"name": name, "type": ty});
    json!({
        "domain": {"name": "Attune Escrow", "version": "1", "chainId": chain_id.to_string(), "verifyingContract": escrow.to_checksum(None)},
        "types": {
            "EIP712Domain": [field("name", "string"), field("version", "string"), field("chainId", "uint256"), field("verifyingContract", "address")],
            "Quote": [field("jobRef", "bytes32"), field("buyer", "address"), field("token", "address"), field("amount", "uint256"),
                      field("payees", "address[]"), field("sharesBps", "uint16[]"), field("deadline", "uint64"), field("quoteId", "bytes32")],
        },
        "primaryType": "Quote",
        "message": {
            "jobRef": q.jobRef.to_string(),
            "buyer": q.buyer.to_checksum(None),
            "token": q.token.to_checksum(None),
            "amount": q.amount.to_string(),
            "payees": q.payees.iter().map(|a| a.to_checksum(None)).collect::<Vec<_>>(),
            "sharesBps": q.sharesBps.iter().map(|b| b.to_string()).collect::<Vec<_>>(),
            "deadline": q.deadline.to_string(),
            "quoteId": q.quoteId.to_string(),
        },
    })
}

/// The quote in the contract's form, rebuilt from its EIP-712 typed data (as `GET …/payment` gives it).
pub fn quote_from_typed_data(typed_data: &serde_json::Value) -> anyhow::Result<FineTuneEscrow::Quote> {
    let m = &typed_data["message"];
    let s = |k: &str| m[k].as_str().map(str::to_owned).with_context(|| format!("the stored quote lacks {k}"));
    Ok(FineTuneEscrow::Quote {
        jobRef: B256::from_str(&s("jobRef")?)?,
        buyer: Address::from_str(&s("buyer")?)?,
        token: Address::from_str(&s("token")?)?,
        amount: U256::from_str(&s("amount")?)?,
        payees: m["payees"]
            .as_array()
            .context("payees")?
            .iter()
            .filter_map(|a| a.as_str().and_then(|a| Address::from_str(a).ok()))
            .collect(),
        sharesBps: m["sharesBps"].as_array().context("shares")?.iter().filter_map(|b| b.as_str().and_then(|b| b.parse().ok())).collect(),
        deadline: s("deadline")?.parse()?,
        quoteId: B256::from_str(&s("quoteId")?)?,
    })
}

async fn latest_wallet(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Option<Address>> {
    let wallets = attune_db::wallets::list(conn, attune_domain::OrgScope::Organization(organization_id)).await?;
    Ok(wallets.iter().rev().filter(|w| w.status == "active").find_map(|w| Address::from_str(&w.address).ok()))
}

/// The payment of a job; the first call for a job awaiting payment issues and signs its quote.
#[tracing::instrument(skip_all, fields(job = %job_id))]
pub async fn payment(pool: &PgPool, chain: &Chain, actor: &Actor, job_id: Uuid) -> Result<PaymentDetail, AppError> {
    let mut tx = pool.begin().await.context("failed to begin a payment")?;
    let job = attune_db::jobs::get_for_update(&mut tx, &actor.scope(), job_id).await?.ok_or(AppError::NotFound)?;
    let row = match attune_db::payments::get(&mut tx, job_id).await? {
        Some(row) => row,
        None => {
            if job.status != "awaiting_payment" {
                return Err(AppError::conflict("no-payment-due", format!("A job that is {} has no payment to make.", job.status)));
            }
            let buyer = latest_wallet(&mut tx, actor.organization_id).await?.ok_or_else(|| {
                AppError::conflict(
                    "wallet-missing",
                    "Link and verify a wallet first: only the buyer's verified wallet can fund the escrow.",
                )
            })?;
            issue_quote(&mut tx, chain, actor, &job, buyer).await?;
            attune_db::payments::get(&mut tx, job_id).await?.context("the payment vanished")?
        }
    };
    let view = view(&mut tx, row).await?;
    tx.commit().await.context("failed to commit a payment")?;
    Ok(view)
}

/// Issues and signs the quote of a job's payment, payable only by `buyer` (the buyer's verified
/// wallet, or the platform's settlement wallet for an onramp purchase).
pub(crate) async fn issue_quote(
    tx: &mut PgConnection,
    chain: &Chain,
    actor: &Actor,
    job: &attune_db::jobs::JobRow,
    buyer: Address,
) -> Result<(), AppError> {
    let job_id = job.id;
    let model = attune_db::models::get(&mut *tx, job.base_model_id).await?.context("the job's model vanished")?;
    let provider_wallet = latest_wallet(&mut *tx, model.organization_id).await?;
    let price: PriceQuote = serde_json::from_value(job.assessment["quote"].clone()).context("the job's quote is unreadable")?;
    let mut lines = Vec::new();
    for line in &price.breakdown {
        let to = match line.payee {
            Payee::Provider => provider_wallet.ok_or_else(|| {
                AppError::conflict("provider-wallet-missing", "The model's provider has no verified wallet to be paid to yet.")
            })?,
            Payee::Compute | Payee::Platform | Payee::AuditPool | Payee::PlatformReview => chain.treasury,
        };
        lines.push((to, line.amount));
    }
    let split: Vec<Share> = shares(&lines).map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let deadline = Utc::now() + chain.quote_ttl;
    let d = &chain.client.deployment;
    let quote = FineTuneEscrow::Quote {
        jobRef: job_ref(job_id),
        buyer,
        token: d.token,
        amount: U256::from(price.amount),
        payees: split.iter().map(|s| s.payee).collect(),
        sharesBps: split.iter().map(|s| s.bps).collect(),
        deadline: u64::try_from(deadline.timestamp()).unwrap_or(0),
        quoteId: B256::from(rand::random::<[u8; 32]>()),
    };
    let signature = chain.client.sign_quote(&quote)?;
    let typed = typed_data(d.chain_id, d.escrow, &quote);
    let payees = json!(split.iter().map(|s| json!({"address": s.payee.to_checksum(None), "bps": s.bps})).collect::<Vec<_>>());
    let chain_id = i64::try_from(d.chain_id).context("chain id out of range")?;
    let signature_hex = format!("0x{}", hex::encode(signature.as_bytes()));
    attune_db::payments::insert(
        &mut *tx,
        &NewPayment {
            job_id,
            organization_id: actor.organization_id,
            job_ref: &quote.jobRef.to_string(),
            quote_id: &quote.quoteId.to_string(),
            chain_id,
            escrow_address: &d.escrow.to_checksum(None),
            token_address: &d.token.to_checksum(None),
            buyer_address: &buyer.to_checksum(None),
            amount: &price.amount.to_string(),
            payees: &payees,
            deadline,
            typed_data: &typed,
            signature: &signature_hex,
        },
    )
    .await?;
    attune_db::audit::append(
        &mut *tx,
        &actor.audit_id(),
        "payment.quoted",
        &format!("job:{job_id}"),
        &json!({"quote": typed, "signature": signature_hex}),
    )
    .await?;
    Ok(())
}

pub async fn view(conn: &mut PgConnection, row: PaymentRow) -> Result<PaymentDetail, AppError> {
    let events = attune_db::chain::events_for(conn, &row.job_ref).await?;
    let mut txs: Vec<PaymentTx> = events
        .into_iter()
        .map(|e| PaymentTx::Event { event: e.event, tx_hash: e.tx_hash, block_number: e.block_number, status: e.status, data: e.data })
        .collect();
    for t in attune_db::chain::txs_for(conn, &format!("job:{}", row.job_id)).await? {
        let error = crate::operator_tx_notice::buyer_facing_error(&t.status, t.last_error.as_deref()).map(str::to_owned);
        txs.push(PaymentTx::Operator {
            operator_action: t.kind,
            tx_hash: t.tx_hash,
            block_number: t.block_number,
            status: t.status,
            error,
        });
    }
    let calldata = calldata(&row);
    Ok(PaymentDetail {
        calldata,
        status: row.status,
        chain_id: row.chain_id,
        escrow_address: row.escrow_address,
        token_address: row.token_address,
        amount: row.amount,
        job_ref: row.job_ref,
        deadline: row.deadline.timestamp(),
        buyer_address: row.buyer_address,
        payees: row.payees,
        quote: row.typed_data,
        signature: row.signature,
        txs,
        flags: row.flags,
    })
}

/// An admin asks the operator to release a completed job's escrow to its payees (aggregation asks
/// by itself; this is for a release that was held, e.g. after a payee's case was cleared). Asking
/// twice is asking once.
#[tracing::instrument(skip_all, fields(job = %job_id))]
pub async fn request_release(
    pool: &PgPool,
    screening: &crate::screening::ScreeningService,
    actor: &Actor,
    job_id: Uuid,
) -> Result<String, AppError> {
    let scope = actor.admin_scope()?;
    let mut tx = pool.begin().await.context("failed to begin a release")?;
    let job = attune_db::jobs::get_for_update(&mut tx, &scope, job_id).await?.ok_or(AppError::NotFound)?;
    if job.status != "completed" {
        return Err(AppError::conflict("wrong-state", format!("Only a completed job is paid out; this one is {}.", job.status)));
    }
    let payment =
        attune_db::payments::get(&mut tx, job_id).await?.ok_or_else(|| AppError::conflict("not-funded", "The job was never funded."))?;
    if payment.status != "cleared" {
        return Err(AppError::conflict("wrong-state", format!("The payment is {}, not cleared.", payment.status)));
    }
    if !crate::screening::screen_payees_before_release(&mut tx, &payment, screening).await? {
        tx.commit().await.context("failed to commit the payee screening")?;
        return Err(AppError::conflict(
            "payee-listed",
            "A payee's wallet is now on a sanctions list; the release waits for an admin's review.",
        ));
    }
    let new = crate::operator_txs::request_for_job(&mut tx, "release", job_id, &payment.job_ref).await?;
    if new {
        attune_db::audit::append(
            &mut tx,
            &actor.audit_id(),
            "payment.release_requested",
            &format!("job:{job_id}"),
            &json!({"job_ref": payment.job_ref}),
        )
        .await?;
    }
    tx.commit().await.context("failed to commit a release")?;
    Ok(payment.status)
}

/// The admin chain page's facts: the watcher's position, the operator's balance, open alerts.
/// `GET /api/v1/admin/chain`: where the watcher is, the operator's gas and the open alerts.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChainStatus {
    pub chain: crate::chain::ChainInfo,
    pub head: u64,
    /// The last block the watcher applied; null before its first step.
    pub watcher_cursor: Option<i64>,
    pub watcher_lag_blocks: Option<i64>,
    /// Wei, as a decimal string.
    pub operator_gas_balance_wei: String,
    pub alerts: Vec<ChainAlert>,
}

crate::view::view! {
    /// Something on the chain that a human should look at (a reconciliation mismatch, a reorged
    /// funding, funds for a job that no longer waits…).
    #[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
    pub struct ChainAlert from attune_db::chain::AlertRow {
        pub id: i64,
        pub kind: String,
        pub subject: String,
        #[schema(value_type = Object)]
        pub detail: serde_json::Value,
        pub created_at: chrono::DateTime<Utc>,
    }
}

pub async fn chain_status(pool: &PgPool, chain: &Chain, actor: &Actor) -> Result<ChainStatus, AppError> {
    actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let chain_id = i64::try_from(chain.client.deployment.chain_id).context("chain id")?;
    let cursor = attune_db::chain::cursor(&mut conn, "escrow", chain_id).await?;
    let alerts = attune_db::chain::open_alerts(&mut conn).await?;
    let head = chain.client.head().await?;
    let gas = chain.client.operator_gas_balance().await?;
    Ok(ChainStatus {
        chain: chain.info(),
        head,
        watcher_cursor: cursor,
        watcher_lag_blocks: cursor.map(|c| (head as i64 - c).max(0)),
        operator_gas_balance_wei: gas.to_string(),
        alerts: alerts.into_iter().map(ChainAlert::from).collect(),
    })
}
