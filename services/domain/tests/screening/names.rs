use attune_domain::sanctions::screening::{NameQuery, ScreeningPolicy};

use crate::{policy, screen, screener, top};

fn matches(name: &str, entity_id: &str) -> f64 {
    let s = screener();
    let hit = screen(&s, name).into_iter().find(|m| m.entity_id == entity_id);
    hit.unwrap_or_else(|| panic!("{name:?} should match {entity_id}")).score
}

#[test]
fn cyrillic_script_matches_the_latin_listing() {
    assert!(matches("Мухаммад Юсуф", "1001") > 0.99);
}

#[test]
fn mohammed_variants_match() {
    for q in ["Mohammed Yusuf", "Mohamed Youssef", "Muhammed Yousef", "MOHAMMAD YUSUF"] {
        assert!(matches(q, "1001") > 0.99, "{q}");
    }
}

#[test]
fn word_order_does_not_matter() {
    let score = matches("Yusuf Muhammad", "1001");
    assert!(score >= 0.95, "{score}");
    assert!(matches("Petrov Ivan Sergeyevich", "1002") >= 0.95);
}

#[test]
fn diacritics_do_not_matter() {
    assert!(matches("Jose Luis Garcia Lopez", "1003") > 0.99);
    assert!(matches("Jurgen Muller", "1007") > 0.99);
}

#[test]
fn a_dropped_middle_name_still_matches() {
    let s = screener();
    let m = top(&s, "Ivan Petrov").unwrap();
    assert_eq!(m.entity_id, "1002");
    assert!(matches("José García López", "1003") > 0.85);
}

#[test]
fn typos_still_match() {
    assert!(matches("Ivan Sergeyevich Petorv", "1002") > 0.85);
    assert!(matches("Muhamad Yusef", "1001") > 0.95);
}

#[test]
fn legal_forms_do_not_matter() {
    let s = screener();
    let m = top(&s, "ACME TRADING").unwrap();
    assert_eq!(m.entity_id, "1004");
    assert!(m.score > 0.99);
    assert!(matches("Golden Crescent Shipping Limited", "1008") > 0.99);
}

#[test]
fn clean_names_do_not_match() {
    let s = screener();
    for q in ["Hiroshi Tanaka", "Priya Sharma", "Ivan Tanaka", "Muhammad Okafor", "Maple Brook Bakery Ltd", "Lars Andersson"] {
        assert!(screen(&s, q).is_empty(), "{q} matched {:?}", screen(&s, q));
    }
    assert!(screen(&s, "").is_empty());
    assert!(screen(&s, "LLC").is_empty());
}

#[test]
fn country_and_birth_year_mismatches_lower_the_score() {
    let s = screener();
    let p = policy();
    let plain = s.screen_name(&NameQuery::name("Muhammad Yusuf"), &p)[0].clone();
    assert!(plain.penalties.is_empty());

    let same = NameQuery { name: "Muhammad Yusuf".into(), country: Some("sy".into()), birth_year: Some(1971) };
    let same = s.screen_name(&same, &p)[0].clone();
    assert!(same.penalties.is_empty(), "{:?}", same.penalties);
    assert!((same.score - plain.score).abs() < 1e-9);

    let other_country = NameQuery { name: "Muhammad Yusuf".into(), country: Some("FR".into()), birth_year: None };
    let other_country = s.screen_name(&other_country, &p)[0].clone();
    assert!(other_country.score < plain.score);
    assert_eq!(other_country.penalties.iter().map(|p| p.0.as_str()).collect::<Vec<_>>(), vec!["country_mismatch"]);

    let both = NameQuery { name: "Muhammad Yusuf".into(), country: Some("FR".into()), birth_year: Some(1990) };
    let both = s.screen_name(&both, &p);
    // Both penalties push the exact name below the threshold.
    assert!(both.iter().all(|m| m.score < other_country.score));
    let relaxed =
        ScreeningPolicy::parse(&include_str!("../../policy/screening-v2.toml").replace("match_threshold = 0.84", "match_threshold = 0.5"))
            .unwrap();
    let both = s.screen_name(&NameQuery { name: "Muhammad Yusuf".into(), country: Some("FR".into()), birth_year: Some(1990) }, &relaxed);
    assert_eq!(both[0].penalties.len(), 2);
    assert!(both[0].score < other_country.score);
}

#[test]
fn a_screening_v1_match_explains_itself_with_the_logic_v1_features() {
    // Version 1 stays for replaying its decisions: same list, same query, its own features.
    let v1 = ScreeningPolicy::v1().unwrap();
    let s = attune_domain::sanctions::screening::Screener::build(&crate::list(), &v1);
    let top = |name: &str| s.screen_name(&NameQuery::name(name), &v1).into_iter().next();
    let m = top("Yusuf Mohammed").unwrap();
    assert_eq!(m.entity_id, "1001");
    assert_eq!(m.name, "Muhammad Yusuf");
    assert_eq!(m.matched_name, "Muhammad Yusuf");
    assert_eq!(m.programs, vec!["SDGT".to_owned()]);
    let names: Vec<&str> = m.features.iter().map(|f| f.0.as_str()).collect();
    for f in ["name_literal_match", "name_fingerprint", "token_jaro_winkler", "phonetic_match", "name_token_overlap"] {
        assert!(names.contains(&f), "{f} missing from {names:?}");
    }
    // The fingerprint (sorted tokens) matched, the literal order did not.
    let value = |name: &str| m.features.iter().find(|f| f.0 == name).unwrap().1;
    assert_eq!(value("name_literal_match"), 0.0);
    let sum: f64 = m.features.iter().map(|f| f.1).sum();
    assert!((sum - m.score).abs() < 1e-9, "contributions {sum} != score {}", m.score);
    assert!((0.0..=1.0).contains(&m.score));

    // The alias that matched is named.
    let m = top("Acme Trading Company").unwrap();
    assert_eq!(m.name, "Acme Trading LLC");
}

#[test]
fn every_match_explains_itself() {
    let s = screener();
    let m = top(&s, "Yusuf Mohammed").unwrap();
    assert_eq!(m.entity_id, "1001");
    assert_eq!(m.name, "Muhammad Yusuf");
    assert_eq!(m.programs, vec!["SDGT".to_owned()]);
    assert!(!m.features.is_empty());
    let sum = m.features.iter().map(|f| f.1).sum::<f64>() - m.penalties.iter().map(|p| p.1).sum::<f64>();
    assert!((sum - m.score).abs() < 1e-9, "features minus penalties {sum} != score {}", m.score);
    assert!((0.0..=1.0).contains(&m.score));
    let m = top(&s, "Acme Trading Company").unwrap();
    assert_eq!(m.entity_id, "1004");
}

#[test]
fn results_are_above_the_threshold_and_best_first() {
    let s = screener();
    let p = policy();
    let results = s.screen_name(&NameQuery::name("Hussein Abdul Rahman Baghdadi"), &p);
    assert_eq!(results[0].entity_id, "1009");
    assert!(results.iter().all(|m| m.score >= p.match_threshold()));
    assert!(results.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(p.opens_case(results[0].score));
}

#[test]
fn the_v1_policy_is_versioned_and_checked() {
    let p = ScreeningPolicy::v1().unwrap();
    assert_eq!(p.reference().version, "screening-v1");
    assert_eq!(p.reference().sha256.len(), 64);
    assert!(p.review_threshold() >= p.match_threshold());
    let text = include_str!("../../policy/screening-v1.toml");
    assert!(ScreeningPolicy::parse(&text.replace("phonetic_match = 0.20", "phonetic_match = 0.50")).is_err());
    assert!(ScreeningPolicy::parse(&text.replace("review_threshold = 0.84", "review_threshold = 0.5")).is_err());
}
