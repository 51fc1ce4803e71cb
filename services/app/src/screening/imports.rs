//! Imports of the sanctions lists: versioned, diffed against the previous import of their source,
//! then followed by a re-screen.

use anyhow::Context;
use attune_db::screening::{ImportRow, NewImport};
use attune_integrations::sanctions::{ImportError, ImportedList, diff, import_ofac_advanced, import_ofac_csv, import_opensanctions};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

use attune_domain::sanctions::ListEntity;

use super::{ScreeningService, rescreen_wallets, source_name};
use crate::Actor;
use crate::error::AppError;
use crate::view::view;

view! {
    /// A stored import of a sanctions list: its version, size and diff against the previous one.
    #[derive(Debug, Clone, Serialize)]
    pub struct ListImport from ImportRow {
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
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub id: Uuid,
    pub source: String,
    pub version: String,
    pub entities: usize,
    pub names: usize,
    pub addresses: usize,
    #[schema(value_type = Object)]
    pub diff: serde_json::Value,
    #[schema(value_type = Object)]
    pub rescreen: serde_json::Value,
}

/// A list file as an admin uploads it.
pub enum ListFile {
    /// OFAC's CSV set: SDN.CSV with ALT.CSV, ADD.CSV and, when given, SDN_COMMENTS.CSV.
    OfacCsv { sdn: Vec<u8>, alt: Vec<u8>, add: Vec<u8>, comments: Option<Vec<u8>> },
    /// OFAC's SDN_ADVANCED.XML.
    OfacAdvancedXml(Vec<u8>),
    /// An OpenSanctions FollowTheMoney export (JSON lines).
    OpenSanctions(Vec<u8>),
}

impl ListFile {
    fn read(self) -> Result<ImportedList, ImportError> {
        match self {
            ListFile::OfacCsv { sdn, alt, add, comments } => import_ofac_csv(&sdn, &alt, &add, comments.as_deref()),
            ListFile::OfacAdvancedXml(bytes) => import_ofac_advanced(bytes.as_slice()),
            ListFile::OpenSanctions(bytes) => import_opensanctions(bytes.as_slice()),
        }
    }
}

/// Reads an uploaded list (off the async threads: an SDN_ADVANCED.XML is about 100 MB), stores it as
/// the new version of its source, rebuilds the screener and re-screens every wallet: a wallet newly
/// listed goes under review with a case. A file that cannot be read is a 422 naming the file at
/// fault and its line.
#[tracing::instrument(skip_all)]
pub async fn import(pool: &PgPool, service: &ScreeningService, actor: &Actor, file: ListFile) -> Result<ImportReport, AppError> {
    actor.admin_scope()?;
    let list = tokio::task::spawn_blocking(move || file.read())
        .await
        .context("the list reader stopped")?
        .map_err(|e| AppError::field(e.file(), e.to_string()))?;
    tracing::info!(source = ?list.source, entities = list.entities.len(), "list read");
    store_import(pool, service, &actor.audit_id(), Some(actor.user_id), list).await
}

/// Sanctions-list imports, newest first (admin), `limit` (1–200) at a time.
pub async fn imports(pool: &PgPool, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<crate::cursor::Page<ListImport>, AppError> {
    actor.admin_scope()?;
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut items = attune_db::screening::list_imports(&mut conn, after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut items, limit, |i| (i.created_at, i.id));
    Ok(crate::cursor::Page { items: items.into_iter().map(ListImport::from).collect(), next_cursor })
}

/// Stores an import (from an admin's upload or the scheduled refresh) and re-screens.
pub async fn store_import(
    pool: &PgPool,
    service: &ScreeningService,
    who: &str,
    imported_by: Option<Uuid>,
    list: ImportedList,
) -> Result<ImportReport, AppError> {
    // An empty file (a truncated download, the wrong part) would become the new version of the
    // list and clear every match it held.
    if list.entities.is_empty() {
        return Err(AppError::field("file", "lists no entities; an empty list would clear every sanctions match, so it is not imported"));
    }
    let source = source_name(list.source);
    let mut tx = pool.begin().await.context("failed to begin an import")?;
    let previous: Option<ImportRow> = attune_db::screening::latest_imports(&mut tx).await?.into_iter().find(|i| i.source == source);
    let changes = match &previous {
        Some(prev) => {
            let mut old = Vec::new();
            for data in attune_db::screening::entities_of(&mut tx, prev.id).await? {
                old.push(serde_json::from_value::<ListEntity>(data).context("a stored list entity is unreadable")?);
            }
            let old = ImportedList { source: list.source, version: prev.version.clone(), sha256: prev.sha256.clone(), entities: old };
            let d = diff(&old, &list);
            json!({"previous_version": prev.version, "added": d.added, "removed": d.removed, "changed": d.changed})
        }
        None => {
            json!({"previous_version": null, "added": list.entities.iter().map(|e| &e.entity_id).collect::<Vec<_>>(), "removed": [], "changed": []})
        }
    };
    let names: usize = list.entities.iter().map(|e| 1 + e.aliases.len()).sum();
    let addresses: usize = list.entities.iter().map(|e| e.addresses.len()).sum();
    let id = Uuid::now_v7();
    let as_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    attune_db::screening::insert_import(
        &mut tx,
        &NewImport {
            id,
            source,
            version: &list.version,
            sha256: &list.sha256,
            entities: as_i32(list.entities.len()),
            names: as_i32(names),
            addresses: as_i32(addresses),
            diff: &changes,
            imported_by,
        },
    )
    .await?;
    let rows: Vec<(String, serde_json::Value)> = list
        .entities
        .iter()
        .map(|e| Ok((e.entity_id.clone(), serde_json::to_value(e)?)))
        .collect::<Result<_, serde_json::Error>>()
        .context("failed to encode entities")?;
    attune_db::screening::insert_entities(&mut tx, id, &rows).await?;
    attune_db::audit::append(
        &mut tx,
        who,
        "sanctions.imported",
        &format!("sanctions:{source}"),
        &json!({"version": list.version, "sha256": list.sha256, "entities": list.entities.len(), "diff_counts": {
            "added": changes["added"].as_array().map_or(0, Vec::len), "removed": changes["removed"].as_array().map_or(0, Vec::len),
            "changed": changes["changed"].as_array().map_or(0, Vec::len)}}),
    )
    .await?;
    tx.commit().await.context("failed to commit an import")?;
    service.reload(pool).await?;
    let rescreen = rescreen_wallets(pool, service).await?;
    Ok(ImportReport {
        id,
        source: source.to_owned(),
        version: list.version,
        entities: list.entities.len(),
        names,
        addresses,
        diff: changes,
        rescreen,
    })
}
