use attune_domain::sanctions::EntityKind;
use attune_domain::sanctions::screening::{AddressIndex, normalize_address};

use crate::entity;

const CHECKSUMMED: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

fn index() -> AddressIndex {
    let mut wallet = entity("w1", EntityKind::Wallet, "Lazarus wallet", &[]);
    wallet.addresses = vec![("ETH".into(), CHECKSUMMED.into()), ("XBT".into(), " bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6 ".into())];
    let mut other = entity("w2", EntityKind::Person, "Someone", &[]);
    other.addresses = vec![("USDT".into(), "0x7f367cc41522ce07553e823bf3be79a889debe1b".into())];
    AddressIndex::build(&[wallet, other])
}

#[test]
fn an_eip55_address_is_found_by_its_lower_case_form() {
    let idx = index();
    let hit = idx.lookup(&CHECKSUMMED.to_lowercase()).unwrap();
    assert_eq!(hit.entity_id, "w1");
    assert_eq!(hit.currency, "ETH");
    assert_eq!(hit.listed_address, CHECKSUMMED);
    assert!(idx.lookup(CHECKSUMMED).is_some());
    assert!(idx.lookup(&format!("  0X{}  ", &CHECKSUMMED[2..].to_uppercase())).is_some());
}

#[test]
fn a_lower_case_listing_is_found_by_its_checksummed_form() {
    let idx = index();
    let hit = idx.lookup("0x7F367cC41522cE07553e823bf3be79A889DEbe1B").unwrap();
    assert_eq!(hit.entity_id, "w2");
    assert_eq!(hit.currency, "USDT");
}

#[test]
fn other_currencies_match_exactly_after_trimming() {
    let idx = index();
    assert_eq!(idx.lookup("bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6").unwrap().entity_id, "w1");
    assert!(idx.lookup("BC1QA5WKGAEW2DKV56KFVJ49J0AV5NML45X9EK9HZ6").is_none());
    assert!(idx.lookup("0x0000000000000000000000000000000000000000").is_none());
    assert!(idx.lookup("").is_none());
    assert_eq!(idx.len(), 3);
    assert_eq!(normalize_address(" 0xABCDEF0123456789abcdef0123456789ABCDEF01 "), "0xabcdef0123456789abcdef0123456789abcdef01");
    assert_eq!(normalize_address("0xnothex"), "0xnothex");
}
