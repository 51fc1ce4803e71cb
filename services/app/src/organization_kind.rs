//! An admin's verification of an organisation's kind. A kind that unlocks a legal exception (DSM
//! Art. 3 and CDPA s.29A for research organisations and cultural heritage institutions) counts only
//! once an admin has verified it with evidence — the sign-up form alone never does. Withdrawing the
//! verification takes the exception away again; both are in the audit log.

use anyhow::Context;
use attune_db::organizations::OrganizationRow;
use attune_domain::OrgKind;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::accounts::Organization;
use crate::error::AppError;

/// Records `decision` (`verify` or `withdraw`) on the organisation's current kind, with the evidence
/// the admin examined (a registry entry, a charter, …).
#[tracing::instrument(skip_all, fields(organization = %organization_id))]
pub async fn decide(pool: &PgPool, actor: &Actor, organization_id: Uuid, decision: &str, evidence: &str) -> Result<Organization, AppError> {
    let scope = actor.admin_scope()?;
    let verify = match decision {
        "verify" => true,
        "withdraw" => false,
        _ => return Err(AppError::field("decision", "must be verify or withdraw")),
    };
    let evidence = evidence.trim();
    if evidence.is_empty() || evidence.chars().count() > 4000 {
        return Err(AppError::field(
            "evidence",
            "must say what shows the organisation's kind, or why it no longer holds (1 to 4000 characters)",
        ));
    }
    let mut tx = pool.begin().await.context("failed to begin a kind verification")?;
    let org = attune_db::organizations::get(&mut tx, scope, organization_id).await?.ok_or(AppError::NotFound)?;
    let kind: OrgKind = org.kind.parse().map_err(|e: String| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let verified = verify.then_some((actor.user_id, evidence));
    let updated = attune_db::organizations::set_kind_verification(&mut tx, organization_id, kind, verified)
        .await?
        .ok_or_else(|| AppError::conflict("kind-changed", "The organisation's kind changed while it was being reviewed; look again."))?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        if verify { "organization.kind_verified" } else { "organization.kind_verification_withdrawn" },
        &format!("organization:{organization_id}"),
        &json!({"kind": kind, "evidence": evidence, "was_verified": org.kind_verified_at.is_some()}),
    )
    .await?;
    tx.commit().await.context("failed to commit a kind verification")?;
    Ok(updated.into())
}

/// Whether the organisation's kind is one an admin has verified.
pub fn verified(org: &OrganizationRow) -> bool {
    org.kind_verified_at.is_some()
}

/// Organisations whose kind would unlock an exception (`kinds`), unverified first (admin).
pub async fn to_verify(pool: &PgPool, actor: &Actor, kinds: &[OrgKind]) -> Result<Vec<Organization>, AppError> {
    actor.admin_scope()?;
    let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::organizations::list_by_kinds(&mut conn, &kinds, 200).await?.into_iter().map(Organization::from).collect())
}
