//! The review-queue policy (`policy/review-v1.toml`): which approvals need two different admins
//! (four eyes) and which case reasons are a sanctions match. Data, loaded once.

use serde::Deserialize;
use uuid::Uuid;

const ENFORCED_TEXT: &str = include_str!("../policy/review-v1.toml");

/// USDC base units per whole USDC (6 decimals).
const USDC_UNIT: u128 = 1_000_000;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewPolicyFile {
    version: String,
    four_eyes: FourEyesFile,
    pep: PepFile,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PepFile {
    programs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FourEyesFile {
    amount_usdc: u64,
    kinds: Vec<String>,
    sanctions_match_rules: Vec<String>,
}

/// The case kinds of the review queue (API.md "Admin review"): which check opened the case — the
/// screening of a payment, of a wallet being linked, of a name, or a re-screen after a list import.
/// What the case is about is its [`CaseSubject`].
pub const CASE_KINDS: &[&str] = &["payment", "wallet", "name", "rescreen"];

/// What a case is about, from its `subject` reference — apart from which check opened it (its kind):
/// a re-screen, for one, may be about a wallet or a held payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseSubject {
    /// `job:<id>`: the job's payment.
    Payment(Uuid),
    /// `wallet:<address>`: a linked wallet.
    Wallet(String),
    /// `kyc:<session>`: the person a KYC session verified.
    Person(Uuid),
    /// `org:<id>`: an organisation's legal name.
    Organization(Uuid),
}

impl CaseSubject {
    pub fn parse(reference: &str) -> Option<Self> {
        let (scheme, rest) = reference.split_once(':')?;
        let id = || Uuid::parse_str(rest).ok();
        match scheme {
            "job" => id().map(CaseSubject::Payment),
            "wallet" if !rest.is_empty() => Some(CaseSubject::Wallet(rest.to_owned())),
            "kyc" => id().map(CaseSubject::Person),
            "org" => id().map(CaseSubject::Organization),
            _ => None,
        }
    }
}

impl std::fmt::Display for CaseSubject {
    /// The reference stored as the case's `subject`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaseSubject::Payment(job) => write!(f, "job:{job}"),
            CaseSubject::Wallet(address) => write!(f, "wallet:{address}"),
            CaseSubject::Person(session) => write!(f, "kyc:{session}"),
            CaseSubject::Organization(id) => write!(f, "org:{id}"),
        }
    }
}
/// Every status a case can be in (the `screening_case` check constraint).
pub const CASE_STATUSES: &[&str] = &["open", "awaiting_second_approval", "approved", "rejected", "blocked", "info_requested"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPolicy {
    version: String,
    four_eyes_amount: u128,
    four_eyes_kinds: Vec<String>,
    sanctions_match_rules: Vec<String>,
    pep_programs: Vec<String>,
}

impl ReviewPolicy {
    /// The policy compiled into this build.
    pub fn v1() -> Result<Self, String> {
        Self::parse(ENFORCED_TEXT)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: ReviewPolicyFile = toml::from_str(text).map_err(|e| format!("review policy: {e}"))?;
        if file.version.trim().is_empty() {
            return Err("review policy: version is empty".into());
        }
        if file.four_eyes.amount_usdc == 0 {
            return Err("review policy: four_eyes.amount_usdc must be positive".into());
        }
        if let Some(kind) = file.four_eyes.kinds.iter().find(|k| !CASE_KINDS.contains(&k.as_str())) {
            return Err(format!("review policy: unknown case kind {kind:?} (known: {})", CASE_KINDS.join(", ")));
        }
        if file.four_eyes.sanctions_match_rules.is_empty() {
            return Err("review policy: four_eyes.sanctions_match_rules is empty".into());
        }
        Ok(Self {
            version: file.version,
            four_eyes_amount: u128::from(file.four_eyes.amount_usdc) * USDC_UNIT,
            four_eyes_kinds: file.four_eyes.kinds,
            sanctions_match_rules: file.four_eyes.sanctions_match_rules,
            pep_programs: file.pep.programs,
        })
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    /// The four-eyes amount line, USDC base units.
    pub fn four_eyes_amount(&self) -> u128 {
        self.four_eyes_amount
    }

    /// Whether a list entry with these programmes is a politically exposed person (not a sanctions match).
    pub fn is_pep(&self, programs: &[String]) -> bool {
        programs.iter().any(|p| self.pep_programs.iter().any(|m| m.eq_ignore_ascii_case(p)))
    }

    /// Whether a case's reasons (`[{"rule": …}, …]`) include a sanctions match by name or address.
    pub fn is_sanctions_match(&self, reasons: &serde_json::Value) -> bool {
        reasons
            .as_array()
            .is_some_and(|rs| rs.iter().filter_map(|r| r["rule"].as_str()).any(|rule| self.sanctions_match_rules.iter().any(|m| m == rule)))
    }

    /// Whether approving a case of `kind`, `amount` (base units, if any) and `reasons` needs two
    /// different admins.
    pub fn needs_four_eyes(&self, kind: &str, amount: Option<u128>, reasons: &serde_json::Value) -> bool {
        self.four_eyes_kinds.iter().any(|k| k == kind)
            || amount.is_some_and(|a| a >= self.four_eyes_amount)
            || self.is_sanctions_match(reasons)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {

    #[test]
    fn a_case_subject_reads_back_from_its_reference() {
        let id = Uuid::from_u128(7);
        for subject in
            [CaseSubject::Payment(id), CaseSubject::Wallet("0xabc".into()), CaseSubject::Person(id), CaseSubject::Organization(id)]
        {
            assert_eq!(CaseSubject::parse(&subject.to_string()), Some(subject));
        }
        for bad in ["0xabc", "job:nope", "wallet:", "rescreen:1", ""] {
            assert_eq!(CaseSubject::parse(bad), None, "{bad}");
        }
    }

    use serde_json::json;

    use super::*;

    #[test]
    fn the_shipped_policy_loads_and_asks_for_four_eyes_on_any_sanctions_match() {
        let p = ReviewPolicy::v1().unwrap();
        assert!(p.needs_four_eyes("wallet", None, &json!([{"rule": "sanctions.address_match"}])));
        assert!(p.needs_four_eyes("payment", Some(10_000 * USDC_UNIT), &json!([])));
        assert!(!p.needs_four_eyes("payment", Some(9_999 * USDC_UNIT), &json!([{"rule": "velocity"}])));
        assert!(p.needs_four_eyes("name", None, &json!([])));
        assert!(!p.needs_four_eyes("wallet", None, &json!([{"rule": "high_risk_jurisdiction"}])));
    }

    #[test]
    fn an_unknown_kind_is_refused() {
        let text = ENFORCED_TEXT.replace("kinds = [\"name\"]", "kinds = [\"nmae\"]");
        assert!(ReviewPolicy::parse(&text).unwrap_err().contains("nmae"));
    }
}
