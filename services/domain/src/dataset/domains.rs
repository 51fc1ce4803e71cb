//! Which domains a dataset's web records come from, and in what share.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DomainShare {
    pub domain: String,
    pub records: u64,
    /// `records / total`, rounded to 4 decimals.
    pub share: f64,
}

/// Shares of `(domain, records)` counts, most records first (ties by domain name).
pub fn domain_shares(counts: impl IntoIterator<Item = (String, u64)>) -> Vec<DomainShare> {
    let counts: Vec<(String, u64)> = counts.into_iter().collect();
    let total: u64 = counts.iter().map(|(_, n)| *n).sum();
    let mut shares: Vec<DomainShare> =
        counts.into_iter().map(|(domain, records)| DomainShare { domain, records, share: ratio(records, total) }).collect();
    shares.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.domain.cmp(&b.domain)));
    shares
}

/// `part / whole` rounded to 4 decimals; 0 when `whole` is 0.
pub(crate) fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    // u64 → f64 loses precision only beyond 2^53 records/tokens, far below any 4-decimal effect.
    ((part as f64 / whole as f64) * 10_000.0).round() / 10_000.0
}
