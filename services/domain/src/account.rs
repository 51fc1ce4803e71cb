//! Accounts and organisations: names, countries, organisation kinds, platform roles, passwords.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What kind of organisation a buyer or provider is. Size never changes a risk tier; it only
/// changes fees and transition timelines (DESIGN.md §3, §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Sme,
    Enterprise,
    Research,
    PublicBody,
    /// A library, museum, archive or film or audio heritage institution (DSM Directive Art. 2(3), Art. 3).
    CulturalHeritage,
}

impl OrgKind {
    pub const ALL: [OrgKind; 5] = [OrgKind::Sme, OrgKind::Enterprise, OrgKind::Research, OrgKind::PublicBody, OrgKind::CulturalHeritage];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Sme => "sme",
            OrgKind::Enterprise => "enterprise",
            OrgKind::Research => "research",
            OrgKind::PublicBody => "public_body",
            OrgKind::CulturalHeritage => "cultural_heritage",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrgKind::Sme => "Small or medium enterprise",
            OrgKind::Enterprise => "Enterprise",
            OrgKind::Research => "Research organisation",
            OrgKind::PublicBody => "Public body",
            OrgKind::CulturalHeritage => "Cultural heritage institution",
        }
    }
}

impl FromStr for OrgKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| "must be one of sme, enterprise, research, public_body, cultural_heritage".to_string())
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Platform roles. Every user may act as buyer and provider for their organisation; these roles
/// add platform duties on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    Admin,
    Auditor,
}

impl PlatformRole {
    pub const ALL: [PlatformRole; 2] = [PlatformRole::Admin, PlatformRole::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            PlatformRole::Admin => "admin",
            PlatformRole::Auditor => "auditor",
        }
    }
}

impl FromStr for PlatformRole {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown role {s:?}; roles are admin, auditor"))
    }
}

impl fmt::Display for PlatformRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case. The list is the officially assigned codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Country([u8; 2]);

const ISO_3166_ALPHA2: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL \
GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR \
LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK \
PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR \
TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Every assigned ISO 3166-1 alpha-2 code.
pub fn assigned_country_codes() -> impl Iterator<Item = &'static str> {
    ISO_3166_ALPHA2.split_ascii_whitespace()
}

impl Country {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let code = raw.trim().to_ascii_uppercase();
        let bytes = code.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err("must be an ISO 3166-1 alpha-2 country code such as DE or GB".into());
        }
        if !ISO_3166_ALPHA2.split_ascii_whitespace().any(|c| c == code) {
            return Err(format!("{code} is not an assigned ISO 3166-1 alpha-2 code"));
        }
        Ok(Self([bytes[0], bytes[1]]))
    }

    pub fn as_str(&self) -> &str {
        // Both bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn bounded_text(raw: &str, max_chars: usize) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err("is required".into());
    }
    if value.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(value.to_string())
}

/// A person's display name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        bounded_text(raw, 200).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An organisation's legal or trading name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgName(String);

impl OrgName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        bounded_text(raw, 200).map(Self)
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password chosen by a user, checked against the OWASP ASVS length rules (at least 12
/// characters, at most 128, no composition rules, no truncation). `Debug` never shows it.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let chars = raw.chars().count();
        if chars < Self::MIN_CHARS {
            return Err(format!("must be at least {} characters", Self::MIN_CHARS));
        }
        if chars > Self::MAX_CHARS {
            return Err(format!("must be at most {} characters", Self::MAX_CHARS));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_checked_against_the_assigned_codes() {
        assert_eq!(Country::parse("de").map(|c| c.to_string()), Ok("DE".into()));
        assert!(Country::parse("GB").is_ok());
        for bad in ["", "D", "DEU", "XX", "UK", "1A", "EU"] {
            assert!(Country::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn org_kinds_round_trip() {
        for kind in OrgKind::ALL {
            assert_eq!(kind.as_str().parse::<OrgKind>(), Ok(kind));
        }
        assert!("startup".parse::<OrgKind>().is_err());
    }

    #[test]
    fn passwords_follow_length_rules_and_never_print() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&"x".repeat(129)).is_err());
        let pw = NewPassword::parse("correct horse battery").map(|p| format!("{p:?}"));
        assert_eq!(pw, Ok("NewPassword([redacted])".into()));
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada  ").map(|n| n.as_str().to_string()), Ok("Ada".into()));
        assert!(PersonName::parse(" ").is_err());
        assert!(OrgName::parse(&"a".repeat(201)).is_err());
        assert!(OrgName::parse("bad\u{0}name").is_err());
    }
}
