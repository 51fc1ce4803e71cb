//! A baseline case (a small internal tool fine-tuned with LoRA, deployed in the EU) that each test
//! changes only where it matters.

use attune_domain::OrgKind;
use attune_domain::ValidationErrors;
use attune_domain::compliance::{
    Assessment, AssessmentInput, BaseModelFacts, DeploymentContext, Derogation, Hyperparameters, Policy, assess,
};

/// The v1 policy: the scenario tables written for it keep passing, which is what replaying a v1
/// decision needs. `Case::v2` cases state the law as v2 encodes it.
pub fn policy() -> &'static Policy {
    Policy::v1().expect("the embedded policy parses")
}

pub fn policy_v2() -> &'static Policy {
    Policy::v2().expect("the embedded v2 policy parses")
}

#[derive(Debug, Clone)]
pub struct Case {
    pub model: BaseModelFacts,
    pub method: String,
    pub hyperparameters: Hyperparameters,
    pub dataset_tokens: Option<u64>,
    pub deployment: DeploymentContext,
    pub org: OrgKind,
    pub personal_data: bool,
    pub special_category_data: bool,
    pub measured_flops: Option<f64>,
    pub audit_fee: Option<attune_domain::pools::AuditFee>,
    pub policy: &'static Policy,
}

impl Case {
    /// 7B parameters, 1e24 declared FLOPs, for general use; LoRA on 10M tokens × 3 epochs; an
    /// internal, human-in-the-loop tool for 50 people in the EU.
    pub fn baseline() -> Self {
        Case {
            model: BaseModelFacts {
                parameter_count: 7_000_000_000,
                training_flops: Some(1e24),
                intended_uses: vec!["general".into()],
                systemic_risk_designated: false,
                licence_fee: 5_000_000,
                architecture: "llama".into(),
            },
            method: "lora".into(),
            hyperparameters: Hyperparameters { epochs: 3, lora_rank: Some(16), learning_rate: Some(2e-4), tokens: Some(10_000_000) },
            dataset_tokens: None,
            deployment: DeploymentContext {
                purpose: "Summarise internal support tickets for the support team".into(),
                sectors: vec!["internal_tools".into()],
                prohibited_practices: vec![],
                jurisdictions: vec!["EU".into()],
                expected_monthly_users: 50,
                monthly_queries: 1_000,
                autonomy: "human_in_the_loop".into(),
                vulnerable_groups: false,
                public_facing: false,
                profiles_natural_persons: false,
                revenue_dependence: "low".into(),
                art6_3_derogation: None,
                commercial: true,
                functions: vec![],
                provides_public_service: false,
            },
            org: OrgKind::Sme,
            personal_data: false,
            special_category_data: false,
            measured_flops: None,
            audit_fee: None,
            policy: policy(),
        }
    }

    /// The baseline, decided under policy v2.
    pub fn v2() -> Self {
        Case { policy: policy_v2(), ..Case::baseline() }
    }

    pub fn try_assess(&self) -> Result<Assessment, ValidationErrors> {
        assess(
            self.policy,
            &AssessmentInput {
                model: &self.model,
                method: self.method.clone(),
                hyperparameters: &self.hyperparameters,
                tokens: self.dataset_tokens,
                deployment: &self.deployment,
                organization_kind: self.org,
                dataset_has_personal_data: self.personal_data,
                dataset_has_special_category_data: self.special_category_data,
                measured_flops: self.measured_flops,
                audit_fee: self.audit_fee.as_ref(),
            },
        )
    }

    pub fn assess(&self) -> Assessment {
        self.try_assess().unwrap_or_else(|e| panic!("expected a valid case, got {e}"))
    }

    pub fn sectors(&mut self, sectors: &[&str]) -> &mut Self {
        self.deployment.sectors = sectors.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn jurisdictions(&mut self, codes: &[&str]) -> &mut Self {
        self.deployment.jurisdictions = codes.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn derogation(&mut self, ground: &str, justification: &str) -> &mut Self {
        self.deployment.art6_3_derogation = Some(Derogation { ground: ground.into(), justification: justification.into() });
        self
    }

    /// A million public users served without a human in the loop.
    pub fn large_public_automated(&mut self) -> &mut Self {
        let d = &mut self.deployment;
        d.expected_monthly_users = 1_000_000;
        d.monthly_queries = 1_000;
        d.public_facing = true;
        d.autonomy = "automated".into();
        self
    }
}

pub fn ids(assessment: &Assessment) -> Vec<&str> {
    assessment.obligations.iter().map(|o| o.id.as_str()).collect()
}

pub fn rules(assessment: &Assessment) -> Vec<&str> {
    assessment.reasons.iter().map(|r| r.rule.as_str()).collect()
}

pub const HIGH_RISK_DUTIES: [&str; 8] = [
    "AIA_ART9_RISK_MGMT",
    "AIA_ART10_DATA_GOV",
    "AIA_ART11_TECH_DOC",
    "AIA_ART12_LOGGING",
    "AIA_ART13_TRANSPARENCY",
    "AIA_ART14_OVERSIGHT",
    "AIA_ART15_ROBUSTNESS",
    "AIA_ART49_REGISTRATION",
];

pub const ART53_TRIO: [&str; 3] = ["AIA_ART53_GPAI_DOCS", "AIA_ART53_COPYRIGHT_POLICY", "AIA_ART53_TRAINING_SUMMARY"];
