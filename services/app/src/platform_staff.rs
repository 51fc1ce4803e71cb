//! Platform staff: admins grant roles, page through every account, and the first admin is made
//! from the command line or on first start.

use anyhow::Context;
use attune_domain::{Country, Email, NewPassword, OrgKind, OrgName, PersonName, PlatformRole, ValidationErrors};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::accounts::{AccountError, User};
use crate::passwords;

/// Replaces a user's platform roles (admin only). An admin cannot drop their own admin role, so
/// the platform never locks itself out by accident.
#[tracing::instrument(skip_all, fields(target = %user_id))]
pub async fn set_roles(pool: &PgPool, actor: &Actor, user_id: Uuid, roles: &[String]) -> Result<User, AccountError> {
    let scope = actor.admin_scope()?;
    let mut errors = ValidationErrors::new();
    let mut parsed: Vec<PlatformRole> = Vec::new();
    for (i, role) in roles.iter().enumerate() {
        if let Some(role) = errors.check(&format!("roles[{i}]"), role.parse::<PlatformRole>())
            && !parsed.contains(&role)
        {
            parsed.push(role);
        }
    }
    if !errors.is_empty() {
        return Err(AccountError::Validation(errors));
    }
    if user_id == actor.user_id && !parsed.contains(&PlatformRole::Admin) {
        return Err(AccountError::Conflict("you cannot remove your own admin role".into()));
    }
    let mut tx = pool.begin().await.context("failed to begin role change")?;
    if !attune_db::users::lock_for_update(&mut tx, user_id).await? {
        return Err(AccountError::NotFound);
    }
    let before = attune_db::users::get(&mut tx, scope, user_id).await?.ok_or(AccountError::NotFound)?;
    attune_db::users::set_roles(&mut tx, user_id, &parsed).await?;
    let after = attune_db::users::get(&mut tx, scope, user_id).await?.ok_or(AccountError::NotFound)?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "user.roles_changed",
        &format!("user:{user_id}"),
        &json!({"before": before.roles, "after": after.roles}),
    )
    .await?;
    tx.commit().await.context("failed to commit role change")?;
    Ok(after.into())
}

pub struct UserPage {
    pub items: Vec<User>,
    pub next_cursor: Option<String>,
}

/// All users, newest first (admin only). The cursor is opaque to clients.
pub async fn list_users(pool: &PgPool, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<UserPage, AccountError> {
    let scope = actor.admin_scope()?;
    let after = crate::cursor::after(cursor).map_err(|_| {
        let mut e = ValidationErrors::new();
        e.push("cursor", "is not a cursor this server issued");
        AccountError::Validation(e)
    })?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut items = attune_db::users::list(&mut conn, scope, after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut items, limit, |u| (u.created_at, u.id));
    Ok(UserPage { items: items.into_iter().map(User::from).collect(), next_cursor })
}

/// Name and country of the organisation that holds platform staff created from the command line.
pub const PLATFORM_ORGANIZATION: &str = "Attune platform operator";

pub enum AdminCreated {
    Created(Uuid),
    /// The account existed; it was given the admin role.
    Promoted(Uuid),
}

/// What to do when an account with the admin's e-mail address already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExistingAccount {
    /// Refuse: someone else may have registered that address to be handed the admin role.
    Refuse,
    /// Give the existing account the admin role, but only if its e-mail address is verified.
    PromoteIfVerified,
}

/// Creates a platform admin (first start, tests). An existing account with that e-mail address is
/// refused; see [`create_admin_with`] to promote one on purpose.
pub async fn create_admin(pool: &PgPool, actor: &str, email: &str, password: &str, name: &str) -> Result<AdminCreated, AccountError> {
    create_admin_with(pool, actor, email, Some(password), name, ExistingAccount::Refuse).await
}

/// Creates a platform admin, or — only when asked (`ExistingAccount::PromoteIfVerified`) — grants
/// the role to the existing, verified account with that e-mail address. Without a password only
/// an existing account can be promoted.
#[tracing::instrument(skip_all)]
pub async fn create_admin_with(
    pool: &PgPool,
    actor: &str,
    email: &str,
    password: Option<&str>,
    name: &str,
    existing: ExistingAccount,
) -> Result<AdminCreated, AccountError> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", Email::parse(email));
    let name = errors.check("name", PersonName::parse(name));
    let password = password.and_then(|p| errors.check("password", NewPassword::parse(p)));
    let (Some(email), Some(name)) = (email, name) else {
        return Err(AccountError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AccountError::Validation(errors));
    }
    let mut tx = pool.begin().await.context("failed to begin admin creation")?;
    if let Some(found) = attune_db::users::get_by_email(&mut tx, email.as_str()).await? {
        if existing == ExistingAccount::Refuse {
            return Err(AccountError::Conflict(format!(
                "an account with the e-mail address {} already exists; it was not made an admin \
                 (to promote that account on purpose, pass --promote-existing)",
                found.email
            )));
        }
        if found.email_verified_at.is_none() {
            return Err(AccountError::Conflict(format!(
                "the account {} has not verified its e-mail address; only a verified account can be promoted to admin",
                found.email
            )));
        }
        if !attune_db::users::lock_for_update(&mut tx, found.id).await? {
            return Err(AccountError::NotFound);
        }
        attune_db::users::add_role(&mut tx, found.id, PlatformRole::Admin).await?;
        attune_db::audit::append(
            &mut tx,
            actor,
            "user.roles_changed",
            &format!("user:{}", found.id),
            &json!({"before": found.roles, "added": "admin", "promoted_existing": true}),
        )
        .await?;
        tx.commit().await.context("failed to commit admin promotion")?;
        return Ok(AdminCreated::Promoted(found.id));
    }
    let Some(password) = password else {
        let mut e = ValidationErrors::new();
        e.push("password", "is required to create a new account (no account with this e-mail address exists)");
        return Err(AccountError::Validation(e));
    };
    let password_hash = passwords::hash(password.expose().to_string()).await?;
    let org = match attune_db::organizations::find_by_name(&mut tx, PLATFORM_ORGANIZATION).await? {
        Some(org) => org,
        None => {
            let org_name = OrgName::parse(PLATFORM_ORGANIZATION).map_err(|e| anyhow::anyhow!(e))?;
            let country = Country::parse("IE").map_err(|e| anyhow::anyhow!(e))?;
            attune_db::organizations::insert(&mut tx, Uuid::now_v7(), &org_name, country, OrgKind::Enterprise).await?
        }
    };
    let user_id = Uuid::now_v7();
    attune_db::users::insert(&mut tx, user_id, org.id, &email, &name, &password_hash).await.map_err(|e| {
        if attune_db::is_constraint_violation(&e, attune_db::users::EMAIL_KEY) { AccountError::EmailTaken } else { e.into() }
    })?;
    attune_db::users::add_role(&mut tx, user_id, PlatformRole::Admin).await?;
    // An operator typed this address on the server; it counts as verified.
    attune_db::users::mark_email_verified(&mut tx, user_id).await?;
    attune_db::audit::append(
        &mut tx,
        actor,
        "user.admin_created",
        &format!("user:{user_id}"),
        &json!({"email": email.as_str(), "organization_id": org.id}),
    )
    .await?;
    tx.commit().await.context("failed to commit admin creation")?;
    Ok(AdminCreated::Created(user_id))
}

pub async fn admin_exists(pool: &PgPool) -> anyhow::Result<bool> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    attune_db::users::admin_exists(&mut conn).await
}
