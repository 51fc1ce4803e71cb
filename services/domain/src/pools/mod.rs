//! Audit pools (`policy/pools-v1.toml`; seed 002 §VI.D–VII): what a member pays per audit — the
//! pool's fixed cost spread over its audit volume, so the fee falls as members join — who may join,
//! how long a membership lasts, and the safe-harbour conditions. Data, referenced by version and
//! sha256 like a policy, so a quoted fee replays.

mod safe_harbour;
mod task;

use serde::{Deserialize, Serialize};

use crate::OrgKind;
use crate::compliance::PolicyRef;
use crate::provenance::sha256_hex;

pub use safe_harbour::{Condition, ConditionRule, SafeHarbourFacts, evaluate};
pub use task::{AuditTaskStatus, CertificateStatus};

const V1_TEXT: &str = include_str!("../../policy/pools-v1.toml");

#[derive(Debug, Clone)]
pub struct PoolPolicy {
    reference: PolicyRef,
    fees: Fees,
    eligible_kinds: Vec<OrgKind>,
    term_days: u32,
    conditions: Vec<ConditionRule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fees {
    annual_fixed_cost: u64,
    cost_per_audit: u64,
    audits_per_member_per_year: u32,
    non_pooled_fee: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: String,
    fees: Fees,
    membership: Membership,
    safe_harbour: SafeHarbourFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Membership {
    eligible_kinds: Vec<String>,
    term_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SafeHarbourFile {
    condition: Vec<ConditionRule>,
}

/// Who reviews a job and what it costs: the buyer's pool at its spread cost, or the platform's own
/// review at the non-pooled fee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFee {
    #[serde(with = "crate::compliance::amount_string")]
    pub amount: u128,
    /// `pool` or `platform`.
    pub basis: String,
    /// Members the pool had when the fee was quoted (0 for the platform's review).
    pub members: u32,
    /// How the amount was computed, in words and numbers.
    pub formula: String,
    pub policy: PolicyRef,
}

impl AuditFee {
    pub fn pooled(&self) -> bool {
        self.basis == "pool"
    }
}

impl PoolPolicy {
    /// The policy new fees and certificates are decided under (loaded once).
    pub fn current() -> Result<&'static PoolPolicy, String> {
        static CURRENT: std::sync::OnceLock<Result<PoolPolicy, String>> = std::sync::OnceLock::new();
        CURRENT.get_or_init(|| Self::parse(V1_TEXT)).as_ref().map_err(Clone::clone)
    }

    /// The version a stored fee names, if this build has it.
    pub fn by_version(version: &str) -> Option<&'static PoolPolicy> {
        Self::current().ok().filter(|p| p.reference.version == version)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("pools policy: {e}"))?;
        if file.version.trim().is_empty() {
            return Err("pools policy: version is empty".into());
        }
        if file.fees.audits_per_member_per_year == 0 || file.fees.cost_per_audit > file.fees.non_pooled_fee {
            return Err("pools policy: audits_per_member_per_year must be positive and cost_per_audit at most non_pooled_fee".into());
        }
        let eligible_kinds = file
            .membership
            .eligible_kinds
            .iter()
            .map(|k| k.parse::<OrgKind>().map_err(|e| format!("pools policy: membership.eligible_kinds: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        if file.membership.term_days == 0 {
            return Err("pools policy: membership.term_days must be positive".into());
        }
        let conditions = file.safe_harbour.condition;
        safe_harbour::check_rules(&conditions).map_err(|e| format!("pools policy: {e}"))?;
        Ok(Self {
            reference: PolicyRef { version: file.version, sha256: sha256_hex(text.as_bytes()) },
            fees: file.fees,
            eligible_kinds,
            term_days: file.membership.term_days,
            conditions,
        })
    }

    pub fn reference(&self) -> &PolicyRef {
        &self.reference
    }

    pub fn may_join(&self, kind: OrgKind) -> bool {
        self.eligible_kinds.contains(&kind)
    }

    pub fn eligible_kinds(&self) -> &[OrgKind] {
        &self.eligible_kinds
    }

    pub fn term_days(&self) -> u32 {
        self.term_days
    }

    pub fn conditions(&self) -> &[ConditionRule] {
        &self.conditions
    }

    /// The fee per audit in a pool of `members` (at least one: the member asking).
    pub fn pooled_fee(&self, members: u32) -> AuditFee {
        let f = &self.fees;
        let members = members.max(1);
        let volume = u128::from(members) * u128::from(f.audits_per_member_per_year);
        let share = u128::from(f.annual_fixed_cost).div_ceil(volume);
        let spread = u128::from(f.cost_per_audit) + share;
        let amount = spread.min(u128::from(f.non_pooled_fee));
        let capped = if amount < spread { format!(", capped at the platform's own review ({})", usdc(amount)) } else { String::new() };
        let formula = format!(
            "{} per audit + {} a year ÷ ({members} member{} × {} audits a year) = {} + {} = {}{capped}",
            usdc(u128::from(f.cost_per_audit)),
            usdc(u128::from(f.annual_fixed_cost)),
            if members == 1 { "" } else { "s" },
            f.audits_per_member_per_year,
            usdc(u128::from(f.cost_per_audit)),
            usdc(share),
            usdc(spread),
        );
        AuditFee { amount, basis: "pool".into(), members, formula, policy: self.reference.clone() }
    }

    /// The platform's own review, for an organisation in no pool.
    pub fn non_pooled_fee(&self) -> AuditFee {
        let amount = u128::from(self.fees.non_pooled_fee);
        AuditFee {
            amount,
            basis: "platform".into(),
            members: 0,
            formula: format!("the platform's own review of one job, unshared: {}", usdc(amount)),
            policy: self.reference.clone(),
        }
    }

    /// Recomputes a stored fee from its basis (for replaying a quote).
    pub fn recompute(&self, fee: &AuditFee) -> AuditFee {
        if fee.pooled() { self.pooled_fee(fee.members) } else { self.non_pooled_fee() }
    }
}

/// USDC base units as "12.345678 USDC", trailing zeros dropped.
fn usdc(base_units: u128) -> String {
    let whole = base_units / 1_000_000;
    let frac = base_units % 1_000_000;
    if frac == 0 { format!("{whole} USDC") } else { format!("{whole}.{} USDC", format!("{frac:06}").trim_end_matches('0')) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_falls_as_members_join_and_never_exceeds_the_platform_review() {
        let p = PoolPolicy::current().unwrap();
        let fees: Vec<u128> = [1, 2, 5, 20, 100, 1000].iter().map(|m| p.pooled_fee(*m).amount).collect();
        assert!(fees.windows(2).all(|w| w[0] >= w[1]), "{fees:?}");
        assert!(fees.iter().all(|f| *f <= p.non_pooled_fee().amount));
        assert_eq!(p.pooled_fee(1).amount, p.non_pooled_fee().amount, "a pool of one pays no more than going alone");
        // 20 + ceil(6000 / (20 × 12)) = 20 + 25 USDC.
        assert_eq!(p.pooled_fee(20).amount, 45_000_000);
        assert!(p.pooled_fee(20).formula.contains("20 members × 12 audits a year"), "{}", p.pooled_fee(20).formula);
        assert!(p.pooled_fee(1).formula.contains("capped"));
    }

    #[test]
    fn a_stored_fee_recomputes_from_its_basis() {
        let p = PoolPolicy::current().unwrap();
        let stored = p.pooled_fee(7);
        assert_eq!(p.recompute(&stored), stored);
        assert_eq!(p.recompute(&p.non_pooled_fee()), p.non_pooled_fee());
        assert_eq!(usdc(12_500_000), "12.5 USDC");
    }

    #[test]
    fn bad_files_are_refused() {
        assert!(PoolPolicy::parse(&V1_TEXT.replace("audits_per_member_per_year = 12", "audits_per_member_per_year = 0")).is_err());
        assert!(PoolPolicy::parse(&V1_TEXT.replace("\"sme\", ", "\"small\", ")).is_err());
        assert!(PoolPolicy::parse(&V1_TEXT.replace("id = \"remediation_plan\"", "id = \"something_else\"")).is_err());
    }
}
