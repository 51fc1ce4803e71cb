//! Sanctions list imports (versioned) and the compliance cases screening opens.

use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ImportRow {
    pub id: Uuid,
    pub source: String,
    pub version: String,
    pub sha256: String,
    pub entities: i32,
    pub names: i32,
    pub addresses: i32,
    pub diff: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

pub struct NewImport<'a> {
    pub id: Uuid,
    pub source: &'a str,
    pub version: &'a str,
    pub sha256: &'a str,
    pub entities: i32,
    pub names: i32,
    pub addresses: i32,
    pub diff: &'a serde_json::Value,
    pub imported_by: Option<Uuid>,
}

pub async fn insert_import(conn: &mut PgConnection, i: &NewImport<'_>) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into sanctions_import (id, source, version, sha256, entities, names, addresses, diff, imported_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        i.id,
        i.source,
        i.version,
        i.sha256,
        i.entities,
        i.names,
        i.addresses,
        i.diff,
        i.imported_by
    )
    .execute(conn)
    .await
    .context("failed to record a sanctions import")?;
    Ok(())
}

/// Stores an import's entities (as JSON) in batches.
pub async fn insert_entities(conn: &mut PgConnection, import_id: Uuid, entities: &[(String, serde_json::Value)]) -> anyhow::Result<()> {
    for chunk in entities.chunks(1000) {
        let ids: Vec<&str> = chunk.iter().map(|(id, _)| id.as_str()).collect();
        let data: Vec<&serde_json::Value> = chunk.iter().map(|(_, d)| d).collect();
        sqlx::query!(
            "insert into sanctions_entity (import_id, entity_id, data) select $1, e.id, e.data from unnest($2::text[], $3::jsonb[]) as e(id, data)
             on conflict do nothing",
            import_id,
            &ids[..] as &[&str],
            &data[..] as &[&serde_json::Value]
        )
        .execute(&mut *conn)
        .await
        .context("failed to store sanctions entities")?;
    }
    Ok(())
}

/// The latest import of every source.
pub async fn latest_imports(conn: &mut PgConnection) -> anyhow::Result<Vec<ImportRow>> {
    sqlx::query_as!(
        ImportRow,
        "select distinct on (source) id, source, version, sha256, entities, names, addresses, diff, created_at
         from sanctions_import order by source, created_at desc"
    )
    .fetch_all(conn)
    .await
    .context("failed to read the latest sanctions imports")
}

/// Imports newest first, after `after` (`created_at`, `id`) when given.
pub async fn list_imports(conn: &mut PgConnection, after: Option<(DateTime<Utc>, Uuid)>, limit: i64) -> anyhow::Result<Vec<ImportRow>> {
    sqlx::query_as!(
        ImportRow,
        "select id, source, version, sha256, entities, names, addresses, diff, created_at from sanctions_import
         where ($1::timestamptz is null or (created_at, id) < ($1, $2))
         order by created_at desc, id desc limit $3",
        after.map(|a| a.0),
        after.map(|a| a.1),
        limit
    )
    .fetch_all(conn)
    .await
    .context("failed to list sanctions imports")
}

pub async fn entities_of(conn: &mut PgConnection, import_id: Uuid) -> anyhow::Result<Vec<serde_json::Value>> {
    sqlx::query_scalar!("select data from sanctions_entity where import_id = $1", import_id)
        .fetch_all(conn)
        .await
        .context("failed to read sanctions entities")
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedRow {
    pub source: String,
    pub url: String,
    pub etag: Option<String>,
}

pub async fn feed(conn: &mut PgConnection, source: &str) -> anyhow::Result<Option<FeedRow>> {
    sqlx::query_as!(FeedRow, "select source, url, etag from sanctions_feed where source = $1", source)
        .fetch_optional(conn)
        .await
        .context("failed to read a sanctions feed")
}

/// Records a check of a feed: its ETag (when the list was imported) or the error.
pub async fn record_feed(
    conn: &mut PgConnection,
    source: &str,
    url: &str,
    etag: Option<&str>,
    imported: bool,
    error: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query!(
        "insert into sanctions_feed (source, url, etag, checked_at, imported_at, last_error) values ($1, $2, $3, now(), case when $4 then now() end, $5)
         on conflict (source) do update set url = excluded.url, etag = coalesce(excluded.etag, sanctions_feed.etag), checked_at = now(),
            imported_at = case when $4 then now() else sanctions_feed.imported_at end, last_error = excluded.last_error",
        source,
        url,
        etag,
        imported,
        error
    )
    .execute(conn)
    .await
    .context("failed to record a sanctions feed check")?;
    Ok(())
}

/// Whether an admin already cleared (approved) a case of this kind and subject about this list
/// entity: a cleared false positive is not raised again for the same entry.
pub async fn cleared_before(conn: &mut PgConnection, kind: &str, subject: &str, entity_id: &str) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from screening_case where kind = $1 and subject = $2 and status = 'approved'
            and (evidence->'match'->>'entity_id' = $3 or evidence->'matches' @> jsonb_build_array(jsonb_build_object('entity_id', $3::text)))"#,
        kind,
        subject,
        entity_id
    )
    .fetch_one(conn)
    .await
    .context("failed to look for a cleared case")?;
    Ok(n > 0)
}

/// The approved KYC sessions' names, for the re-screen after an import.
pub async fn kyc_names(conn: &mut PgConnection) -> anyhow::Result<Vec<(Uuid, Uuid, serde_json::Value)>> {
    let rows = sqlx::query!(
        r#"select id, organization_id, result as "result!" from kyc_session where status = 'approved' and result is not null"#
    )
    .fetch_all(conn)
    .await
    .context("failed to list approved KYC names")?;
    Ok(rows.into_iter().map(|r| (r.id, r.organization_id, r.result)).collect())
}

/// Whether the organisation is on a screening hold (a name hit an admin has not cleared).
pub async fn organization_on_hold(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<bool> {
    let held: Option<Option<String>> = sqlx::query_scalar!("select screening_hold from organization where id = $1", organization_id)
        .fetch_optional(conn)
        .await
        .context("failed to read an organisation's screening hold")?;
    Ok(held.is_some_and(|h| h.is_some()))
}

/// Whether a person KYC'd for the organisation matched a politically exposed person.
pub async fn organization_pep_match(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<bool> {
    let pep: Option<bool> = sqlx::query_scalar!("select pep_match from organization where id = $1", organization_id)
        .fetch_optional(conn)
        .await
        .context("failed to read an organisation's PEP flag")?;
    Ok(pep.is_some_and(|p| p))
}

/// Puts the organisation on hold (`held`), blocks it (`blocked`) or lifts the hold (`None`); a
/// blocked organisation is never lifted by this. `true` when the row changed.
pub async fn set_organization_hold(conn: &mut PgConnection, organization_id: Uuid, hold: Option<&str>) -> anyhow::Result<bool> {
    let done = sqlx::query!(
        "update organization set screening_hold = $2 where id = $1 and screening_hold is distinct from $2
            and screening_hold is distinct from 'blocked'",
        organization_id,
        hold
    )
    .execute(conn)
    .await
    .context("failed to set an organisation's screening hold")?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_pep_match(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<()> {
    sqlx::query!("update organization set pep_match = true where id = $1", organization_id)
        .execute(conn)
        .await
        .context("failed to flag a PEP match")?;
    Ok(())
}

/// The organisation's `name` cases still waiting for a decision.
pub async fn undecided_name_cases(conn: &mut PgConnection, organization_id: Uuid) -> anyhow::Result<i64> {
    let n: i64 = sqlx::query_scalar!(
        r#"select count(*) as "n!" from screening_case where organization_id = $1 and kind = 'name'
            and status in ('open', 'awaiting_second_approval', 'info_requested')"#,
        organization_id
    )
    .fetch_one(conn)
    .await
    .context("failed to count undecided name cases")?;
    Ok(n)
}

/// Every organisation's id, legal name and country, for the re-screen after an import.
pub async fn organization_names(conn: &mut PgConnection) -> anyhow::Result<Vec<(Uuid, String, String)>> {
    let rows = sqlx::query!(r#"select id, name, country::text as "country!" from organization order by created_at"#)
        .fetch_all(conn)
        .await
        .context("failed to list organisation names")?;
    Ok(rows.into_iter().map(|r| (r.id, r.name, r.country)).collect())
}

/// The newest import's id: a replica whose screener was built from another one is stale.
pub async fn newest_import(conn: &mut PgConnection) -> anyhow::Result<Option<Uuid>> {
    sqlx::query_scalar!("select id from sanctions_import order by created_at desc, id desc limit 1")
        .fetch_optional(conn)
        .await
        .context("failed to read the newest sanctions import")
}
