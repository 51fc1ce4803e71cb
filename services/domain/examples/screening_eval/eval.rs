//! Runs a split's queries through the screener: recall and false positives by class and kind, the
//! failing examples with their diagnosis, and single-core speed.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use attune_domain::sanctions::ListEntity;
use attune_domain::sanctions::screening::{NameQuery, Screener, ScreeningPolicy};

use crate::list::List;
use crate::names::Culture;
use crate::queries::{Class, CleanKind, Query, Truth};

/// (hits, total)
pub type Count = (usize, usize);

#[derive(Debug, Default)]
pub struct Stats {
    pub split: &'static str,
    pub heldout: bool,
    pub seed: u64,
    pub threshold: f64,
    pub entities: usize,
    pub persons: usize,
    pub companies: usize,
    pub names_generated: usize,
    pub names_indexed: usize,
    pub build: Duration,
    /// Listed queries found.
    pub recall: Count,
    pub by_class: BTreeMap<Class, Count>,
    /// Clean queries with a match.
    pub fp: Count,
    pub by_kind: BTreeMap<CleanKind, Count>,
    /// Per culture: persons found of listed person queries, false positives of clean persons.
    pub culture_recall: BTreeMap<Culture, Count>,
    pub culture_fp: BTreeMap<Culture, Count>,
    /// Clean persons split by whether they share all but one name part with a listed person.
    pub fp_near_namesakes: Count,
    pub fp_other_persons: Count,
    /// Up to five explained examples per failing class / kind.
    pub misses: BTreeMap<Class, Vec<String>>,
    pub false_hits: BTreeMap<CleanKind, Vec<String>>,
    pub queries_per_second: f64,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Listed wallet addresses and the mean time of one address lookup (half hits in another case
    /// than listed, half misses).
    pub addresses: usize,
    pub address_ns: f64,
    pub timed_queries: usize,
}

/// Failing examples kept per class or kind (`SCREENING_EVAL_EXAMPLES`, default 5).
pub fn examples_per_class() -> usize {
    std::env::var("SCREENING_EVAL_EXAMPLES").ok().and_then(|v| v.parse().ok()).unwrap_or(5)
}

fn bump(map_entry: &mut Count, hit: bool) {
    map_entry.0 += usize::from(hit);
    map_entry.1 += 1;
}

/// The expected entity's own score for the query (best name, after penalties), bypassing the
/// candidate index; the name that scored it and the penalties (name-level costs and facts).
fn expected_score(screener: &Screener, policy: &ScreeningPolicy, query: &NameQuery, entity: &ListEntity) -> (f64, String, String) {
    match screener.explain(query, &entity.entity_id, policy) {
        Some(m) => {
            let penalties = m.penalties.iter().map(|(n, v)| format!("{n} {v:.2}")).collect::<Vec<_>>().join(", ");
            (m.score, m.matched_name, penalties)
        }
        None => (0.0, entity.name.clone(), String::new()),
    }
}

fn facts(query: &NameQuery) -> String {
    match (&query.country, query.birth_year) {
        (Some(c), Some(y)) => format!(" [{c}, {y}]"),
        (Some(c), None) => format!(" [{c}]"),
        (None, Some(y)) => format!(" [{y}]"),
        (None, None) => String::new(),
    }
}

pub fn evaluate(split: &'static str, heldout: bool, seed: u64, list: &List, queries: &[Query], policy: &ScreeningPolicy) -> Stats {
    // Wallet addresses on every third entity, from a generator of their own (the names and
    // queries are as they were without them).
    let mut entities = list.entities.clone();
    let mut addresses = Vec::new();
    let mut rng = crate::rng::Rng::new(seed ^ 0xADD2_E55E5);
    for e in entities.iter_mut().step_by(3).take(ADDRESSES) {
        let address = format!("0x{:016x}{:016x}{:08x}", rng.next_u64(), rng.next_u64(), rng.next_u64() as u32);
        e.addresses.push(("ETH".to_owned(), address.clone()));
        addresses.push(address);
    }
    let started = Instant::now();
    let screener = Screener::build(&entities, policy);
    let mut stats = Stats {
        split,
        heldout,
        seed,
        threshold: policy.match_threshold(),
        entities: list.entities.len(),
        persons: list.persons.len(),
        companies: list.companies.len(),
        names_generated: list.name_count(),
        names_indexed: screener.name_count(),
        build: started.elapsed(),
        ..Stats::default()
    };
    for q in queries {
        let results = screener.screen_name(&q.query, policy);
        match q.truth {
            Truth::Listed { class, entity } => {
                let e = &list.entities[entity];
                let found = results.iter().any(|m| m.entity_id == e.entity_id);
                bump(stats.by_class.entry(class).or_default(), found);
                if class != Class::Combined {
                    bump(&mut stats.recall, found);
                    if let Some(culture) = q.culture {
                        bump(stats.culture_recall.entry(culture).or_default(), found);
                    }
                }
                let examples = stats.misses.entry(class).or_default();
                if !found && examples.len() < examples_per_class() {
                    let (own, via, penalty) = expected_score(&screener, policy, &q.query, e);
                    let retrieved = screener.candidates(&q.query.name, policy).iter().any(|(id, _)| *id == e.entity_id);
                    let returned =
                        results.first().map_or("nothing returned".to_owned(), |m| format!("returned `{}` {:.3}", m.name, m.score));
                    let via = if via == e.name { String::new() } else { format!(" via alias `{via}`") };
                    let penalty = if penalty.is_empty() { String::new() } else { format!(" (after {penalty})") };
                    examples.push(format!(
                        "`{}`{} → expected `{}`: its score {own:.3}{via}{penalty}; {}; {returned}",
                        q.query.name,
                        facts(&q.query),
                        e.name,
                        if retrieved { "among the index candidates" } else { "NOT among the index candidates" },
                    ));
                }
            }
            Truth::Clean(kind) => {
                let hit = !results.is_empty();
                bump(&mut stats.fp, hit);
                bump(stats.by_kind.entry(kind).or_default(), hit);
                if let (CleanKind::Person, Some(culture)) = (kind, q.culture) {
                    bump(stats.culture_fp.entry(culture).or_default(), hit);
                    bump(if q.near_namesake { &mut stats.fp_near_namesakes } else { &mut stats.fp_other_persons }, hit);
                }
                let examples = stats.false_hits.entry(kind).or_default();
                if let Some(m) = results.first()
                    && examples.len() < examples_per_class()
                {
                    let more = if results.len() > 1 { format!(" (+{} more)", results.len() - 1) } else { String::new() };
                    let matched = if m.matched_name == m.name { String::new() } else { format!(" via alias `{}`", m.matched_name) };
                    let near = if q.near_namesake { " — near namesake" } else { "" };
                    examples.push(format!("`{}`{} → `{}`{matched} {:.3}{more}{near}", q.query.name, facts(&q.query), m.name, m.score));
                }
            }
        }
    }
    time_queries(&screener, policy, queries, &mut stats);
    time_addresses(&screener, &addresses, &mut stats);
    stats
}

/// Listed wallet addresses in the evaluation list.
const ADDRESSES: usize = 5_000;

/// Address lookups: each listed address upper-cased (a hit) and altered in its last digit (a miss),
/// repeated for half a second.
fn time_addresses(screener: &Screener, addresses: &[String], stats: &mut Stats) {
    let probes: Vec<String> = addresses
        .iter()
        .flat_map(|a| {
            let mut miss = a.clone();
            let last = if miss.ends_with('0') { '1' } else { '0' };
            miss.pop();
            miss.push(last);
            [format!("0x{}", a[2..].to_uppercase()), miss]
        })
        .collect();
    let (mut lookups, mut hits) = (0usize, 0usize);
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(500) {
        for p in &probes {
            hits += usize::from(screener.screen_address(black_box(p)).is_some());
        }
        lookups += probes.len();
    }
    assert_eq!(hits * 2, lookups, "every listed address is found and no altered one is");
    stats.addresses = screener.addresses().len();
    stats.address_ns = started.elapsed().as_secs_f64() * 1e9 / lookups as f64;
}

/// All queries, repeated until at least two seconds have passed, on this one thread.
fn time_queries(screener: &Screener, policy: &ScreeningPolicy, queries: &[Query], stats: &mut Stats) {
    let mut latencies: Vec<u64> = Vec::with_capacity(queries.len() * 16);
    let started = Instant::now();
    loop {
        for q in queries {
            let t = Instant::now();
            black_box(screener.screen_name(black_box(&q.query), policy));
            latencies.push(u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
        if started.elapsed() >= Duration::from_secs(2) {
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)] as f64 / 1000.0;
    stats.timed_queries = latencies.len();
    stats.queries_per_second = latencies.len() as f64 / elapsed;
    stats.p50_us = at(50);
    stats.p99_us = at(99);
}
