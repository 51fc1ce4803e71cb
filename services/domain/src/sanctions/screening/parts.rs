//! The name-parts scorer (screening-v2 and v3): a query name and a listed name are aligned part by
//! part, and what did not align is judged by how it failed.
//!
//! - Two parts match when equal, within the typos their length allows (not at the first letter of
//!   a short part), or with the same consonant skeleton and alike spellings; two adjacent parts
//!   also match one part that is their concatenation ("Xiao Ming" / "Xiaoming").
//! - Parts are paired greedily, best similarity first; the score starts as the pairs' mean
//!   similarity (a company's generic words weigh less than its distinctive words).
//! - A part that only one side has is *missing* (a middle name, a patronymic, a second surname, a
//!   dropped company word) and costs little; parts left unmatched on both sides are *conflicts* (a
//!   different given name, another brand word) and cost much. A person needs two matched parts when
//!   either name has two; a company needs a matched distinctive word.
//! - Where the policy says so (v3): a person's name resting on one exact part while the query names
//!   parts the listed name lacks costs more (`few_exact_name_parts`), and so does half of a
//!   hyphenated name left over (`split_compound_name`); a joined unit matches without misspellings,
//!   and doubled letters are typos however short the part.
//!
//! Every cost is named in the result, so a reviewer sees why a name scored what it did.

use smallvec::SmallVec;

use super::normalize::{NormalizedName, Part, sound_spelling};
use super::policy::PartsRules;
use super::score::jaro_winkler;

pub const NAME_PARTS_ALIGNED: &str = "name_parts_aligned";
pub const MISSING_NAME_PARTS: &str = "missing_name_parts";
pub const EXTRA_NAME_PARTS: &str = "extra_name_parts";
pub const CONFLICTING_NAME_PARTS: &str = "conflicting_name_parts";
pub const TOO_FEW_NAME_PARTS: &str = "too_few_name_parts";
pub const CONFLICTING_FULL_NAME: &str = "conflicting_full_name";
pub const UNMATCHED_GENERIC_WORDS: &str = "unmatched_generic_words";
pub const NO_DISTINCTIVE_MATCH: &str = "no_distinctive_match";
pub const FEW_EXACT_NAME_PARTS: &str = "few_exact_name_parts";
pub const SPLIT_COMPOUND_NAME: &str = "split_compound_name";

/// How a listed name is read: a person's name parts, or an organisation's (vessel's, aircraft's)
/// distinctive and generic words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameShape {
    Person,
    Organization,
}

/// A name-parts score: the aligned parts' mean similarity minus the named costs.
#[derive(Debug, Clone, PartialEq)]
pub struct PartsScore {
    pub score: f64,
    pub aligned: f64,
    pub costs: SmallVec<[(&'static str, f64); 4]>,
    /// Parts (distinctive words) left unmatched on both sides.
    pub conflicts: usize,
    /// Query parts (distinctive words) the listed name lacks, beyond the conflicts.
    pub query_extra: usize,
}

/// At most this many parts per side take part in the alignment (longer names are truncated).
const MAX_PARTS: usize = 16;

/// Optimal-string-alignment distance of two ASCII byte strings, or `None` when it exceeds `max`
/// (or a string is longer than 32 bytes).
pub fn bounded_osa(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max || a.len() > 32 || b.len() > 32 {
        return None;
    }
    let (n, m) = (a.len(), b.len());
    // Three rolling rows (i - 2, i - 1, i), indexed modulo 3: no row is copied.
    let mut rows = [[0u8; 33]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(m + 1) {
        *cell = j as u8;
    }
    // Every cell depends on the two rows above it and grows by 0 or 1 from them: once both of the
    // last two rows exceed `max`, so does the rest.
    let mut prev_min = 0u8;
    let max8 = max.min(32) as u8;
    for i in 1..=n {
        let (cur_i, prev_i, prev2_i) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur_i][0] = i as u8;
        let mut row_min = i as u8;
        for j in 1..=m {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[prev_i][j] + 1).min(rows[cur_i][j - 1] + 1).min(rows[prev_i][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[prev2_i][j - 2] + 1);
            }
            rows[cur_i][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max8 && prev_min > max8 {
            return None;
        }
        prev_min = row_min;
    }
    let d = usize::from(rows[n % 3][m]);
    (d <= max).then_some(d)
}

/// The letters of a part with each doubled letter written once (Hassan -> hasan, Yaoo -> yao).
fn undoubled(s: &[u8]) -> impl Iterator<Item = u8> + '_ {
    s.iter().enumerate().filter(|&(i, c)| i == 0 || s[i - 1] != *c).map(|(_, c)| *c)
}

/// Whether `b` is `a` with two adjacent letters swapped.
fn is_one_transposition(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    matches!(diffs.as_slice(), [i, j] if *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i])
}

/// The similarity of two parts in [0, 1]; 0 when they do not match.
/// `typos` is false when misspellings are not to be looked for (two parts read as one).
pub fn part_similarity(a: &str, a_phonetic: &str, b: &str, b_phonetic: &str, typos: bool, rules: &PartsRules) -> f64 {
    if a == b {
        return 1.0;
    }
    let shorter = a.len().min(b.len());
    // Misspellings seldom touch a name's first letter: a short part that differs there is another
    // name (Jamal / Kamal), not a typo.
    let first_differs = a.as_bytes().first() != b.as_bytes().first();
    let allowed = if !typos || first_differs && shorter < rules.first_letter_typo_min_len { 0 } else { rules.allowed_edits(shorter) };
    if allowed > 0
        && let Some(d) = bounded_osa(a.as_bytes(), b.as_bytes(), allowed)
    {
        return (1.0 - rules.typo_cost * d as f64).max(0.0);
    }
    if allowed == 0
        && typos
        && shorter >= rules.transpositions_from
        && !(first_differs && shorter < rules.first_letter_typo_min_len)
        && is_one_transposition(a.as_bytes(), b.as_bytes())
    {
        return 1.0 - rules.typo_cost;
    }
    if rules.doubled_letters && typos && undoubled(a.as_bytes()).eq(undoubled(b.as_bytes())) {
        return 1.0 - rules.typo_cost;
    }
    let key_long_enough = |len: usize| {
        len >= rules.phonetic_min_key_len
            || rules.phonetic_spelled_min_key_len.is_some_and(|min| len >= min) && sound_spelling(a) == sound_spelling(b)
    };
    if shorter >= rules.phonetic_min_len
        && a.len().abs_diff(b.len()) <= rules.phonetic_max_len_diff
        && a_phonetic == b_phonetic
        && key_long_enough(a_phonetic.len())
    {
        // Sounding alike is graded by how alike the spellings are.
        let s = (rules.phonetic_similarity + jaro_winkler(a, b)) / 2.0;
        if s >= rules.phonetic_floor {
            return s;
        }
    }
    0.0
}

/// A unit of one side: a part, or two adjacent parts read as one.
#[derive(Clone, Copy)]
struct Unit<'a> {
    part: &'a Part,
    /// Bit mask of the parts it covers.
    covers: u32,
}

type Units<'a> = SmallVec<[Unit<'a>; 12]>;

fn units<'a>(name: &'a NormalizedName, count: usize, merge_pairs: bool) -> Units<'a> {
    let mut out: Units<'a> = name.parts.iter().take(count).enumerate().map(|(i, part)| Unit { part, covers: 1 << i }).collect();
    if merge_pairs {
        out.extend(name.joined.iter().take(count.saturating_sub(1)).enumerate().map(|(i, part)| Unit { part, covers: 0b11 << i }));
    }
    out
}

fn unit_similarity(q: &Unit, l: &Unit, rules: &PartsRules) -> f64 {
    // Two syllables written as one differ by a letter when one syllable is another (Taek Byung /
    // Taebyung): unless the policy says otherwise, a joined unit matches without misspellings.
    let typos = rules.joined_part_typos || q.covers.count_ones() == 1 && l.covers.count_ones() == 1;
    let (q, l) = (q.part, l.part);
    let mut s = part_similarity(&q.text, &q.phonetic, &l.text, &l.phonetic, typos, rules);
    if s < 1.0 && (q.original.is_some() || l.original.is_some()) {
        // A typo of a folded spelling ("Sefgey" for "Sergey", folded to "sergei").
        let (qo, qk) = q.original.as_ref().map_or((q.text.as_str(), q.phonetic.as_str()), |o| (o.0.as_str(), o.1.as_str()));
        let (lo, lk) = l.original.as_ref().map_or((l.text.as_str(), l.phonetic.as_str()), |o| (o.0.as_str(), o.1.as_str()));
        s = s.max(part_similarity(qo, qk, lo, lk, typos, rules));
    }
    s
}

/// Unmatched parts of a hyphenated word of which another part matched.
fn half_matched_compounds(parts: &[Part], used: u32) -> usize {
    let matched = |word: u8| parts.iter().enumerate().any(|(i, p)| p.compound == Some(word) && used & (1 << i) != 0);
    parts.iter().enumerate().filter(|(i, p)| used & (1 << i) == 0 && p.compound.is_some_and(matched)).count()
}

/// Score a query name against a listed name of the given shape.
pub fn score(query: &NormalizedName, listed: &NormalizedName, shape: NameShape, rules: &PartsRules) -> PartsScore {
    let (qn, ln) = (query.parts.len().min(MAX_PARTS), listed.parts.len().min(MAX_PARTS));
    let (qp, lp) = (&query.parts[..qn], &listed.parts[..ln]);
    if qp.is_empty() || lp.is_empty() {
        return PartsScore { score: 0.0, aligned: 0.0, costs: SmallVec::new(), conflicts: 0, query_extra: 0 };
    }
    // Adjacent parts may read as one only on the side with more parts.
    let q_units = units(query, qn, qn > ln);
    let l_units = units(listed, ln, ln > qn);
    let mut pairs: SmallVec<[(f64, u8, u8); 32]> = SmallVec::new();
    for (i, q) in q_units.iter().enumerate() {
        for (j, l) in l_units.iter().enumerate() {
            let s = unit_similarity(q, l, rules);
            if s > 0.0 {
                pairs.push((s, i as u8, j as u8));
            }
        }
    }
    // Best first; among equals, a merged unit (covering two parts) before a single one.
    let width = |p: &(f64, u8, u8)| q_units[p.1 as usize].covers.count_ones() + l_units[p.2 as usize].covers.count_ones();
    pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then_with(|| width(b).cmp(&width(a))).then_with(|| (a.1, a.2).cmp(&(b.1, b.2))));
    let (mut q_used, mut l_used) = (0u32, 0u32);
    let organization = shape == NameShape::Organization;
    let weight = |generic: bool| if organization && generic { rules.generic_weight } else { 1.0 };
    let (mut weighted, mut total_weight, mut matched, mut distinctive_matched) = (0.0f64, 0.0f64, 0usize, false);
    let mut exact = 0usize;
    for (s, i, j) in pairs {
        let (q, l) = (&q_units[i as usize], &l_units[j as usize]);
        if q.covers & q_used != 0 || l.covers & l_used != 0 {
            continue;
        }
        q_used |= q.covers;
        l_used |= l.covers;
        let generic = q.part.generic && l.part.generic;
        let w = weight(generic);
        weighted += w * s;
        total_weight += w;
        matched += 1;
        exact += usize::from(s >= 1.0);
        distinctive_matched |= !generic;
    }
    let aligned = if total_weight > 0.0 { weighted / total_weight } else { 0.0 };
    let unmatched = |parts: &[Part], used: u32| -> (usize, usize) {
        let mut counts = (0usize, 0usize); // (distinctive, generic)
        for (i, p) in parts.iter().enumerate() {
            if used & (1 << i) == 0 {
                if organization && p.generic {
                    counts.1 += 1;
                } else {
                    counts.0 += 1;
                }
            }
        }
        counts
    };
    let ((q_distinct, q_generic), (l_distinct, l_generic)) = (unmatched(qp, q_used), unmatched(lp, l_used));
    let conflicts = q_distinct.min(l_distinct);
    let query_extra = q_distinct - conflicts;
    let mut costs: SmallVec<[(&'static str, f64); 4]> = SmallVec::new();
    let mut cost = |name: &'static str, amount: f64| {
        if amount > 0.0 {
            costs.push((name, amount));
        }
    };
    if organization {
        // Words left on both sides are substitutions (another brand, another trade); a distinctive
        // word for a distinctive word costs most. What is left on one side only is missing.
        let c = rules.organization;
        let distinct_conflicts = conflicts;
        let (q_rest, l_rest) = (q_distinct - distinct_conflicts, l_distinct - distinct_conflicts);
        let other_conflicts = (q_rest + q_generic).min(l_rest + l_generic);
        // Of the remaining one-sided words, distinctive ones first.
        let (mut q_left_d, mut q_left_g, mut l_left_d, mut l_left_g) = (q_rest, q_generic, l_rest, l_generic);
        for _ in 0..other_conflicts {
            if q_left_g > 0 {
                q_left_g -= 1
            } else {
                q_left_d -= 1
            }
            if l_left_g > 0 { l_left_g -= 1 } else { l_left_d -= 1 }
        }
        cost(CONFLICTING_NAME_PARTS, c.conflicting_word * distinct_conflicts as f64 + c.conflicting_generic_word * other_conflicts as f64);
        cost(MISSING_NAME_PARTS, c.missing_word * l_left_d as f64);
        cost(EXTRA_NAME_PARTS, c.extra_word * q_left_d as f64);
        cost(UNMATCHED_GENERIC_WORDS, c.unmatched_generic_word * (q_left_g + l_left_g) as f64);
        let has_distinctive = |parts: &[Part]| parts.iter().any(|p| !p.generic);
        if !distinctive_matched && (has_distinctive(qp) || has_distinctive(lp)) {
            cost(NO_DISTINCTIVE_MATCH, c.no_distinctive_match);
        }
    } else {
        let c = rules.person;
        let missing = q_distinct.max(l_distinct) - conflicts;
        // Half of a hyphenated name matched (Peng of Xi-peng): one name, not two optional ones. A
        // half facing an unmatched part of the other name is a conflict, costed as such.
        let split = (half_matched_compounds(qp, q_used) + half_matched_compounds(lp, l_used)).min(missing);
        cost(SPLIT_COMPOUND_NAME, c.split_compound * split as f64);
        cost(CONFLICTING_NAME_PARTS, c.conflicting_part * conflicts as f64);
        cost(MISSING_NAME_PARTS, c.missing_part * missing as f64);
        if matched < 2 && (qp.len() >= 2 || lp.len() >= 2) {
            cost(TOO_FEW_NAME_PARTS, c.too_few_parts);
        } else if query_extra > 0 && exact < 2 {
            // The query names parts the listed name lacks, and only one part is as written: the
            // listed name is too short to tell a misspelling from another person.
            cost(FEW_EXACT_NAME_PARTS, c.few_exact_parts);
        }
    }
    let score = (aligned - costs.iter().map(|c| c.1).sum::<f64>()).clamp(0.0, 1.0);
    PartsScore { score, aligned, costs, conflicts, query_extra }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::bounded_osa;

    #[test]
    fn the_bounded_osa_agrees_with_strsim_within_its_bound() {
        let words = ["muhammad", "mohammed", "martha", "marhta", "dixon", "dicksonx", "petrov", "petorv", "a", "ab", "", "yusuf", "iusuf"];
        for a in words {
            for b in words {
                let reference = strsim::osa_distance(a, b);
                for max in 0..4 {
                    let bounded = bounded_osa(a.as_bytes(), b.as_bytes(), max);
                    assert_eq!(bounded, Some(reference).filter(|&d| d <= max), "{a} {b} max {max}");
                }
            }
        }
    }
}
