//! The screening policy (`policy/screening-v3.toml`, enforced; `screening-v1.toml` and
//! `screening-v2.toml` kept for replay):
//! normalisation tables, candidate index limits, the scorer and its weights or costs, penalties and
//! thresholds. Data, not code, referenced by version and sha256 from every screening decision that
//! used it.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::compliance::PolicyRef;
use crate::sanctions::risk::{OwnershipRules, TopicRules};

const V1_TEXT: &str = include_str!("../../../policy/screening-v1.toml");
const V2_TEXT: &str = include_str!("../../../policy/screening-v2.toml");
const ENFORCED_TEXT: &str = include_str!("../../../policy/screening-v3.toml");

/// The scorer a policy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// OpenSanctions logic-v1 style: token-set Jaro-Winkler, phonetic share, fuzzy overlap, and the
    /// literal / fingerprint lifts (`score`).
    #[default]
    LogicV1,
    /// Part-by-part alignment with optional and conflicting parts (`parts`).
    NameParts,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScreeningPolicyFile {
    version: String,
    #[serde(default)]
    algorithm: Algorithm,
    thresholds: Thresholds,
    index: IndexRules,
    /// The logic-v1 scorer's weights.
    weights: Option<Weights>,
    /// The name-parts scorer's rules.
    parts: Option<PartsRules>,
    penalties: Penalties,
    normalize: NormalizeRules,
    /// What a match's topics mean (absent: every match is a sanctions match).
    #[serde(default)]
    topics: Option<TopicRules>,
    /// The 50 % ownership rule (absent: ownership is not followed).
    #[serde(default)]
    ownership: Option<OwnershipRules>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A match scoring at least this is returned.
    pub match_threshold: f64,
    /// A match scoring at least this opens a review case.
    pub review_threshold: f64,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRules {
    pub prefix_len: usize,
    /// Also key each token of four letters or more by its one-deletion spellings (typo retrieval).
    #[serde(default)]
    pub deletion_keys: bool,
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

/// The name-parts scorer (`algorithm = "name-parts"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartsRules {
    /// Edits allowed from a (shorter) part length on, ascending.
    pub typo_edits: Vec<TypoEdits>,
    pub typo_cost: f64,
    /// Parts too short for an edit still match with two adjacent letters swapped, from this length.
    pub transpositions_from: usize,
    /// Parts that differ only in doubled letters match (Hasan / Hassan, Yao / Yaoo), however short.
    #[serde(default)]
    pub doubled_letters: bool,
    /// Parts shorter than this that differ in their first letter are no typo of each other.
    pub first_letter_typo_min_len: usize,
    pub phonetic_min_len: usize,
    pub phonetic_min_key_len: usize,
    /// Skeletons at least this long but shorter than `phonetic_min_key_len` match only when the
    /// parts are spelled alike once vowel digraphs are read as one vowel (Mahdi / Mahdee, Yu / Yoo;
    /// not Suad / Saeed, Tan / Tian); none when unset.
    #[serde(default)]
    pub phonetic_spelled_min_key_len: Option<usize>,
    pub phonetic_max_len_diff: usize,
    /// Whether two adjacent parts read as one ("Taek Byung" as "taekbyung") may match a part with
    /// misspellings (screening-v2) or only as spelled or sounding alike.
    #[serde(default = "yes")]
    pub joined_part_typos: bool,
    pub phonetic_similarity: f64,
    /// A phonetic match (the mean of `phonetic_similarity` and the spellings' Jaro-Winkler) below
    /// this is no match.
    pub phonetic_floor: f64,
    pub generic_weight: f64,
    pub person: PersonCosts,
    pub organization: OrganizationCosts,
}

impl PartsRules {
    /// Edits two parts may differ by, from the shorter one's length.
    pub fn allowed_edits(&self, len: usize) -> usize {
        self.typo_edits.iter().filter(|t| len >= t.min_len).map(|t| t.edits).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypoEdits {
    pub min_len: usize,
    pub edits: usize,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonCosts {
    pub missing_part: f64,
    pub conflicting_part: f64,
    pub too_few_parts: f64,
    /// A part missing while fewer than two parts match as written (the others only alike).
    #[serde(default)]
    pub few_exact_parts: f64,
    /// A part of a hyphenated name (Xi-peng, Mohammad-Taghi) left unmatched while another part of
    /// it matched, on top of `missing_part`.
    #[serde(default)]
    pub split_compound: f64,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationCosts {
    pub missing_word: f64,
    pub extra_word: f64,
    pub conflicting_word: f64,
    pub conflicting_generic_word: f64,
    pub unmatched_generic_word: f64,
    pub no_distinctive_match: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NormalizeRules {
    /// Join runs of single letters ("o o o" -> "ooo") before anything else.
    #[serde(default)]
    pub join_initials: bool,
    pub legal_forms: Vec<String>,
    /// Multi-word legal forms, dropped as a whole.
    #[serde(default)]
    pub legal_form_phrases: Vec<String>,
    /// Generic company words (context, not identity) for the name-parts scorer.
    #[serde(default)]
    pub generic_words: Vec<String>,
    pub honorifics: Vec<String>,
    pub particles: Vec<String>,
    pub variants: Vec<Variant>,
    /// How a name part's consonant skeleton is read (the name-parts scorer's sound-alike test).
    #[serde(default)]
    pub skeleton: SkeletonVersion,
}

/// How a name part's consonant skeleton is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkeletonVersion {
    /// As the index's phonetic key, without its length limit (screening-v2): equal consonants
    /// collapse even with vowels between them (Mahmoud -> md).
    #[default]
    V2,
    /// Only adjacent equal consonants collapse (Mahmoud -> mmd), and common romanisations are read
    /// alike: `gh` as `q` (Sadegh / Sadeq), `tch` as `ch` (Romanovitch), a final `ff` as `v`
    /// (Romanoff), an initial `ye` as `e` (Yegor / Egor).
    V3,
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

fn yes() -> bool {
    true
}

fn unit(name: &str, value: f64) -> Result<(), String> {
    if (0.0..=1.0).contains(&value) { Ok(()) } else { Err(format!("screening policy: {name} must be in [0, 1]")) }
}

impl ScreeningPolicy {
    /// The policy in force, compiled into this build.
    pub fn current() -> Result<Self, String> {
        Self::parse(ENFORCED_TEXT)
    }

    /// Version 1 (the logic-v1 scorer), kept to replay the decisions it made.
    pub fn v1() -> Result<Self, String> {
        Self::parse(V1_TEXT)
    }

    /// A policy compiled into this build, by version.
    pub fn by_version(version: &str) -> Option<Self> {
        [V1_TEXT, V2_TEXT, ENFORCED_TEXT].into_iter().filter_map(|t| Self::parse(t).ok()).find(|p| p.file.version == version)
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
        unit("penalties.country_mismatch", file.penalties.country_mismatch)?;
        unit("penalties.dob_year_mismatch", file.penalties.dob_year_mismatch)?;
        match file.algorithm {
            Algorithm::LogicV1 => {
                let Some(w) = file.weights else { return Err("screening policy: the logic-v1 scorer needs [weights]".into()) };
                for (name, value) in [
                    ("weights.token_jaro_winkler", w.token_jaro_winkler),
                    ("weights.phonetic_match", w.phonetic_match),
                    ("weights.name_token_overlap", w.name_token_overlap),
                    ("weights.name_fingerprint", w.name_fingerprint),
                    ("weights.name_literal_match", w.name_literal_match),
                    ("weights.overlap_token_similarity", w.overlap_token_similarity),
                ] {
                    unit(name, value)?;
                }
                if ((w.token_jaro_winkler + w.phonetic_match + w.name_token_overlap) - 1.0).abs() > 1e-6 {
                    return Err("screening policy: the soft weights (jaro-winkler, phonetic, overlap) must sum to 1".into());
                }
            }
            Algorithm::NameParts => {
                let Some(p) = &file.parts else { return Err("screening policy: the name-parts scorer needs [parts]".into()) };
                for (name, value) in [
                    ("parts.typo_cost", p.typo_cost),
                    ("parts.phonetic_similarity", p.phonetic_similarity),
                    ("parts.phonetic_floor", p.phonetic_floor),
                    ("parts.generic_weight", p.generic_weight),
                    ("parts.person.missing_part", p.person.missing_part),
                    ("parts.person.conflicting_part", p.person.conflicting_part),
                    ("parts.person.too_few_parts", p.person.too_few_parts),
                    ("parts.person.few_exact_parts", p.person.few_exact_parts),
                    ("parts.person.split_compound", p.person.split_compound),
                    ("parts.organization.missing_word", p.organization.missing_word),
                    ("parts.organization.extra_word", p.organization.extra_word),
                    ("parts.organization.conflicting_word", p.organization.conflicting_word),
                    ("parts.organization.conflicting_generic_word", p.organization.conflicting_generic_word),
                    ("parts.organization.unmatched_generic_word", p.organization.unmatched_generic_word),
                    ("parts.organization.no_distinctive_match", p.organization.no_distinctive_match),
                ] {
                    unit(name, value)?;
                }
                if p.typo_edits.windows(2).any(|w| w[1].min_len <= w[0].min_len || w[1].edits < w[0].edits) {
                    return Err("screening policy: parts.typo_edits must ascend by min_len and edits".into());
                }
                if p.typo_edits.iter().any(|t| t.edits > 3) {
                    return Err("screening policy: parts.typo_edits allows at most 3 edits".into());
                }
            }
        }
        if let Some(o) = &file.ownership
            && !(1..=100).contains(&o.threshold_percent)
        {
            return Err("screening policy: ownership.threshold_percent must be in 1..=100".into());
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

    pub fn algorithm(&self) -> Algorithm {
        self.file.algorithm
    }

    /// The logic-v1 weights (`None` for another scorer).
    pub fn weights(&self) -> Option<Weights> {
        self.file.weights
    }

    /// The risk a listed entity's topics carry (`None` when the entity takes no part in name screening).
    pub fn classify_topics(&self, topics: Option<&[String]>) -> Option<crate::sanctions::MatchRisk> {
        match &self.file.topics {
            Some(rules) => rules.classify(topics),
            None => Some(crate::sanctions::MatchRisk::Sanctions),
        }
    }

    pub fn ownership(&self) -> Option<&OwnershipRules> {
        self.file.ownership.as_ref()
    }

    /// The name-parts rules (`None` for another scorer).
    pub fn parts(&self) -> Option<&PartsRules> {
        self.file.parts.as_ref()
    }

    pub fn penalties(&self) -> Penalties {
        self.file.penalties
    }

    pub fn normalize_rules(&self) -> &NormalizeRules {
        &self.file.normalize
    }
}
