//! A job page's training section: per-shard progress and cost, the loss curve, the delivered files and
//! the compliance certificate.

use attune_app::job_view::{self, JobView};
use attune_domain::compliance::PayeeRole;

use super::{human, loss_chart, usdc};

/// The training section: per-shard rows, the loss curve, the artifacts and the certificate.
pub(super) struct Training {
    /// Refresh the page every few seconds while shards train.
    pub(super) live: bool,
    pub(super) shards: Vec<ShardRow>,
    /// Server-rendered SVG (trusted markup built by `loss_chart`).
    pub(super) loss_svg: Option<String>,
    /// (shard, name, sha256, size, download URL)
    pub(super) artifacts: Vec<(String, String, String, String, String)>,
    /// (sha256, version, anchor text)
    pub(super) certificate: Option<(String, String, String)>,
}

pub(super) struct ShardRow {
    pub(super) index: String,
    pub(super) status: String,
    pub(super) attempts: String,
    /// 0..=100
    pub(super) percent: u32,
    pub(super) slices: String,
    pub(super) loss: String,
    pub(super) tokens: String,
    pub(super) flops: String,
    /// The shard's part of the compute line of the quote, by its share of the job's tokens.
    pub(super) cost: String,
    pub(super) error: String,
}

pub(super) fn training_section(job: &JobView, history: &[job_view::LossSeries]) -> Training {
    let compute: u128 =
        job.assessed().and_then(|a| a.quote.breakdown.iter().find(|l| l.role == PayeeRole::Compute).map(|l| l.amount)).unwrap_or(0);
    let total_tokens: f64 = job.shards.iter().map(|s| s.tokens as f64).sum();
    let count = job.shards.len().max(1) as f64;
    let shards = job
        .shards
        .iter()
        .map(|s| {
            let tokens = s.tokens as f64;
            let share = if total_tokens > 0.0 { tokens / total_tokens } else { 1.0 / count };
            let cost = (compute as f64 * share).round() as u128;
            ShardRow {
                index: s.index.to_string(),
                status: s.status.clone(),
                attempts: s.attempts.to_string(),
                percent: (s.progress * 100.0).round().clamp(0.0, 100.0) as u32,
                slices: format!("{} of {}", s.slices_done, s.slices),
                loss: s.loss.map(|l| format!("{l:.3}")).unwrap_or_else(|| "—".into()),
                tokens: human::count(&s.tokens),
                flops: human::flops(&s.flops),
                cost: usdc(&cost.to_string()),
                error: s.error.clone().unwrap_or_default(),
            }
        })
        .collect();
    let artifacts = job
        .artifacts
        .iter()
        .map(|a| (a.shard.to_string(), a.name.clone(), a.sha256.clone(), a.size.to_string(), a.download_url.clone()))
        .collect();
    let certificate = job.certificate.as_ref().map(|c| {
        let anchor = match &c.anchor {
            Some(a) => {
                format!("anchored on chain in transaction {} (block {})", a.tx_hash, a.block.map(|b| b.to_string()).unwrap_or_default())
            }
            None => "anchoring on chain (the operator's transaction is pending)".into(),
        };
        (c.sha256.clone(), c.version.to_string(), anchor)
    });
    Training {
        live: matches!(job.status.as_str(), "queued" | "training" | "aggregating"),
        shards,
        loss_svg: loss_chart::render(history),
        artifacts,
        certificate,
    }
}
