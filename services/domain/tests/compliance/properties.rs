//! Properties over random deployments: the tier only rises with the application indicators, never
//! moves with organisation kind, and every quote adds up.

use attune_domain::OrgKind;
use attune_domain::compliance::SECTORS;
use attune_domain::compliance::{Autonomy, Level, Payee, RiskTier, TrainingMethod};
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use crate::support::{Case, policy, policy_v2};

const FUNCTIONS: [&str; 6] =
    ["chat", "emotion_recognition", "biometric_categorisation", "deep_fake", "crime_risk_prediction", "consequential_decision"];

const JURISDICTIONS: [&str; 7] = ["EU", "DE", "UK", "US-CO", "US", "US-CA", "JP"];
const GROUNDS: [&str; 4] =
    ["narrow_procedural_task", "improves_completed_human_activity", "detects_patterns_without_replacing_assessment", "preparatory_task"];

fn as_strings(items: Vec<&str>) -> Vec<String> {
    items.into_iter().map(String::from).collect()
}

/// Any valid deployment, including Annex III sectors, derogations, profiling and (rarely) an
/// Art. 5 practice, so the properties hold across the legal floors too; under v1 or v2.
fn any_case() -> impl Strategy<Value = Case> {
    let v2 = (any::<bool>(), subsequence(FUNCTIONS.to_vec(), 0..=2), any::<bool>());
    (any_case_of_v1_vocabulary(), v2).prop_map(|(mut case, (v2, functions, public_service))| {
        if v2 {
            case.policy = policy_v2();
            case.deployment.functions = as_strings(functions);
            case.deployment.provides_public_service = public_service;
        } else {
            // v1 never knew the sectors v2 added: replace them by one it knew.
            for s in &mut case.deployment.sectors {
                if policy().sector(s).is_none() {
                    *s = "general".into();
                }
            }
        }
        case
    })
}

fn any_case_of_v1_vocabulary() -> impl Strategy<Value = Case> {
    let deployment = (
        subsequence(SECTORS.to_vec(), 1..=3),
        prop_oneof![9 => Just(vec![]), 1 => subsequence(vec!["social_scoring", "facial_scraping"], 1..=1)],
        subsequence(JURISDICTIONS.to_vec(), 1..=3),
        (0u64..3_000_000, 0u64..30_000_000, select(Autonomy::ALL.to_vec()), select(Level::ALL.to_vec())),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        proptest::option::weighted(0.3, (select(GROUNDS.to_vec()), prop_oneof![Just(""), Just("A documented narrow task")])),
    );
    let model = (1u64..200_000_000_000, proptest::option::of(1e18f64..1e26), any::<bool>(), 0u128..10_000_000_000_000);
    let run = (select(TrainingMethod::ALL.to_vec()), 1u32..10, 1u64..100_000_000_000, any::<bool>(), select(OrgKind::ALL.to_vec()));
    (deployment, model, run).prop_map(|(d, m, r)| {
        let mut case = Case::baseline();
        let (sectors, practices, jurisdictions, (users, queries, autonomy, revenue), (vulnerable, public, profiles), derogation) = d;
        let dep = &mut case.deployment;
        (dep.sectors, dep.prohibited_practices, dep.jurisdictions) =
            (as_strings(sectors), as_strings(practices), as_strings(jurisdictions));
        (dep.expected_monthly_users, dep.monthly_queries) = (users, queries);
        (dep.autonomy, dep.revenue_dependence) = (autonomy.as_str().into(), revenue.as_str().into());
        (dep.vulnerable_groups, dep.public_facing, dep.profiles_natural_persons) = (vulnerable, public, profiles);
        if let Some((ground, justification)) = derogation {
            // An empty justification is a validation error; keep generated cases valid.
            let justification = if justification.is_empty() { "Preparatory only" } else { justification };
            case.derogation(ground, justification);
        }
        (case.model.parameter_count, case.model.training_flops, case.model.systemic_risk_designated, case.model.licence_fee) = m;
        let (method, epochs, tokens, personal_data, org) = r;
        (case.method, case.hyperparameters.epochs, case.hyperparameters.tokens) = (method.as_str().into(), epochs, Some(tokens));
        (case.personal_data, case.org) = (personal_data, org);
        case
    })
}

/// Raises one indicator of a case.
type Raise<'a> = Box<dyn Fn(&mut Case) + 'a>;

fn tier(case: &Case) -> RiskTier {
    case.assess().risk_tier
}

fn next<T: Copy + PartialEq>(all: &[T], current: T, steps: usize) -> T {
    let at = all.iter().position(|v| *v == current).unwrap_or(0);
    all[(at + steps).min(all.len() - 1)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn tier_never_falls_when_one_indicator_rises(case in any_case(), more_users in 0u64..5_000_000, more_queries in 0u64..50_000_000, steps in 1usize..3) {
        let before = tier(&case);
        let raises: [(&str, Raise<'_>); 6] = [
            ("expected_monthly_users", Box::new(|c| c.deployment.expected_monthly_users += more_users)),
            ("monthly_queries", Box::new(|c| c.deployment.monthly_queries += more_queries)),
            ("autonomy", Box::new(|c| {
                let now: Autonomy = c.deployment.autonomy.parse().unwrap();
                c.deployment.autonomy = next(Autonomy::ALL, now, steps).as_str().into();
            })),
            ("vulnerable_groups", Box::new(|c| c.deployment.vulnerable_groups = true)),
            ("public_facing", Box::new(|c| c.deployment.public_facing = true)),
            ("revenue_dependence", Box::new(|c| {
                let now: Level = c.deployment.revenue_dependence.parse().unwrap();
                c.deployment.revenue_dependence = next(Level::ALL, now, steps).as_str().into();
            })),
        ];
        for (indicator, raise) in raises {
            let mut raised = case.clone();
            raise(&mut raised);
            let after = tier(&raised);
            prop_assert!(after >= before, "raising {} lowered the tier from {} to {}", indicator, before, after);
        }
    }

    #[test]
    fn tier_never_changes_with_organisation_kind(case in any_case()) {
        let tiers: Vec<RiskTier> = OrgKind::ALL.iter().map(|kind| {
            let mut c = case.clone();
            c.org = *kind;
            tier(&c)
        }).collect();
        prop_assert!(tiers.windows(2).all(|w| w[0] == w[1]), "tiers by organisation kind: {:?}", tiers);
    }

    #[test]
    fn quote_lines_add_up_to_the_amount(case in any_case(), dataset_tokens in proptest::option::of(1u64..1_000_000_000_000)) {
        let mut case = case;
        case.dataset_tokens = dataset_tokens;
        let a = case.assess();
        let q = &a.quote;
        prop_assert_eq!(q.breakdown.iter().map(|l| l.amount).sum::<u128>(), q.amount);
        prop_assert!(q.amount >= case.model.licence_fee);
        prop_assert!(q.breakdown.iter().all(|l| l.amount > 0));
        prop_assert_eq!(q.breakdown.iter().any(|l| matches!(l.payee, Payee::AuditPool | Payee::PlatformReview)), a.audit_required);
        let compute = q.breakdown.iter().find(|l| l.payee == Payee::Compute).map(|l| l.amount);
        prop_assert!(compute >= Some(u128::from(policy().pricing().minimum_compute_charge)));
        prop_assert_eq!(a.obligations.iter().any(|o| o.id == "POOL_REVIEW"), a.audit_required);
    }
}
