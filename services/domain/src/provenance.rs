//! Base-model listings: the provenance manifest (what the provider signs and we anchor), its
//! canonical form (RFC 8785 JSON Canonicalization Scheme) and its SHA-256.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ValidationErrors;

/// One file of the weights, identified by digest (the in-toto style OpenSSF model signing uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
    /// Where to fetch it; not part of the manifest (a re-hosted file is the same file).
    #[serde(default, skip_serializing)]
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    pub base_model_id: Option<Uuid>,
    pub relation: Option<String>,
}

pub const LINEAGE_RELATIONS: [&str; 4] = ["finetune", "adapter", "merge", "quantized"];

/// Sections the training content summary must fill (the AI Office template's structure, July 2025).
pub const TRAINING_SUMMARY_SECTIONS: [(&str, &str); 4] = [
    ("data_sources", "the categories of training data (public datasets, licensed data, web-scraped data, user data, synthetic data)"),
    ("top_domains", "the most relevant domain names of scraped content (top 10 %), or an empty list when nothing was scraped"),
    ("opt_out_policy", "how text-and-data-mining reservations were respected"),
    ("personal_data", "how personal data in the training data was handled"),
];

/// The manifest as signed: content only, no storage locations, lists in a stable order.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub schema: &'static str,
    pub provider_organization_id: Uuid,
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub parameter_count: u64,
    pub training_flops: Option<f64>,
    pub intended_uses: Vec<String>,
    pub licence: String,
    pub files: Vec<ModelFile>,
    pub card_sha256: String,
    pub training_summary: serde_json::Value,
    pub lineage: Lineage,
}

pub const MANIFEST_SCHEMA: &str = "attune.model-manifest/v1";

impl Manifest {
    /// RFC 8785 canonical JSON and its SHA-256 (lower-case hex): the bytes that are signed.
    pub fn canonical(&self) -> Result<(String, String), String> {
        let mut sorted = self.clone();
        sorted.files.sort_by(|a, b| a.path.cmp(&b.path));
        sorted.intended_uses.sort();
        sorted.intended_uses.dedup();
        let text = serde_jcs::to_string(&sorted).map_err(|e| format!("manifest cannot be canonicalised: {e}"))?;
        let digest = hex::encode(Sha256::digest(text.as_bytes()));
        Ok((text, digest))
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks the shape of the file list: relative paths without `..`, unique, hex digests.
pub fn validate_files(files: &[ModelFile], errors: &mut ValidationErrors) {
    if files.is_empty() {
        errors.push("files", "at least one weights file is required");
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, f) in files.iter().enumerate() {
        let path_ok =
            !f.path.is_empty() && !f.path.starts_with('/') && !f.path.split('/').any(|p| p == ".." || p.is_empty()) && f.path.len() <= 512;
        if !path_ok {
            errors.push(&format!("files[{i}].path"), "must be a relative path without '..' or empty segments");
        } else if !seen.insert(f.path.as_str()) {
            errors.push(&format!("files[{i}].path"), "is listed twice");
        }
        if f.sha256.len() != 64 || !f.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            errors.push(&format!("files[{i}].sha256"), "must be 64 lower-case hex digits");
        }
        if f.uri.trim().is_empty() {
            errors.push(&format!("files[{i}].uri"), "is required (http(s):// or file://)");
        }
    }
}

/// Sections of the training content summary that are missing or empty.
pub fn training_summary_gaps(summary: &serde_json::Value) -> Vec<&'static str> {
    TRAINING_SUMMARY_SECTIONS
        .iter()
        .filter(|(key, _)| match summary.get(key) {
            None | Some(serde_json::Value::Null) => true,
            Some(serde_json::Value::String(s)) => s.trim().is_empty(),
            // An empty list is a valid answer for top_domains (nothing scraped), not for sources.
            Some(serde_json::Value::Array(a)) => a.is_empty() && *key == "data_sources",
            Some(_) => false,
        })
        .map(|(key, _)| *key)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest() -> Manifest {
        Manifest {
            schema: MANIFEST_SCHEMA,
            provider_organization_id: Uuid::nil(),
            name: "tiny".into(),
            version: "1.0".into(),
            architecture: "llama".into(),
            parameter_count: 1_000_000,
            training_flops: Some(1.5e20),
            intended_uses: vec!["software".into(), "customer_service".into()],
            licence: "Apache-2.0".into(),
            files: vec![
                ModelFile { path: "b.bin".into(), size: 2, sha256: "b".repeat(64), uri: "https://x/b".into() },
                ModelFile { path: "a.bin".into(), size: 1, sha256: "a".repeat(64), uri: "https://x/a".into() },
            ],
            card_sha256: "c".repeat(64),
            training_summary: json!({"z": 1, "a": [2, 1]}),
            lineage: Lineage { base_model_id: None, relation: None },
        }
    }

    #[test]
    fn the_canonical_form_is_rfc8785_and_order_independent() {
        let (text, digest) = manifest().canonical().unwrap_or_default();
        assert!(text.starts_with("{\"architecture\":\"llama\",\"card_sha256\":"), "{text}");
        assert!(text.contains("\"files\":[{\"path\":\"a.bin\""), "files sorted by path, uri left out: {text}");
        assert!(!text.contains("https://x"));
        assert!(text.contains("\"training_flops\":150000000000000000000"), "ECMAScript number form: {text}");
        let mut other = manifest();
        other.files.reverse();
        other.intended_uses.reverse();
        assert_eq!(other.canonical().map(|c| c.1), Ok(digest.clone()));
        other.version = "1.1".into();
        assert_ne!(other.canonical().map(|c| c.1), Ok(digest));
    }

    #[test]
    fn summaries_need_every_section() {
        assert_eq!(training_summary_gaps(&json!({})), vec!["data_sources", "top_domains", "opt_out_policy", "personal_data"]);
        let full = json!({"data_sources": ["licensed"], "top_domains": [], "opt_out_policy": "robots.txt and TDMRep honoured", "personal_data": "none"});
        assert!(training_summary_gaps(&full).is_empty());
        assert_eq!(
            training_summary_gaps(&json!({"data_sources": [], "top_domains": [], "opt_out_policy": " ", "personal_data": "x"})),
            vec!["data_sources", "opt_out_policy"]
        );
    }

    #[test]
    fn file_lists_are_checked() {
        let mut e = ValidationErrors::new();
        validate_files(
            &[
                ModelFile { path: "../etc/passwd".into(), size: 1, sha256: "A".repeat(64), uri: String::new() },
                ModelFile { path: "w.bin".into(), size: 1, sha256: "a".repeat(64), uri: "file:///w".into() },
                ModelFile { path: "w.bin".into(), size: 1, sha256: "a".repeat(64), uri: "file:///w".into() },
            ],
            &mut e,
        );
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["files[0].path", "files[0].sha256", "files[0].uri", "files[2].path"]);
    }
}

/// Which listings a catalogue query asks for; every field narrows it.
#[derive(Debug, Default, Clone)]
pub struct ModelFilter {
    /// Only verified listings (`true`) or only the others (`false`).
    pub verified: Option<bool>,
    /// Words in the name, card or provider.
    pub q: Option<String>,
    pub licence: Option<String>,
    pub architecture: Option<String>,
    pub min_params: Option<i64>,
    pub max_params: Option<i64>,
    /// A provenance status (`pending`, `verified`, `rejected`).
    pub status: Option<String>,
    pub organization_id: Option<uuid::Uuid>,
}
