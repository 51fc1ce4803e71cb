use attune_domain::dataset::domain_shares;

#[test]
fn shares_are_sorted_and_rounded() {
    let shares = domain_shares([("b.org".to_owned(), 1), ("a.org".to_owned(), 1), ("c.org".to_owned(), 4)]);
    let got: Vec<(&str, u64, f64)> = shares.iter().map(|s| (s.domain.as_str(), s.records, s.share)).collect();
    assert_eq!(got, [("c.org", 4, 0.6667), ("a.org", 1, 0.1667), ("b.org", 1, 0.1667)]);
}

#[test]
fn no_domains_no_shares() {
    assert!(domain_shares(Vec::new()).is_empty());
    let zero = domain_shares([("a.org".to_owned(), 0)]);
    assert_eq!(zero[0].share, 0.0);
}
