//! Accounts and organisations: register, verify e-mail, log in and out, roles, admins.

use std::net::IpAddr;

use anyhow::Context;
use attune_db::sessions::SessionUser;
use attune_domain::notification::OutgoingEmail;
use attune_domain::{Country, Email, NewPassword, OrgKind, OrgName, OrgScope, PersonName, PlatformRole, ValidationErrors};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::actor::{Actor, MissingRole};
use crate::passwords;
use crate::tokens::{new_token, token_sha256};
use crate::view::view;

view! {
    /// An account as its organisation and the platform's staff see it.
    #[derive(Debug, Clone)]
    pub struct User from attune_db::users::UserRow {
        pub id: Uuid,
        pub organization_id: Uuid,
        pub email: String,
        pub name: String,
        pub email_verified_at: Option<DateTime<Utc>>,
        pub created_at: DateTime<Utc>,
        /// Platform roles: `admin`, `auditor`.
        pub roles: Vec<String>,
    }
}

view! {
    /// An organisation, with whether an admin verified its kind.
    #[derive(Debug, Clone)]
    pub struct Organization from attune_db::organizations::OrganizationRow {
        pub id: Uuid,
        pub name: String,
        /// ISO 3166-1 alpha-2.
        pub country: String,
        pub kind: String,
        pub created_at: DateTime<Utc>,
        /// When an admin verified `kind` with evidence; `None` while it rests on the sign-up form.
        pub kind_verified_at: Option<DateTime<Utc>>,
        pub kind_verified_by: Option<Uuid>,
        pub kind_evidence: Option<String>,
    }
}

/// The caller's account, organisation and KYC standing.
pub struct Me {
    pub user: User,
    pub organization: Organization,
    /// `none`, `basic` or `enhanced`.
    pub kyc_level: String,
    /// The newest KYC session's status; `not_started` when there is none.
    pub kyc_status: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the request has invalid fields: {0}")]
    Validation(ValidationErrors),
    #[error("an account with this e-mail address already exists")]
    EmailTaken,
    #[error("the e-mail address or password is wrong")]
    InvalidCredentials,
    #[error("too many failed logins; try again later")]
    RateLimited { retry_after_secs: u64 },
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Forbidden(#[from] MissingRole),
    #[error("{0}")]
    Conflict(String),
    #[error("this verification link is invalid, used or expired")]
    InvalidToken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AccountError {
    fn from(e: sqlx::Error) -> Self {
        AccountError::Unexpected(anyhow::Error::new(e))
    }
}

/// Account rules that come from settings.
#[derive(Debug, Clone)]
pub struct AccountPolicy {
    pub session_ttl: Duration,
    pub verification_ttl: Duration,
    pub login_max_failures: i64,
    pub login_window: Duration,
    /// Base URL for links in mail, without a trailing slash.
    pub public_url: String,
}

#[derive(Debug, Clone)]
pub struct RegisterInput {
    pub email: String,
    pub password: String,
    pub name: String,
    pub organization_name: String,
    pub organization_country: String,
    pub organization_kind: String,
}

pub struct Registered {
    pub user: User,
    pub organization: Organization,
}

struct ParsedRegistration {
    email: Email,
    password: NewPassword,
    name: PersonName,
    org_name: OrgName,
    country: Country,
    kind: OrgKind,
}

fn parse_registration(input: &RegisterInput) -> Result<ParsedRegistration, AccountError> {
    let mut errors = ValidationErrors::new();
    let email = errors.check("email", Email::parse(&input.email));
    let password = errors.check("password", NewPassword::parse(&input.password));
    let name = errors.check("name", PersonName::parse(&input.name));
    let org_name = errors.check("organization.name", OrgName::parse(&input.organization_name));
    let country = errors.check("organization.country", Country::parse(&input.organization_country));
    if let Some(refusal) = country.as_ref().and_then(|c| crate::screening::embargo_refusal(c.as_str())) {
        errors.push("organization.country", refusal);
    }
    let kind = errors.check("organization.kind", input.organization_kind.parse::<OrgKind>());
    match (email, password, name, org_name, country, kind) {
        (Some(email), Some(password), Some(name), Some(org_name), Some(country), Some(kind)) if errors.is_empty() => {
            Ok(ParsedRegistration { email, password, name, org_name, country, kind })
        }
        _ => Err(AccountError::Validation(errors)),
    }
}

/// Creates an organisation and its first user, and mails an e-mail verification link — one
/// transaction with its audit entry and outbox item.
#[tracing::instrument(skip_all)]
pub async fn register(
    pool: &PgPool,
    policy: &AccountPolicy,
    screening: &crate::screening::ScreeningService,
    input: RegisterInput,
) -> Result<Registered, AccountError> {
    let parsed = parse_registration(&input)?;
    let password_hash = passwords::hash(parsed.password.expose().to_string()).await?;
    let mut tx = pool.begin().await.context("failed to begin registration")?;
    let org_id = Uuid::now_v7();
    let user_id = Uuid::now_v7();
    let organization = attune_db::organizations::insert(&mut tx, org_id, &parsed.org_name, parsed.country, parsed.kind).await?;
    crate::screening::screen_organization(&mut tx, screening, org_id, &organization.name, &organization.country).await?;
    attune_db::users::insert(&mut tx, user_id, org_id, &parsed.email, &parsed.name, &password_hash).await.map_err(|e| {
        if attune_db::is_constraint_violation(&e, attune_db::users::EMAIL_KEY) { AccountError::EmailTaken } else { e.into() }
    })?;
    attune_db::audit::append(
        &mut tx,
        &format!("user:{user_id}"),
        "organization.registered",
        &format!("organization:{org_id}"),
        &json!({"organization": {"name": organization.name, "country": organization.country, "kind": organization.kind}, "user_id": user_id}),
    )
    .await?;
    attune_db::audit::append(
        &mut tx,
        &format!("user:{user_id}"),
        "user.registered",
        &format!("user:{user_id}"),
        &json!({"email": parsed.email.as_str(), "organization_id": org_id}),
    )
    .await?;
    enqueue_verification_mail(&mut tx, policy, user_id, &parsed.email, &parsed.name).await?;
    let user = attune_db::users::get(&mut tx, OrgScope::Platform, user_id).await?.context("the new user vanished")?;
    tx.commit().await.context("failed to commit registration")?;
    Ok(Registered { user: user.into(), organization: organization.into() })
}

async fn enqueue_verification_mail(
    conn: &mut sqlx::PgConnection,
    policy: &AccountPolicy,
    user_id: Uuid,
    email: &Email,
    name: &PersonName,
) -> anyhow::Result<()> {
    let token = new_token();
    attune_db::users::insert_email_verification(conn, &token_sha256(&token), user_id, email.as_str(), Utc::now() + policy.verification_ttl)
        .await?;
    let link = format!("{}/verify-email?token={token}", policy.public_url);
    let mail = OutgoingEmail {
        to: email.as_str().to_string(),
        subject: "Confirm your e-mail address for Attune".into(),
        text: format!(
            "Hello {},\n\nplease confirm that this is your e-mail address by opening this link:\n\n{link}\n\n\
             The link works once and expires in {} hours. If you did not create an Attune account, ignore this message.\n\n— Attune\n",
            name.as_str(),
            policy.verification_ttl.num_hours()
        ),
        html: None,
    };
    attune_db::outbox::enqueue(conn, "email", &serde_json::to_value(&mail).context("failed to encode mail")?).await?;
    Ok(())
}

/// Confirms an e-mail address with the token from the link.
#[tracing::instrument(skip_all)]
pub async fn verify_email(pool: &PgPool, token: &str) -> Result<Uuid, AccountError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AccountError::InvalidToken);
    }
    let mut tx = pool.begin().await.context("failed to begin verification")?;
    let user_id = attune_db::users::consume_email_verification(&mut tx, &token_sha256(token)).await?.ok_or(AccountError::InvalidToken)?;
    attune_db::audit::append(&mut tx, &format!("user:{user_id}"), "user.email_verified", &format!("user:{user_id}"), &json!({})).await?;
    tx.commit().await.context("failed to commit verification")?;
    Ok(user_id)
}

pub struct LoggedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// Checks credentials and opens a session. Unknown e-mail and wrong password answer the same,
/// after the same work; 5 failures per e-mail or per client address in 15 minutes lock logins
/// (every attempt counts as a failure until its password has been found right).
#[tracing::instrument(skip_all)]
pub async fn login(
    pool: &PgPool,
    policy: &AccountPolicy,
    email: &str,
    password: &str,
    ip: Option<IpAddr>,
    user_agent: Option<&str>,
) -> Result<LoggedIn, AccountError> {
    let email = email.trim();
    // The attempt is counted (as a failure) before the password is checked, under a lock on the
    // e-mail and the address, so N parallel guesses cannot get past the limit.
    let mut tx = pool.begin().await.context("failed to begin a login attempt")?;
    attune_db::sessions::lock_login_keys(&mut tx, email, ip).await?;
    let since = Utc::now() - policy.login_window;
    let (by_email, by_ip) = attune_db::sessions::recent_failures(&mut tx, email, ip, since).await?;
    if by_email >= policy.login_max_failures || by_ip >= policy.login_max_failures {
        return Err(AccountError::RateLimited { retry_after_secs: policy.login_window.num_seconds().max(1) as u64 });
    }
    let attempt = attune_db::sessions::insert_login_attempt(&mut tx, email, ip, false).await?;
    let credentials = attune_db::users::credentials_by_email(&mut tx, email).await?;
    tx.commit().await.context("failed to record a login attempt")?;
    let ok = passwords::verify(password.to_string(), credentials.as_ref().map(|c| c.password_hash.clone())).await?;
    let Some(credentials) = credentials.filter(|_| ok) else {
        return Err(AccountError::InvalidCredentials);
    };
    let mut tx = pool.begin().await.context("failed to begin login")?;
    if !attune_db::sessions::mark_login_succeeded(&mut tx, attempt).await? {
        return Err(AccountError::Unexpected(anyhow::anyhow!("login attempt {attempt} vanished before it was marked")));
    }
    let token = new_token();
    let expires_at = Utc::now() + policy.session_ttl;
    let session_id = Uuid::now_v7();
    let user_agent = user_agent.map(|ua| ua.chars().take(300).collect::<String>());
    attune_db::sessions::insert(&mut tx, session_id, credentials.id, &token_sha256(&token), expires_at, user_agent.as_deref()).await?;
    attune_db::audit::append(
        &mut tx,
        &format!("user:{}", credentials.id),
        "session.created",
        &format!("user:{}", credentials.id),
        &json!({"session_id": session_id, "ip": ip.map(|i| i.to_string())}),
    )
    .await?;
    let user = attune_db::users::get(&mut tx, OrgScope::Platform, credentials.id).await?.context("the user vanished")?;
    tx.commit().await.context("failed to commit login")?;
    Ok(LoggedIn { token, expires_at, user: user.into() })
}

/// The actor behind a session or bearer token, if it is live.
pub async fn authenticate(pool: &PgPool, token: &str) -> anyhow::Result<Option<Actor>> {
    if token.is_empty() || token.len() > 256 {
        return Ok(None);
    }
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let session: Option<SessionUser> = attune_db::sessions::find_live(&mut conn, &token_sha256(token)).await?;
    Ok(session.map(Actor::from))
}

#[tracing::instrument(skip_all, fields(user_id = %actor.user_id))]
pub async fn logout(pool: &PgPool, actor: &Actor) -> Result<(), AccountError> {
    let mut tx = pool.begin().await.context("failed to begin logout")?;
    attune_db::sessions::delete(&mut tx, actor.session_id).await?;
    attune_db::audit::append(&mut tx, &actor.audit_id(), "session.ended", &actor.audit_id(), &json!({"session_id": actor.session_id}))
        .await?;
    tx.commit().await.context("failed to commit logout")?;
    Ok(())
}

/// The caller's own account and organisation.
pub async fn me(pool: &PgPool, actor: &Actor) -> Result<(User, Organization), AccountError> {
    let me = me_with_kyc(pool, actor).await?;
    Ok((me.user, me.organization))
}

/// The caller's account, organisation and KYC standing, read in one query.
pub async fn me_with_kyc(pool: &PgPool, actor: &Actor) -> Result<Me, AccountError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let me = attune_db::users::me(&mut conn, actor.user_id, actor.organization_id).await?.ok_or(AccountError::NotFound)?;
    Ok(Me {
        user: me.user.into(),
        organization: me.organization.into(),
        kyc_level: me.kyc_level,
        kyc_status: me.kyc_status.unwrap_or_else(|| "not_started".to_owned()),
    })
}

/// An organisation and its members, as the caller may see it (another organisation is 404).
pub async fn organization(pool: &PgPool, actor: &Actor, id: Uuid) -> Result<(Organization, Vec<User>), AccountError> {
    let scope = if actor.has_role(PlatformRole::Admin) { OrgScope::Platform } else { actor.scope() };
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let org = attune_db::organizations::get(&mut conn, scope, id).await?.ok_or(AccountError::NotFound)?;
    let members = attune_db::users::list(&mut conn, OrgScope::Organization(org.id), None, 500).await?;
    Ok((org.into(), members.into_iter().map(User::from).collect()))
}

pub use crate::platform_staff::{
    AdminCreated, ExistingAccount, PLATFORM_ORGANIZATION, UserPage, admin_exists, create_admin, create_admin_with, list_users, set_roles,
};
