//! What OFAC writes into the free-text Remarks: digital currency addresses, birth dates,
//! nationalities/citizenships and identity documents, with dates normalised when exact.

use attune_domain::sanctions::ListEntity;

use crate::sanctions::{country_code, push_unique, push_unique_str};

/// Identity documents OFAC writes into Remarks as `<type> <value> (<country>)`.
const IDENTIFIER_PREFIXES: &[&str] = &[
    "Passport",
    "National ID No.",
    "Tax ID No.",
    "Registration Number",
    "Registration ID",
    "Identification Number",
    "Vessel Registration Identification",
    "MMSI",
    "SWIFT/BIC",
    "Cedula No.",
];

/// Extracts digital currency addresses, birth dates, nationalities/citizenships and identity documents
/// from the (joined) remarks.
pub(super) fn apply_remarks(entity: &mut ListEntity) {
    let remarks = std::mem::take(&mut entity.remarks);
    for segment in remarks.split(';') {
        let s = segment.trim();
        let s = s.strip_suffix('.').unwrap_or(s).trim();
        let s = strip_prefix_ci(s, "alt. ").map(str::trim).unwrap_or(s);
        if let Some(rest) = s.strip_prefix("Digital Currency Address - ") {
            let mut parts = rest.split_whitespace();
            if let (Some(currency), Some(address)) = (parts.next(), parts.next()) {
                let address = address.trim_end_matches(['.', ',']);
                push_unique(&mut entity.addresses, (currency.to_ascii_uppercase(), address.to_owned()));
            }
        } else if let Some(rest) = strip_prefix_ci(s, "DOB ") {
            push_unique_str(&mut entity.birth_dates, &normalise_date(rest.trim()));
        } else if let Some(rest) = strip_prefix_ci(s, "nationality ").or_else(|| strip_prefix_ci(s, "citizen ")) {
            if let Some(code) = country_code(rest) {
                push_unique_str(&mut entity.countries, code);
            }
        } else if let Some((kind, rest)) = IDENTIFIER_PREFIXES.iter().find_map(|p| s.strip_prefix(p).map(|rest| (*p, rest))) {
            let value = rest.split(" (").next().unwrap_or_default().trim();
            if let Some(imo) = value.strip_prefix("IMO ") {
                push_unique(&mut entity.identifiers, ("IMO".to_owned(), imo.trim().to_owned()));
            } else if !value.is_empty() {
                push_unique(&mut entity.identifiers, (kind.to_owned(), value.to_owned()));
            }
        }
    }
    entity.remarks = remarks;
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// `12 Jan 1970` → `1970-01-12`, `Jan 1970` → `1970-01`; anything else (`1970`, `circa 1970`,
/// `1970 to 1972`) as given.
fn normalise_date(raw: &str) -> String {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let month = |m: &str| MONTHS.iter().position(|x| m.len() >= 3 && x.eq_ignore_ascii_case(&m[..3])).map(|i| i + 1);
    let year = |y: &str| (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())).then(|| y.to_owned());
    let parts: Vec<&str> = raw.split_whitespace().collect();
    match parts.as_slice() {
        [d, m, y] => match (d.parse::<u32>().ok().filter(|d| (1..=31).contains(d)), m.get(..3).and(month(m)), year(y)) {
            (Some(d), Some(m), Some(y)) => format!("{y}-{m:02}-{d:02}"),
            _ => raw.to_owned(),
        },
        [m, y] => match (m.get(..3).and(month(m)), year(y)) {
            (Some(m), Some(y)) => format!("{y}-{m:02}"),
            _ => raw.to_owned(),
        },
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_normalised_when_exact() {
        assert_eq!(normalise_date("12 Jan 1970"), "1970-01-12");
        assert_eq!(normalise_date("Feb 1965"), "1965-02");
        assert_eq!(normalise_date("1970"), "1970");
        assert_eq!(normalise_date("circa 1970"), "circa 1970");
        assert_eq!(normalise_date("1970 to 1972"), "1970 to 1972");
    }
}
