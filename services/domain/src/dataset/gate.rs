//! The copyright gate for one record (DESIGN.md §3). Licensed, own and public-domain records pass;
//! web records are judged under every deployment jurisdiction and the strictest answer wins.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::record::LicenceKind;
use crate::optout::OptoutStatus;

/// A record's verdict; declared in order of severity (`Allowed < Review < Blocked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateVerdict {
    Allowed,
    Review,
    Blocked,
}

impl GateVerdict {
    pub const ALL: [GateVerdict; 3] = [GateVerdict::Allowed, GateVerdict::Review, GateVerdict::Blocked];

    pub fn as_str(self) -> &'static str {
        match self {
            GateVerdict::Allowed => "allowed",
            GateVerdict::Review => "review",
            GateVerdict::Blocked => "blocked",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| "must be one of allowed, review, blocked".to_string())
    }
}

impl FromStr for GateVerdict {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for GateVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A human reviewer's decision on one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Allow,
    Block,
}

impl ReviewDecision {
    pub const ALL: [ReviewDecision; 2] = [ReviewDecision::Allow, ReviewDecision::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Allow => "allow",
            ReviewDecision::Block => "block",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|d| d.as_str() == s).ok_or_else(|| "must be allow or block".to_string())
    }
}

impl FromStr for ReviewDecision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for ReviewDecision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a verdict was given: a stable code and a sentence for a compliance officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateReason {
    pub code: String,
    pub detail: String,
}

impl GateReason {
    fn new(code: &str, detail: &str) -> Self {
        Self { code: code.to_owned(), detail: detail.to_owned() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateOutcome {
    pub verdict: GateVerdict,
    pub reasons: Vec<GateReason>,
}

impl GateOutcome {
    fn one(verdict: GateVerdict, code: &str, detail: &str) -> Self {
        Self { verdict, reasons: vec![GateReason::new(code, detail)] }
    }
}

/// The use the records are judged for: where the fine-tune is deployed and for what purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateContext {
    /// ISO 3166-1 alpha-2 codes, `EU` or `UK`; empty means the baseline (EU rules).
    pub jurisdictions: Vec<String>,
    pub commercial: bool,
    /// The organisation may use the DSM Art. 3 / CDPA s.29A research exception.
    pub research_exception: bool,
    /// data-v1 only: non-commercial UK use outside research falls back to the EU opt-out rules.
    #[serde(default)]
    pub uk_optout_fallback: bool,
}

impl GateContext {
    /// The judgement at upload, before a job names its use: commercial, baseline rules, no exception.
    pub fn dataset_baseline() -> Self {
        Self { jurisdictions: Vec::new(), commercial: true, research_exception: false, uk_optout_fallback: false }
    }
}

/// The 27 EU member states (ISO 3166-1 alpha-2; Greece as `GR`).
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL",
    "PT", "RO", "SE", "SI", "SK",
];

/// Judges one record.
pub fn gate_record(licence: LicenceKind, optout: Option<OptoutStatus>, review: Option<ReviewDecision>, ctx: &GateContext) -> GateOutcome {
    if review == Some(ReviewDecision::Block) {
        return GateOutcome::one(GateVerdict::Blocked, "REVIEWED_BLOCK", "a reviewer excluded this record");
    }
    match licence {
        LicenceKind::Licensed => GateOutcome::one(GateVerdict::Allowed, "LICENSED", "used under the licence the record names"),
        LicenceKind::Own => GateOutcome::one(GateVerdict::Allowed, "OWN_DATA", "the uploader's own data"),
        LicenceKind::PublicDomain => GateOutcome::one(GateVerdict::Allowed, "PUBLIC_DOMAIN", "not protected by copyright"),
        LicenceKind::Web => gate_web(optout, review, ctx),
    }
}

/// The strictest outcome over the jurisdictions; reasons of the winning severity, one per code.
fn gate_web(optout: Option<OptoutStatus>, review: Option<ReviewDecision>, ctx: &GateContext) -> GateOutcome {
    let mut codes: Vec<String> = ctx.jurisdictions.iter().map(|j| j.trim().to_ascii_uppercase()).collect();
    codes.sort();
    codes.dedup();
    let outcomes: Vec<GateOutcome> = if codes.is_empty() {
        vec![eu_baseline(optout, review, ctx)]
    } else {
        codes.iter().map(|code| jurisdiction(code, optout, review, ctx)).collect()
    };
    let verdict = outcomes.iter().map(|o| o.verdict).max().unwrap_or(GateVerdict::Review);
    let mut reasons: Vec<GateReason> = Vec::new();
    for reason in outcomes.into_iter().filter(|o| o.verdict == verdict).flat_map(|o| o.reasons) {
        if !reasons.iter().any(|r| r.code == reason.code) {
            reasons.push(reason);
        }
    }
    GateOutcome { verdict, reasons }
}

fn jurisdiction(code: &str, optout: Option<OptoutStatus>, review: Option<ReviewDecision>, ctx: &GateContext) -> GateOutcome {
    match code {
        "UK" | "GB" => uk(optout, review, ctx),
        // The EU, its member states and every other jurisdiction: the EU rules are the baseline.
        _ => eu_baseline(optout, review, ctx),
    }
}

/// CDPA s.29A: text and data analysis for non-commercial research only; no opt-out regime.
fn uk(optout: Option<OptoutStatus>, review: Option<ReviewDecision>, ctx: &GateContext) -> GateOutcome {
    if ctx.commercial {
        return GateOutcome::one(
            GateVerdict::Blocked,
            "UK_TDM_LICENCE",
            "CDPA s.29A covers non-commercial research only; commercial use of web content needs a licence",
        );
    }
    if ctx.research_exception {
        return GateOutcome::one(
            GateVerdict::Allowed,
            "UK_S29A_RESEARCH",
            "CDPA s.29A permits text and data analysis for non-commercial research with lawful access",
        );
    }
    if ctx.uk_optout_fallback {
        return eu_baseline(optout, review, ctx);
    }
    GateOutcome::one(
        GateVerdict::Blocked,
        "UK_TDM_LICENCE",
        "CDPA s.29A covers non-commercial research only and the UK has no opt-out regime to fall back on: any other use of web content needs a licence",
    )
}

/// DSM Directive Art. 3 (research) and Art. 4 (everyone else, unless reserved).
fn eu_baseline(optout: Option<OptoutStatus>, review: Option<ReviewDecision>, ctx: &GateContext) -> GateOutcome {
    if ctx.research_exception && !ctx.commercial {
        return GateOutcome::one(
            GateVerdict::Allowed,
            "DSM_ART3_RESEARCH",
            "DSM Art. 3: a research organisation mining for a non-commercial purpose; reservations do not apply",
        );
    }
    match optout {
        Some(OptoutStatus::Clear) => {
            GateOutcome::one(GateVerdict::Allowed, "DSM_ART4_CLEAR", "DSM Art. 4: no machine-readable reservation was found")
        }
        Some(OptoutStatus::Reserved) => GateOutcome::one(
            GateVerdict::Blocked,
            "EU_TDM_OPTOUT",
            "the rights holder reserved TDM by machine-readable means (DSM Art. 4(3))",
        ),
        Some(OptoutStatus::Unknown) if review == Some(ReviewDecision::Allow) => GateOutcome::one(
            GateVerdict::Allowed,
            "REVIEWED_ALLOW",
            "the opt-out status was unknown; a reviewer established that the use is permitted",
        ),
        Some(OptoutStatus::Unknown) => GateOutcome::one(
            GateVerdict::Review,
            "OPTOUT_UNKNOWN",
            "the opt-out scan could not establish the status; fails closed to human review",
        ),
        None => GateOutcome::one(GateVerdict::Review, "OPTOUT_PENDING", "the source has not been scanned for a TDM reservation yet"),
    }
}
