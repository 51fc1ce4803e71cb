//! Jurisdiction lists (`policy/jurisdictions-v1.toml`): data with their source and date. The
//! comprehensively embargoed jurisdictions are refused at registration and at wallet linking.

use serde::Deserialize;

const ENFORCED_TEXT: &str = include_str!("../policy/jurisdictions-v1.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct JurisdictionsFile {
    version: String,
    embargoed: ListFile,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListFile {
    source: String,
    as_of: chrono::NaiveDate,
    countries: Vec<String>,
    #[serde(default)]
    regions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jurisdictions {
    pub version: String,
    pub embargoed_source: String,
    pub embargoed_as_of: chrono::NaiveDate,
    embargoed_countries: Vec<String>,
    embargoed_regions: Vec<String>,
}

fn is_alpha2(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase())
}

impl Jurisdictions {
    pub fn v1() -> Result<Self, String> {
        Self::parse(ENFORCED_TEXT)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: JurisdictionsFile = toml::from_str(text).map_err(|e| format!("jurisdictions: {e}"))?;
        let e = file.embargoed;
        if file.version.trim().is_empty() || e.source.trim().is_empty() {
            return Err("jurisdictions: version and embargoed.source are required".into());
        }
        if let Some(bad) = e.countries.iter().find(|c| !is_alpha2(c)) {
            return Err(format!("jurisdictions: {bad:?} is not an upper-case ISO 3166-1 alpha-2 code"));
        }
        if let Some(bad) = e.regions.iter().find(|r| !r.split_once('-').is_some_and(|(c, sub)| is_alpha2(c) && !sub.is_empty())) {
            return Err(format!("jurisdictions: {bad:?} is not an ISO 3166-2 code"));
        }
        Ok(Self {
            version: file.version,
            embargoed_source: e.source,
            embargoed_as_of: e.as_of,
            embargoed_countries: e.countries,
            embargoed_regions: e.regions,
        })
    }

    /// Whether `code` (a country, `DE`, or a region, `UA-43`) is comprehensively embargoed.
    pub fn is_embargoed(&self, code: &str) -> bool {
        let code = code.trim().to_ascii_uppercase();
        self.embargoed_countries.contains(&code) || self.embargoed_regions.contains(&code)
    }

    /// The refusal message for an embargoed jurisdiction, naming the list's source and date.
    pub fn embargo_message(&self, code: &str) -> Option<String> {
        self.is_embargoed(code).then(|| {
            format!(
                "{} is under a comprehensive embargo ({}, as of {}); Attune cannot serve it",
                code.trim().to_ascii_uppercase(),
                self.embargoed_source,
                self.embargoed_as_of
            )
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_blocks_the_comprehensive_embargoes() {
        let j = Jurisdictions::v1().unwrap();
        for code in ["CU", "IR", "KP", "SY", "UA-43", "ir"] {
            assert!(j.is_embargoed(code), "{code}");
        }
        for code in ["DE", "UA", "US", "AE"] {
            assert!(!j.is_embargoed(code), "{code}");
        }
        assert!(j.embargo_message("CU").unwrap().contains("as of"));
    }
}
