//! What an assessment is asked about, and its parsing into checked values. Every mistake is
//! collected with its field path so a client sees all of them in one answer.

use serde::{Deserialize, Serialize};

use super::policy::{Function, Policy, ProhibitedPractice, Sector};
use super::vocab::{Autonomy, DerogationGround, Level, TrainingMethod};
use crate::{Country, OrgKind, ValidationErrors};

/// A claimed AI Act Art. 6(3) derogation for an Annex III deployment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derogation {
    pub ground: String,
    pub justification: String,
}

/// The `deployment` object of API.md, used by assessments and jobs alike.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentContext {
    pub purpose: String,
    pub sectors: Vec<String>,
    #[serde(default)]
    pub prohibited_practices: Vec<String>,
    pub jurisdictions: Vec<String>,
    pub expected_monthly_users: u64,
    pub monthly_queries: u64,
    pub autonomy: String,
    #[serde(default)]
    pub vulnerable_groups: bool,
    #[serde(default)]
    pub public_facing: bool,
    #[serde(default)]
    pub profiles_natural_persons: bool,
    pub revenue_dependence: String,
    #[serde(default)]
    pub art6_3_derogation: Option<Derogation>,
    /// Whether the fine-tune serves a commercial purpose. Only a non-commercial purpose of a research
    /// organisation can use the research exceptions for web content (DSM Art. 3, CDPA s.29A), so it
    /// defaults to `true`.
    #[serde(default = "commercial_by_default")]
    pub commercial: bool,
    /// What the system does, in the policy's `functions` vocabulary (chat, emotion recognition, …):
    /// Art. 50 attaches by function, and some functions point at an Art. 5 practice.
    #[serde(default)]
    pub functions: Vec<String>,
    /// The deployer is a private entity providing public services (AI Act Art. 27(1)).
    #[serde(default)]
    pub provides_public_service: bool,
}

fn commercial_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyperparameters {
    pub epochs: u32,
    #[serde(default)]
    pub lora_rank: Option<u32>,
    #[serde(default)]
    pub learning_rate: Option<f64>,
    #[serde(default)]
    pub tokens: Option<u64>,
}

/// What the listing of the base model declares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BaseModelFacts {
    pub parameter_count: u64,
    /// Declared training compute; `None` when the provider did not declare it.
    pub training_flops: Option<f64>,
    /// The model's intended uses, in the `sectors` vocabulary.
    pub intended_uses: Vec<String>,
    pub systemic_risk_designated: bool,
    /// Licence fee in token base units.
    pub licence_fee: u128,
    /// The listing's architecture (`llama`, `bert`, …): whether the fine-tune generates content.
    pub architecture: String,
}

#[derive(Debug, Clone)]
pub struct AssessmentInput<'a> {
    pub model: &'a BaseModelFacts,
    pub method: String,
    pub hyperparameters: &'a Hyperparameters,
    /// Token count of the chosen dataset; overrides `hyperparameters.tokens`.
    pub tokens: Option<u64>,
    pub deployment: &'a DeploymentContext,
    pub organization_kind: OrgKind,
    pub dataset_has_personal_data: bool,
    /// The accepted records declare GDPR Art. 9 special-category data.
    pub dataset_has_special_category_data: bool,
    /// Training compute measured by the workers, once training has reported it: provider status
    /// uses the larger of this and the estimate.
    pub measured_flops: Option<f64>,
    /// The audit fee priced for the buyer's organisation (its pool's, or the platform's own review);
    /// `None` takes the policy's flat `audit_pool_fee`.
    pub audit_fee: Option<&'a crate::pools::AuditFee>,
}

/// The input after parsing: every vocabulary word resolved against the policy.
#[derive(Debug)]
pub(crate) struct Parsed<'p> {
    pub method: TrainingMethod,
    pub epochs: u32,
    pub tokens: u64,
    /// Deployment sectors, each once, in the order given.
    pub sectors: Vec<&'p Sector>,
    pub practices: Vec<&'p ProhibitedPractice>,
    pub functions: Vec<&'p Function>,
    /// Normalised codes (`DE`, `UK`, `US-CO`), each once.
    pub jurisdictions: Vec<String>,
    pub autonomy: Autonomy,
    pub revenue_dependence: Level,
    pub derogation: Option<DerogationGround>,
}

const PURPOSE_MAX_CHARS: usize = 2_000;

const US_STATES: &str = "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR \
PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM";

pub(crate) fn parse<'p>(policy: &'p Policy, input: &AssessmentInput<'_>) -> Result<Parsed<'p>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let d = input.deployment;
    let hp = input.hyperparameters;

    let method = errors.check("method", input.method.parse::<TrainingMethod>());
    if hp.epochs == 0 {
        errors.push("hyperparameters.epochs", "must be at least 1");
    }
    if hp.lora_rank == Some(0) {
        errors.push("hyperparameters.lora_rank", "must be at least 1");
    }
    if hp.learning_rate.is_some_and(|lr| !(lr.is_finite() && lr > 0.0)) {
        errors.push("hyperparameters.learning_rate", "must be a positive number");
    }
    let tokens = match (input.tokens, hp.tokens) {
        (Some(0), _) => errors.check("dataset_id", Err("the dataset has no tokens to train on".into())),
        (Some(n), _) => Some(n),
        (None, Some(0)) => errors.check("hyperparameters.tokens", Err("must be at least 1".into())),
        (None, Some(n)) => Some(n),
        (None, None) => errors.check("hyperparameters.tokens", Err("is required when no dataset is given".into())),
    };

    let purpose = d.purpose.trim();
    if purpose.is_empty() {
        errors.push("deployment.purpose", "is required: describe what the fine-tuned model will be used for");
    } else if purpose.chars().count() > PURPOSE_MAX_CHARS {
        errors.push("deployment.purpose", format!("must be at most {PURPOSE_MAX_CHARS} characters"));
    }

    let mut sectors: Vec<&Sector> = Vec::new();
    if d.sectors.is_empty() {
        errors.push("deployment.sectors", "name at least one sector");
    }
    for (i, raw) in d.sectors.iter().enumerate() {
        match policy.sector(raw.trim()) {
            Some(s) if !sectors.iter().any(|known| known.id == s.id) => sectors.push(s),
            Some(_) => {}
            None => errors.push(&format!("deployment.sectors[{i}]"), format!("unknown sector {raw:?}")),
        }
    }

    let mut practices: Vec<&ProhibitedPractice> = Vec::new();
    for (i, raw) in d.prohibited_practices.iter().enumerate() {
        match policy.prohibited_practices().iter().find(|p| p.id == raw.trim()) {
            Some(p) if !practices.iter().any(|known| known.id == p.id) => practices.push(p),
            Some(_) => {}
            None => errors.push(&format!("deployment.prohibited_practices[{i}]"), format!("unknown practice {raw:?}")),
        }
    }

    let mut functions: Vec<&Function> = Vec::new();
    for (i, raw) in d.functions.iter().enumerate() {
        match policy.functions().iter().find(|f| f.id == raw.trim()) {
            Some(f) if !functions.iter().any(|known| known.id == f.id) => functions.push(f),
            Some(_) => {}
            None => errors.push(&format!("deployment.functions[{i}]"), format!("unknown function {raw:?}")),
        }
    }

    let mut jurisdictions: Vec<String> = Vec::new();
    if d.jurisdictions.is_empty() {
        errors.push("deployment.jurisdictions", "name at least one jurisdiction");
    }
    for (i, raw) in d.jurisdictions.iter().enumerate() {
        if let Some(code) = errors.check(&format!("deployment.jurisdictions[{i}]"), parse_jurisdiction(raw))
            && !jurisdictions.contains(&code)
        {
            jurisdictions.push(code);
        }
    }

    let autonomy = errors.check("deployment.autonomy", d.autonomy.parse::<Autonomy>());
    let revenue_dependence = errors.check("deployment.revenue_dependence", d.revenue_dependence.parse::<Level>());
    let derogation = d.art6_3_derogation.as_ref().and_then(|claim| {
        if claim.justification.trim().is_empty() {
            errors.push("deployment.art6_3_derogation.justification", "a derogation needs a written justification (AI Act Art. 6(4))");
        }
        errors.check("deployment.art6_3_derogation.ground", claim.ground.parse::<DerogationGround>())
    });

    match (method, tokens, autonomy, revenue_dependence) {
        (Some(method), Some(tokens), Some(autonomy), Some(revenue_dependence)) if errors.is_empty() => Ok(Parsed {
            method,
            epochs: hp.epochs,
            tokens,
            sectors,
            practices,
            functions,
            jurisdictions,
            autonomy,
            revenue_dependence,
            derogation,
        }),
        _ => Err(errors),
    }
}

/// Every jurisdiction code `parse_jurisdiction` takes, as it writes them.
pub fn jurisdiction_codes() -> Vec<String> {
    let mut codes = vec!["EU".to_string(), "UK".to_string()];
    codes.extend(crate::account::assigned_country_codes().map(str::to_string));
    codes.extend(US_STATES.split_ascii_whitespace().map(|s| format!("US-{s}")));
    codes
}

/// `EU`, `UK`, `US`, `US-XX` for a US state or territory, or an assigned ISO 3166-1 alpha-2 code.
pub(crate) fn parse_jurisdiction(raw: &str) -> Result<String, String> {
    let code = raw.trim().to_ascii_uppercase();
    if code == "EU" || code == "UK" {
        return Ok(code);
    }
    if let Some(state) = code.strip_prefix("US-") {
        return if state.len() == 2 && US_STATES.split_ascii_whitespace().any(|s| s == state) {
            Ok(code)
        } else {
            Err(format!("{raw:?} is not a US state code such as US-CO or US-CA"))
        };
    }
    Country::parse(&code)
        .map(|c| c.as_str().to_string())
        .map_err(|e| format!("{raw:?} is not a jurisdiction: use EU, UK, US, US-XX for a US state, or an ISO 3166-1 alpha-2 code ({e})"))
}
