//! What a list match means beyond the name: the risk its topics carry (a sanctions listing holds;
//! a politically exposed person or a crime listing asks for enhanced due diligence and review), and
//! OFAC's 50 % rule — an entity owned 50 % or more, directly or indirectly, alone or together, by
//! sanctioned parties is itself sanctioned, with the ownership path that makes it so.
//!
//! The topic classes and the ownership threshold are policy data (`[topics]`, `[ownership]` of the
//! screening policy).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::ListEntity;

/// The risk a match carries, from the listed entity's topics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRisk {
    /// Sanctioned (listed, or owned 50 % or more by sanctioned parties): the subject is held.
    Sanctions,
    /// A politically exposed person or a close associate: enhanced due diligence and review.
    Pep,
    /// A crime, wanted or enforcement listing: enhanced due diligence and review.
    Crime,
}

impl MatchRisk {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sanctions => "sanctions",
            Self::Pep => "pep",
            Self::Crime => "crime",
        }
    }

    /// Whether a match of this risk holds its subject (rather than flagging it for enhanced due
    /// diligence).
    pub fn holds(self) -> bool {
        self == Self::Sanctions
    }
}

/// The topic classes (`[topics]`): the first class any of an entity's topics falls in, in the order
/// sanctions, PEP, crime.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicRules {
    pub sanctions: Vec<String>,
    pub pep: Vec<String>,
    pub crime: Vec<String>,
}

impl TopicRules {
    /// The risk of an entity with these topics: `None` topics (an import that did not say) are read
    /// as sanctioned; topics in no class (a company present only as an owner or an asset) give none.
    pub fn classify(&self, topics: Option<&[String]>) -> Option<MatchRisk> {
        let Some(topics) = topics else { return Some(MatchRisk::Sanctions) };
        let has = |class: &[String]| topics.iter().any(|t| class.iter().any(|c| c.eq_ignore_ascii_case(t)));
        if has(&self.sanctions) {
            Some(MatchRisk::Sanctions)
        } else if has(&self.pep) {
            Some(MatchRisk::Pep)
        } else if has(&self.crime) {
            Some(MatchRisk::Crime)
        } else {
            None
        }
    }
}

/// The 50 % rule (`[ownership]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnershipRules {
    /// Owned this much or more (percent, summed over sanctioned owners) makes an entity sanctioned.
    pub threshold_percent: u32,
    /// Relations a list records without a share that assert ownership or control of the whole.
    pub controlling_relations: Vec<String>,
}

/// One link of the path that makes an entity sanctioned by ownership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipStep {
    pub owned_id: String,
    pub owner_id: String,
    pub owner_name: String,
    /// Basis points (5,000 = 50 %); `None` when the list asserts control without a share.
    pub share_bp: Option<u32>,
    pub relation: String,
}

const WHOLE_BP: u32 = 10_000;

/// For every entity not `sanctioned` already: the ownership path when sanctioned owners together
/// hold at least the threshold, directly or through entities this rule makes sanctioned (repeated
/// to a fixed point, so chains and cycles are handled); `None` otherwise. `sanctioned[i]` says
/// whether `entities[i]` is sanctioned by its own listing.
pub fn sanctioned_by_ownership(entities: &[ListEntity], sanctioned: &[bool], rules: &OwnershipRules) -> Vec<Option<Vec<OwnershipStep>>> {
    let index: HashMap<&str, usize> = entities.iter().enumerate().map(|(i, e)| (e.entity_id.as_str(), i)).collect();
    let mut is_sanctioned: Vec<bool> = (0..entities.len()).map(|i| sanctioned.get(i).copied().unwrap_or(false)).collect();
    let mut paths: Vec<Option<Vec<OwnershipStep>>> = vec![None; entities.len()];
    let threshold_bp = rules.threshold_percent.saturating_mul(100);
    let share_of = |relation: &str, share: Option<u32>| match share {
        Some(bp) => bp.min(WHOLE_BP),
        None if rules.controlling_relations.iter().any(|r| r.eq_ignore_ascii_case(relation)) => WHOLE_BP,
        None => 0,
    };
    loop {
        let mut changed = false;
        for (i, entity) in entities.iter().enumerate() {
            if is_sanctioned[i] || entity.owners.is_empty() {
                continue;
            }
            let owners: Vec<(usize, &super::Owner)> = entity
                .owners
                .iter()
                .filter_map(|o| index.get(o.owner_id.as_str()).map(|&j| (j, o)))
                .filter(|(j, o)| *j != i && is_sanctioned[*j] && share_of(&o.relation, o.share_bp) > 0)
                .collect();
            let total: u32 = owners.iter().map(|(_, o)| share_of(&o.relation, o.share_bp)).fold(0u32, u32::saturating_add);
            if total < threshold_bp || threshold_bp == 0 {
                continue;
            }
            let mut path = Vec::new();
            for (j, o) in owners {
                path.push(OwnershipStep {
                    owned_id: entity.entity_id.clone(),
                    owner_id: o.owner_id.clone(),
                    owner_name: entities[j].name.clone(),
                    share_bp: o.share_bp,
                    relation: o.relation.clone(),
                });
                // An owner sanctioned by this rule brings its own path.
                if let Some(upstream) = &paths[j] {
                    path.extend(upstream.iter().cloned());
                }
            }
            is_sanctioned[i] = true;
            paths[i] = Some(path);
            changed = true;
        }
        if !changed {
            return paths;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sanctions::{EntityKind, ListSource, Owner};

    fn entity(id: &str, owners: &[(&str, Option<u32>)]) -> ListEntity {
        let mut e = ListEntity::new(ListSource::OpenSanctions, id, EntityKind::Organization, format!("Name of {id}"));
        e.topics = Some(Vec::new());
        e.owners = owners.iter().map(|(o, bp)| Owner { owner_id: (*o).into(), share_bp: *bp, relation: "ownership".into() }).collect();
        e
    }

    fn rules() -> OwnershipRules {
        OwnershipRules { threshold_percent: 50, controlling_relations: vec!["Owned or Controlled By".into()] }
    }

    #[test]
    fn owners_together_at_the_threshold_make_an_entity_sanctioned_with_its_path() {
        let list = vec![
            entity("p1", &[]),
            entity("p2", &[]),
            entity("clean", &[]),
            // 30 % + 20 % by two sanctioned persons: together 50 %.
            entity("co", &[("p1", Some(3_000)), ("p2", Some(2_000)), ("clean", Some(5_000))]),
            // 49.99 % is not enough.
            entity("co2", &[("p1", Some(4_999))]),
            // Indirectly: 60 % by `co`, which the rule makes sanctioned.
            entity("co3", &[("co", Some(6_000))]),
        ];
        let sanctioned = [true, true, false, false, false, false];
        let paths = sanctioned_by_ownership(&list, &sanctioned, &rules());
        let co = paths[3].as_ref().unwrap();
        assert_eq!(co.iter().map(|s| s.owner_id.as_str()).collect::<Vec<_>>(), ["p1", "p2"]);
        assert!(paths[4].is_none());
        let co3 = paths[5].as_ref().unwrap();
        assert_eq!(
            co3.iter().map(|s| (s.owned_id.as_str(), s.owner_id.as_str())).collect::<Vec<_>>(),
            [("co3", "co"), ("co", "p1"), ("co", "p2")]
        );
        assert!(paths[0].is_none() && paths[2].is_none());
    }

    #[test]
    fn control_without_a_share_counts_only_for_a_controlling_relation_and_cycles_end() {
        let mut controlled = entity("x", &[("p", None)]);
        controlled.owners[0].relation = "Owned or Controlled By".into();
        let associate = entity("y", &[("p", None)]);
        let list = vec![entity("p", &[]), controlled, associate, entity("a", &[("b", Some(6_000))]), entity("b", &[("a", Some(6_000))])];
        let paths = sanctioned_by_ownership(&list, &[true, false, false, false, false], &rules());
        assert!(paths[1].is_some());
        assert!(paths[2].is_none());
        assert!(paths[3].is_none() && paths[4].is_none());
    }

    #[test]
    fn topics_classify_in_order_and_unknown_topics_read_as_sanctioned() {
        let rules = TopicRules { sanctions: vec!["sanction".into()], pep: vec!["role.pep".into()], crime: vec!["crime".into()] };
        let t = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(rules.classify(None), Some(MatchRisk::Sanctions));
        assert_eq!(rules.classify(Some(&t(&["role.pep", "sanction"]))), Some(MatchRisk::Sanctions));
        assert_eq!(rules.classify(Some(&t(&["role.pep"]))), Some(MatchRisk::Pep));
        assert_eq!(rules.classify(Some(&t(&["crime"]))), Some(MatchRisk::Crime));
        assert_eq!(rules.classify(Some(&t(&["poi"]))), None);
        assert_eq!(rules.classify(Some(&[])), None);
    }
}
