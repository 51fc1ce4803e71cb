//! SISA sharding (DESIGN.md §5): a job's accepted records split into S shards of R slices each, so
//! that an erasure request retrains only the shard that held the subject's records, and only from
//! the first slice that held them.
//!
//! The plan is a pure function of the records (in upload order) and the dispatch policy:
//! - Every record of one data subject lands in one shard. Records are grouped by their *primary*
//!   subject (the first of `pii_subject_ids`); groups are placed largest first, each on the shard with
//!   the fewest personal-data records so far, ties broken by the group's stable hash — so personal data
//!   is spread evenly (a shard holds at most its fair share plus the largest group) and the same input
//!   always gives the same split.
//! - Records without subjects then fill the shards with the fewest records, in upload order, which
//!   balances sizes: the largest and smallest shard differ by at most
//!   `max(1, max personal-data count − min personal-data count)`.
//! - Within a shard, records keep upload order and are cut into R contiguous slices whose sizes differ
//!   by at most one.
//! - Each shard's record set has a Merkle root (RFC 6962 hashing: leaves `0x00 ‖ id ‖ 0x00 ‖ hash`,
//!   nodes `0x01 ‖ left ‖ right`) over its records in slice order.
//!
//! A record with several subjects is placed by its first; erasing one of its other subjects still
//! finds it through the stored record → (shard, slice) map.

pub mod certificate;
mod policy;
pub mod run;

pub use policy::{DispatchPolicy, SliceOrder};
pub use run::ShardRunStatus;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::compliance::PolicyRef;

/// One accepted record as the planner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardRecord {
    pub record_id: String,
    /// The record's content hash (lower-case hex) from the dataset manifest.
    pub content_hash: String,
    /// Its data subjects; the first is the primary one.
    pub subjects: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub record_id: String,
    pub shard: u32,
    pub slice: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSummary {
    pub index: u32,
    pub records: u32,
    pub personal_records: u32,
    /// Lower-case hex Merkle root of the shard's records in slice order.
    pub merkle_root: String,
    /// Records per slice.
    pub slice_sizes: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardPlan {
    pub shards: u32,
    pub slices: u32,
    /// In upload order.
    pub assignments: Vec<Assignment>,
    pub summaries: Vec<ShardSummary>,
    pub policy: PolicyRef,
}

/// S for `records` records: `ceil(records / records_per_shard)` within the policy's bounds, never more
/// shards than records (and at least one).
pub fn shard_count(policy: &DispatchPolicy, records: usize) -> u32 {
    let records = u32::try_from(records).unwrap_or(u32::MAX);
    let wanted = records.div_ceil(policy.records_per_shard).clamp(policy.min_shards, policy.max_shards);
    wanted.min(records).max(1)
}

/// R for a plan whose smallest shard has `smallest` records: the policy's slices, fewer when a slice
/// would hold fewer than `min_records_per_slice` records (at least one).
pub fn slice_count(policy: &DispatchPolicy, smallest: u32) -> u32 {
    policy.slices_per_shard.min(smallest / policy.min_records_per_slice).max(1)
}

fn stable_hash(subject: &str) -> u64 {
    let digest = Sha256::digest([b"attune-sisa-v1\0".as_slice(), subject.as_bytes()].concat());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Splits `records` (upload order) into shards and slices. An empty input gives an empty plan.
pub fn plan(policy: &DispatchPolicy, records: &[ShardRecord]) -> ShardPlan {
    let s = shard_count(policy, records.len());
    let shards = usize::try_from(s).unwrap_or(1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); shards];
    let mut personal = vec![0usize; shards];

    // Group personal records by primary subject (first appearance order), largest group first.
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let Some(primary) = r.subjects.iter().map(|s| s.trim()).find(|s| !s.is_empty()) else { continue };
        match groups.iter_mut().find(|(subject, _)| subject == primary) {
            Some((_, idx)) => idx.push(i),
            None => groups.push((primary.to_owned(), vec![i])),
        }
    }
    groups.sort_by(|(a, ia), (b, ib)| ib.len().cmp(&ia.len()).then(stable_hash(a).cmp(&stable_hash(b))).then(a.cmp(b)));
    for (subject, idx) in &groups {
        let preferred = usize::try_from(stable_hash(subject) % u64::from(s)).unwrap_or(0);
        let target = (0..shards).min_by_key(|&k| (personal[k], members[k].len(), (k + shards - preferred) % shards)).unwrap_or(0);
        personal[target] += idx.len();
        members[target].extend(idx.iter().copied());
    }
    // Records without subjects balance the sizes.
    for (i, r) in records.iter().enumerate() {
        if r.subjects.iter().any(|s| !s.trim().is_empty()) {
            continue;
        }
        let target = (0..shards).min_by_key(|&k| (members[k].len(), k)).unwrap_or(0);
        members[target].push(i);
    }
    // Within a shard: upload order, or (personal_last) the records without subjects first and then each
    // subject's records together, so an erasure's first affected slice is as late as it can be.
    let rank: std::collections::HashMap<usize, usize> =
        groups.iter().enumerate().flat_map(|(g, (_, idx))| idx.iter().map(move |&i| (i, g + 1))).collect();
    for m in &mut members {
        match policy.slice_order {
            SliceOrder::Upload => m.sort_unstable(),
            SliceOrder::PersonalLast => m.sort_unstable_by_key(|i| (rank.get(i).copied().unwrap_or(0), *i)),
        }
    }

    let smallest = members.iter().map(Vec::len).min().unwrap_or(0);
    let r = slice_count(policy, u32::try_from(smallest).unwrap_or(u32::MAX));
    let mut slot = vec![(0u32, 0u32); records.len()];
    let mut summaries = Vec::with_capacity(shards);
    for (k, m) in members.iter().enumerate() {
        let sizes = slice_sizes(m.len(), r);
        let mut position = 0usize;
        for (slice, size) in sizes.iter().enumerate() {
            for &i in &m[position..position + *size as usize] {
                slot[i] = (k as u32, slice as u32);
            }
            position += *size as usize;
        }
        let leaves: Vec<[u8; 32]> = m.iter().map(|&i| leaf_hash(&records[i].record_id, &records[i].content_hash)).collect();
        summaries.push(ShardSummary {
            index: k as u32,
            records: m.len() as u32,
            personal_records: personal[k] as u32,
            merkle_root: hex::encode(merkle_root(&leaves)),
            slice_sizes: sizes,
        });
    }
    let assignments = records
        .iter()
        .zip(&slot)
        .map(|(rec, (shard, slice))| Assignment { record_id: rec.record_id.clone(), shard: *shard, slice: *slice })
        .collect();
    ShardPlan { shards: s, slices: r, assignments, summaries, policy: policy.reference().clone() }
}

/// `n` records in `r` contiguous slices whose sizes differ by at most one (the first ones larger).
fn slice_sizes(n: usize, r: u32) -> Vec<u32> {
    let r = r.max(1) as usize;
    (0..r).map(|k| (n / r + usize::from(k < n % r)) as u32).collect()
}

/// RFC 6962 leaf hash of one record.
pub fn leaf_hash(record_id: &str, content_hash: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(record_id.as_bytes());
    h.update([0u8]);
    h.update(content_hash.as_bytes());
    h.finalize().into()
}

/// RFC 6962 Merkle tree hash over leaf hashes (the empty tree hashes the empty string).
pub fn merkle_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let split = n.next_power_of_two() / 2;
            let (left, right) = leaves.split_at(split);
            let mut h = Sha256::new();
            h.update([1u8]);
            h.update(merkle_root(left));
            h.update(merkle_root(right));
            h.finalize().into()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(id: usize, subject: Option<u8>) -> ShardRecord {
        ShardRecord {
            record_id: format!("r{id}"),
            content_hash: format!("{:064x}", id),
            subjects: subject.map(|s| vec![format!("subject-{s}")]).unwrap_or_default(),
        }
    }

    fn records() -> impl Strategy<Value = Vec<ShardRecord>> {
        prop::collection::vec(prop::option::weighted(0.4, 0u8..40), 1..900)
            .prop_map(|subjects| subjects.into_iter().enumerate().map(|(i, s)| record(i, s)).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn one_subject_lands_in_one_shard(recs in records()) {
            let p = plan(&DispatchPolicy::enforced().unwrap(), &recs);
            let mut seen = std::collections::HashMap::new();
            for (r, a) in recs.iter().zip(&p.assignments) {
                if let Some(s) = r.subjects.first() {
                    let shard = *seen.entry(s.clone()).or_insert(a.shard);
                    prop_assert_eq!(shard, a.shard, "subject {} split across shards", s);
                }
            }
        }

        #[test]
        fn sizes_stay_within_the_stated_bound_and_personal_data_is_spread(recs in records()) {
            let policy = DispatchPolicy::enforced().unwrap();
            let p = plan(&policy, &recs);
            prop_assert_eq!(p.shards, shard_count(&policy, recs.len()));
            let sizes: Vec<u32> = p.summaries.iter().map(|s| s.records).collect();
            let pii: Vec<u32> = p.summaries.iter().map(|s| s.personal_records).collect();
            let spread = |v: &[u32]| v.iter().max().unwrap() - v.iter().min().unwrap();
            prop_assert!(spread(&sizes) <= spread(&pii).max(1), "sizes {:?} personal {:?}", sizes, pii);
            // Largest-first placement: no shard holds more than its fair share plus the largest group.
            let mut groups = std::collections::HashMap::<&str, u32>::new();
            for r in &recs {
                if let Some(s) = r.subjects.first() { *groups.entry(s).or_default() += 1; }
            }
            let largest = groups.values().copied().max().unwrap_or(0);
            let total: u32 = pii.iter().sum();
            prop_assert!(*pii.iter().max().unwrap() <= total.div_ceil(p.shards) + largest, "personal {:?}", pii);
            prop_assert_eq!(sizes.iter().sum::<u32>() as usize, recs.len());
        }

        #[test]
        fn the_same_input_always_gives_the_same_split(recs in records()) {
            let policy = DispatchPolicy::enforced().unwrap();
            prop_assert_eq!(plan(&policy, &recs), plan(&policy, &recs));
        }

        #[test]
        fn slices_are_contiguous_in_upload_order_and_even_under_v1(recs in records()) {
            let v1 = DispatchPolicy::parse(include_str!("../../policy/dispatch-v1.toml")).unwrap();
            let p = plan(&v1, &recs);
            for s in &p.summaries {
                let in_shard: Vec<u32> = p.assignments.iter().filter(|a| a.shard == s.index).map(|a| a.slice).collect();
                prop_assert!(in_shard.windows(2).all(|w| w[0] <= w[1]), "slices follow upload order");
                prop_assert!(s.slice_sizes.iter().max().unwrap() - s.slice_sizes.iter().min().unwrap() <= 1);
                prop_assert_eq!(s.slice_sizes.len() as u32, p.slices);
            }
        }

        /// dispatch-v2: records without subjects fill the first slices, and each subject's records sit
        /// together, so an erasure's first affected slice is as late as it can be.
        #[test]
        fn personal_records_come_last_and_each_subject_together(recs in records()) {
            let p = plan(&DispatchPolicy::enforced().unwrap(), &recs);
            for s in &p.summaries {
                let of_shard: Vec<(&ShardRecord, u32)> =
                    recs.iter().zip(&p.assignments).filter(|(_, a)| a.shard == s.index).map(|(r, a)| (r, a.slice)).collect();
                let last_plain = of_shard.iter().filter(|(r, _)| r.subjects.is_empty()).map(|(_, sl)| *sl).max();
                let first_personal = of_shard.iter().filter(|(r, _)| !r.subjects.is_empty()).map(|(_, sl)| *sl).min();
                if let (Some(plain), Some(personal)) = (last_plain, first_personal) {
                    prop_assert!(plain <= personal, "a record without subjects after a personal one");
                }
                let smallest = u64::from(*s.slice_sizes.iter().min().unwrap()).max(1);
                let mut spans = std::collections::HashMap::<&str, (u32, u32, u64)>::new();
                for (r, sl) in &of_shard {
                    if let Some(subject) = r.subjects.first() {
                        let e = spans.entry(subject.as_str()).or_insert((*sl, *sl, 0));
                        *e = (e.0.min(*sl), e.1.max(*sl), e.2 + 1);
                    }
                }
                for (subject, (lo, hi, n)) in spans {
                    prop_assert!(u64::from(hi - lo) <= n.div_ceil(smallest), "subject {} spread over slices {}..{}", subject, lo, hi);
                }
                prop_assert!(s.slice_sizes.iter().max().unwrap() - s.slice_sizes.iter().min().unwrap() <= 1);
            }
        }
    }

    #[test]
    fn shard_and_slice_counts_follow_the_policy() {
        let p = DispatchPolicy::enforced().unwrap();
        assert_eq!(shard_count(&p, 0), 1);
        assert_eq!(shard_count(&p, 3), 1);
        assert_eq!(shard_count(&p, 401), 3);
        assert_eq!(shard_count(&p, 1_000_000), 16);
        assert_eq!(slice_count(&p, 1), 1);
        assert_eq!(slice_count(&p, 12), 2);
        assert_eq!(slice_count(&p, 200), 4);
    }

    #[test]
    fn merkle_roots_follow_rfc_6962_and_change_with_any_record() {
        let a = leaf_hash("a", "00");
        let b = leaf_hash("b", "11");
        let c = leaf_hash("c", "22");
        let node = |l: [u8; 32], r: [u8; 32]| -> [u8; 32] { Sha256::digest([[1u8].as_slice(), &l, &r].concat()).into() };
        assert_eq!(merkle_root(&[a]), a);
        assert_eq!(merkle_root(&[a, b, c]), node(node(a, b), c));
        let recs: Vec<ShardRecord> = (0..10).map(|i| record(i, None)).collect();
        let policy = DispatchPolicy::enforced().unwrap();
        let before = plan(&policy, &recs);
        let mut changed = recs.clone();
        changed[3].content_hash = "ff".repeat(32);
        assert_ne!(plan(&policy, &changed).summaries[0].merkle_root, before.summaries[0].merkle_root);
    }

    #[test]
    fn a_subject_s_records_stay_together_with_their_slices_in_upload_order() {
        let recs: Vec<ShardRecord> = (0..500).map(|i| record(i, (i % 5 == 0).then_some((i % 7) as u8))).collect();
        let p = plan(&DispatchPolicy::enforced().unwrap(), &recs);
        assert_eq!(p.shards, 3);
        assert_eq!(p.slices, 4);
        assert_eq!(p.assignments.len(), 500);
        assert_eq!(p.assignments[10].record_id, "r10");
    }
}
