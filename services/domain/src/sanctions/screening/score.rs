//! Explainable name scoring in the manner of OpenSanctions' logic-v1: a few features, each with
//! its weighted contribution, and penalties for a mismatching country or birth year.

use super::normalize::NormalizedName;
use super::policy::{Penalties, Weights};

pub const NAME_LITERAL_MATCH: &str = "name_literal_match";
pub const NAME_FINGERPRINT: &str = "name_fingerprint";
pub const TOKEN_JARO_WINKLER: &str = "token_jaro_winkler";
pub const PHONETIC_MATCH: &str = "phonetic_match";
pub const NAME_TOKEN_OVERLAP: &str = "name_token_overlap";
pub const COUNTRY_MISMATCH: &str = "country_mismatch";
pub const DOB_YEAR_MISMATCH: &str = "dob_year_mismatch";

/// The raw feature values (each in [0, 1]) of a query name against a listed name.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeatureValues {
    pub literal: f64,
    pub fingerprint: f64,
    pub token_jaro_winkler: f64,
    pub phonetic: f64,
    pub overlap: f64,
}

/// Order-free token-set Jaro-Winkler: every token of either side aligned with its best counterpart
/// on the other side, averaged over all tokens of both sides (an unmatched extra token costs).
pub fn token_set_jaro_winkler(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut row_best = vec![0.0f64; a.len()];
    let mut col_best = vec![0.0f64; b.len()];
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let s = if x == y { 1.0 } else { strsim::jaro_winkler(x, y) };
            row_best[i] = row_best[i].max(s);
            col_best[j] = col_best[j].max(s);
        }
    }
    (row_best.iter().sum::<f64>() + col_best.iter().sum::<f64>()) / (a.len() + b.len()) as f64
}

/// Share of tokens (both sides) whose phonetic key occurs on the other side.
fn phonetic_share(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let hits = a.iter().filter(|k| !k.is_empty() && b.contains(k)).count() + b.iter().filter(|k| !k.is_empty() && a.contains(k)).count();
    hits as f64 / (a.len() + b.len()) as f64
}

/// Dice overlap of the sorted token sets.
fn overlap(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

pub fn feature_values(query: &NormalizedName, listed: &NormalizedName) -> FeatureValues {
    let nonempty = !query.is_empty() && !listed.is_empty();
    FeatureValues {
        literal: f64::from(u8::from(nonempty && query.literal == listed.literal)),
        fingerprint: f64::from(u8::from(nonempty && query.fingerprint == listed.fingerprint)),
        token_jaro_winkler: token_set_jaro_winkler(&query.sorted, &listed.sorted),
        phonetic: phonetic_share(&query.phonetic, &listed.phonetic),
        overlap: overlap(&query.sorted, &listed.sorted),
    }
}

/// Feature contributions (summing to the name score) from raw values: the soft features' weighted
/// sum, then the lift the strong features (fingerprint, literal match) add to reach their weight.
pub fn contributions(values: &FeatureValues, weights: &Weights) -> (f64, Vec<(String, f64)>) {
    let jw = weights.token_jaro_winkler * values.token_jaro_winkler;
    let ph = weights.phonetic_match * values.phonetic;
    let ov = weights.name_token_overlap * values.overlap;
    let soft = jw + ph + ov;
    let fp_lift = (weights.name_fingerprint * values.fingerprint - soft).max(0.0);
    let lit_lift = (weights.name_literal_match * values.literal - soft - fp_lift).max(0.0);
    let score = (soft + fp_lift + lit_lift).clamp(0.0, 1.0);
    let features = vec![
        (NAME_LITERAL_MATCH.to_owned(), lit_lift),
        (NAME_FINGERPRINT.to_owned(), fp_lift),
        (TOKEN_JARO_WINKLER.to_owned(), jw),
        (PHONETIC_MATCH.to_owned(), ph),
        (NAME_TOKEN_OVERLAP.to_owned(), ov),
    ];
    (score, features)
}

/// Penalties for a query country not among the entity's countries and a birth year not among its
/// birth years (each only when both sides give one).
pub fn penalties(
    query_country: Option<&str>,
    entity_countries: &[String],
    query_year: Option<u16>,
    entity_years: &[u16],
    rules: &Penalties,
) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    if let Some(country) = query_country.map(str::trim).filter(|c| !c.is_empty())
        && !entity_countries.is_empty()
        && !entity_countries.iter().any(|c| c.trim().eq_ignore_ascii_case(country))
    {
        out.push((COUNTRY_MISMATCH.to_owned(), rules.country_mismatch));
    }
    if let Some(year) = query_year
        && !entity_years.is_empty()
        && !entity_years.contains(&year)
    {
        out.push((DOB_YEAR_MISMATCH.to_owned(), rules.dob_year_mismatch));
    }
    out
}

/// Four-digit years (1800–2100) in list birth dates (`1970-01-31`, `circa 1970`, `1968 to 1970`).
pub fn birth_years(dates: &[String]) -> Vec<u16> {
    let mut years = Vec::new();
    for date in dates {
        let bytes = date.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit() {
                let start = i;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                if i - start == 4
                    && let Ok(year) = date[start..i].parse::<u16>()
                    && (1800..=2100).contains(&year)
                    && !years.contains(&year)
                {
                    years.push(year);
                }
            } else {
                i += 1;
            }
        }
    }
    years
}
