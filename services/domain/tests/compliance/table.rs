//! The scenario table's machinery: a row names a legal situation and what an assessment of it
//! must show (tier, provider role, audit, obligations present and absent, rules fired or not).

use attune_domain::compliance::{Assessment, ProviderRole, RiskTier};

use crate::support::{Case, ids, rules};

type Setup = Box<dyn Fn(&mut Case)>;
type Extra = Box<dyn Fn(&Assessment) -> Result<(), String>>;

pub struct Row {
    name: String,
    start: fn() -> Case,
    /// v2: (high-risk provider, GPAI provider) expected.
    roles: Option<(bool, bool)>,
    setup: Setup,
    tier: RiskTier,
    role: ProviderRole,
    audit: bool,
    has: Vec<&'static str>,
    lacks: Vec<&'static str>,
    fired: Vec<String>,
    not_fired: Vec<&'static str>,
    extra: Option<Extra>,
}

pub fn row(name: impl Into<String>, tier: RiskTier, setup: impl Fn(&mut Case) + 'static) -> Row {
    Row {
        name: name.into(),
        start: Case::baseline,
        roles: None,
        setup: Box::new(setup),
        tier,
        role: ProviderRole::Deployer,
        audit: tier >= RiskTier::Medium && tier != RiskTier::Prohibited,
        has: vec![],
        lacks: vec![],
        fired: vec![],
        not_fired: vec![],
        extra: None,
    }
}

/// A row decided under policy v2, starting from the same baseline.
pub fn row_v2(name: impl Into<String>, tier: RiskTier, setup: impl Fn(&mut Case) + 'static) -> Row {
    Row { start: Case::v2, roles: Some((false, false)), ..row(name, tier, setup) }
}

impl Row {
    /// v2: which of the two provider roles applies; either makes the buyer a provider.
    pub fn roles(mut self, high_risk_provider: bool, gpai_provider: bool) -> Self {
        self.roles = Some((high_risk_provider, gpai_provider));
        if high_risk_provider || gpai_provider {
            self = self.provider();
        }
        self
    }
    pub fn provider(mut self) -> Self {
        self.role = ProviderRole::Provider;
        self.audit = true;
        self
    }
    pub fn audit(mut self, audit: bool) -> Self {
        self.audit = audit;
        self
    }
    pub fn has(mut self, ids: &[&'static str]) -> Self {
        self.has.extend_from_slice(ids);
        self
    }
    pub fn lacks(mut self, ids: &[&'static str]) -> Self {
        self.lacks.extend_from_slice(ids);
        self
    }
    pub fn fired(mut self, rules: &[&str]) -> Self {
        self.fired.extend(rules.iter().map(|r| r.to_string()));
        self
    }
    pub fn not_fired(mut self, rules: &[&'static str]) -> Self {
        self.not_fired.extend_from_slice(rules);
        self
    }
    pub fn extra(mut self, check: impl Fn(&Assessment) -> Result<(), String> + 'static) -> Self {
        self.extra = Some(Box::new(check));
        self
    }

    fn check(&self) -> Result<(), String> {
        let mut case = (self.start)();
        (self.setup)(&mut case);
        let a = case.try_assess().map_err(|e| format!("validation failed: {e}"))?;
        let (obligations, fired) = (ids(&a), rules(&a));
        let mut problems = Vec::new();
        if a.risk_tier != self.tier {
            problems.push(format!("tier {} (want {})", a.risk_tier, self.tier));
        }
        if a.provider_role != self.role {
            problems.push(format!("role {} (want {})", a.provider_role, self.role));
        }
        if a.audit_required != self.audit {
            problems.push(format!("audit_required {} (want {})", a.audit_required, self.audit));
        }
        problems.extend(self.has.iter().filter(|id| !obligations.contains(id)).map(|id| format!("missing obligation {id}")));
        problems.extend(self.lacks.iter().filter(|id| obligations.contains(id)).map(|id| format!("unexpected obligation {id}")));
        problems.extend(self.fired.iter().filter(|r| !fired.contains(&r.as_str())).map(|r| format!("rule {r} did not fire")));
        problems.extend(self.not_fired.iter().filter(|r| fired.contains(r)).map(|r| format!("rule {r} fired")));
        if let Some((hrs, gpai)) = self.roles {
            match &a.roles {
                Some(r) if (r.high_risk_provider.applies, r.gpai_provider.applies) == (hrs, gpai) => {}
                Some(r) => problems.push(format!(
                    "roles (high-risk provider {}, GPAI provider {}), want ({hrs}, {gpai})",
                    r.high_risk_provider.applies, r.gpai_provider.applies
                )),
                None => problems.push("no roles: not decided under v2".into()),
            }
        }
        if let Some(Err(e)) = self.extra.as_ref().map(|f| f(&a)) {
            problems.push(e);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{}\n    obligations {obligations:?}\n    rules {fired:?}", problems.join("; ")))
        }
    }
}

pub fn check_all(rows: &[Row]) {
    let failures: Vec<String> = rows.iter().filter_map(|r| r.check().err().map(|e| format!("{}: {e}", r.name))).collect();
    assert!(failures.is_empty(), "{} of {} scenarios failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

/// What v1 decided, kept passing: a job decided under v1 replays to the same answer.
#[test]
fn scenario_table_v1_replays() {
    let rows: Vec<Row> = crate::scenarios_floor::rows().into_iter().chain(crate::scenarios_duties::rows()).collect();
    assert!(rows.len() >= 40, "only {} scenarios", rows.len());
    check_all(&rows);
}
