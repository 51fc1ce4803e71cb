//! Is the person an onramp says paid the person the organisation identified through KYC? Names are
//! normalised with the screening policy's tables (case, diacritics, transliteration, legal forms,
//! token order), then compared as token sets: equal, or one the other's subset with at least two
//! tokens in common (a middle name one side omits). Anything else is a mismatch for a human to see.

use crate::sanctions::screening::{ScreeningPolicy, normalize_name};

pub fn same_person(policy: &ScreeningPolicy, a: &str, b: &str) -> bool {
    let a = normalize_name(a, policy);
    let b = normalize_name(b, policy);
    if a.sorted.is_empty() || b.sorted.is_empty() {
        return false;
    }
    if a.fingerprint == b.fingerprint {
        return true;
    }
    let (short, long) = if a.sorted.len() <= b.sorted.len() { (&a.sorted, &b.sorted) } else { (&b.sorted, &a.sorted) };
    short.len() >= 2 && short.iter().all(|t| long.contains(t))
}

/// The onramp identity fact: `None` for a payment that came through no onramp; otherwise true when
/// the onramp named nobody or a name that matches none of the organisation's KYC'd names.
pub fn onramp_identity_mismatch(policy: &ScreeningPolicy, onramp_payer: Option<Option<&str>>, kyc_names: &[String]) -> bool {
    match onramp_payer {
        None => false,
        Some(None) => true,
        Some(Some(payer)) => !kyc_names.iter().any(|k| same_person(policy, payer, k)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_in_another_order_or_script_is_the_same_person() {
        let p = ScreeningPolicy::v1().unwrap();
        assert!(same_person(&p, "Ana María García", "GARCIA, Ana Maria"));
        assert!(same_person(&p, "Jean-Luc Picard", "Jean Luc Picard"));
        assert!(same_person(&p, "Mary Ann Smith", "Mary Smith"), "a middle name one side leaves out");
        assert!(!same_person(&p, "Mary Smith", "Mallory Smith"));
        assert!(!same_person(&p, "Smith", "John Smith"), "one shared token is not an identity");
        assert!(!same_person(&p, "", "John Smith"));
    }

    #[test]
    fn the_fact_is_computed_from_the_onramp_payer_and_the_kyc_names() {
        let p = ScreeningPolicy::v1().unwrap();
        let kyc = vec!["Ada Lovelace".to_string()];
        assert!(!onramp_identity_mismatch(&p, None, &kyc), "a wallet payment has no onramp identity");
        assert!(!onramp_identity_mismatch(&p, Some(Some("ADA LOVELACE")), &kyc));
        assert!(onramp_identity_mismatch(&p, Some(Some("Charles Babbage")), &kyc));
        assert!(onramp_identity_mismatch(&p, Some(None), &kyc), "an onramp that names nobody is a mismatch");
        assert!(onramp_identity_mismatch(&p, Some(Some("Ada Lovelace")), &[]), "nobody was identified");
    }
}
