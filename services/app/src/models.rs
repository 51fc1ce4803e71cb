//! Providers list base models; the automatic provenance checks; admins verify or reject.

use anyhow::Context;
use attune_db::models::{ModelRow, NewModel};
use attune_domain::compliance::is_sector;
use attune_domain::evm::{Address, recover_personal_sign};
pub use attune_domain::provenance::ModelFilter;
use attune_domain::provenance::{LINEAGE_RELATIONS, Lineage, MANIFEST_SCHEMA, Manifest, ModelFile, sha256_hex, validate_files};
use attune_domain::{OrgScope, ValidationErrors};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;
pub use crate::model_file_checks::{ModelFileChecking, ModelFileLimits};
pub use crate::provenance_checks::{Check, presumes_systemic_risk};
use crate::provenance_checks::{listing_checks, signature_check};
use crate::view::view;

view! {
    /// A base model listing: its facts, files, card, price and provenance.
    #[derive(Debug, Clone)]
    pub struct Model from ModelRow {
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
        /// `[{path, uri, sha256, size}]` as signed in the manifest.
        pub files: serde_json::Value,
        pub card_markdown: String,
        pub training_summary: serde_json::Value,
        pub lineage_base_model_id: Option<Uuid>,
        pub lineage_relation: Option<String>,
        /// USDC base units.
        pub licence_fee: i64,
        pub systemic_risk: bool,
        /// The manifest exactly as signed (RFC 8785 canonical JSON).
        pub manifest_canonical: String,
        pub manifest_sha256: String,
        pub signer_address: Option<String>,
        pub signature: Option<String>,
        /// `[{check, status, detail}]` from the automatic checks.
        pub checks: serde_json::Value,
        pub provenance_status: String,
        pub decided_at: Option<DateTime<Utc>>,
        pub decision_notes: Option<String>,
        pub anchor_tx_hash: Option<String>,
        pub anchor_block: Option<i64>,
        pub created_at: DateTime<Utc>,
    }
}

#[derive(Debug, Clone)]
pub struct ListingInput {
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub parameter_count: u64,
    pub training_flops: Option<f64>,
    pub intended_uses: Vec<String>,
    pub licence: String,
    pub files: Vec<ModelFile>,
    pub card_markdown: String,
    pub training_summary: serde_json::Value,
    pub lineage: Lineage,
    pub licence_fee: String,
}

fn text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.push(field, "is required");
    } else if v.chars().count() > max {
        errors.push(field, format!("must be at most {max} characters"));
    }
    v.to_string()
}

fn parse_fee(raw: &str) -> Result<i64, String> {
    if raw.is_empty() || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err("must be a string of integer base units, e.g. \"25000000\" for 25 USDC".into());
    }
    raw.parse::<i64>().map_err(|_| "is too large".to_string())
}

fn manifest_for(org: Uuid, input: &ListingInput) -> Manifest {
    Manifest {
        schema: MANIFEST_SCHEMA,
        provider_organization_id: org,
        name: input.name.trim().to_string(),
        version: input.version.trim().to_string(),
        architecture: input.architecture.trim().to_string(),
        parameter_count: input.parameter_count,
        training_flops: input.training_flops,
        intended_uses: input.intended_uses.clone(),
        licence: input.licence.trim().to_string(),
        files: input.files.clone(),
        card_sha256: sha256_hex(input.card_markdown.as_bytes()),
        training_summary: input.training_summary.clone(),
        lineage: input.lineage.clone(),
    }
}

fn validate(input: &ListingInput, limits: &ModelFileLimits) -> Result<i64, ValidationErrors> {
    let mut e = ValidationErrors::new();
    text(&mut e, "name", &input.name, 200);
    text(&mut e, "version", &input.version, 64);
    text(&mut e, "architecture", &input.architecture, 100);
    text(&mut e, "licence", &input.licence, 100);
    if input.parameter_count == 0 || input.parameter_count > i64::MAX as u64 {
        e.push("parameter_count", "must be a positive integer");
    }
    if let Some(f) = input.training_flops
        && (!f.is_finite() || f < 0.0)
    {
        e.push("training_flops", "must be a number of FLOPs (0 for generated weights that were never trained), or null when unknown");
    }
    if input.intended_uses.is_empty() {
        e.push("intended_uses", "name at least one sector");
    }
    for (i, u) in input.intended_uses.iter().enumerate() {
        if !is_sector(u) {
            e.push(&format!("intended_uses[{i}]"), format!("{u:?} is not a sector of the vocabulary"));
        }
    }
    validate_files(&input.files, &mut e);
    if input.files.len() > limits.max_files {
        e.push("files", format!("at most {} files may be listed", limits.max_files));
    }
    let total = input.files.iter().fold(0u64, |sum, f| sum.saturating_add(f.size));
    if total > limits.max_total_bytes {
        e.push("files", format!("the files add up to {total} bytes; at most {} may be listed", limits.max_total_bytes));
    }
    if !input.training_summary.is_object() {
        e.push("training_summary", "must be an object");
    }
    match (&input.lineage.base_model_id, &input.lineage.relation) {
        (Some(_), None) => e.push("lineage.relation", "is required when base_model_id is given"),
        (_, Some(r)) if !LINEAGE_RELATIONS.contains(&r.as_str()) => {
            e.push("lineage.relation", "must be one of finetune, adapter, merge, quantized")
        }
        _ => {}
    }
    let fee = e.check("pricing.licence_fee", parse_fee(&input.licence_fee));
    e.into_result()?;
    Ok(fee.unwrap_or(0))
}

/// Lists a base model: validates (within the file limits), builds the canonical manifest, runs
/// the automatic checks that need nothing outside — the files check stays `pending` until the
/// background step ([`ModelFileChecking`]) has fetched and re-hashed every file — and stores it
/// pending, audited. The caller wakes the background step.
#[tracing::instrument(skip_all, fields(org = %actor.organization_id))]
pub async fn list_model(pool: &PgPool, limits: &ModelFileLimits, actor: &Actor, input: ListingInput) -> Result<Model, AppError> {
    let licence_fee = validate(&input, limits)?;
    let manifest = manifest_for(actor.organization_id, &input);
    let (canonical, digest) = manifest.canonical().map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
    let mut checks = vec![Check::files_pending()];
    let mut tx = pool.begin().await.context("failed to begin listing")?;
    if let Some(base) = input.lineage.base_model_id
        && attune_db::models::get(&mut tx, base).await?.is_none()
    {
        return Err(AppError::field("lineage.base_model_id", "no such listed model"));
    }
    checks.push(signature_check(&mut tx, actor.organization_id, &digest, None).await?.0);
    checks.extend(listing_checks(&input.licence, &input.training_summary, input.training_flops, &input.card_markdown));
    let id = Uuid::now_v7();
    let files = serde_json::to_value(
        input.files.iter().map(|f| json!({"path": f.path, "size": f.size, "sha256": f.sha256, "uri": f.uri})).collect::<Vec<_>>(),
    )
    .context("failed to encode files")?;
    let checks_json = serde_json::to_value(&checks).context("failed to encode checks")?;
    let new = NewModel {
        id,
        organization_id: actor.organization_id,
        created_by: actor.user_id,
        name: input.name.trim(),
        version: input.version.trim(),
        architecture: input.architecture.trim(),
        parameter_count: input.parameter_count as i64,
        training_flops: input.training_flops,
        intended_uses: &input.intended_uses,
        licence: input.licence.trim(),
        files: &files,
        card_markdown: &input.card_markdown,
        training_summary: &input.training_summary,
        lineage_base_model_id: input.lineage.base_model_id,
        lineage_relation: input.lineage.relation.as_deref(),
        licence_fee,
        systemic_risk: input.training_flops.is_some_and(presumes_systemic_risk),
        manifest_canonical: &canonical,
        manifest_sha256: &digest,
        checks: &checks_json,
    };
    attune_db::models::insert(&mut tx, &new).await.map_err(|e| {
        if attune_db::is_constraint_violation(&e, attune_db::models::NAME_VERSION_KEY) {
            AppError::conflict("model-exists", "Your organisation already listed this name and version.")
        } else {
            e.into()
        }
    })?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "model.listed",
        &format!("model:{id}"),
        &json!({"manifest_sha256": digest, "checks": checks}),
    )
    .await?;
    let row = attune_db::models::get(&mut tx, id).await?.context("the new model vanished")?;
    tx.commit().await.context("failed to commit listing")?;
    Ok(row.into())
}

/// Stores the provider's signature over `manifest_sha256` and re-runs the checks (the file check
/// keeps its result, or stays pending: the background step fetches the files once and the
/// digests are in the manifest).
#[tracing::instrument(skip_all, fields(model = %id))]
pub async fn sign(pool: &PgPool, actor: &Actor, id: Uuid, signer_address: &str, signature: &str) -> Result<Model, AppError> {
    let claimed = Address::parse(signer_address).map_err(|m| AppError::field("signer_address", m))?;
    let mut tx = pool.begin().await.context("failed to begin signing")?;
    let model = attune_db::models::get_for_update(&mut tx, actor.scope(), id).await?.ok_or(AppError::NotFound)?;
    if model.provenance_status != "pending" {
        return Err(AppError::conflict(
            "not-pending",
            format!("The model is {}; only pending listings can be signed.", model.provenance_status),
        ));
    }
    // A signature over anything but this manifest's hash (say, the manifest before a change)
    // recovers some other address: that is recorded as a failed check, with what it recovered.
    recover_personal_sign(&model.manifest_sha256, signature).map_err(|m| AppError::field("signature", m))?;
    let previous: Vec<Check> = serde_json::from_value(model.checks.clone()).unwrap_or_default();
    let files = previous.into_iter().find(|c| c.name == "files").unwrap_or_else(|| Check::new("files", false, "files were not checked"));
    let (mut sig_check, recovered) = signature_check(&mut tx, model.organization_id, &model.manifest_sha256, Some(signature)).await?;
    if let Some(recovered) = recovered
        && recovered != claimed
    {
        sig_check = Check::new(
            "signature",
            false,
            format!(
                "the signature does not match this manifest: over manifest_sha256 {} it recovers to {}, not to the signer {} — was the manifest changed after signing?",
                model.manifest_sha256,
                recovered.checksummed(),
                claimed.checksummed()
            ),
        );
    }
    let mut checks = vec![files, sig_check];
    checks.extend(listing_checks(&model.licence, &model.training_summary, model.training_flops, &model.card_markdown));
    let checks_json = serde_json::to_value(&checks).context("failed to encode checks")?;
    attune_db::models::set_signature(&mut tx, id, &claimed.to_lower_hex(), signature, &checks_json).await?;
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        "model.signed",
        &format!("model:{id}"),
        &json!({"signer": claimed.to_lower_hex(), "manifest_sha256": model.manifest_sha256}),
    )
    .await?;
    let row = attune_db::models::get(&mut tx, id).await?.context("the model vanished")?;
    tx.commit().await.context("failed to commit signature")?;
    Ok(row.into())
}

/// An admin verifies (only when every automatic check passes) or rejects a pending listing.
#[tracing::instrument(skip_all, fields(model = %id))]
pub async fn decide(pool: &PgPool, actor: &Actor, id: Uuid, decision: &str, notes: &str) -> Result<Model, AppError> {
    let scope = actor.admin_scope()?;
    let status = match decision {
        "verify" => "verified",
        "reject" => "rejected",
        _ => return Err(AppError::field("decision", "must be verify or reject")),
    };
    let mut tx = pool.begin().await.context("failed to begin decision")?;
    let model = attune_db::models::get_for_update(&mut tx, scope, id).await?.ok_or(AppError::NotFound)?;
    if model.provenance_status != "pending" {
        return Err(AppError::conflict("not-pending", format!("The model is already {}.", model.provenance_status)));
    }
    let checks: Vec<Check> = serde_json::from_value(model.checks.clone()).unwrap_or_default();
    let failing: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.name.as_str()).collect();
    if status == "verified" && (checks.is_empty() || !failing.is_empty()) {
        return Err(AppError::conflict(
            "checks-failing",
            format!("Verification needs every automatic check to pass; failing: {}.", failing.join(", ")),
        ));
    }
    if !attune_db::models::decide(&mut tx, id, status, actor.user_id, notes.trim()).await? {
        return Err(AppError::conflict("not-pending", "The model was decided meanwhile."));
    }
    attune_db::audit::append(
        &mut tx,
        &actor.audit_id(),
        &format!("model.{status}"),
        &format!("model:{id}"),
        &json!({"manifest_sha256": model.manifest_sha256, "notes": notes}),
    )
    .await?;
    if status == "verified" {
        // The verified manifest is anchored in the provenance registry by the operator's sender.
        let sha = format!("0x{}", model.manifest_sha256);
        crate::operator_txs::request_anchor(&mut tx, &format!("model:{id}"), &sha, crate::operator_txs::ANCHOR_MODEL_MANIFEST).await?;
    }
    let row = attune_db::models::get(&mut tx, id).await?.context("the model vanished")?;
    tx.commit().await.context("failed to commit decision")?;
    Ok(row.into())
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Model, AppError> {
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    Ok(attune_db::models::get(&mut conn, id).await?.ok_or(AppError::NotFound)?.into())
}

pub struct ModelPage {
    pub items: Vec<Model>,
    pub next_cursor: Option<String>,
}

pub async fn list(pool: &PgPool, filter: ModelFilter, cursor: Option<&str>, limit: i64) -> Result<ModelPage, AppError> {
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut items = attune_db::models::list(&mut conn, &filter, after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut items, limit, |m| (m.created_at, m.id));
    Ok(ModelPage { items: items.into_iter().map(Model::from).collect(), next_cursor })
}

/// Models awaiting an admin decision, oldest first.
pub async fn verification_queue(pool: &PgPool, actor: &Actor) -> Result<Vec<Model>, AppError> {
    actor.admin_scope()?;
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut items =
        attune_db::models::list(&mut conn, &ModelFilter { status: Some("pending".into()), ..Default::default() }, None, 200).await?;
    items.reverse();
    Ok(items.into_iter().map(Model::from).collect())
}

/// Whether `scope` owns the model (for showing provider-only actions).
pub fn owned_by(model: &Model, scope: OrgScope) -> bool {
    scope.permits(model.organization_id)
}
