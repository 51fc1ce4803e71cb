use anyhow::Context;
use attune_domain::{Email, OrgScope, PersonName, PlatformRole};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub name: String,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub roles: Vec<String>,
}

#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: Uuid,
    pub password_hash: String,
}

/// Name of the unique index that makes an e-mail address belong to one account.
pub const EMAIL_KEY: &str = "app_user_email_key";

#[tracing::instrument(skip_all, fields(user_id = %id))]
pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    organization_id: Uuid,
    email: &Email,
    name: &PersonName,
    password_hash: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into app_user (id, organization_id, email, name, password_hash) values ($1, $2, $3, $4, $5)",
        id,
        organization_id,
        email.as_str(),
        name.as_str(),
        password_hash
    )
    .execute(conn)
    .await
    .map(|_| ())
}

pub async fn credentials_by_email(conn: &mut PgConnection, email: &str) -> anyhow::Result<Option<Credentials>> {
    sqlx::query_as!(Credentials, "select id, password_hash from app_user where lower(email) = lower($1)", email)
        .fetch_optional(conn)
        .await
        .context("failed to fetch credentials")
}

pub async fn update_password_hash(conn: &mut PgConnection, id: Uuid, password_hash: &str) -> anyhow::Result<()> {
    sqlx::query!("update app_user set password_hash = $2 where id = $1", id, password_hash)
        .execute(conn)
        .await
        .context("failed to update password hash")?;
    Ok(())
}

/// A user as seen from `scope` (`None` for another organisation's user).
pub async fn get(conn: &mut PgConnection, scope: OrgScope, id: Uuid) -> anyhow::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"select u.id, u.organization_id, u.email, u.name, u.email_verified_at, u.created_at,
            coalesce((select array_agg(r.role order by r.role) from user_role r where r.user_id = u.id), '{}') as "roles!"
         from app_user u where u.id = $1 and ($2::uuid is null or u.organization_id = $2)"#,
        id,
        scope.organization_filter()
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch user")
}

pub async fn get_by_email(conn: &mut PgConnection, email: &str) -> anyhow::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"select u.id, u.organization_id, u.email, u.name, u.email_verified_at, u.created_at,
            coalesce((select array_agg(r.role order by r.role) from user_role r where r.user_id = u.id), '{}') as "roles!"
         from app_user u where lower(u.email) = lower($1)"#,
        email
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch user by email")
}

/// Users visible in `scope`, newest first, keyset-paginated on (created_at, id).
pub async fn list(
    conn: &mut PgConnection,
    scope: OrgScope,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> anyhow::Result<Vec<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"select u.id, u.organization_id, u.email, u.name, u.email_verified_at, u.created_at,
            coalesce((select array_agg(r.role order by r.role) from user_role r where r.user_id = u.id), '{}') as "roles!"
         from app_user u
         where ($1::uuid is null or u.organization_id = $1)
           and ($2::timestamptz is null or (u.created_at, u.id) < ($2, $3))
         order by u.created_at desc, u.id desc limit $4"#,
        scope.organization_filter(),
        after.map(|a| a.0),
        after.map(|a| a.1),
        limit
    )
    .fetch_all(conn)
    .await
    .context("failed to list users")
}

/// Replaces a user's platform roles; returns false when the user does not exist.
pub async fn set_roles(conn: &mut PgConnection, id: Uuid, roles: &[PlatformRole]) -> anyhow::Result<()> {
    sqlx::query!("delete from user_role where user_id = $1", id).execute(&mut *conn).await.context("failed to clear roles")?;
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    sqlx::query!("insert into user_role (user_id, role) select $1, unnest($2::text[]) on conflict do nothing", id, &names[..] as &[&str])
        .execute(conn)
        .await
        .context("failed to insert roles")?;
    Ok(())
}

pub async fn add_role(conn: &mut PgConnection, id: Uuid, role: PlatformRole) -> anyhow::Result<()> {
    sqlx::query!("insert into user_role (user_id, role) values ($1, $2) on conflict do nothing", id, role.as_str())
        .execute(conn)
        .await
        .context("failed to add role")?;
    Ok(())
}

pub async fn admin_exists(conn: &mut PgConnection) -> anyhow::Result<bool> {
    sqlx::query_scalar!(r#"select exists (select 1 from user_role where role = 'admin') as "exists!""#)
        .fetch_one(conn)
        .await
        .context("failed to check for an admin")
}

pub async fn lock_for_update(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<bool> {
    let found = sqlx::query_scalar!("select id from app_user where id = $1 for update", id)
        .fetch_optional(conn)
        .await
        .context("failed to lock user")?;
    Ok(found.is_some())
}

// ---- e-mail verification ----

pub async fn insert_email_verification(
    conn: &mut PgConnection,
    token_sha256: &[u8],
    user_id: Uuid,
    email: &str,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into email_verification (token_sha256, user_id, email, expires_at) values ($1, $2, $3, $4)",
        token_sha256,
        user_id,
        email,
        expires_at
    )
    .execute(conn)
    .await
    .context("failed to insert email verification")?;
    Ok(())
}

/// Uses a verification token once: marks it used and the user's address verified, guarded so a
/// token can only succeed once and only before it expires. Returns the user id.
pub async fn consume_email_verification(conn: &mut PgConnection, token_sha256: &[u8]) -> anyhow::Result<Option<Uuid>> {
    let user_id = sqlx::query_scalar!(
        "update email_verification set used_at = now()
         where token_sha256 = $1 and used_at is null and expires_at > now()
         returning user_id",
        token_sha256
    )
    .fetch_optional(&mut *conn)
    .await
    .context("failed to consume email verification")?;
    if let Some(id) = user_id {
        sqlx::query!("update app_user set email_verified_at = coalesce(email_verified_at, now()) where id = $1", id)
            .execute(conn)
            .await
            .context("failed to mark email verified")?;
    }
    Ok(user_id)
}

/// The organisation's first user.
pub async fn first_of_organization(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        r#"select u.id, u.organization_id, u.email, u.name, u.email_verified_at, u.created_at,
            coalesce((select array_agg(r.role order by r.role) from user_role r where r.user_id = u.id), '{}') as "roles!"
         from app_user u where u.organization_id = $1 order by u.created_at, u.id limit 1"#,
        organization_id
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch an organisation's first user")
}

/// Marks an account's e-mail address verified (one the platform itself owns or an operator typed).
pub async fn mark_email_verified(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<()> {
    sqlx::query!("update app_user set email_verified_at = coalesce(email_verified_at, now()) where id = $1", id)
        .execute(conn)
        .await
        .context("failed to mark an e-mail address verified")?;
    Ok(())
}

/// The caller's account, organisation and KYC standing.
pub struct Me {
    pub user: UserRow,
    pub organization: crate::organizations::OrganizationRow,
    pub kyc_level: String,
    /// The newest KYC session's status, if any.
    pub kyc_status: Option<String>,
}

#[derive(sqlx::FromRow)]
struct MeRow {
    id: Uuid,
    organization_id: Uuid,
    email: String,
    name: String,
    email_verified_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    roles: Vec<String>,
    org_name: String,
    org_country: String,
    org_kind: String,
    org_created_at: DateTime<Utc>,
    kind_verified_at: Option<DateTime<Utc>>,
    kind_verified_by: Option<Uuid>,
    kind_evidence: Option<String>,
    kyc_level: String,
    kyc_status: Option<String>,
}

/// `GET /api/v1/me` in one query: the user with their roles, their organisation, its KYC level and
/// newest session's status.
pub async fn me(conn: &mut PgConnection, user_id: Uuid, organization_id: Uuid) -> anyhow::Result<Option<Me>> {
    let row: Option<MeRow> = sqlx::query_as!(
        MeRow,
        r#"select u.id, u.organization_id, u.email, u.name, u.email_verified_at, u.created_at,
            coalesce((select array_agg(r.role order by r.role) from user_role r where r.user_id = u.id), '{}') as "roles!", o.name as org_name, o.country as org_country, o.kind as org_kind, o.created_at as org_created_at,
            o.kind_verified_at, o.kind_verified_by, o.kind_evidence, o.kyc_level,
            (select s.status from kyc_session s where s.organization_id = o.id order by s.created_at desc limit 1) as kyc_status
         from app_user u join organization o on o.id = u.organization_id
         where u.id = $1 and u.organization_id = $2"#,
        user_id,
        organization_id
    )
    .fetch_optional(conn)
    .await
    .context("failed to read the caller's account")?;
    Ok(row.map(|r| Me {
        user: UserRow {
            id: r.id,
            organization_id: r.organization_id,
            email: r.email,
            name: r.name,
            email_verified_at: r.email_verified_at,
            created_at: r.created_at,
            roles: r.roles,
        },
        organization: crate::organizations::OrganizationRow {
            id: r.organization_id,
            name: r.org_name,
            country: r.org_country,
            kind: r.org_kind,
            created_at: r.org_created_at,
            kind_verified_at: r.kind_verified_at,
            kind_verified_by: r.kind_verified_by,
            kind_evidence: r.kind_evidence,
        },
        kyc_level: r.kyc_level,
        kyc_status: r.kyc_status,
    }))
}
