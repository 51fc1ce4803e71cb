//! The scenario table's machinery: a row names a legal situation and what an assessment of it
//! must show (tier, provider role, audit, obligations present and absent, rules fired or not).

use attune_domain::compliance::{Assessment, ProviderRole, RiskTier};

use crate::support::{Case, ids, rules};

type Setup = Box<dyn Fn(&mut Case)>;
type Extra = Box<dyn Fn(&Assessment) -> Result<(), String>>;

pub struct Row {
    name: String,
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

impl Row {
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
        let mut case = Case::baseline();
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

#[test]
fn scenario_table() {
    let rows: Vec<Row> = crate::scenarios_floor::rows().into_iter().chain(crate::scenarios_duties::rows()).collect();
    assert!(rows.len() >= 40, "only {} scenarios", rows.len());
    let failures: Vec<String> = rows.iter().filter_map(|r| r.check().err().map(|e| format!("{}: {e}", r.name))).collect();
    assert!(failures.is_empty(), "{} of {} scenarios failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
}
