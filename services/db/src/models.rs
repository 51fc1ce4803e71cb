use anyhow::Context;
use attune_domain::OrgScope;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ModelRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub organization_name: String,
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub parameter_count: i64,
    pub training_flops: Option<f64>,
    pub intended_uses: Vec<String>,
    pub licence: String,
    pub files: serde_json::Value,
    pub card_markdown: String,
    pub training_summary: serde_json::Value,
    pub lineage_base_model_id: Option<Uuid>,
    pub lineage_relation: Option<String>,
    pub licence_fee: i64,
    pub systemic_risk: bool,
    pub manifest_canonical: String,
    pub manifest_sha256: String,
    pub signer_address: Option<String>,
    pub signature: Option<String>,
    pub checks: serde_json::Value,
    pub provenance_status: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_notes: Option<String>,
    pub anchor_tx_hash: Option<String>,
    pub anchor_block: Option<i64>,
    pub created_at: DateTime<Utc>,
}

pub const NAME_VERSION_KEY: &str = "base_model_name_version_key";

pub struct NewModel<'a> {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub created_by: Uuid,
    pub name: &'a str,
    pub version: &'a str,
    pub architecture: &'a str,
    pub parameter_count: i64,
    pub training_flops: Option<f64>,
    pub intended_uses: &'a [String],
    pub licence: &'a str,
    pub files: &'a serde_json::Value,
    pub card_markdown: &'a str,
    pub training_summary: &'a serde_json::Value,
    pub lineage_base_model_id: Option<Uuid>,
    pub lineage_relation: Option<&'a str>,
    pub licence_fee: i64,
    pub systemic_risk: bool,
    pub manifest_canonical: &'a str,
    pub manifest_sha256: &'a str,
    pub checks: &'a serde_json::Value,
}

pub async fn insert(conn: &mut PgConnection, m: &NewModel<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into base_model (id, organization_id, created_by, name, version, architecture, parameter_count, training_flops,
            intended_uses, licence, files, card_markdown, training_summary, lineage_base_model_id, lineage_relation, licence_fee,
            systemic_risk, manifest_canonical, manifest_sha256, checks, files_check)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, 'pending')",
        m.id,
        m.organization_id,
        m.created_by,
        m.name,
        m.version,
        m.architecture,
        m.parameter_count,
        m.training_flops,
        m.intended_uses,
        m.licence,
        m.files,
        m.card_markdown,
        m.training_summary,
        m.lineage_base_model_id,
        m.lineage_relation,
        m.licence_fee,
        m.systemic_risk,
        m.manifest_canonical,
        m.manifest_sha256,
        m.checks
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// A listed model. Listings are public to every signed-in user (buyers browse the catalogue).
pub async fn get(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<Option<ModelRow>> {
    sqlx::query_as!(
        ModelRow,
        "select m.id, m.organization_id, o.name as organization_name, m.name, m.version, m.architecture, m.parameter_count,
            m.training_flops, m.intended_uses, m.licence, m.files, m.card_markdown, m.training_summary, m.lineage_base_model_id,
            m.lineage_relation, m.licence_fee, m.systemic_risk, m.manifest_canonical, m.manifest_sha256, m.signer_address, m.signature,
            m.checks, m.provenance_status, m.decided_at, m.decision_notes, m.anchor_tx_hash, m.anchor_block, m.created_at
         from base_model m join organization o on o.id = m.organization_id
         where m.id = $1",
        id
    )
    .fetch_optional(conn)
    .await
    .context("failed to fetch model")
}

/// A model as its owner sees it for changes (`None` for another organisation's), locked.
pub async fn get_for_update(conn: &mut PgConnection, scope: OrgScope, id: Uuid) -> anyhow::Result<Option<ModelRow>> {
    sqlx::query_as!(
        ModelRow,
        "select m.id, m.organization_id, o.name as organization_name, m.name, m.version, m.architecture, m.parameter_count,
            m.training_flops, m.intended_uses, m.licence, m.files, m.card_markdown, m.training_summary, m.lineage_base_model_id,
            m.lineage_relation, m.licence_fee, m.systemic_risk, m.manifest_canonical, m.manifest_sha256, m.signer_address, m.signature,
            m.checks, m.provenance_status, m.decided_at, m.decision_notes, m.anchor_tx_hash, m.anchor_block, m.created_at
         from base_model m join organization o on o.id = m.organization_id
         where m.id = $1 and ($2::uuid is null or m.organization_id = $2) for update of m",
        id,
        scope.organization_filter()
    )
    .fetch_optional(conn)
    .await
    .context("failed to lock model")
}

pub use attune_domain::provenance::ModelFilter;

pub async fn list(
    conn: &mut PgConnection,
    f: &ModelFilter,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> anyhow::Result<Vec<ModelRow>> {
    sqlx::query_as!(
        ModelRow,
        "select m.id, m.organization_id, o.name as organization_name, m.name, m.version, m.architecture, m.parameter_count,
            m.training_flops, m.intended_uses, m.licence, m.files, m.card_markdown, m.training_summary, m.lineage_base_model_id,
            m.lineage_relation, m.licence_fee, m.systemic_risk, m.manifest_canonical, m.manifest_sha256, m.signer_address, m.signature,
            m.checks, m.provenance_status, m.decided_at, m.decision_notes, m.anchor_tx_hash, m.anchor_block, m.created_at
         from base_model m join organization o on o.id = m.organization_id
         where ($1::boolean is null or ($1 = (m.provenance_status = 'verified')))
           and ($2::text is null or m.name ilike '%' || $2 || '%' or m.architecture ilike '%' || $2 || '%' or m.card_markdown ilike '%' || $2 || '%')
           and ($3::text is null or lower(m.licence) = lower($3))
           and ($4::text is null or lower(m.architecture) = lower($4))
           and ($5::bigint is null or m.parameter_count >= $5)
           and ($6::bigint is null or m.parameter_count <= $6)
           and ($7::text is null or m.provenance_status = $7)
           and ($8::uuid is null or m.organization_id = $8)
           and ($9::timestamptz is null or (m.created_at, m.id) < ($9, $10))
         order by m.created_at desc, m.id desc limit $11",
        f.verified,
        f.q.as_deref(),
        f.licence.as_deref(),
        f.architecture.as_deref(),
        f.min_params,
        f.max_params,
        f.status.as_deref(),
        f.organization_id,
        after.map(|a| a.0),
        after.map(|a| a.1),
        limit
    )
    .fetch_all(conn)
        .await
        .context("failed to list models")
}

pub async fn set_signature(
    conn: &mut PgConnection,
    id: Uuid,
    signer: &str,
    signature: &str,
    checks: &serde_json::Value,
) -> anyhow::Result<()> {
    sqlx::query!(
        "update base_model set signer_address = $2, signature = $3, checks = $4 where id = $1 and provenance_status = 'pending'",
        id,
        signer,
        signature,
        checks
    )
    .execute(conn)
    .await
    .context("failed to store signature")?;
    Ok(())
}

/// Records an admin decision, guarded by the expected state; false when the model was not pending.
pub async fn decide(conn: &mut PgConnection, id: Uuid, status: &str, admin: Uuid, notes: &str) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update base_model set provenance_status = $2, decided_by = $3, decided_at = now(), decision_notes = $4
         where id = $1 and provenance_status = 'pending'",
        id,
        status,
        admin,
        notes
    )
    .execute(conn)
    .await
    .context("failed to record model decision")?;
    Ok(done.rows_affected() == 1)
}

/// Records where a model's manifest was anchored in the provenance registry.
pub async fn set_anchor(conn: &mut PgConnection, id: Uuid, tx_hash: &str, block: i64) -> anyhow::Result<()> {
    sqlx::query!("update base_model set anchor_tx_hash = $2, anchor_block = $3 where id = $1", id, tx_hash, block)
        .execute(conn)
        .await
        .context("failed to record a model's anchor")?;
    Ok(())
}

/// Verified models whose manifest is not anchored yet (for the back-fill).
pub async fn unanchored_verified(conn: &mut PgConnection) -> anyhow::Result<Vec<(Uuid, String)>> {
    let rows = sqlx::query!("select id, manifest_sha256 from base_model where provenance_status = 'verified' and anchor_tx_hash is null")
        .fetch_all(conn)
        .await
        .context("failed to list unanchored models")?;
    Ok(rows.into_iter().map(|r| (r.id, r.manifest_sha256)).collect())
}

// ---- the background files check ----

/// Leases the oldest listing whose files wait to be checked (or whose lease expired): its id and
/// its `files` (`[{path, size, sha256, uri}]`).
pub async fn lease_files_check(conn: &mut PgConnection, lease_secs: i64) -> anyhow::Result<Option<(Uuid, serde_json::Value)>> {
    let lease_secs = lease_secs as f64;
    let row = sqlx::query!(
        "update base_model set files_check_leased_until = now() + make_interval(secs => $1)
         where id = (
            select id from base_model
            where files_check = 'pending' and (files_check_leased_until is null or files_check_leased_until < now())
            order by created_at
            limit 1
            for update skip locked)
         returning id, files",
        lease_secs
    )
    .fetch_optional(conn)
    .await
    .context("failed to lease a files check")?;
    Ok(row.map(|r| (r.id, r.files)))
}

/// Stores the checks with the files check's result, if the check was still pending.
pub async fn finish_files_check(conn: &mut PgConnection, id: Uuid, checks: &serde_json::Value) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update base_model set checks = $2, files_check = 'done', files_check_leased_until = null
         where id = $1 and files_check = 'pending'",
        id,
        checks
    )
    .execute(conn)
    .await
    .context("failed to record a files check")?;
    Ok(done.rows_affected() == 1)
}

/// A listing of an organisation by name and version: its id and provenance status.
pub async fn find_by_org_name_version(
    conn: &mut PgConnection,
    organization_id: Uuid,
    name: &str,
    version: &str,
) -> anyhow::Result<Option<(Uuid, String)>> {
    let row = sqlx::query!(
        "select id, provenance_status from base_model where organization_id = $1 and name = $2 and version = $3 limit 1",
        organization_id,
        name,
        version
    )
    .fetch_optional(conn)
    .await
    .context("failed to find a listing")?;
    Ok(row.map(|r| (r.id, r.provenance_status)))
}
