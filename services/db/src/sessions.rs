use std::net::IpAddr;

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// The user behind a live session.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionUser {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub roles: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut PgConnection,
    id: Uuid,
    user_id: Uuid,
    token_sha256: &[u8],
    expires_at: DateTime<Utc>,
    user_agent: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into session (id, user_id, token_sha256, expires_at, user_agent) values ($1, $2, $3, $4, $5)",
        id,
        user_id,
        token_sha256,
        expires_at,
        user_agent
    )
    .execute(conn)
    .await
    .context("failed to insert session")?;
    Ok(())
}

/// The live (unexpired) session with this token hash. Its last-seen time is refreshed at most
/// once a minute, so authenticated reads do not each cost a write.
pub async fn find_live(conn: &mut PgConnection, token_sha256: &[u8]) -> anyhow::Result<Option<SessionUser>> {
    sqlx::query_as!(
        SessionUser,
        r#"with s as (
            select id, user_id, expires_at, last_seen_at from session
            where token_sha256 = $1 and expires_at > now()
         ), touched as (
            update session set last_seen_at = now()
            from s where session.id = s.id and s.last_seen_at < now() - interval '1 minute'
         )
         select s.id as session_id, u.id as user_id, u.organization_id, u.email, u.name,
                u.email_verified_at is not null as "email_verified!",
                coalesce((select array_agg(r.role order by r.role) from user_role r where r.user_id = u.id), '{}') as "roles!",
                s.expires_at
         from s join app_user u on u.id = s.user_id"#,
        token_sha256
    )
    .fetch_optional(conn)
    .await
    .context("failed to look up session")
}

pub async fn delete(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<bool> {
    let done = sqlx::query!("delete from session where id = $1", id).execute(conn).await.context("failed to delete session")?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_expired(conn: &mut PgConnection) -> anyhow::Result<u64> {
    let done =
        sqlx::query!("delete from session where expires_at <= now()").execute(conn).await.context("failed to delete expired sessions")?;
    Ok(done.rows_affected())
}

// ---- login attempts (rate limiting) ----

/// Serialises login attempts for one e-mail address and for one client address until the
/// transaction ends, so counting the recent failures and recording this attempt are one step
/// (parallel guesses cannot all see the same count). The e-mail's lock is always taken first.
pub async fn lock_login_keys(conn: &mut PgConnection, email: &str, ip: Option<IpAddr>) -> anyhow::Result<()> {
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended('attune:login:email:' || lower($1), 0))", email)
        .execute(&mut *conn)
        .await
        .context("failed to lock the e-mail's login attempts")?;
    if let Some(ip) = ip {
        sqlx::query!("select pg_advisory_xact_lock(hashtextextended('attune:login:ip:' || $1, 0))", ip.to_string())
            .execute(&mut *conn)
            .await
            .context("failed to lock the address's login attempts")?;
    }
    Ok(())
}

/// Records an attempt; a login records it as failed before the password is checked and marks it
/// succeeded afterwards (`mark_login_succeeded`).
pub async fn insert_login_attempt(conn: &mut PgConnection, email: &str, ip: Option<IpAddr>, succeeded: bool) -> anyhow::Result<i64> {
    // The address is sent as text and cast in SQL (no sqlx `inet` type is enabled).
    sqlx::query_scalar!(
        "insert into login_attempt (email, ip, succeeded) values ($1, $2::text::inet, $3) returning id",
        email,
        ip.map(|i| i.to_string()),
        succeeded
    )
    .fetch_one(conn)
    .await
    .context("failed to record login attempt")
}

pub async fn mark_login_succeeded(conn: &mut PgConnection, id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query!("update login_attempt set succeeded = true where id = $1 and not succeeded", id)
        .execute(conn)
        .await
        .context("failed to mark a login attempt succeeded")?;
    Ok(done.rows_affected() == 1)
}

// ---- registration attempts (rate limiting) ----

/// Counts this client address's registrations since `since` and, if fewer than `max`, records
/// this one — under a lock on the address, so parallel requests cannot exceed `max`.
pub async fn admit_registration(conn: &mut PgConnection, ip: IpAddr, since: DateTime<Utc>, max: i64) -> anyhow::Result<bool> {
    sqlx::query!("select pg_advisory_xact_lock(hashtextextended('attune:register:ip:' || $1, 0))", ip.to_string())
        .execute(&mut *conn)
        .await
        .context("failed to lock the address's registrations")?;
    let recent: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from registration_attempt where ip = $1::text::inet and at > $2"#,
        ip.to_string(),
        since
    )
    .fetch_one(&mut *conn)
    .await
    .context("failed to count registrations")?;
    if recent >= max {
        return Ok(false);
    }
    sqlx::query!("insert into registration_attempt (ip) values ($1::text::inet)", ip.to_string())
        .execute(conn)
        .await
        .context("failed to record a registration attempt")?;
    Ok(true)
}

pub async fn prune_registration_attempts(conn: &mut PgConnection, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let done = sqlx::query!("delete from registration_attempt where at < $1", before)
        .execute(conn)
        .await
        .context("failed to prune registration attempts")?;
    Ok(done.rows_affected())
}

/// Failed logins since `since` for this e-mail address and for this client address.
pub async fn recent_failures(conn: &mut PgConnection, email: &str, ip: Option<IpAddr>, since: DateTime<Utc>) -> anyhow::Result<(i64, i64)> {
    let row = sqlx::query!(
        r#"select
            (select count(*) from login_attempt where not succeeded and lower(email) = lower($1) and at > $3) as "by_email!",
            (select count(*) from login_attempt where not succeeded and $2::text::inet is not null and ip = $2::text::inet and at > $3)
                as "by_ip!""#,
        email,
        ip.map(|i| i.to_string()),
        since
    )
    .fetch_one(conn)
    .await
    .context("failed to count login failures")?;
    Ok((row.by_email, row.by_ip))
}

pub async fn prune_login_attempts(conn: &mut PgConnection, before: DateTime<Utc>) -> anyhow::Result<u64> {
    let done =
        sqlx::query!("delete from login_attempt where at < $1", before).execute(conn).await.context("failed to prune login attempts")?;
    Ok(done.rows_affected())
}
