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

/// Jaro-Winkler similarity; a stack-only fast path for ASCII tokens of up to 64 bytes (every
/// normalised token is ASCII), `strsim` otherwise. Same values as `strsim::jaro_winkler`.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > 64 || y.len() > 64 {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let window = (x.len().max(y.len()) / 2).saturating_sub(1);
    let mut y_used = [false; 64];
    let mut x_match = [0u8; 64];
    let mut matches = 0usize;
    for (i, &c) in x.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(y.len());
        for j in lo..hi {
            if !y_used[j] && y[j] == c {
                y_used[j] = true;
                x_match[matches] = c;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut k = 0usize;
    for (j, &c) in y.iter().enumerate() {
        if y_used[j] {
            if x_match[k] != c {
                transpositions += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    let jaro = (m / x.len() as f64 + m / y.len() as f64 + (m - (transpositions / 2) as f64) / m) / 3.0;
    if jaro <= 0.7 {
        return jaro;
    }
    let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count() as f64;
    jaro + 0.1 * prefix * (1.0 - jaro)
}

/// Token alignment of two sorted token lists: order-free token-set Jaro-Winkler (every token of
/// either side aligned with its best counterpart on the other side, averaged over all tokens of both
/// sides, so an unmatched extra token costs) and the fuzzy Dice overlap (share of tokens whose best
/// counterpart is at least `close_token`).
pub fn token_alignment(a: &[String], b: &[String], close_token: f64) -> (f64, f64) {
    if a.is_empty() || b.is_empty() {
        return (0.0, 0.0);
    }
    let mut row_best = [0.0f64; 16];
    let mut col_best = [0.0f64; 16];
    let (a, b) = (&a[..a.len().min(16)], &b[..b.len().min(16)]);
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            let s = jaro_winkler(x, y);
            row_best[i] = row_best[i].max(s);
            col_best[j] = col_best[j].max(s);
        }
    }
    let (rows, cols) = (&row_best[..a.len()], &col_best[..b.len()]);
    let n = (a.len() + b.len()) as f64;
    let jw = (rows.iter().sum::<f64>() + cols.iter().sum::<f64>()) / n;
    let close = rows.iter().chain(cols).filter(|&&s| s >= close_token).count() as f64;
    (jw, close / n)
}

/// Share of tokens (both sides) whose phonetic key occurs on the other side.
fn phonetic_share(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let hits = a.iter().filter(|k| !k.is_empty() && b.contains(k)).count() + b.iter().filter(|k| !k.is_empty() && a.contains(k)).count();
    hits as f64 / (a.len() + b.len()) as f64
}

pub fn feature_values(query: &NormalizedName, listed: &NormalizedName, weights: &Weights) -> FeatureValues {
    let nonempty = !query.is_empty() && !listed.is_empty();
    let (jw, overlap) = token_alignment(&query.sorted, &listed.sorted, weights.overlap_token_similarity);
    FeatureValues {
        literal: f64::from(u8::from(nonempty && query.literal == listed.literal)),
        fingerprint: f64::from(u8::from(nonempty && query.fingerprint == listed.fingerprint)),
        token_jaro_winkler: jw,
        phonetic: phonetic_share(&query.phonetic, &listed.phonetic),
        overlap,
    }
}

/// Feature contributions (summing to the name score) from raw values: the soft features' weighted
/// sum, then the lift the strong features (fingerprint, literal match) add to reach their weight.
pub fn contributions(values: &FeatureValues, weights: &Weights) -> (f64, [(&'static str, f64); 5]) {
    let jw = weights.token_jaro_winkler * values.token_jaro_winkler;
    let ph = weights.phonetic_match * values.phonetic;
    let ov = weights.name_token_overlap * values.overlap;
    let soft = jw + ph + ov;
    let fp_lift = (weights.name_fingerprint * values.fingerprint - soft).max(0.0);
    let lit_lift = (weights.name_literal_match * values.literal - soft - fp_lift).max(0.0);
    let score = (soft + fp_lift + lit_lift).clamp(0.0, 1.0);
    let features = [
        (NAME_LITERAL_MATCH, lit_lift),
        (NAME_FINGERPRINT, fp_lift),
        (TOKEN_JARO_WINKLER, jw),
        (PHONETIC_MATCH, ph),
        (NAME_TOKEN_OVERLAP, ov),
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

#[cfg(test)]
mod tests {
    use super::jaro_winkler;

    #[test]
    fn the_fast_jaro_winkler_agrees_with_strsim() {
        let words = ["muhammad", "mohammed", "martha", "marhta", "dixon", "dicksonx", "petrov", "petorv", "a", "ab", "", "yusuf", "iusuf"];
        for a in words {
            for b in words {
                let (fast, reference) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!((fast - reference).abs() < 1e-12, "{a} {b}: {fast} vs {reference}");
            }
        }
    }
}
