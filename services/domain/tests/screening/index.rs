use std::collections::HashSet;

use attune_domain::sanctions::screening::Screener;

use crate::{list, policy, screener};

#[test]
fn candidates_always_share_a_key_with_the_query() {
    let s = screener();
    let p = policy();
    for q in ["Muhammad Yusuf", "Ivan Petrov", "Acme", "Tanaka Hiroshi", "Jose Garcia", "Wang Ming", "Mohammed Al-Tikriti"] {
        let keys: HashSet<u64> = s.keys_of(q).into_iter().collect();
        for (entity_id, name) in s.candidates(q, &p) {
            let shared = s.keys_of(name).iter().any(|k| keys.contains(k));
            assert!(shared, "{q:?} gave candidate {entity_id} {name:?} sharing no key");
        }
    }
}

#[test]
fn the_candidate_index_narrows_the_list() {
    let s = screener();
    let p = policy();
    let ids: Vec<&str> = s.candidates("Muhammad Yusuf", &p).into_iter().map(|c| c.0).collect();
    assert!(ids.contains(&"1001"));
    // Nothing in "Ivan Sergeyevich Petrov" or "Wang Xiaoming" shares a key with it.
    assert!(!ids.contains(&"1002"));
    assert!(!ids.contains(&"1006"));
    assert!(s.candidates("Hiroshi Tanaka", &p).is_empty());
    assert_eq!(s.entity_count(), list().len());
    let _ = Screener::build(&[], &p).candidates("anything", &p);
}
