//! The name-parts scorer (screening-v3 in force): optional parts, conflicts, company words, typos scaled to
//! length, legal forms in every spelling, and the costs named in each match.

use attune_domain::sanctions::screening::{Algorithm, NameQuery, Screener, ScreeningPolicy};
use attune_domain::sanctions::{EntityKind, ListEntity};

use crate::{entity, person, policy};

fn list() -> Vec<ListEntity> {
    vec![
        person("2001", "Samir Jamal Harbi"),
        {
            let mut e = person("2002", "Samir Jamal Harbi Al-Qahtani");
            e.entity_id = "2002".into();
            e.aliases = vec!["Samir Qahtani".into()];
            e
        },
        person("2003", "Oleg Viktorovich Sokolov"),
        person("2004", "Ayse Zeynep Odabasi"),
        person("2005", "Fang Chengwen"),
        person("2006", "Jin Hao Park"),
        entity("2010", EntityKind::Organization, "Golden Falcon Shipping Trading LLC", &[]),
        entity("2011", EntityKind::Organization, "Baltica Holding Joint Stock Company", &[]),
        entity("2012", EntityKind::Organization, "Sigma Technologies O.O.O.", &[]),
        entity("2013", EntityKind::Vessel, "Northern Star", &[]),
    ]
}

fn screen(s: &Screener, name: &str) -> Vec<attune_domain::sanctions::screening::NameMatch> {
    s.screen_name(&NameQuery::name(name), &policy())
}

fn found(s: &Screener, name: &str, id: &str) -> bool {
    screen(s, name).iter().any(|m| m.entity_id == id)
}

#[test]
fn the_policy_in_force_is_the_name_parts_scorer_and_v1_stays_for_replay() {
    let p = policy();
    assert_eq!(p.reference().version, "screening-v3");
    assert_eq!(p.algorithm(), Algorithm::NameParts);
    let v1 = ScreeningPolicy::by_version("screening-v1").unwrap();
    assert_eq!(v1.algorithm(), Algorithm::LogicV1);
    assert_eq!(ScreeningPolicy::by_version("screening-v3").unwrap().reference(), p.reference());
    assert_eq!(ScreeningPolicy::by_version("screening-v2").unwrap().algorithm(), Algorithm::NameParts);
    assert!(ScreeningPolicy::by_version("screening-v9").is_none());
    // A name-parts policy without its rules, or with out-of-range costs, is refused.
    let text = include_str!("../../policy/screening-v3.toml");
    assert!(ScreeningPolicy::parse(&text.replace("[parts.person]", "[parts.persons]")).is_err());
    assert!(ScreeningPolicy::parse(&text.replace("conflicting_part = 0.3", "conflicting_part = 1.5")).is_err());
    assert!(ScreeningPolicy::parse(&text.replace("{ min_len = 9, edits = 2 }", "{ min_len = 2, edits = 2 }")).is_err());
}

#[test]
fn a_part_one_side_omits_is_optional() {
    let s = Screener::build(&list(), &policy());
    assert!(found(&s, "Samir Harbi", "2001"));
    assert!(found(&s, "Oleg Sokolov", "2003"));
    assert!(found(&s, "Ayse Odabasi", "2004"));
    // The query may give a part the list omits.
    assert!(found(&s, "Oleg Viktorovich Sokolov", "2003"));
}

#[test]
fn a_part_on_each_side_that_matches_nothing_is_a_conflict() {
    let s = Screener::build(&list(), &policy());
    // Another middle name: the same given name and surname, a different person.
    let hits = screen(&s, "Samir Tamer Harbi");
    assert!(hits.iter().all(|m| m.entity_id != "2001"), "{hits:?}");
    let m = s.explain(&NameQuery::name("Samir Tamer Harbi"), "2001", &policy()).unwrap();
    assert!(m.penalties.iter().any(|p| p.0 == "conflicting_name_parts"), "{:?}", m.penalties);
    // A part added to a short alias that contradicts the full name is a conflict too.
    assert!(found(&s, "Samir Qahtani", "2002"));
    let m = s.explain(&NameQuery::name("Samir Tamer Qahtani"), "2002", &policy()).unwrap();
    assert!(m.score < policy().match_threshold(), "{m:?}");
    // One matched part is not a person.
    assert!(!found(&s, "Samir", "2001"));
    assert!(!found(&s, "Sokolov", "2003"));
}

#[test]
fn typo_tolerance_grows_with_the_part_length() {
    let s = Screener::build(&list(), &policy());
    // One edit in a word of four letters or more; two from nine.
    assert!(found(&s, "Oleg Viktorovich Sokolv", "2003"));
    assert!(found(&s, "Oleg Viktorvoich Sokolov", "2003"));
    assert!(found(&s, "Oleg Viktrovic Sokolov", "2003"));
    // Three letters: a swap, or a vowel that keeps the sound; not another consonant.
    assert!(found(&s, "Jni Hao Park", "2006"));
    assert!(!found(&s, "Jis Hao Park", "2006"));
    // Another first letter of a short name is another name, not a typo.
    assert!(!found(&s, "Kamir Jamal Harbi", "2001"));
}

#[test]
fn parts_written_together_or_apart_match() {
    let s = Screener::build(&list(), &policy());
    assert!(found(&s, "Fang Cheng Wen", "2005"));
    assert!(found(&s, "Fang Cheng-wen", "2005"));
}

#[test]
fn companies_match_on_their_distinctive_words() {
    let s = Screener::build(&list(), &policy());
    // A dropped generic word, a dropped brand word, legal forms in any spelling.
    assert!(found(&s, "Golden Falcon Trading", "2010"));
    assert!(found(&s, "Falcon Shipping Trading L.L.C.", "2010"));
    assert!(found(&s, "Golden Falcon Shipping & Trading Limited Liability Company", "2010"));
    assert!(found(&s, "Baltica Holding JSC", "2011"));
    assert!(found(&s, "Baltica Holding AO", "2011"));
    assert!(found(&s, "Sigma Technologies OOO", "2012"));
    assert!(found(&s, "Sigma Technologies LLC", "2012"));
    // A look-alike: the same trades, another brand.
    assert!(!found(&s, "Silver Eagle Shipping Trading LLC", "2010"));
    assert!(!found(&s, "Golden Crown Shipping Trading LLC", "2010"));
    // The brand with another trade is another business.
    assert!(!found(&s, "Baltica Bakery", "2011"));
    // Generic words alone are no match.
    assert!(!found(&s, "Shipping Trading LLC", "2010"));
    // A vessel is read like a company.
    assert!(found(&s, "Northern Star", "2013"));
}

#[test]
fn every_cost_is_named_and_the_arithmetic_holds() {
    let s = Screener::build(&list(), &policy());
    let m = s.explain(&NameQuery::name("Golden Falcon Trading"), "2010", &policy()).unwrap();
    assert_eq!(m.features.iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), vec!["name_parts_aligned"]);
    assert!(m.penalties.iter().any(|p| p.0 == "unmatched_generic_words"), "{:?}", m.penalties);
    let total = m.features.iter().map(|f| f.1).sum::<f64>() - m.penalties.iter().map(|p| p.1).sum::<f64>();
    assert!((total - m.score).abs() < 1e-9);
    let m = s.explain(&NameQuery::name("Samir Harbi"), "2001", &policy()).unwrap();
    assert!(m.penalties.iter().any(|p| p.0 == "missing_name_parts"), "{:?}", m.penalties);
    // A country mismatch is still a penalty beside the name costs.
    let q = NameQuery { name: "Samir Harbi".into(), country: Some("FR".into()), birth_year: None };
    let mut listed = list();
    listed[0].countries = vec!["SA".into()];
    let s = Screener::build(&listed, &policy());
    let m = s.explain(&q, "2001", &policy()).unwrap();
    assert!(m.penalties.iter().any(|p| p.0 == "country_mismatch"));
}
