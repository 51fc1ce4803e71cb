//! Sanctions screening (DESIGN.md §4 "Screening and monitoring"): exact address matching and
//! explainable fuzzy name matching over a candidate index. Pure: the caller gives the list entities
//! and the policy; nothing here does I/O.
//!
//! Names are normalised ([`normalize_name`]), indexed by per-token keys ([`index::CandidateIndex`]),
//! and a query scores only the names that share a key with it, with the scorer the policy names:
//! [`parts`] (screening-v2 and v3, v3 in force) or [`score`] (logic-v1, kept for replay). Every match carries
//! its features with their contributions and its penalties, so a reviewer sees why it matched.

pub mod address;
pub mod index;
pub mod normalize;
pub mod parts;
pub mod policy;
pub mod score;

pub use address::{AddressHit, AddressIndex, normalize_address};
pub use index::CandidateIndex;
pub use normalize::{NormalizedName, Normalizer, Part, phonetic_key};
pub use parts::NameShape;
pub use policy::{Algorithm, IndexRules, NormalizeRules, PartsRules, Penalties, ScreeningPolicy, Thresholds, Variant, Weights};

use smallvec::SmallVec;

use crate::sanctions::{EntityKind, ListEntity, ListSource, MatchRisk, OwnershipStep};

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
    /// What the match means: sanctions hold; a PEP or crime listing asks for enhanced due diligence.
    pub risk: MatchRisk,
    /// The entity's topics as the list gives them (empty when it gave none).
    pub topics: Vec<String>,
    /// When the entity is sanctioned by ownership (the 50 % rule) rather than its own listing: the
    /// links from it to its sanctioned owners.
    pub ownership: Vec<OwnershipStep>,
}

#[derive(Debug, Clone)]
struct EntityInfo {
    entity_id: String,
    name: String,
    source: ListSource,
    shape: NameShape,
    /// The id of the entity's name with the most parts.
    fullest: u32,
    programs: Vec<String>,
    countries: Vec<String>,
    birth_years: Vec<u16>,
    risk: MatchRisk,
    topics: Vec<String>,
    ownership: Vec<OwnershipStep>,
}

/// A name's score before the entity's penalties, with its explanation.
struct NameScore {
    score: f64,
    features: SmallVec<[(&'static str, f64); 5]>,
    /// Name-level costs (the name-parts scorer's), reported as penalties.
    costs: SmallVec<[(&'static str, f64); 4]>,
}

/// Score a query against one listed name; `fullest` is the entity's name with the most parts.
fn score_name(
    query: &NormalizedName,
    listed: &NormalizedName,
    fullest: &NormalizedName,
    shape: NameShape,
    policy: &ScreeningPolicy,
) -> NameScore {
    match (policy.algorithm(), policy.weights(), policy.parts()) {
        (Algorithm::NameParts, _, Some(rules)) => {
            let mut s = parts::score(query, listed, shape, rules);
            // An alias is a short form of the person's full name: a part the query adds to the
            // alias but that contradicts the full name ("Samira Tamer Harbi" against the alias
            // "Samir Harbi" of "Samir Jamal Harbi") is a conflict, not an optional part.
            if shape == NameShape::Person && s.query_extra > 0 && fullest.parts.len() > listed.parts.len() {
                let full = parts::score(query, fullest, shape, rules);
                // Only the parts the query added can contradict the full name.
                let contradicting = full.conflicts.min(s.query_extra);
                if contradicting > 0 {
                    let cost = rules.person.conflicting_part * contradicting as f64;
                    s.costs.push((parts::CONFLICTING_FULL_NAME, cost));
                    s.score = (s.score - cost).max(0.0);
                }
            }
            NameScore { score: s.score, features: smallvec::smallvec![(parts::NAME_PARTS_ALIGNED, s.aligned)], costs: s.costs }
        }
        (Algorithm::LogicV1, Some(weights), _) => {
            let values = score::feature_values(query, listed, &weights);
            let (score, features) = score::contributions(&values, &weights);
            NameScore { score, features: SmallVec::from_slice(&features), costs: SmallVec::new() }
        }
        // A parsed policy always has its scorer's rules.
        _ => NameScore { score: 0.0, features: SmallVec::new(), costs: SmallVec::new() },
    }
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
    /// the same tables, whatever policy it is scored with later). Each entity's risk comes from its
    /// topics and the ownership rule; an entity with none (a company present only as an owner or an
    /// asset) is not screened by name.
    pub fn build(entities: &[ListEntity], policy: &ScreeningPolicy) -> Screener {
        let normalizer = Normalizer::new(policy.normalize_rules());
        let listed: Vec<Option<MatchRisk>> = entities.iter().map(|e| policy.classify_topics(e.topics.as_deref())).collect();
        let by_ownership = match policy.ownership() {
            Some(rules) => {
                let sanctioned: Vec<bool> = listed.iter().map(|r| *r == Some(MatchRisk::Sanctions)).collect();
                crate::sanctions::risk::sanctioned_by_ownership(entities, &sanctioned, rules)
            }
            None => vec![None; entities.len()],
        };
        let mut infos = Vec::with_capacity(entities.len());
        let mut names = Vec::new();
        // Listed addresses block payments: only a sanctioned entity's count.
        let mut sanctioned_entities: Vec<&ListEntity> = Vec::new();
        for ((entity, risk), ownership) in entities.iter().zip(listed).zip(by_ownership) {
            let risk = if ownership.is_some() { Some(MatchRisk::Sanctions) } else { risk };
            let Some(risk) = risk else { continue };
            if risk == MatchRisk::Sanctions {
                sanctioned_entities.push(entity);
            }
            let Ok(entity_idx) = u32::try_from(infos.len()) else { break };
            infos.push(EntityInfo {
                entity_id: entity.entity_id.clone(),
                name: entity.name.clone(),
                source: entity.source,
                shape: if entity.kind == EntityKind::Person { NameShape::Person } else { NameShape::Organization },
                fullest: u32::try_from(names.len()).unwrap_or(u32::MAX),
                programs: entity.programs.clone(),
                countries: entity.countries.clone(),
                birth_years: score::birth_years(&entity.birth_dates),
                risk,
                topics: entity.topics.clone().unwrap_or_default(),
                ownership: ownership.unwrap_or_default(),
            });
            let mut seen: Vec<String> = Vec::new();
            for raw in std::iter::once(&entity.name).chain(&entity.aliases) {
                let norm = normalizer.normalize(raw);
                if norm.is_empty() || seen.contains(&norm.literal) {
                    continue;
                }
                seen.push(norm.literal.clone());
                let id = u32::try_from(names.len()).unwrap_or(u32::MAX);
                if let Some(info) = infos.last_mut()
                    && names
                        .get(info.fullest as usize)
                        .is_none_or(|f: &NameRecord| f.entity != entity_idx || f.norm.parts.len() < norm.parts.len())
                {
                    info.fullest = id;
                }
                names.push(NameRecord { entity: entity_idx, raw: raw.clone(), norm });
            }
        }
        let index = CandidateIndex::build(names.iter().map(|n| &n.norm), policy.index());
        Screener { normalizer, entities: infos, names, index, addresses: AddressIndex::build(sanctioned_entities) }
    }

    /// The name with the most parts of a name's entity (the name itself if none has more).
    fn fullest<'a>(&'a self, record: &'a NameRecord) -> &'a NormalizedName {
        self.entities
            .get(record.entity as usize)
            .and_then(|e| self.names.get(e.fullest as usize))
            .filter(|f| f.entity == record.entity)
            .map_or(&record.norm, |f| &f.norm)
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
        index::name_keys(&self.normalizer.normalize(raw), self.index.rules())
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
        let threshold = policy.match_threshold();
        // Best (score, name id) per entity among the candidates.
        let mut best: Vec<(u32, f64, u32)> = Vec::new();
        for id in self.index.candidates(&normalized, rules.max_candidates, rules.max_posting_len) {
            let Some(record) = self.names.get(id as usize) else { continue };
            let Some(entity) = self.entities.get(record.entity as usize) else { continue };
            let name_score = score_name(&normalized, &record.norm, self.fullest(record), entity.shape, policy).score;
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
            if let Some(m) = self.explain_name(query, &normalized, entity_idx, id, policy)
                && m.score >= threshold
            {
                out.push(m);
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entity_id.cmp(&b.entity_id)));
        out
    }

    /// One entity's best name against the query, scored and explained whatever the score (for
    /// reviewers and evaluations: it bypasses the candidate index and the threshold).
    pub fn explain(&self, query: &NameQuery, entity_id: &str, policy: &ScreeningPolicy) -> Option<NameMatch> {
        let normalized = self.normalizer.normalize(&query.name);
        let entity_idx = u32::try_from(self.entities.iter().position(|e| e.entity_id == entity_id)?).ok()?;
        let shape = self.entities.get(entity_idx as usize)?.shape;
        let (mut best, mut best_id) = (f64::NEG_INFINITY, None);
        for (id, record) in self.names.iter().enumerate().filter(|(_, r)| r.entity == entity_idx) {
            let s = score_name(&normalized, &record.norm, self.fullest(record), shape, policy).score;
            if s > best {
                (best, best_id) = (s, u32::try_from(id).ok());
            }
        }
        self.explain_name(query, &normalized, entity_idx, best_id?, policy)
    }

    fn explain_name(
        &self,
        query: &NameQuery,
        normalized: &NormalizedName,
        entity_idx: u32,
        id: u32,
        policy: &ScreeningPolicy,
    ) -> Option<NameMatch> {
        let (entity, record) = (self.entities.get(entity_idx as usize)?, self.names.get(id as usize)?);
        let scored = score_name(normalized, &record.norm, self.fullest(record), entity.shape, policy);
        let mut penalties: Vec<(String, f64)> = scored.costs.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
        penalties.extend(score::penalties(
            query.country.as_deref(),
            &entity.countries,
            query.birth_year,
            &entity.birth_years,
            &policy.penalties(),
        ));
        let features_sum: f64 = scored.features.iter().map(|f| f.1).sum();
        let total = (features_sum - penalties.iter().map(|p| p.1).sum::<f64>()).clamp(0.0, 1.0);
        Some(NameMatch {
            entity_id: entity.entity_id.clone(),
            name: entity.name.clone(),
            matched_name: record.raw.clone(),
            score: total,
            features: scored.features.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect(),
            penalties,
            list: entity.source,
            programs: entity.programs.clone(),
            risk: entity.risk,
            topics: entity.topics.clone(),
            ownership: entity.ownership.clone(),
        })
    }
}
