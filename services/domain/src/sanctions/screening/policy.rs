//! The screening policy (`policy/screening-v1.toml`): normalisation tables, candidate index limits,
//! feature weights, penalties and thresholds. Data, not code, referenced by version and sha256 from
//! every screening decision that used it.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::compliance::PolicyRef;

const ENFORCED_TEXT: &str = include_str!("../../../policy/screening-v1.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreeningPolicyFile {
    version: String,
    thresholds: Thresholds,
    index: IndexRules,
    weights: Weights,
    penalties: Penalties,
    normalize: NormalizeRules,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A match scoring at least this is returned.
    pub match_threshold: f64,
    /// A match scoring at least this opens a review case.
    pub review_threshold: f64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRules {
    pub prefix_len: usize,
    pub max_candidates: usize,
    pub max_posting_len: usize,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    pub token_jaro_winkler: f64,
    pub phonetic_match: f64,
    pub name_token_overlap: f64,
    pub name_fingerprint: f64,
    pub name_literal_match: f64,
    /// Two tokens at least this Jaro-Winkler-similar count as one for `name_token_overlap`.
    pub overlap_token_similarity: f64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Penalties {
    pub country_mismatch: f64,
    pub dob_year_mismatch: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalizeRules {
    pub legal_forms: Vec<String>,
    pub honorifics: Vec<String>,
    pub particles: Vec<String>,
    pub variants: Vec<Variant>,
}

/// Spelling variants of one name token; a form with a space matches two consecutive tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub canonical: String,
    pub forms: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ScreeningPolicy {
    file: ScreeningPolicyFile,
    sha256: String,
}

fn unit(name: &str, value: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&value) { Ok(()) } else { Err(format!("screening policy: {name} must be in [0, 1]")) }
}

impl ScreeningPolicy {
    /// The policy compiled into this build.
    pub fn v1() -> Result<Self, String> {
        Self::parse(ENFORCED_TEXT)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: ScreeningPolicyFile = toml::from_str(text).map_err(|e| format!("screening policy: {e}"))?;
        if file.version.trim().is_empty() {
            return Err("screening policy: version is empty".into());
        }
        let t = file.thresholds;
        unit("thresholds.match_threshold", t.match_threshold)?;
        unit("thresholds.review_threshold", t.review_threshold)?;
        if t.review_threshold < t.match_threshold {
            return Err("screening policy: review_threshold must be >= match_threshold".into());
        }
        let w = file.weights;
        for (name, value) in [
            ("weights.token_jaro_winkler", w.token_jaro_winkler),
            ("weights.phonetic_match", w.phonetic_match),
            ("weights.name_token_overlap", w.name_token_overlap),
            ("weights.name_fingerprint", w.name_fingerprint),
            ("weights.name_literal_match", w.name_literal_match),
            ("weights.overlap_token_similarity", w.overlap_token_similarity),
            ("penalties.country_mismatch", file.penalties.country_mismatch),
            ("penalties.dob_year_mismatch", file.penalties.dob_year_mismatch),
        ] {
            unit(name, value)?;
        }
        if ((w.token_jaro_winkler + w.phonetic_match + w.name_token_overlap) - 1.0).abs() > 1e-6 {
            return Err("screening policy: the soft weights (jaro-winkler, phonetic, overlap) must sum to 1".into());
        }
        let i = file.index;
        if i.prefix_len == 0 || i.max_candidates == 0 || i.max_posting_len == 0 {
            return Err("screening policy: index limits must be positive".into());
        }
        for v in &file.normalize.variants {
            if v.canonical.trim().is_empty() || v.forms.iter().any(|f| f.trim().is_empty()) {
                return Err("screening policy: a name variant is blank".into());
            }
        }
        Ok(Self { file, sha256: hex::encode(Sha256::digest(text.as_bytes())) })
    }

    pub fn reference(&self) -> PolicyRef {
        PolicyRef { version: self.file.version.clone(), sha256: self.sha256.clone() }
    }

    pub fn match_threshold(&self) -> f64 {
        self.file.thresholds.match_threshold
    }

    /// A match scoring at least this opens a case.
    pub fn review_threshold(&self) -> f64 {
        self.file.thresholds.review_threshold
    }

    /// Whether a score opens a review case.
    pub fn opens_case(&self, score: f64) -> bool {
        score >= self.file.thresholds.review_threshold
    }

    pub fn index(&self) -> IndexRules {
        self.file.index
    }

    pub fn weights(&self) -> Weights {
        self.file.weights
    }

    pub fn penalties(&self) -> Penalties {
        self.file.penalties
    }

    pub fn normalize_rules(&self) -> &NormalizeRules {
        &self.file.normalize
    }
}
