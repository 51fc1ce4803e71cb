//! The fine-tune certificate (DESIGN.md §5): what a delivered model is made of and what it cost,
//! as canonical JSON (RFC 8785) whose SHA-256 is anchored on chain (registry kind 2).
//!
//! It binds the base model's manifest, the dataset's manifest, each shard's record Merkle root and
//! adapter digest, the FLOPs measured by the workers, the assessment's policy, and the payment.
//! The model is the **SISA ensemble** of the shard adapters: at inference each adapter is applied to
//! the base model on its own and the next-token probability distributions are averaged (uniform
//! weights) — the aggregation of Bourtoule et al. §4.3 for generative models. Erasing a subject
//! retrains one shard, so one adapter changes and the certificate is re-issued with a new version.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const CERTIFICATE_FORMAT: &str = "attune.finetune-certificate/v1";

/// How the shard adapters are combined at inference (stated in every certificate).
pub const ENSEMBLE_RULE: &str = "Apply each shard's LoRA adapter to the base model separately and average the next-token \
probability distributions with equal weights (SISA ensemble). No adapter saw another shard's records.";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaseModelRef {
    pub id: String,
    pub name: String,
    pub version: String,
    pub manifest_sha256: String,
    pub parameter_count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetRef {
    pub id: String,
    pub manifest_sha256: String,
    /// Records accepted for training.
    pub records: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdapterRef {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardEntry {
    pub index: u32,
    pub records: u64,
    pub slices: u32,
    /// Merkle root (hex) of the shard's (record id, content hash) leaves.
    pub merkle_root: String,
    pub adapters: Vec<AdapterRef>,
    pub tokens: u64,
    pub flops: f64,
    pub attempts: u32,
}

/// The provider question asked again with the compute that was actually spent (AI Act Art. 25(1)(b)
/// and the one-third rule of the Commission's GPAI guidelines): the threshold is the assessment's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderRecheck {
    pub flops_estimated: f64,
    pub flops_measured: f64,
    pub threshold: f64,
    pub substantial_modification_assessed: bool,
    pub substantial_modification_measured: bool,
    /// True when the measured compute changes the answer the buyer was given.
    pub changed: bool,
    pub detail: String,
    /// Policy v2: the two provider roles decided again with the larger of the estimate and the
    /// measured compute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<crate::compliance::Roles>,
}

pub fn recheck_provider(flops_estimated: f64, threshold: f64, assessed: bool, flops_measured: f64) -> ProviderRecheck {
    let measured = flops_measured > threshold;
    let detail = if measured {
        format!(
            "Measured fine-tuning compute {flops_measured:.3e} FLOPs exceeds the threshold {threshold:.3e} FLOPs (one third of the base model's training compute): the modification is substantial and the buyer is the provider of the modified model."
        )
    } else {
        format!(
            "Measured fine-tuning compute {flops_measured:.3e} FLOPs is within the threshold {threshold:.3e} FLOPs (one third of the base model's training compute): not a substantial modification by compute."
        )
    };
    ProviderRecheck {
        flops_estimated,
        flops_measured,
        threshold,
        substantial_modification_assessed: assessed,
        substantial_modification_measured: measured,
        changed: measured != assessed,
        detail,
        roles: None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    pub format: String,
    pub job_id: String,
    pub version: u32,
    pub organization_id: String,
    pub issued_at: String,
    pub base_model: BaseModelRef,
    pub dataset: DatasetRef,
    pub method: String,
    pub shards: Vec<ShardEntry>,
    pub ensemble: String,
    pub flops_measured: f64,
    pub tokens: u64,
    /// "6·N·T" with N all parameters (the frozen base included) and T the tokens processed.
    pub flops_formula: String,
    pub provider_recheck: ProviderRecheck,
    /// The assessment the job was bought under: `{risk_tier, provider_role, policy: {version, sha256}}`.
    pub assessment: serde_json::Value,
    /// The audit sign-off when the job went through review (`null` otherwise).
    pub audit: serde_json::Value,
    /// `{chain_id, escrow, job_ref, amount, funding_tx}`.
    pub payment: serde_json::Value,
    /// The certificate this one supersedes (`null` for the first).
    pub supersedes_sha256: Option<String>,
}

impl Certificate {
    /// RFC 8785 canonical JSON and its SHA-256 (lower-case hex): what is stored and anchored.
    pub fn canonical(&self) -> Result<(String, String), String> {
        let text = serde_jcs::to_string(self).map_err(|e| format!("the certificate cannot be canonicalised: {e}"))?;
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        Ok((text, digest))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_recheck_uses_strictly_more_than_the_threshold() {
        assert!(!recheck_provider(1.0, 100.0, false, 100.0).substantial_modification_measured);
        let r = recheck_provider(1.0, 100.0, false, 100.5);
        assert!(r.substantial_modification_measured && r.changed);
        assert!(!recheck_provider(200.0, 100.0, true, 150.0).changed);
    }

    #[test]
    fn the_digest_is_of_the_canonical_text_and_key_order_does_not_matter() {
        let c = Certificate {
            format: CERTIFICATE_FORMAT.into(),
            job_id: "j".into(),
            version: 1,
            organization_id: "o".into(),
            issued_at: "2026-12-02T00:00:00Z".into(),
            base_model: BaseModelRef {
                id: "m".into(),
                name: "n".into(),
                version: "1".into(),
                manifest_sha256: "a".repeat(64),
                parameter_count: 3,
            },
            dataset: DatasetRef { id: "d".into(), manifest_sha256: "b".repeat(64), records: 2 },
            method: "lora".into(),
            shards: vec![],
            ensemble: ENSEMBLE_RULE.into(),
            flops_measured: 6.0,
            tokens: 1,
            flops_formula: "6·N·T".into(),
            provider_recheck: recheck_provider(1.0, 10.0, false, 6.0),
            assessment: serde_json::json!({"z": 1, "a": 2}),
            audit: serde_json::Value::Null,
            payment: serde_json::json!({}),
            supersedes_sha256: None,
        };
        let (text, sha) = c.canonical().expect("canonical");
        assert!(text.contains(r#""assessment":{"a":2,"z":1}"#));
        assert_eq!(sha, hex::encode(Sha256::digest(text.as_bytes())));
        let mut other = c.clone();
        other.flops_measured = 7.0;
        assert_ne!(other.canonical().expect("canonical").1, sha);
    }
}
