//! The share of a full retrain one erasure costs, over many subjects of a large job, against SISA's
//! expectation (about 1/S for a subject confined to one shard, less with slices). Training is
//! cumulative (stage k trains on slices 0..=k), so the cost counts the stages trained again. The job is built
//! here by its own generator (independent of the tests' data): 3,200 records, a long-tailed number
//! of records per subject, a share of records without subjects and some naming two subjects, planned
//! by the real planner under the enforced dispatch policy; each subject's erasure cost is computed
//! exactly as the erasure request computes it.
//! Run: `cargo run --release -p attune-domain --example erasure_share`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use attune_domain::erasure::{AffectedShard, retrain_fraction};

use attune_domain::sisa::{DispatchPolicy, ShardRecord, plan};

/// A small deterministic generator (xorshift64*), so the job is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let total = 3_200usize;
    let subjects = 700u64;
    let mut records: Vec<ShardRecord> = Vec::with_capacity(total);
    for i in 0..total {
        // 30 % without a subject; the rest long-tailed over the subjects (a few subjects hold many).
        let roll = rng.below(100);
        let mut subj: Vec<String> = Vec::new();
        if roll >= 30 {
            let a = rng.below(subjects);
            let b = rng.below(subjects);
            subj.push(format!("subject-{}", a.min(b) * a.min(b) / subjects));
            if roll >= 92 {
                subj.push(format!("subject-{}", rng.below(subjects)));
            }
        }
        records.push(ShardRecord { record_id: format!("rec-{i}"), content_hash: format!("{:064x}", i), subjects: subj });
    }
    let v1 = DispatchPolicy::parse(include_str!("../policy/dispatch-v1.toml")).unwrap();
    for policy in [v1, DispatchPolicy::enforced().unwrap()] {
        println!("\n{} (slice order {:?})", policy.reference().version, policy.slice_order);
        measure(&policy, &records);
    }
}

fn measure(policy: &DispatchPolicy, records: &[ShardRecord]) {
    let total = records.len();
    let p = plan(policy, records);
    let all: Vec<Vec<u32>> = p.summaries.iter().map(|s| s.slice_sizes.clone()).collect();
    let placed: BTreeMap<&str, (u32, u32)> = p.assignments.iter().map(|a| (a.record_id.as_str(), (a.shard, a.slice))).collect();
    let mut by_subject: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in records {
        for s in &r.subjects {
            by_subject.entry(s.as_str()).or_default().push(r.record_id.as_str());
        }
    }
    let mut shares: Vec<f64> = Vec::new();
    let mut shards_touched: Vec<usize> = Vec::new();
    for ids in by_subject.values() {
        let mut first: BTreeMap<u32, u32> = BTreeMap::new();
        for id in ids {
            let (shard, slice) = placed[id];
            let e = first.entry(shard).or_insert(slice);
            *e = (*e).min(slice);
        }
        let affected: Vec<AffectedShard> = first
            .iter()
            .map(|(&shard, &from)| AffectedShard { slice_sizes: p.summaries[shard as usize].slice_sizes.clone(), from_slice: from })
            .collect();
        shards_touched.push(affected.len());
        shares.push(retrain_fraction(&affected, &all));
    }
    shares.sort_by(f64::total_cmp);
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    let at = |q: f64| shares[((shares.len() - 1) as f64 * q).round() as usize];
    let one_shard = shards_touched.iter().filter(|n| **n == 1).count();
    println!("job: {total} records, {} shards x {} slices, {} subjects", p.shards, p.slices, shares.len());
    println!("SISA expectation: 1/S = {:.2} % of a full retrain per erasure (less with slices)", 100.0 / f64::from(p.shards));
    println!(
        "measured share of a full retrain per subject: mean {:.2} %, median {:.2} %, p95 {:.2} %, max {:.2} %",
        mean * 100.0,
        at(0.5) * 100.0,
        at(0.95) * 100.0,
        at(1.0) * 100.0
    );
    println!(
        "subjects confined to one shard: {one_shard} of {} ({:.1} %); the rest share a record with another subject placed elsewhere",
        shares.len(),
        100.0 * one_shard as f64 / shares.len() as f64
    );
}
