use anyhow::Context;
use attune_domain::{Country, OrgKind, OrgName, OrgScope};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    /// When an admin verified `kind` with evidence; `None` while it rests on the sign-up form.
    pub kind_verified_at: Option<DateTime<Utc>>,
    pub kind_verified_by: Option<Uuid>,
    pub kind_evidence: Option<String>,
}

#[tracing::instrument(skip_all, fields(organization_id = %id))]
pub async fn insert(conn: &mut PgConnection, id: Uuid, name: &OrgName, country: Country, kind: OrgKind) -> anyhow::Result<OrganizationRow> {
    sqlx::query_as!(
        OrganizationRow,
        "insert into organization (id, name, country, kind) values ($1, $2, $3, $4)
         returning id, name, country, kind, created_at, kind_verified_at, kind_verified_by, kind_evidence",
        id,
        name.as_str(),
        country.as_str(),
        kind.as_str(),
    )
    .fetch_one(conn)
    .await
    .context("failed to insert organization")
}

/// An organisation as seen from `scope`: `None` when it does not exist or belongs to another
/// organisation.
#[tracing::instrument(skip_all, fields(organization_id = %id))]
pub async fn get(conn: &mut PgConnection, scope: OrgScope, id: Uuid) -> anyhow::Result<Option<OrganizationRow>> {
    sqlx::query_as!(
        OrganizationRow,
        "select id, name, country, kind, created_at, kind_verified_at, kind_verified_by, kind_evidence
         from organization where id = $1 and ($2::uuid is null or id = $2)",
        id,
        scope.organization_filter(),
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch organization")
}

/// The platform operator's own organisation, which holds the bootstrap admin.
pub async fn find_by_name(conn: &mut PgConnection, name: &str) -> anyhow::Result<Option<OrganizationRow>> {
    sqlx::query_as!(
        OrganizationRow,
        "select id, name, country, kind, created_at, kind_verified_at, kind_verified_by, kind_evidence
         from organization where name = $1 order by created_at limit 1",
        name,
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch organization by name")
}

/// Organisations of these kinds, unverified first, then newest first (the admins' verification list).
pub async fn list_by_kinds(conn: &mut PgConnection, kinds: &[String], limit: i64) -> anyhow::Result<Vec<OrganizationRow>> {
    sqlx::query_as!(
        OrganizationRow,
        "select id, name, country, kind, created_at, kind_verified_at, kind_verified_by, kind_evidence
         from organization where kind = any($1)
         order by kind_verified_at is not null, created_at desc limit $2",
        kinds,
        limit,
    )
    .fetch_all(conn)
    .await
    .context("failed to list organisations by kind")
}

/// Records an admin's verification of the organisation's kind (`Some`), or withdraws it (`None`),
/// guarded on the kind the admin looked at: `None` when the organisation is gone or its kind changed.
pub async fn set_kind_verification(
    conn: &mut PgConnection,
    id: Uuid,
    expected_kind: OrgKind,
    verified: Option<(Uuid, &str)>,
) -> anyhow::Result<Option<OrganizationRow>> {
    let (by, evidence) = verified.map_or((None, None), |(by, evidence)| (Some(by), Some(evidence)));
    sqlx::query_as!(
        OrganizationRow,
        "update organization
            set kind_verified_at = case when $3::uuid is null then null else now() end,
                kind_verified_by = $3, kind_evidence = $4
          where id = $1 and kind = $2
      returning id, name, country, kind, created_at, kind_verified_at, kind_verified_by, kind_evidence",
        id,
        expected_kind.as_str(),
        by,
        evidence,
    )
    .fetch_optional(conn)
    .await
    .context("failed to record the organisation kind's verification")
}

/// Holds a session-level advisory lock named `name` on this connection until [`unlock`] (or the
/// connection closes): one replica at a time runs a start-up step.
pub async fn lock(conn: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    sqlx::query!("select pg_advisory_lock(hashtextextended($1, 0))", name).execute(conn).await.context("failed to take a lock")?;
    Ok(())
}

pub async fn unlock(conn: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    // The result (false when the lock was not held) is ignored, as before.
    let _released = sqlx::query_scalar!("select pg_advisory_unlock(hashtextextended($1, 0))", name)
        .fetch_one(conn)
        .await
        .context("failed to release a lock")?;
    Ok(())
}
