//! The admin review queue (API.md "Admin review"): cases opened by screening, decided by admins
//! with notes. Two different admins must approve (four eyes) a case at or above the policy's amount,
//! of a kind the policy names, or clearing any sanctions match by name or address
//! (`policy/review-v1.toml`). A decision acts on its subject in the same transaction: a payment is
//! cleared, refunded (only where no sanctions match is involved) or frozen; a wallet is activated
//! or blocked; an organisation on hold is released or blocked. A reject or block writes a
//! suspicious-activity report draft. Everything lands in the audit log.

use std::collections::HashMap;
use std::sync::LazyLock;

use anyhow::Context;
use attune_db::cases::CaseRow;
use attune_domain::job::JobStatus;
use attune_domain::review::{CASE_KINDS, CASE_STATUSES, CaseSubject, ReviewPolicy};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use attune_domain::settlement::PaymentStatus;

use crate::Actor;
use crate::chain::Chain;
use crate::cursor::Page;
use crate::error::AppError;
use crate::job_lifecycle::{Transition, advance_paid, transition};
use crate::view::view;

view! {
    /// A review case: what screening or monitoring found, about whom, and where it stands.
    #[derive(Debug, Clone, serde::Serialize)]
    pub struct Case from CaseRow {
        pub id: Uuid,
        /// What is under review: `payment`, `wallet`, `name`…
        pub kind: String,
        /// Its reference (`payment:<job>`, `wallet:<address>`, `kyc:<session>`…).
        pub subject: String,
        pub organization_id: Option<Uuid>,
        pub score: f64,
        /// The rules that fired.
        pub reasons: serde_json::Value,
        pub evidence: serde_json::Value,
        /// USDC base units, for a payment.
        pub amount: Option<String>,
        pub status: String,
        pub list_version: String,
        pub created_at: DateTime<Utc>,
        pub updated_at: DateTime<Utc>,
    }
}

view! {
    /// An admin's decision on a case, with the notes kept for the auditors.
    #[derive(Debug, Clone, serde::Serialize)]
    pub struct CaseDecision from attune_db::cases::DecisionRow {
        pub admin_id: Uuid,
        pub decision: String,
        pub notes: String,
        pub created_at: DateTime<Utc>,
    }
}

/// The names of the admins who decided a case, for pages (an admin who is gone keeps no name).
pub async fn decider_names(pool: &PgPool, actor: &Actor, decisions: &[CaseDecision]) -> Result<HashMap<Uuid, String>, AppError> {
    let scope = actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut names = HashMap::new();
    for d in decisions {
        if !names.contains_key(&d.admin_id)
            && let Some(user) = attune_db::users::get(&mut conn, scope, d.admin_id).await?
        {
            names.insert(d.admin_id, user.name);
        }
    }
    Ok(names)
}

/// The review policy compiled into this build, loaded once.
static REVIEW_POLICY: LazyLock<Result<ReviewPolicy, String>> = LazyLock::new(ReviewPolicy::v1);

pub fn review_policy() -> Result<&'static ReviewPolicy, AppError> {
    REVIEW_POLICY.as_ref().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the review policy: {e}")))
}

/// Cases by score, highest first (admin), `limit` (1–200) at a time.
pub async fn list(
    pool: &PgPool,
    actor: &Actor,
    status: Option<&str>,
    kind: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Case>, AppError> {
    actor.admin_scope()?;
    if let Some(s) = status.filter(|s| !CASE_STATUSES.contains(s)) {
        return Err(AppError::field("status", format!("{s:?} is not a case status; one of {}", CASE_STATUSES.join(", "))));
    }
    if let Some(k) = kind.filter(|k| !CASE_KINDS.contains(k)) {
        return Err(AppError::field("kind", format!("{k:?} is not a case kind; one of {}", CASE_KINDS.join(", "))));
    }
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut items = attune_db::cases::list_cases(&mut conn, status, kind, after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut items, limit, |c| (c.score, c.created_at, c.id));
    Ok(Page { items: items.into_iter().map(Case::from).collect(), next_cursor })
}

/// A case, its decisions and, once rejected or blocked, its suspicious-activity report draft.
pub async fn get(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<(Case, Vec<CaseDecision>, Option<serde_json::Value>), AppError> {
    actor.admin_scope()?;
    let mut tx = pool.begin().await.context("failed to begin")?;
    let case = attune_db::cases::get_case_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let decisions = attune_db::cases::decisions(&mut tx, id).await?;
    let report = attune_db::cases::report_draft(&mut tx, id).await?;
    tx.commit().await.context("failed to commit")?;
    Ok((case.into(), decisions.into_iter().map(CaseDecision::from).collect(), report))
}

/// Whether approving `case` needs two different admins (for the case page); when the policy cannot
/// be read, it does.
pub fn four_eyes_apply(case: &Case) -> bool {
    review_policy().map_or(true, |p| needs_four_eyes(p, &case.kind, case.amount.as_deref(), &case.reasons))
}

fn needs_four_eyes(policy: &ReviewPolicy, kind: &str, amount: Option<&str>, reasons: &serde_json::Value) -> bool {
    policy.needs_four_eyes(kind, amount.and_then(|a| a.parse::<u128>().ok()), reasons)
}

/// Records an admin's decision; returns the case's new status.
#[tracing::instrument(skip_all, fields(case = %id, decision = %decision))]
pub async fn decide(
    pool: &PgPool,
    chain: Option<&Chain>,
    actor: &Actor,
    id: Uuid,
    decision: &str,
    notes: &str,
) -> Result<String, AppError> {
    actor.admin_scope()?;
    if !matches!(decision, "approve" | "reject" | "block" | "request_info") {
        return Err(AppError::field("decision", "must be approve, reject, block or request_info"));
    }
    let policy = review_policy()?;
    let notes = notes.trim();
    if notes.is_empty() {
        return Err(AppError::field("notes", "say why: the decision is kept for the auditors"));
    }
    let mut tx = pool.begin().await.context("failed to begin a decision")?;
    let case = attune_db::cases::get_case_for_update(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !matches!(case.status.as_str(), "open" | "awaiting_second_approval" | "info_requested") {
        return Err(AppError::conflict("case-closed", format!("The case is already {}.", case.status)));
    }
    let previous = attune_db::cases::decisions(&mut tx, id).await?;
    let to = match decision {
        "approve" if case.status == "awaiting_second_approval" => {
            if previous.iter().any(|d| d.decision == "approve" && d.admin_id == actor.user_id) {
                return Err(AppError::conflict("four-eyes", "A second, different admin must give the second approval."));
            }
            "approved"
        }
        "approve" if needs_four_eyes(policy, &case.kind, case.amount.as_deref(), &case.reasons) => "awaiting_second_approval",
        "approve" => "approved",
        "reject" => "rejected",
        "block" => "blocked",
        _ => "info_requested",
    };
    if !attune_db::cases::set_case_status(&mut tx, id, &case.status, to).await? {
        return Err(AppError::conflict("case-changed", "The case was decided meanwhile."));
    }
    attune_db::cases::add_decision(&mut tx, id, actor.user_id, decision, notes).await?;
    let sanctions_match = policy.is_sanctions_match(&case.reasons);
    act(&mut tx, chain, &case, to, sanctions_match).await?;
    if matches!(to, "rejected" | "blocked") {
        let draft = report_draft(&mut tx, &case, actor, to, notes, sanctions_match).await?;
        attune_db::cases::insert_report_draft(&mut tx, id, case.organization_id, to, &draft).await?;
    }
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "case.decided",
        &format!("case:{id}"),
        &json!({"decision": decision, "status": to, "notes": notes, "kind": case.kind, "subject": case.subject,
                "review_policy": policy.version(), "sanctions_match": sanctions_match}),
    )
    .await?;
    tx.commit().await.context("failed to commit a decision")?;
    Ok(to.to_owned())
}

/// The suspicious-activity report draft of a rejected or blocked case: who, what, when, amounts,
/// transaction, rules and list version, from the case and its subject.
async fn report_draft(
    conn: &mut PgConnection,
    case: &CaseRow,
    actor: &Actor,
    status: &str,
    notes: &str,
    sanctions_match: bool,
) -> Result<serde_json::Value, AppError> {
    let payment = match case.subject.strip_prefix("job:").and_then(|id| Uuid::parse_str(id).ok()) {
        Some(job_id) => attune_db::payments::get(conn, job_id).await?,
        None => None,
    };
    let evidence = &case.evidence;
    let tx_hash = payment.as_ref().and_then(|p| p.funded_tx.clone()).or_else(|| evidence["extra"]["tx_hash"].as_str().map(str::to_owned));
    let addresses: Vec<String> = [
        payment.as_ref().and_then(|p| p.payer_address.clone()),
        evidence["address"].as_str().map(str::to_owned),
        evidence["payer"].as_str().map(str::to_owned),
        case.subject.strip_prefix("wallet:").map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .fold(Vec::new(), |mut all, a| {
        if !all.iter().any(|x: &String| x.eq_ignore_ascii_case(&a)) {
            all.push(a);
        }
        all
    });
    Ok(json!({
        "who": {"organization_id": case.organization_id, "addresses": addresses, "names": evidence["name"]},
        "what": {"case": case.id, "kind": case.kind, "subject": case.subject, "decision": status, "notes": notes,
                 "sanctions_match": sanctions_match},
        "when": {"case_opened": case.created_at, "decided": chrono::Utc::now(), "funded_block": payment.as_ref().and_then(|p| p.funded_block)},
        "amounts": {"amount": case.amount.clone().or_else(|| payment.as_ref().map(|p| p.amount.clone())), "token": payment.as_ref().map(|p| p.token_address.clone()),
                    "unit": "USDC base units (6 decimals)"},
        "tx": tx_hash,
        "rules": case.reasons,
        "matches": {"address": evidence["match"], "names": evidence["matches"]},
        "list_version": case.list_version,
        "decided_by": actor.audit_id(),
        "status": "draft",
    }))
}

/// What a decision does to the case's subject. A guarded update that does not apply is a conflict.
async fn act(conn: &mut PgConnection, chain: Option<&Chain>, case: &CaseRow, status: &str, sanctions_match: bool) -> Result<(), AppError> {
    let subject = CaseSubject::parse(&case.subject)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("case {} names no subject it can act on: {}", case.id, case.subject)))?;
    match (&subject, status) {
        (CaseSubject::Payment(job_id), _) => act_on_payment(conn, chain, case, *job_id, status, sanctions_match).await?,
        (CaseSubject::Wallet(address), "approved") => set_wallet(conn, address, &["under_review"], "active").await?,
        (CaseSubject::Wallet(address), "blocked" | "rejected") => set_wallet(conn, address, &["under_review", "active"], "blocked").await?,
        (CaseSubject::Person(_) | CaseSubject::Organization(_), "approved") => {
            let org = organization_of(case)?;
            // The hold lifts when no other name case of the organisation waits; its KYC level is
            // then what its approved sessions give.
            if attune_db::screening::undecided_name_cases(conn, org).await? == 0 {
                attune_db::screening::set_organization_hold(conn, org, None).await?;
                crate::kyc::recompute_level(conn, org).await?;
            }
        }
        (CaseSubject::Person(_) | CaseSubject::Organization(_), "blocked" | "rejected") => {
            let org = organization_of(case)?;
            attune_db::screening::set_organization_hold(conn, org, Some("blocked")).await?;
            attune_db::kyc::set_level(conn, org, "none").await?;
        }
        _ => {}
    }
    Ok(())
}

async fn act_on_payment(
    conn: &mut PgConnection,
    chain: Option<&Chain>,
    case: &CaseRow,
    job_id: Uuid,
    status: &str,
    sanctions_match: bool,
) -> Result<(), AppError> {
    match status {
        "approved" => {
            // A held organisation's payments stay held until its name case is decided.
            if let Some(org) = case.organization_id
                && attune_db::screening::organization_on_hold(conn, org).await?
            {
                return Err(AppError::conflict(
                    "organization-on-hold",
                    "The organisation is on hold: decide its name-screening case before clearing its payments.",
                ));
            }
            if !attune_db::payments::set_status(conn, job_id, PaymentStatus::Review, PaymentStatus::Cleared).await? {
                return Err(AppError::conflict("payment-changed", "The payment is no longer in review; nothing was cleared."));
            }
            transition(
                conn,
                &Transition {
                    job_id,
                    from: JobStatus::PaymentReview,
                    to: JobStatus::Paid,
                    actor: None,
                    detail: json!({"reason": "an admin cleared the payment"}),
                },
            )
            .await?;
            advance_paid(conn, chain, job_id).await?;
        }
        // A reject refunds, except where a sanctions match is involved: money never goes back to a
        // listed party, so the escrow is frozen as for a block.
        "rejected" if !sanctions_match => {
            if let Some(p) = attune_db::payments::get(conn, job_id).await? {
                crate::operator_txs::request_for_job(conn, "refund", job_id, &p.job_ref).await?;
            }
        }
        "rejected" | "blocked" => {
            if let Some(p) = attune_db::payments::get(conn, job_id).await? {
                let state = p.state()?;
                match state {
                    // Already held: the freeze was asked for (or done) when it was blocked.
                    PaymentStatus::Frozen => {}
                    PaymentStatus::Blocked => {
                        crate::operator_txs::request_for_job(conn, "freeze", job_id, &p.job_ref).await?;
                    }
                    _ => {
                        if !state.can_move_to(PaymentStatus::Blocked)
                            || !attune_db::payments::set_status(conn, job_id, state, PaymentStatus::Blocked).await?
                        {
                            return Err(AppError::conflict(
                                "payment-changed",
                                format!("The payment is {}; it cannot be blocked now.", state.as_str()),
                            ));
                        }
                        crate::operator_txs::request_for_job(conn, "freeze", job_id, &p.job_ref).await?;
                    }
                }
            }
        }
        "info_requested" => {
            // The buyer is asked, by mail from the outbox, for what the reviewer needs.
            if let Some((email, name)) = attune_db::jobs::creator_email(conn, job_id).await? {
                let mail = attune_domain::notification::OutgoingEmail {
                    to: email,
                    subject: "Attune needs more information about your payment".into(),
                    text: format!(
                        "Hello {name},\n\nbefore your payment for fine-tune job {job_id} can clear, our compliance team needs more information \
                         (for example the source of the funds). Please reply to this message or contact support with the job number.\n\n— Attune\n"
                    ),
                    html: None,
                };
                attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn organization_of(case: &CaseRow) -> Result<Uuid, AppError> {
    case.organization_id.ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("a name case without an organisation: {}", case.subject)))
}

async fn set_wallet(conn: &mut PgConnection, address: &str, from: &[&str], status: &str) -> Result<(), AppError> {
    let Some(wallet) = attune_db::wallets::get_by_address_for_update(conn, address).await? else { return Ok(()) };
    if wallet.status == status {
        return Ok(());
    }
    if !attune_db::wallets::set_status_guarded(conn, address, from, status).await? {
        return Err(AppError::conflict("wallet-changed", format!("The wallet is {}; this decision cannot apply to it.", wallet.status)));
    }
    Ok(())
}
