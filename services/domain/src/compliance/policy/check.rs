//! Consistency checks on a policy file, run before it is ever used: a typo in the data must stop the
//! server at start, not silently drop an obligation from every assessment.

use std::collections::HashSet;

use super::sections::Band;
use super::{PolicyFile, referenced_ids};
use crate::compliance::vocab::RiskTier;

pub(super) fn check(file: &PolicyFile) -> Result<(), String> {
    if file.version.trim().is_empty() {
        return Err("version is empty".into());
    }
    check_unique(file)?;
    check_sectors(file)?;
    check_score(file)?;
    check_references(file)?;
    check_facts(file)?;
    check_numbers(file)
}

/// Fact tokens name a known sector or function, or one of the deployment's yes/no facts.
fn check_token(file: &PolicyFile, place: &str, token: &str) -> Result<(), String> {
    let ok = match token.split_once(':') {
        Some(("sector", id)) => file.sectors.iter().any(|s| s.id == id),
        Some(("function", id)) => file.functions.iter().any(|f| f.id == id),
        Some(_) => false,
        None => super::super::facts::FLAGS.contains(&token),
    };
    if ok { Ok(()) } else { Err(format!("{place}: unknown fact {token:?}")) }
}

fn check_facts(file: &PolicyFile) -> Result<(), String> {
    for c in &file.cross_checks {
        if !file.prohibited_practices.iter().any(|p| p.id == c.practice) {
            return Err(format!("cross_checks.{}: unknown practice {:?}", c.id, c.practice));
        }
        if c.requires.is_empty() || c.requires.iter().any(Vec::is_empty) {
            return Err(format!("cross_checks.{}: requires needs non-empty groups", c.id));
        }
        for token in c.requires.iter().flatten() {
            check_token(file, &format!("cross_checks.{}", c.id), token)?;
        }
    }
    if let Some(g) = &file.gdpr {
        if g.dpia_requires.is_empty() || g.dpia_requires.iter().any(Vec::is_empty) {
            return Err("gdpr.dpia_requires needs non-empty groups".into());
        }
        for token in g.dpia_requires.iter().flatten() {
            check_token(file, "gdpr.dpia_requires", token)?;
        }
    }
    for j in &file.jurisdictions {
        if let Some(cd) = &j.consequential_decisions {
            for token in &cd.requires_any {
                check_token(file, &format!("jurisdictions.{}.consequential_decisions", j.code), token)?;
            }
            if cd.floor.is_some_and(|f| f != RiskTier::High) {
                return Err(format!("jurisdictions.{}.consequential_decisions: only a high floor is supported", j.code));
            }
        }
    }
    for (set_name, set) in [("triggers.ai_act", &file.triggers.ai_act), ("triggers.platform", &file.triggers.platform)] {
        if let Some(f) = set.functions.keys().find(|f| !file.functions.iter().any(|known| &known.id == *f)) {
            return Err(format!("{set_name}.functions: unknown function {f:?}"));
        }
    }
    if let Some(id) = duplicates(file.functions.iter().map(|f| f.id.as_str())) {
        return Err(format!("functions: {id:?} appears twice"));
    }
    if file.roles.is_some() != file.compute.systemic_risk_strictly_above {
        return Err("roles and compute.systemic_risk_strictly_above come together (policy v2)".into());
    }
    Ok(())
}

fn check_unique(file: &PolicyFile) -> Result<(), String> {
    let lists: [(&str, Vec<&str>); 5] = [
        ("prohibited_practices", file.prohibited_practices.iter().map(|p| p.id.as_str()).collect()),
        ("sectors", file.sectors.iter().map(|s| s.id.as_str()).collect()),
        ("obligations", file.obligations.iter().map(|o| o.id.as_str()).collect()),
        (
            "jurisdictions",
            file.jurisdictions
                .iter()
                .flat_map(|j| std::iter::once(&j.code).chain(&j.aliases).chain(&j.members))
                .map(String::as_str)
                .collect(),
        ),
        ("licences", file.licences.iter().map(|l| l.spdx.as_str()).collect()),
    ];
    for (name, ids) in lists {
        if let Some(id) = duplicates(ids) {
            return Err(format!("{name}: {id:?} appears twice"));
        }
    }
    Ok(())
}

fn check_sectors(file: &PolicyFile) -> Result<(), String> {
    for sector in &file.sectors {
        match (sector.floor, sector.basis) {
            (None, None) => {}
            (Some(RiskTier::High), Some(_)) if !sector.reference.is_empty() => {}
            (Some(RiskTier::High), Some(_)) => return Err(format!("sectors.{}: a floor needs a legal reference", sector.id)),
            (Some(RiskTier::High), None) => return Err(format!("sectors.{}: a floor needs a basis (annex_iii or annex_i)", sector.id)),
            (None, Some(_)) => return Err(format!("sectors.{}: a basis without a floor", sector.id)),
            // Art. 5 practices are the only route to `prohibited`; only Annex I/III set a floor.
            (Some(other), _) => return Err(format!("sectors.{}: floor {other} is not supported; only high", sector.id)),
        }
    }
    let known = |id: &String| file.sectors.iter().any(|s| &s.id == id);
    let mut referenced: Vec<(&str, &String)> = file.fria.sectors.iter().map(|s| ("fria.sectors", s)).collect();
    referenced.extend(file.fria.excluded_sectors.iter().map(|s| ("fria.excluded_sectors", s)));
    for j in &file.jurisdictions {
        if let Some(cd) = &j.consequential_decisions {
            referenced.extend(cd.sectors.iter().map(|s| ("jurisdictions.consequential_decisions.sectors", s)));
        }
    }
    match referenced.into_iter().find(|(_, id)| !known(id)) {
        Some((place, id)) => Err(format!("{place}: unknown sector {id:?}")),
        None => Ok(()),
    }
}

/// The rules that make the tier monotone in every indicator (property-tested) hold only if the data
/// never gives fewer points for a riskier value; enforce that here.
fn check_score(file: &PolicyFile) -> Result<(), String> {
    let score = &file.score;
    check_bands("score.expected_monthly_users", &score.expected_monthly_users)?;
    check_bands("score.monthly_queries", &score.monthly_queries)?;
    let a = score.autonomy;
    if !(a.human_in_the_loop <= a.human_on_the_loop && a.human_on_the_loop <= a.automated) {
        return Err("score.autonomy: points must not fall from human_in_the_loop to human_on_the_loop to automated".into());
    }
    let r = score.revenue_dependence;
    if !(r.low <= r.medium && r.medium <= r.high) {
        return Err("score.revenue_dependence: points must not fall from low to medium to high".into());
    }
    let t = score.thresholds;
    if t.medium == 0 || t.medium > t.high {
        return Err("score.thresholds: need 0 < medium <= high".into());
    }
    Ok(())
}

fn check_bands(name: &str, bands: &[Band]) -> Result<(), String> {
    match bands.first() {
        Some(first) if first.min == 0 => {}
        _ => return Err(format!("{name}: the first band must start at min = 0")),
    }
    if bands.windows(2).any(|w| w[0].min >= w[1].min || w[0].points > w[1].points) {
        return Err(format!("{name}: bands must rise strictly in min and never fall in points"));
    }
    Ok(())
}

fn check_references(file: &PolicyFile) -> Result<(), String> {
    for (id, place) in referenced_ids(file) {
        if !file.obligations.iter().any(|o| o.id == id) {
            return Err(format!("{place}: obligation {id:?} is not in the catalogue"));
        }
    }
    Ok(())
}

fn check_numbers(file: &PolicyFile) -> Result<(), String> {
    let c = &file.compute;
    if c.k.full == 0 || c.k.lora == 0 || c.k.qlora == 0 || c.threshold_divisor == 0 {
        return Err("compute: k factors and threshold_divisor must be positive".into());
    }
    let positive = |x: f64| x.is_finite() && x > 0.0;
    if ![c.fallback_base_flops, c.fallback_base_flops_systemic, c.systemic_risk_flops].into_iter().all(positive) {
        return Err("compute: FLOPs constants must be positive and finite".into());
    }
    let p = &file.pricing;
    if !positive(p.effective_flops_per_second) {
        return Err("pricing.effective_flops_per_second must be positive and finite".into());
    }
    if p.platform_fee_bps > 10_000 {
        return Err("pricing.platform_fee_bps must be at most 10000".into());
    }
    if p.token.trim().is_empty() {
        return Err("pricing.token is empty".into());
    }
    Ok(())
}

fn duplicates<'a>(ids: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = HashSet::new();
    ids.into_iter().find(|id| !seen.insert(id.to_ascii_lowercase()))
}
