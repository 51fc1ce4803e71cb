//! Audit pools (DESIGN.md §7; seed 002 §VI.D–VII): admins create sector pools and attach auditors;
//! SME organisations join. A member's fee per audit is the pool's cost spread over its audit volume
//! (`attune_domain::pools`), so it falls as members join; an organisation in no pool pays the
//! platform's own review. A membership lapses when its term runs out unless renewed.

use anyhow::Context;
use attune_db::pools::{MemberRow, PoolRow};
use attune_domain::compliance::Policy;
use attune_domain::pools::{AuditFee, PoolPolicy};
use attune_domain::{OrgKind, OrgScope, PlatformRole};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PoolSummary {
    pub id: Uuid,
    pub name: String,
    pub sector: String,
    pub description: String,
    /// Members whose membership is in force.
    pub member_count: u32,
    pub fee_per_audit: FeeView,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeeView {
    /// Integer base units of the settlement token.
    pub amount: String,
    pub token: String,
    /// How the amount is computed from the pool's cost and volume.
    pub formula: String,
    /// What the same review costs an organisation in no pool.
    pub non_pooled_amount: String,
    /// The pools policy the fee is computed under.
    pub policy: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PoolView {
    #[serde(flatten)]
    pub pool: PoolSummary,
    pub members: Vec<MemberView>,
    pub auditors: Vec<AuditorView>,
    pub stats: PoolStatsView,
    /// The caller's organisation's membership of this pool, if any.
    pub my_membership: Option<MemberView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub organization_id: Uuid,
    pub organization: String,
    pub kind: String,
    pub joined_at: DateTime<Utc>,
    /// When the membership lapses unless renewed (by joining again).
    pub lapses_at: DateTime<Utc>,
    pub lapsed: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditorView {
    pub user_id: Uuid,
    pub name: String,
    pub added_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PoolStatsView {
    pub audits_completed: i64,
    /// Median seconds from a task's opening to its decision; null before the first decision.
    pub median_turnaround_s: Option<f64>,
    pub open_tasks: i64,
}

/// The pools policy (fees, membership, safe-harbour conditions), loaded once.
pub(crate) fn policy() -> anyhow::Result<&'static PoolPolicy> {
    PoolPolicy::current().map_err(|e| anyhow::anyhow!("the pools policy could not be loaded: {e}"))
}

/// Where a membership stands.
pub(crate) fn member_view(policy: &PoolPolicy, m: &MemberRow, now: DateTime<Utc>) -> MemberView {
    let lapses_at = m.renewed_at + Duration::days(i64::from(policy.term_days()));
    MemberView {
        organization_id: m.organization_id,
        organization: m.organization.clone(),
        kind: m.organization_kind.clone(),
        joined_at: m.joined_at,
        lapses_at,
        lapsed: lapses_at <= now,
    }
}

fn fee_view(fee: &AuditFee, policy: &PoolPolicy) -> FeeView {
    FeeView {
        amount: fee.amount.to_string(),
        token: "USDC".into(),
        formula: fee.formula.clone(),
        non_pooled_amount: policy.non_pooled_fee().amount.to_string(),
        policy: policy.reference().version.clone(),
    }
}

async fn summary(
    conn: &mut PgConnection,
    policy: &PoolPolicy,
    p: PoolRow,
    now: DateTime<Utc>,
) -> anyhow::Result<(PoolSummary, Vec<MemberView>)> {
    let members: Vec<MemberView> = attune_db::pools::members(conn, p.id).await?.iter().map(|m| member_view(policy, m, now)).collect();
    let count = u32::try_from(members.iter().filter(|m| !m.lapsed).count()).unwrap_or(u32::MAX);
    let fee = policy.pooled_fee(count.max(1));
    let summary = PoolSummary {
        id: p.id,
        name: p.name,
        sector: p.sector,
        description: p.description,
        member_count: count,
        fee_per_audit: fee_view(&fee, policy),
        created_at: p.created_at,
    };
    Ok((summary, members))
}

fn text(field: &str, raw: &str, max: usize) -> Result<String, AppError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(char::is_control) {
        return Err(AppError::field(field, format!("must be 1 to {max} characters of text")));
    }
    Ok(t.to_owned())
}

/// The sectors a pool may serve: the compliance policy's.
pub fn sectors() -> Vec<String> {
    Policy::current().map(|p| p.sectors().iter().map(|s| s.id.clone()).collect()).unwrap_or_default()
}

/// Creates a sector pool (admin).
pub async fn create(pool: &PgPool, actor: &Actor, name: &str, sector: &str, description: &str) -> Result<PoolSummary, AppError> {
    actor.admin_scope()?;
    let name = text("name", name, 120)?;
    let description = text("description", description, 2000)?;
    let compliance =
        Policy::current().map_err(|e| AppError::Unexpected(anyhow::anyhow!("the compliance policy could not be loaded: {e}")))?;
    if compliance.sector(sector).is_none() {
        return Err(AppError::field("sector", "must be one of the compliance policy's sectors"));
    }
    let id = Uuid::new_v4();
    let mut tx = pool.begin().await.context("failed to begin a pool")?;
    let created = attune_db::pools::insert(
        &mut tx,
        &attune_db::pools::NewPool { id, name: &name, sector, description: &description, created_by: actor.user_id },
    )
    .await?;
    if !created {
        return Err(AppError::conflict("pool-exists", format!("A pool named {name:?} exists.")));
    }
    attune_db::audit::append(&mut tx, &actor.audit_id(), "pool.created", &format!("pool:{id}"), &json!({"name": name, "sector": sector}))
        .await?;
    let row = attune_db::pools::get(&mut tx, id).await?.context("the new pool vanished")?;
    let (summary, _) = summary(&mut tx, policy()?, row, Utc::now()).await?;
    tx.commit().await.context("failed to commit a pool")?;
    Ok(summary)
}

/// Every pool, with its current fee (any signed-in user).
pub async fn list(pool: &PgPool) -> Result<Vec<PoolSummary>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let policy = policy()?;
    let now = Utc::now();
    let mut items = Vec::new();
    for row in attune_db::pools::list(&mut conn).await? {
        items.push(summary(&mut conn, policy, row, now).await?.0);
    }
    Ok(items)
}

/// A pool's page: members, auditors, fee and how it is computed, stats.
pub async fn get(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<PoolView, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let row = attune_db::pools::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let (summary, members) = summary(&mut conn, policy()?, row, Utc::now()).await?;
    let auditors = attune_db::pools::auditors(&mut conn, id)
        .await?
        .into_iter()
        .map(|a| AuditorView { user_id: a.user_id, name: a.name, added_at: a.added_at })
        .collect();
    let s = attune_db::pools::stats(&mut conn, id).await?;
    let my_membership = members.iter().find(|m| m.organization_id == actor.organization_id).cloned();
    Ok(PoolView {
        pool: summary,
        members,
        auditors,
        stats: PoolStatsView { audits_completed: s.audits_completed, median_turnaround_s: s.median_turnaround_s, open_tasks: s.open_tasks },
        my_membership,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Joined {
    pub pool_id: Uuid,
    pub membership: MemberView,
    /// True when the organisation was already a member and its term restarted.
    pub renewed: bool,
    pub fee_per_audit: FeeView,
}

/// The caller's organisation joins a pool (or renews its membership of it).
pub async fn join(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<Joined, AppError> {
    let policy = policy()?;
    let mut tx = pool.begin().await.context("failed to begin joining a pool")?;
    if !attune_db::pools::lock(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    let org = attune_db::organizations::get(&mut tx, actor.scope(), actor.organization_id).await?.ok_or(AppError::NotFound)?;
    let kind: OrgKind = org.kind.parse().map_err(|e: String| AppError::Unexpected(anyhow::anyhow!(e)))?;
    if !policy.may_join(kind) {
        let kinds: Vec<&str> = policy.eligible_kinds().iter().map(|k| k.as_str()).collect();
        return Err(AppError::conflict(
            "not-eligible",
            format!("Audit pools are for {}; this organisation is {}.", kinds.join(", "), kind.label().to_lowercase()),
        ));
    }
    let renewed = match attune_db::pools::membership(&mut tx, actor.organization_id).await? {
        Some(m) if m.pool_id == id => {
            if !attune_db::pools::renew(&mut tx, m.id).await? {
                return Err(AppError::conflict("wrong-state", "The membership ended while it was being renewed."));
            }
            true
        }
        Some(_) => {
            return Err(AppError::conflict("in-another-pool", "The organisation is a member of another pool; leave it first."));
        }
        None => {
            attune_db::pools::join(&mut tx, id, actor.organization_id, actor.user_id)
                .await?
                .ok_or_else(|| AppError::conflict("in-another-pool", "The organisation joined a pool at the same moment."))?;
            false
        }
    };
    let action = if renewed { "pool.membership_renewed" } else { "pool.joined" };
    attune_db::audit::append(&mut tx, &actor.audit_id(), action, &format!("pool:{id}"), &json!({"organization": actor.organization_id}))
        .await?;
    let member = attune_db::pools::membership(&mut tx, actor.organization_id).await?.context("the membership vanished")?;
    let row = attune_db::pools::get(&mut tx, id).await?.context("the pool vanished")?;
    let (summary, _) = summary(&mut tx, policy, row, Utc::now()).await?;
    tx.commit().await.context("failed to commit a membership")?;
    Ok(Joined { pool_id: id, membership: member_view(policy, &member, Utc::now()), renewed, fee_per_audit: summary.fee_per_audit })
}

/// The caller's organisation leaves its pool; the safe-harbour certificates that relied on the
/// membership lapse with it.
pub async fn leave(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    let mut tx = pool.begin().await.context("failed to begin leaving a pool")?;
    let Some(member) = attune_db::pools::membership(&mut tx, actor.organization_id).await?.filter(|m| m.pool_id == id) else {
        // The pool exists but the organisation is not in it: a conflict with its state, not a
        // missing resource (a pool just created has no members yet).
        if attune_db::pools::get(&mut tx, id).await?.is_some() {
            return Err(AppError::conflict("not-a-member", "This organisation is not a member of the pool."));
        }
        return Err(AppError::NotFound);
    };
    if !attune_db::pools::leave(&mut tx, member.id).await? {
        return Err(AppError::conflict("wrong-state", "The membership has already ended."));
    }
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "pool.left",
        &format!("pool:{id}"),
        &json!({"organization": actor.organization_id}),
    )
    .await?;
    crate::safe_harbour::lapse_for_organization(&mut tx, actor.organization_id, "the organisation left its audit pool").await?;
    tx.commit().await.context("failed to commit leaving a pool")?;
    Ok(())
}

/// Attaches an auditor to a pool (admin). The user must hold the platform's auditor role.
pub async fn add_auditor(pool: &PgPool, actor: &Actor, id: Uuid, user_id: Uuid) -> Result<AuditorView, AppError> {
    actor.admin_scope()?;
    let mut tx = pool.begin().await.context("failed to begin adding an auditor")?;
    if !attune_db::pools::lock(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    let user =
        attune_db::users::get(&mut tx, OrgScope::Platform, user_id).await?.ok_or_else(|| AppError::field("user_id", "no such user"))?;
    if !user.roles.iter().any(|r| r == PlatformRole::Auditor.as_str()) {
        return Err(AppError::field("user_id", "the user does not hold the auditor role; an admin grants it first"));
    }
    if !attune_db::pools::add_auditor(&mut tx, id, user_id, actor.user_id).await? {
        return Err(AppError::conflict("already-auditor", "The user already audits this pool."));
    }
    attune_db::audit::append(&mut tx, &actor.audit_id(), "pool.auditor_added", &format!("pool:{id}"), &json!({"user": user_id})).await?;
    let added =
        attune_db::pools::auditors(&mut tx, id).await?.into_iter().find(|a| a.user_id == user_id).context("the auditor vanished")?;
    tx.commit().await.context("failed to commit an auditor")?;
    Ok(AuditorView { user_id, name: added.name, added_at: added.added_at })
}

/// The audit fee a job of `organization_id` is priced at, and the pool that will review it: its
/// pool's spread fee while its membership is in force, else the platform's own review.
pub(crate) async fn fee_for(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<(AuditFee, Option<Uuid>)> {
    let policy = policy()?;
    let now = Utc::now();
    let Some(m) = attune_db::pools::membership(conn, organization_id).await? else {
        return Ok((policy.non_pooled_fee(), None));
    };
    if member_view(policy, &m, now).lapsed {
        return Ok((policy.non_pooled_fee(), None));
    }
    let members = attune_db::pools::members(conn, m.pool_id).await?;
    let count = members.iter().filter(|x| !member_view(policy, x, now).lapsed).count();
    Ok((policy.pooled_fee(u32::try_from(count).unwrap_or(u32::MAX)), Some(m.pool_id)))
}

/// Whether `actor` audits the pool (an admin audits every pool).
pub(crate) async fn audits(conn: &mut PgConnection, actor: &Actor, pool_id: Uuid) -> anyhow::Result<bool> {
    if actor.has_role(PlatformRole::Admin) {
        return Ok(true);
    }
    Ok(actor.has_role(PlatformRole::Auditor) && attune_db::pools::audited_by(conn, actor.user_id).await?.contains(&pool_id))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingView {
    pub id: Uuid,
    pub title: String,
    pub severity: String,
    pub detail: String,
    /// How many reviews used it.
    pub uses: i32,
}

/// A pool's shared library of findings (its auditors and admins).
pub async fn findings(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<Vec<FindingView>, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::pools::get(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    if !audits(&mut conn, actor, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(library(&mut conn, id).await?)
}

/// A pool's findings library, most used first.
pub(crate) async fn library(conn: &mut PgConnection, pool_id: Uuid) -> anyhow::Result<Vec<FindingView>> {
    Ok(attune_db::pools::findings(conn, pool_id)
        .await?
        .into_iter()
        .map(|f| FindingView { id: f.id, title: f.title, severity: f.severity, detail: f.detail, uses: f.uses })
        .collect())
}
