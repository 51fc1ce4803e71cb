//! Bad input is a list of field errors, each naming its field; nothing else is an error.

use crate::support::Case;

type Mutation = fn(&mut Case);

fn fields_of(case: &Case) -> Vec<String> {
    match case.try_assess() {
        Ok(a) => panic!("expected validation errors, got an assessment with tier {}", a.risk_tier),
        Err(errors) => errors.0.into_iter().map(|e| e.field).collect(),
    }
}

#[test]
fn each_mistake_names_its_field() {
    let table: Vec<(&str, Mutation)> = vec![
        ("deployment.sectors[2]", |c| c.deployment.sectors = vec!["marketing".into(), "software".into(), "astrology".into()]),
        ("deployment.sectors", |c| c.deployment.sectors.clear()),
        ("deployment.prohibited_practices[0]", |c| c.deployment.prohibited_practices = vec!["mind_reading".into()]),
        ("deployment.autonomy", |c| c.deployment.autonomy = "fully_autonomous".into()),
        ("deployment.revenue_dependence", |c| c.deployment.revenue_dependence = "huge".into()),
        ("deployment.jurisdictions[1]", |c| c.deployment.jurisdictions = vec!["EU".into(), "XX".into()]),
        ("deployment.jurisdictions[0]", |c| c.deployment.jurisdictions = vec!["US-ZZ".into()]),
        ("deployment.jurisdictions[0]", |c| c.deployment.jurisdictions = vec!["Europe".into()]),
        ("deployment.jurisdictions", |c| c.deployment.jurisdictions.clear()),
        ("deployment.purpose", |c| c.deployment.purpose = "  ".into()),
        ("method", |c| c.method = "adapter".into()),
        ("hyperparameters.epochs", |c| c.hyperparameters.epochs = 0),
        ("hyperparameters.tokens", |c| c.hyperparameters.tokens = None),
        ("hyperparameters.tokens", |c| c.hyperparameters.tokens = Some(0)),
        ("dataset_id", |c| c.dataset_tokens = Some(0)),
        ("hyperparameters.lora_rank", |c| c.hyperparameters.lora_rank = Some(0)),
        ("hyperparameters.learning_rate", |c| c.hyperparameters.learning_rate = Some(f64::NAN)),
        ("deployment.art6_3_derogation.ground", |c| {
            c.sectors(&["education"]).derogation("we_said_so", "It is fine");
        }),
        // Refused without a justification: Art. 6(4) requires the assessment in writing.
        ("deployment.art6_3_derogation.justification", |c| {
            c.sectors(&["education"]).derogation("preparatory_task", "   ");
        }),
    ];
    for (field, mutate) in table {
        let mut case = Case::baseline();
        mutate(&mut case);
        assert_eq!(fields_of(&case), vec![field.to_string()], "case for {field}");
    }
}

#[test]
fn all_mistakes_are_reported_at_once() {
    let mut case = Case::baseline();
    case.method = "adapter".into();
    case.hyperparameters.epochs = 0;
    case.hyperparameters.tokens = None;
    case.deployment.autonomy = "sometimes".into();
    case.deployment.sectors = vec!["general".into(), "nope".into()];
    let fields = fields_of(&case);
    for want in ["method", "hyperparameters.epochs", "hyperparameters.tokens", "deployment.autonomy", "deployment.sectors[1]"] {
        assert!(fields.iter().any(|f| f == want), "{want} missing from {fields:?}");
    }
}

#[test]
fn dataset_tokens_make_hyperparameter_tokens_optional() {
    let mut case = Case::baseline();
    case.hyperparameters.tokens = None;
    case.dataset_tokens = Some(5_000_000);
    assert_eq!(case.assess().flops.estimate, 4.0 * 7e9 * 5e6 * 3.0);
}

#[test]
fn jurisdiction_codes_are_case_insensitive_and_states_are_checked() {
    let mut case = Case::baseline();
    case.jurisdictions(&["eu", "us-co", "fr", "US", "JP"]);
    case.assess();
}

#[test]
fn a_run_too_large_to_count_is_a_field_error_not_a_panic() {
    let mut case = Case::baseline();
    case.model.parameter_count = u64::MAX;
    case.hyperparameters.tokens = Some(u64::MAX);
    case.hyperparameters.epochs = u32::MAX;
    assert_eq!(fields_of(&case), vec!["hyperparameters.tokens".to_string()]);
}

#[test]
fn a_prohibited_practice_is_an_assessment_not_an_error() {
    let mut case = Case::baseline();
    case.deployment.prohibited_practices = vec!["facial_scraping".into()];
    assert_eq!(case.assess().risk_tier, attune_domain::compliance::RiskTier::Prohibited);
}
