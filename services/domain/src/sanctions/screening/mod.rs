//! Sanctions screening (DESIGN.md §4 "Screening and monitoring"): exact address matching and
//! explainable fuzzy name matching over a candidate index. Pure: the caller gives the list entities
//! and the policy; nothing here does I/O.
//!
//! Names are normalised ([`normalize_name`]), indexed by per-token keys ([`index::CandidateIndex`]),
//! and a query scores only the names that share a key with it ([`score`]). Every match carries its
//! features with their contributions and its penalties, so a reviewer sees why it matched.

pub mod address;
pub mod index;
pub mod normalize;
pub mod policy;
pub mod score;

pub use address::{AddressHit, AddressIndex, normalize_address};
pub use index::CandidateIndex;
pub use normalize::{NormalizedName, Normalizer, phonetic_key};
pub use policy::{IndexRules, NormalizeRules, Penalties, ScreeningPolicy, Thresholds, Variant, Weights};

use crate::sanctions::{ListEntity, ListSource};

/// Normalise a name with the policy's tables.
pub fn normalize_name(raw: &str, policy: &ScreeningPolicy) -> NormalizedName {
    Normalizer::new(policy.normalize_rules()).normalize(raw)
}

/// A name to screen, with the optional facts that lower a mismatching entity's score.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameQuery {
    pub name: String,
    /// ISO 3166-1 alpha-2 country (nationality or residence).
    pub country: Option<String>,
    pub birth_year: Option<u16>,
}

impl NameQuery {
    pub fn name(name: impl Into<String>) -> Self {
        Self { name: name.into(), country: None, birth_year: None }
    }
}

/// One listed entity a query name matched, with the explanation of its score.
#[derive(Debug, Clone, PartialEq)]
pub struct NameMatch {
    pub entity_id: String,
    /// The entity's primary name.
    pub name: String,
    /// The name or alias that matched best.
    pub matched_name: String,
    /// In [0, 1]: the feature contributions' sum minus the penalties.
    pub score: f64,
    /// Each feature and its contribution to the score (before penalties).
    pub features: Vec<(String, f64)>,
    /// Each penalty applied and the amount subtracted.
    pub penalties: Vec<(String, f64)>,
    pub list: ListSource,
    pub programs: Vec<String>,
}

#[derive(Debug, Clone)]
struct EntityInfo {
    entity_id: String,
    name: String,
    source: ListSource,
    programs: Vec<String>,
    countries: Vec<String>,
    birth_years: Vec<u16>,
}

#[derive(Debug, Clone)]
struct NameRecord {
    entity: u32,
    raw: String,
    norm: NormalizedName,
}

/// The screening index over one list version: names with their candidate index, and addresses.
#[derive(Debug, Clone)]
pub struct Screener {
    normalizer: Normalizer,
    entities: Vec<EntityInfo>,
    names: Vec<NameRecord>,
    index: CandidateIndex,
    addresses: AddressIndex,
}

impl Screener {
    /// Build the indexes; names are normalised with `policy`'s tables (a query is normalised with
    /// the same tables, whatever policy it is scored with later).
    pub fn build(entities: &[ListEntity], policy: &ScreeningPolicy) -> Screener {
        let normalizer = Normalizer::new(policy.normalize_rules());
        let mut infos = Vec::with_capacity(entities.len());
        let mut names = Vec::new();
        for entity in entities {
            let Ok(entity_idx) = u32::try_from(infos.len()) else { break };
            infos.push(EntityInfo {
                entity_id: entity.entity_id.clone(),
                name: entity.name.clone(),
                source: entity.source,
                programs: entity.programs.clone(),
                countries: entity.countries.clone(),
                birth_years: score::birth_years(&entity.birth_dates),
            });
            let mut seen: Vec<String> = Vec::new();
            for raw in std::iter::once(&entity.name).chain(&entity.aliases) {
                let norm = normalizer.normalize(raw);
                if norm.is_empty() || seen.contains(&norm.literal) {
                    continue;
                }
                seen.push(norm.literal.clone());
                names.push(NameRecord { entity: entity_idx, raw: raw.clone(), norm });
            }
        }
        let index = CandidateIndex::build(names.iter().map(|n| &n.norm), policy.index().prefix_len);
        Screener { normalizer, entities: infos, names, index, addresses: AddressIndex::build(entities) }
    }

    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    /// Listed names (primary names and aliases) indexed.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    pub fn addresses(&self) -> &AddressIndex {
        &self.addresses
    }

    /// The listed entry of an address, if any.
    pub fn screen_address(&self, raw: &str) -> Option<&AddressHit> {
        self.addresses.lookup(raw)
    }

    pub fn normalize(&self, raw: &str) -> NormalizedName {
        self.normalizer.normalize(raw)
    }

    /// The index keys of a name (for explanations and tests).
    pub fn keys_of(&self, raw: &str) -> Vec<u64> {
        index::name_keys(&self.normalizer.normalize(raw), self.index.prefix_len())
    }

    /// The candidates a query name would be scored against, as `(entity_id, listed name)`.
    pub fn candidates(&self, raw: &str, policy: &ScreeningPolicy) -> Vec<(&str, &str)> {
        let rules = policy.index();
        let query = self.normalizer.normalize(raw);
        self.index
            .candidates(&query, rules.max_candidates, rules.max_posting_len)
            .into_iter()
            .filter_map(|id| self.names.get(id as usize))
            .filter_map(|n| self.entities.get(n.entity as usize).map(|e| (e.entity_id.as_str(), n.raw.as_str())))
            .collect()
    }

    /// Entities whose best name scores at least the policy's `match_threshold`, best first.
    pub fn screen_name(&self, query: &NameQuery, policy: &ScreeningPolicy) -> Vec<NameMatch> {
        let normalized = self.normalizer.normalize(&query.name);
        if normalized.is_empty() {
            return Vec::new();
        }
        let rules = policy.index();
        let weights = policy.weights();
        let threshold = policy.match_threshold();
        // Best (score, name id) per entity among the candidates.
        let mut best: Vec<(u32, f64, u32)> = Vec::new();
        for id in self.index.candidates(&normalized, rules.max_candidates, rules.max_posting_len) {
            let Some(record) = self.names.get(id as usize) else { continue };
            let values = score::feature_values(&normalized, &record.norm, &weights);
            let (name_score, _) = score::contributions(&values, &weights);
            match best.iter_mut().find(|b| b.0 == record.entity) {
                Some(entry) if entry.1 >= name_score => {}
                Some(entry) => *entry = (record.entity, name_score, id),
                None => best.push((record.entity, name_score, id)),
            }
        }
        let mut out = Vec::new();
        for (entity_idx, name_score, id) in best {
            // Penalties can only lower a score: skip what cannot reach the threshold.
            if name_score < threshold {
                continue;
            }
            let (Some(entity), Some(record)) = (self.entities.get(entity_idx as usize), self.names.get(id as usize)) else { continue };
            let values = score::feature_values(&normalized, &record.norm, &weights);
            let (_, features) = score::contributions(&values, &weights);
            let penalties =
                score::penalties(query.country.as_deref(), &entity.countries, query.birth_year, &entity.birth_years, &policy.penalties());
            let total = (name_score - penalties.iter().map(|p| p.1).sum::<f64>()).clamp(0.0, 1.0);
            if total < threshold {
                continue;
            }
            out.push(NameMatch {
                entity_id: entity.entity_id.clone(),
                name: entity.name.clone(),
                matched_name: record.raw.clone(),
                score: total,
                features,
                penalties,
                list: entity.source,
                programs: entity.programs.clone(),
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entity_id.cmp(&b.entity_id)));
        out
    }
}
