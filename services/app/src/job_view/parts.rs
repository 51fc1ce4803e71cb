//! The parts of a job's view: its shards, delivered files, certificate, payment in brief, review,
//! obligations, documents and events, and the dataset gate as the job applied it.

use attune_db::jobs::EventRow;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

/// One shard's training: its run's status and attempt, and how far it got. Tokens and FLOPs are the
/// successful completion's once it succeeded, else the current attempt's running totals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShardView {
    pub index: i32,
    pub status: String,
    pub attempts: i32,
    pub slices: i32,
    pub slices_done: i32,
    /// 0 to 1.
    pub progress: f64,
    /// The latest training loss the worker reported.
    pub loss: Option<f64>,
    pub flops: f64,
    pub tokens: i64,
    pub error: Option<String>,
}

/// A delivered file of the fine-tuned model.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ArtifactView {
    pub shard: i32,
    pub name: String,
    pub sha256: String,
    pub size: i64,
    pub download_url: String,
}

/// The compliance certificate in force: its hash, version and where it is anchored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub sha256: String,
    pub version: i32,
    pub issued_at: DateTime<Utc>,
    pub anchor: Option<AnchorView>,
    pub url: String,
}

/// A transaction on the settlement chain that carries a hash.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnchorView {
    pub tx_hash: String,
    pub block: Option<i64>,
}

/// The dataset gate as the job applied it: for its jurisdictions and purpose, what it accepted and
/// left out, and its verdict on each group of records that the gate treats alike.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GateOutcomeView {
    pub context: GateContextView,
    pub accepted: u64,
    pub excluded: u64,
    #[serde(rename = "reasons")]
    pub groups: Vec<GateGroupView>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct GateContextView {
    pub jurisdictions: Vec<String>,
    pub commercial: bool,
}

/// Records alike for the gate (licence, opt-out status, review) and its verdict on them.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct GateGroupView {
    pub licence_kind: String,
    pub optout_status: Option<String>,
    pub records: u64,
    pub verdict: attune_domain::dataset::GateVerdict,
    pub reasons: Vec<attune_domain::dataset::GateReason>,
}

/// The job's payment in brief; `GET /jobs/{id}/payment` has the whole of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = PaymentView)]
pub struct JobPayment {
    pub status: String,
    pub token: String,
    /// Integer base units of the token.
    pub amount: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    /// `pending` (not paid yet), `open`, `claimed`, `changes_requested` or `approved`.
    pub status: String,
    /// `pool` or `platform`.
    pub reviewer: String,
    pub pool_id: Option<Uuid>,
    pub pool: Option<String>,
    /// The audit fee as quoted, and how it was computed.
    #[schema(value_type = Option<Object>)]
    pub fee: Option<serde_json::Value>,
    /// The pool's review rounds, oldest first.
    pub rounds: Vec<crate::audit_tasks::TaskView>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub percent: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObligationView {
    pub id: String,
    pub article: String,
    pub title: String,
    pub blocking: bool,
    pub template: String,
    /// `open` or `satisfied`.
    pub status: String,
    /// `gate`, `platform`, `generated` or `document:<template>`.
    pub satisfied_by: Option<String>,
    pub satisfied_at: Option<DateTime<Utc>>,
    /// For an obligation phased in by a usage report (graduated transition): its phase and due date,
    /// and whether it is open past that date.
    pub phase: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DocumentView {
    pub template: String,
    pub revision: i32,
    pub template_version: String,
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    pub submitted_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: i64,
    /// `transition`, `obligation`, `document` or `shard`.
    pub kind: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
    pub at: DateTime<Utc>,
}

impl EventView {
    /// What the event's detail says, as far as a timeline tells it.
    pub fn note(&self) -> EventNote {
        serde_json::from_value(self.detail.clone()).unwrap_or_default()
    }
}

/// The parts of an event's detail a timeline shows: why it happened and, for a review or a
/// document, what was decided or filed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EventNote {
    pub reason: Option<String>,
    pub notes: Option<String>,
    /// A review's decision.
    pub decision: Option<String>,
    /// A filed document's template.
    pub template: Option<String>,
    /// Why a filed document satisfies nothing (its answers that keep the obligation open).
    #[serde(default)]
    pub blocked_by: Vec<String>,
}

impl From<EventRow> for EventView {
    fn from(e: EventRow) -> Self {
        Self { id: e.id, kind: e.kind, from: e.from_status, to: e.to_status, actor_id: e.actor_id, detail: e.detail, at: e.created_at }
    }
}
