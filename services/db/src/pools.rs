//! Audit pools, their members and auditors, and each pool's library of findings.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PoolRow {
    pub id: Uuid,
    pub name: String,
    pub sector: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

pub struct NewPool<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub sector: &'a str,
    pub description: &'a str,
    pub created_by: Uuid,
}

/// `false` when a pool of that name exists.
pub async fn insert(conn: &mut PgConnection, p: &NewPool<'_>) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "insert into audit_pool (id, name, sector, description, created_by) values ($1, $2, $3, $4, $5)
         on conflict on constraint audit_pool_name_key do nothing",
        p.id,
        p.name,
        p.sector,
        p.description,
        p.created_by
    )
    .execute(conn)
    .await
    .context("failed to insert an audit pool")?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<PoolRow>> {
    sqlx::query_as!(PoolRow, "select p.id, p.name, p.sector, p.description, p.created_at from audit_pool p where p.id = $1", id)
        .fetch_optional(conn)
        .await
        .context("failed to read an audit pool")
}

/// Locks a pool row (membership and fee changes are serialised per pool).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<bool> {
    let row = sqlx::query_scalar!("select id from audit_pool where id = $1 for update", id)
        .fetch_optional(conn)
        .await
        .context("failed to lock a pool")?;
    Ok(row.is_some())
}

pub async fn list(conn: &mut PgConnection) -> anyhow::Result<Vec<PoolRow>> {
    sqlx::query_as!(PoolRow, "select p.id, p.name, p.sector, p.description, p.created_at from audit_pool p order by p.sector, p.name")
        .fetch_all(conn)
        .await
        .context("failed to list audit pools")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: i64,
    pub pool_id: Uuid,
    pub organization_id: Uuid,
    pub organization: String,
    pub organization_kind: String,
    pub joined_at: DateTime<Utc>,
    pub renewed_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

pub async fn members(conn: &mut PgConnection, pool_id: Uuid) -> anyhow::Result<Vec<MemberRow>> {
    sqlx::query_as!(
        MemberRow,
        "select m.id, m.pool_id, m.organization_id, o.name as organization, o.kind as organization_kind, m.joined_at, m.renewed_at,
            m.ended_at
         from audit_pool_member m join organization o on o.id = m.organization_id
         where m.pool_id = $1 and m.ended_at is null order by m.joined_at",
        pool_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list a pool's members")
}

/// The organisation's membership that has not ended, if any.
pub async fn membership(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Option<MemberRow>> {
    sqlx::query_as!(
        MemberRow,
        "select m.id, m.pool_id, m.organization_id, o.name as organization, o.kind as organization_kind, m.joined_at, m.renewed_at,
            m.ended_at
         from audit_pool_member m join organization o on o.id = m.organization_id
         where m.organization_id = $1 and m.ended_at is null",
        organization_id
    )
    .fetch_optional(conn)
    .await
    .context("failed to read an organisation's pool membership")
}

/// `None` when the organisation already belongs to a pool.
pub async fn join(conn: &mut PgConnection, pool_id: Uuid, organization_id: Uuid, by: Uuid) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar!(
        "insert into audit_pool_member (pool_id, organization_id, joined_by) values ($1, $2, $3)
         on conflict (organization_id) where ended_at is null do nothing returning id",
        pool_id,
        organization_id,
        by
    )
    .fetch_optional(conn)
    .await
    .context("failed to join a pool")
}

/// Restarts the term of a membership that has not ended.
pub async fn renew(conn: &mut PgConnection, member_id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query!("update audit_pool_member set renewed_at = now() where id = $1 and ended_at is null", member_id)
        .execute(conn)
        .await
        .context("failed to renew a membership")?;
    Ok(done.rows_affected() == 1)
}

pub async fn leave(conn: &mut PgConnection, member_id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query!("update audit_pool_member set ended_at = now() where id = $1 and ended_at is null", member_id)
        .execute(conn)
        .await
        .context("failed to end a membership")?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditorRow {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub added_at: DateTime<Utc>,
}

pub async fn auditors(conn: &mut PgConnection, pool_id: Uuid) -> anyhow::Result<Vec<AuditorRow>> {
    sqlx::query_as!(
        AuditorRow,
        "select a.user_id, u.name, u.email, a.added_at from audit_pool_auditor a join app_user u on u.id = a.user_id
         where a.pool_id = $1 order by a.added_at",
        pool_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list a pool's auditors")
}

/// `false` when the user already audits the pool.
pub async fn add_auditor(conn: &mut PgConnection, pool_id: Uuid, user_id: Uuid, by: Uuid) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "insert into audit_pool_auditor (pool_id, user_id, added_by) values ($1, $2, $3) on conflict on constraint audit_pool_auditor_pkey do nothing",
        pool_id,
        user_id,
        by
    )
    .execute(conn)
    .await
    .context("failed to add an auditor")?;
    Ok(done.rows_affected() == 1)
}

/// The pools a user audits.
pub async fn audited_by(conn: &mut PgConnection, user_id: Uuid) -> anyhow::Result<Vec<Uuid>> {
    sqlx::query_scalar!("select pool_id from audit_pool_auditor where user_id = $1", user_id)
        .fetch_all(conn)
        .await
        .context("failed to list a user's pools")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PoolStats {
    pub audits_completed: i64,
    /// Seconds from a task's opening to its decision, median over decided tasks.
    pub median_turnaround_s: Option<f64>,
    pub open_tasks: i64,
}

pub async fn stats(conn: &mut PgConnection, pool_id: Uuid) -> anyhow::Result<PoolStats> {
    sqlx::query_as!(
        PoolStats,
        r#"select count(*) filter (where status in ('approved', 'changes_requested')) as "audits_completed!",
                percentile_cont(0.5) within group (order by extract(epoch from decided_at - created_at))
                    filter (where decided_at is not null) as "median_turnaround_s?",
                count(*) filter (where status in ('open', 'claimed')) as "open_tasks!"
         from audit_task where pool_id = $1"#,
        pool_id
    )
    .fetch_one(conn)
    .await
    .context("failed to compute a pool's stats")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingRow {
    pub id: Uuid,
    pub pool_id: Uuid,
    pub title: String,
    pub severity: String,
    pub detail: String,
    pub uses: i32,
    pub created_at: DateTime<Utc>,
}

pub async fn findings(conn: &mut PgConnection, pool_id: Uuid) -> anyhow::Result<Vec<FindingRow>> {
    sqlx::query_as!(
        FindingRow,
        "select id, pool_id, title, severity, detail, uses, created_at from audit_finding where pool_id = $1 order by uses desc, title",
        pool_id
    )
    .fetch_all(conn)
    .await
    .context("failed to list a pool's findings")
}

pub async fn finding(conn: &mut PgConnection, pool_id: Uuid, id: Uuid) -> anyhow::Result<Option<FindingRow>> {
    sqlx::query_as!(
        FindingRow,
        "select id, pool_id, title, severity, detail, uses, created_at from audit_finding where pool_id = $1 and id = $2",
        pool_id,
        id
    )
    .fetch_optional(conn)
    .await
    .context("failed to read a finding")
}

pub struct NewFinding<'a> {
    pub pool_id: Uuid,
    pub title: &'a str,
    pub severity: &'a str,
    pub detail: &'a str,
    pub created_by: Uuid,
}

/// Adds a finding to the pool's library, or counts one more use of the finding of that title; its
/// library id either way.
pub async fn record_finding(conn: &mut PgConnection, f: &NewFinding<'_>) -> anyhow::Result<Uuid> {
    let id = sqlx::query_scalar!(
        "insert into audit_finding (id, pool_id, title, severity, detail, created_by) values ($1, $2, $3, $4, $5, $6)
         on conflict (pool_id, lower(title)) do update set uses = audit_finding.uses + 1
         returning id",
        Uuid::new_v4(),
        f.pool_id,
        f.title,
        f.severity,
        f.detail,
        f.created_by
    )
    .fetch_one(conn)
    .await
    .context("failed to record a finding")?;
    Ok(id)
}

pub async fn use_finding(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<()> {
    sqlx::query!("update audit_finding set uses = uses + 1 where id = $1", id)
        .execute(conn)
        .await
        .context("failed to count a finding's use")?;
    Ok(())
}
