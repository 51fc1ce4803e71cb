//! Markdown report: one table per split against the issue's targets, the failing examples, and a
//! summary of all splits run.

use crate::eval::{Count, Stats};
use crate::names::Culture;
use crate::queries::{Class, CleanKind};

pub const RECALL_MIN: f64 = 0.97;
pub const FP_ALL_MAX: f64 = 0.03;
pub const FP_LOOKALIKE_MAX: f64 = 0.10;
pub const FP_PERSON_MAX: f64 = 0.01;
pub const FP_ORDINARY_MAX: f64 = 0.01;
pub const QPS_MIN: f64 = 12_500.0;
pub const P99_MAX_US: f64 = 1_000.0;

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn rate((hits, total): Count) -> f64 {
    if total == 0 { 0.0 } else { hits as f64 / total as f64 }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "pass" } else { "**FAIL**" }
}

fn fp_max(kind: CleanKind) -> f64 {
    match kind {
        CleanKind::Person => FP_PERSON_MAX,
        CleanKind::Ordinary => FP_ORDINARY_MAX,
        CleanKind::LookAlike => FP_LOOKALIKE_MAX,
    }
}

/// Clean persons and ordinary companies together: the issue's measure (≤ 1 %); each kind alone is
/// also held to 1 % in the rows above it, which is stricter.
fn persons_and_ordinary(s: &Stats) -> Count {
    let kind = |k| s.by_kind.get(&k).copied().unwrap_or_default();
    let (p, o) = (kind(CleanKind::Person), kind(CleanKind::Ordinary));
    (p.0 + o.0, p.1 + o.1)
}

/// The issue's targets: overall recall, FP overall, look-alike companies, persons and ordinary
/// companies together, speed.
fn issue_targets_met(s: &Stats) -> bool {
    let lookalike = s.by_kind.get(&CleanKind::LookAlike).copied().unwrap_or_default();
    rate(s.recall) >= RECALL_MIN
        && rate(s.fp) <= FP_ALL_MAX
        && rate(lookalike) <= FP_LOOKALIKE_MAX
        && rate(persons_and_ordinary(s)) <= FP_PERSON_MAX
        && s.queries_per_second >= QPS_MIN
        && s.p99_us < P99_MAX_US
        && s.address_ns < 1000.0
}

fn recall_cell(c: Count) -> String {
    format!("{:.3} ({}/{})", rate(c), c.0, c.1)
}

fn fp_cell(c: Count) -> String {
    format!("{:.1} % ({}/{})", 100.0 * rate(c), c.0, c.1)
}

pub fn split_heading(s: &Stats) -> String {
    if s.heldout {
        format!("`{}` — HELD OUT (odd-indexed pool entries; never look at it while tuning)", s.split)
    } else {
        format!("`{}` — development split (even-indexed pool entries; may be inspected while tuning)", s.split)
    }
}

pub fn print_split(s: &Stats) {
    println!("## Split {}\n", split_heading(s));
    println!(
        "Seed {} · match threshold {} · list: {} entities ({} persons, {} organisations), {} names generated \
         ({} indexed after the screener's de-duplication) · index built in {:.0} ms · queries: {} perturbed listed, {} clean\n",
        s.seed,
        s.threshold,
        thousands(s.entities),
        thousands(s.persons),
        thousands(s.companies),
        thousands(s.names_generated),
        thousands(s.names_indexed),
        s.build.as_secs_f64() * 1000.0,
        thousands(s.recall.1),
        thousands(s.fp.1),
    );
    println!("| measure | value | target | result |");
    println!("|---|---:|---:|:---:|");
    println!(
        "| **recall, all perturbed listed names** | {} | ≥ {RECALL_MIN} | {} |",
        recall_cell(s.recall),
        verdict(rate(s.recall) >= RECALL_MIN)
    );
    for (class, c) in &s.by_class {
        if *class == Class::Combined {
            println!("| recall: {} | {} | (info) | |", class.label(), recall_cell(*c));
        } else {
            println!("| recall: {} | {} | ≥ {RECALL_MIN} | {} |", class.label(), recall_cell(*c), verdict(rate(*c) >= RECALL_MIN));
        }
    }
    println!("| **false positives, all clean names** | {} | ≤ 3 % | {} |", fp_cell(s.fp), verdict(rate(s.fp) <= FP_ALL_MAX));
    for (kind, c) in &s.by_kind {
        let max = fp_max(*kind);
        println!("| FP: {} | {} | ≤ {:.0} % | {} |", kind.label(), fp_cell(*c), max * 100.0, verdict(rate(*c) <= max));
        if *kind == CleanKind::Person {
            println!(
                "| — of which near namesakes (all but one name part shared with a listed person) | {} | (info) | |",
                fp_cell(s.fp_near_namesakes)
            );
            println!("| — of which other clean persons | {} | (info) | |", fp_cell(s.fp_other_persons));
        }
    }
    let both = persons_and_ordinary(s);
    println!(
        "| **FP: clean persons and ordinary companies together (the issue's measure)** | {} | ≤ 1 % | {} |",
        fp_cell(both),
        verdict(rate(both) <= FP_PERSON_MAX)
    );
    println!(
        "| throughput, one core ({} timed queries) | {} queries/s | ≥ 12,500 | {} |",
        thousands(s.timed_queries),
        thousands(s.queries_per_second as usize),
        verdict(s.queries_per_second >= QPS_MIN)
    );
    println!("| latency p50 | {:.1} µs | — | |", s.p50_us);
    println!("| latency p99 | {:.1} µs | < 1,000 µs | {} |", s.p99_us, verdict(s.p99_us < P99_MAX_US));
    println!("| index build | {:.0} ms | — | |", s.build.as_secs_f64() * 1000.0);
    println!(
        "| address lookup ({} listed addresses; half hits in another case, half misses) | {:.0} ns | < 1,000 ns | {} |\n",
        thousands(s.addresses),
        s.address_ns,
        verdict(s.address_ns < 1000.0)
    );

    println!("Persons by culture (recall of perturbed listed persons, FP of clean persons):\n");
    println!("| culture | recall | FP clean persons |");
    println!("|---|---:|---:|");
    for culture in Culture::ALL {
        let r = s.culture_recall.get(&culture).copied().unwrap_or_default();
        let f = s.culture_fp.get(&culture).copied().unwrap_or_default();
        println!("| {} | {} | {} |", culture.label(), recall_cell(r), fp_cell(f));
    }
    println!();

    let failing_classes: Vec<(&Class, &Count)> = s.by_class.iter().filter(|(_, c)| rate(**c) < RECALL_MIN).collect();
    let failing_kinds: Vec<(&CleanKind, &Count)> = s.by_kind.iter().filter(|(k, c)| rate(**c) > fp_max(**k)).collect();
    if failing_classes.is_empty() && failing_kinds.is_empty() {
        println!("No failing class or kind in `{}`.\n", s.split);
        return;
    }
    println!(
        "### What fails in `{}` (up to {} examples each; SCREENING_EVAL_EXAMPLES=N for more)\n",
        s.split,
        crate::eval::examples_per_class()
    );
    for (class, c) in failing_classes {
        println!("**recall: {}** — {}", class.label(), recall_cell(*c));
        for line in s.misses.get(class).into_iter().flatten() {
            println!("- {line}");
        }
        println!();
    }
    for (kind, c) in failing_kinds {
        println!("**FP: {}** — {} (query → false match, score)", kind.label(), fp_cell(*c));
        for line in s.false_hits.get(kind).into_iter().flatten() {
            println!("- {line}");
        }
        println!();
    }
}

pub fn print_summary(all: &[Stats]) {
    if all.is_empty() {
        return;
    }
    println!("## Summary\n");
    let heads: Vec<String> = all.iter().map(|s| if s.heldout { format!("{} (HELD OUT)", s.split) } else { s.split.to_owned() }).collect();
    println!("| measure | {} | target |", heads.join(" | "));
    println!("|---|{}---:|", "---:|".repeat(all.len()));
    let row = |label: &str, cells: Vec<String>, target: &str| println!("| {label} | {} | {target} |", cells.join(" | "));
    row("recall", all.iter().map(|s| recall_cell(s.recall)).collect(), "≥ 0.97");
    for class in Class::ALL.into_iter().chain([Class::Combined]) {
        let cells = all.iter().map(|s| recall_cell(s.by_class.get(&class).copied().unwrap_or_default())).collect();
        row(&format!("recall: {}", class.label()), cells, if class == Class::Combined { "(info)" } else { "≥ 0.97" });
    }
    row("FP, all clean", all.iter().map(|s| fp_cell(s.fp)).collect(), "≤ 3 %");
    for kind in CleanKind::ALL {
        let cells = all.iter().map(|s| fp_cell(s.by_kind.get(&kind).copied().unwrap_or_default())).collect();
        row(&format!("FP: {}", kind.label()), cells, &format!("≤ {:.0} %", fp_max(kind) * 100.0));
    }
    row("FP: clean persons and ordinary companies together", all.iter().map(|s| fp_cell(persons_and_ordinary(s))).collect(), "≤ 1 %");
    row("queries/s (one core)", all.iter().map(|s| thousands(s.queries_per_second as usize)).collect(), "≥ 12,500");
    row("p50 / p99 µs", all.iter().map(|s| format!("{:.0} / {:.0}", s.p50_us, s.p99_us)).collect(), "p99 < 1,000");
    row("index build ms", all.iter().map(|s| format!("{:.0}", s.build.as_secs_f64() * 1000.0)).collect(), "—");
    row("address lookup ns", all.iter().map(|s| format!("{:.0}", s.address_ns)).collect(), "< 1,000");
    let met = all.iter().all(issue_targets_met);
    let each_kind = all.iter().all(|s| s.by_kind.iter().all(|(k, c)| rate(*c) <= fp_max(*k)));
    println!(
        "\nIssue targets (recall, FP overall, look-alikes, persons and ordinary companies together, speed) met on every split run: {}",
        if met { "yes" } else { "NO" }
    );
    println!("Each clean kind alone within its limit (stricter) on every split run: {}", if each_kind { "yes" } else { "NO" });
}
