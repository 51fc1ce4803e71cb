//! Datasets: a streaming upload that validates each record as it arrives and writes them in
//! batches inside one transaction (nothing is kept when any record is bad), then the gate.

use anyhow::Context;
use attune_db::datasets::{NewDataset, RecordRow, UploadTotals};
use attune_domain::data_policy::DataPolicy;
use attune_domain::dataset::{DatasetRecord, GateContext, LicenceKind, ManifestHasher, RecordContent, gate_record, parse_record};
use attune_domain::{FieldError, ValidationErrors};
use serde_json::json;
use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::Actor;
pub use crate::dataset_view::{Dataset, DatasetPage, DatasetView, GateCounts, Record, RecordPage, get, list, list_with_counts, records};
use crate::error::AppError;

/// Records written per statement.
const BATCH: usize = 500;
/// An upload reports at most this many field errors.
const MAX_ERRORS: usize = 100;

pub fn validate_name(raw: &str) -> Result<String, AppError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(AppError::field("name", "is required"));
    }
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(AppError::field("name", "must be at most 200 printable characters"));
    }
    Ok(name.to_owned())
}

/// An upload in progress. `push` each record in order, then `finish`; dropping it without
/// `finish` rolls everything back.
pub struct DatasetUpload {
    tx: Transaction<'static, Postgres>,
    id: Uuid,
    actor: String,
    name: String,
    hasher: ManifestHasher,
    batch: Vec<(RecordRow, String)>,
    errors: Vec<FieldError>,
    seq: i64,
    tokens: i64,
    pii_records: i64,
    special_records: i64,
    web_records: i64,
}

pub struct DatasetCreated {
    pub dataset: Dataset,
    pub counts: GateCounts,
}

impl DatasetUpload {
    pub async fn begin(pool: &PgPool, policy: &DataPolicy, actor: &Actor, name: &str) -> Result<Self, AppError> {
        let name = validate_name(name)?;
        let mut tx = pool.begin().await.context("failed to begin a dataset upload")?;
        let id = Uuid::now_v7();
        let reference = policy.reference();
        attune_db::datasets::create(
            &mut tx,
            &NewDataset {
                id,
                organization_id: actor.organization_id,
                created_by: actor.user_id,
                name: &name,
                data_policy_version: &reference.version,
                data_policy_sha256: &reference.sha256,
            },
        )
        .await?;
        Ok(Self {
            tx,
            id,
            actor: actor.audit_id(),
            name,
            hasher: ManifestHasher::new(),
            batch: Vec::with_capacity(BATCH),
            errors: Vec::new(),
            seq: 0,
            tokens: 0,
            pii_records: 0,
            special_records: 0,
            web_records: 0,
        })
    }

    /// Whether the upload has collected as many errors as it will report.
    pub fn is_hopeless(&self) -> bool {
        self.errors.len() >= MAX_ERRORS
    }

    /// A record that could not even be read (bad JSON on an NDJSON line).
    pub fn reject(&mut self, field: String, message: String) {
        self.seq += 1;
        self.note(FieldError::new(field, message));
    }

    /// Validates and queues one record; `prefix` names it in errors (`records[3]`, `line 4`).
    pub async fn push(&mut self, value: &serde_json::Value, prefix: String) -> Result<(), AppError> {
        self.seq += 1;
        match parse_record(value, &prefix) {
            Ok(record) => {
                if self.errors.is_empty() {
                    self.queue(&record, prefix);
                    if self.batch.len() >= BATCH {
                        self.flush().await?;
                    }
                }
            }
            Err(ValidationErrors(errors)) => {
                for e in errors {
                    self.note(e);
                }
            }
        }
        Ok(())
    }

    fn note(&mut self, error: FieldError) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(error);
        }
        self.batch.clear();
    }

    fn queue(&mut self, record: &DatasetRecord, prefix: String) {
        self.hasher.push(record);
        let tokens = i64::try_from(record.tokens).unwrap_or(i64::MAX);
        self.tokens = self.tokens.saturating_add(tokens);
        if record.has_personal_data() {
            self.pii_records += 1;
        }
        if !record.special_categories.is_empty() {
            self.special_records += 1;
        }
        if record.licence.kind == LicenceKind::Web {
            self.web_records += 1;
        }
        // Web records wait for the scanner (`OPTOUT_PENDING`); the rest are judged now.
        let outcome = gate_record(record.licence.kind, None, None, &GateContext::dataset_baseline());
        let (text, uri) = match &record.content {
            RecordContent::Text(t) => (Some(t.clone()), None),
            RecordContent::Uri(u) => (None, Some(u.clone())),
        };
        let row = RecordRow {
            record_id: record.id.clone(),
            seq: self.seq,
            text,
            uri,
            source_url: record.source_url.as_ref().map(|u| u.to_string()),
            domain: record.domain(),
            content_hash: record.content_hash.clone(),
            licence_kind: record.licence.kind.as_str().to_owned(),
            licence_ref: record.licence.reference.clone(),
            pii_subject_ids: record.pii_subject_ids.clone(),
            special_categories: record.special_categories.clone(),
            tokens,
            optout_status: None,
            optout: None,
            optout_checked_at: None,
            optout_recheck_at: None,
            gate: outcome.verdict.as_str().to_owned(),
            gate_reasons: json!(outcome.reasons),
            review_decision: None,
            review_notes: None,
            reviewed_at: None,
            erased_at: None,
        };
        self.batch.push((row, prefix));
    }

    async fn flush(&mut self) -> Result<(), AppError> {
        if self.batch.is_empty() || !self.errors.is_empty() {
            return Ok(());
        }
        let rows: Vec<RecordRow> = self.batch.iter().map(|(r, _)| r.clone()).collect();
        let inserted = attune_db::datasets::insert_records(&mut self.tx, self.id, &rows).await?;
        if inserted.len() != rows.len() {
            let batch = std::mem::take(&mut self.batch);
            for (row, prefix) in batch {
                if !inserted.contains(&row.seq) {
                    self.note(FieldError::new(format!("{prefix}.id"), format!("repeats the id {:?} of an earlier record", row.record_id)));
                }
            }
        }
        self.batch.clear();
        Ok(())
    }

    /// Writes the last batch and the totals and commits; any error collected so far rolls the whole
    /// upload back and is returned, every field named.
    pub async fn finish(mut self) -> Result<DatasetCreated, AppError> {
        self.flush().await?;
        if !self.errors.is_empty() {
            return Err(AppError::Validation(ValidationErrors(self.errors)));
        }
        if self.seq == 0 {
            return Err(AppError::field("records", "a dataset needs at least one record"));
        }
        let manifest = std::mem::replace(&mut self.hasher, ManifestHasher::new()).finish();
        let status = if self.web_records > 0 { "scanning" } else { "ready" };
        let totals = UploadTotals {
            manifest_sha256: &manifest,
            record_count: self.seq,
            token_count: self.tokens,
            pii_records: self.pii_records,
            special_category_records: self.special_records,
            status,
        };
        attune_db::datasets::finish_upload(&mut self.tx, self.id, &totals).await?;
        attune_db::audit::append(
            &mut self.tx,
            &self.actor,
            "dataset.uploaded",
            &format!("dataset:{}", self.id),
            &json!({"name": self.name, "manifest_sha256": manifest, "records": self.seq, "tokens": self.tokens,
                    "pii_records": self.pii_records, "special_category_records": self.special_records, "web_records": self.web_records}),
        )
        .await?;
        let dataset =
            attune_db::datasets::get(&mut self.tx, &attune_domain::OrgScope::Platform, self.id).await?.context("the dataset vanished")?;
        let counts = attune_db::datasets::gate_counts(&mut self.tx, self.id).await?;
        self.tx.commit().await.context("failed to commit a dataset upload")?;
        Ok(DatasetCreated { dataset: dataset.into(), counts: counts.into() })
    }
}
