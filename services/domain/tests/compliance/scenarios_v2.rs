//! Policy v2, row by row: each row names the law it encodes. Obligations follow the legal
//! classification, the two provider roles are decided separately, a jurisdiction's own law sets a
//! floor, Art. 5 cross-checks flag what the buyer did not tick, and Art. 50 attaches by function.

use attune_domain::OrgKind;
use attune_domain::compliance::{Assessment, RiskTier};

use crate::support::Case;
use crate::table::{Row, check_all, row_v2};

/// Arts. 9-15, 17, 26, 43/47/48, 72 and 73: what a legally high-risk system brings.
const LEGAL_HIGH_RISK: [&str; 12] = [
    "AIA_ART9_RISK_MGMT",
    "AIA_ART10_DATA_GOV",
    "AIA_ART11_TECH_DOC",
    "AIA_ART12_LOGGING",
    "AIA_ART13_TRANSPARENCY",
    "AIA_ART14_OVERSIGHT",
    "AIA_ART15_ROBUSTNESS",
    "AIA_ART17_QMS",
    "AIA_ART26_DEPLOYER",
    "AIA_ART43_CONFORMITY",
    "AIA_ART72_POST_MARKET",
    "AIA_ART73_INCIDENTS",
];
const ART53: [&str; 3] = ["AIA_ART53_GPAI_DOCS", "AIA_ART53_COPYRIGHT_POLICY", "AIA_ART53_TRAINING_SUMMARY"];
const COLORADO: [&str; 3] = ["US_CO_SB205_IMPACT_ASSESSMENT", "US_CO_SB205_RISK_POLICY", "US_CO_SB205_CONSUMER_NOTICE"];

/// The model declares the sector, so using it there is no new purpose.
fn declared(case: &mut Case, sector: &str) {
    case.sectors(&[sector]);
    case.model.intended_uses = vec![sector.into()];
}

/// A 100M-parameter base trained with 1.5e18 FLOPs (one third: 5e17); full fine-tuning on 1e9 tokens
/// for one epoch needs 6e17 FLOPs, a substantial modification.
fn small_base_full(case: &mut Case, uses: &[&str]) {
    case.model.parameter_count = 100_000_000;
    case.model.training_flops = Some(1.5e18);
    case.model.intended_uses = uses.iter().map(|u| u.to_string()).collect();
    case.method = "full".into();
    case.hyperparameters.epochs = 1;
    case.hyperparameters.tokens = Some(1_000_000_000);
}

/// Full fine-tuning of the 7B base on 1e14 tokens: 4.2e24 FLOPs.
fn huge_run(case: &mut Case, base_flops: f64) {
    case.model.training_flops = Some(base_flops);
    case.method = "full".into();
    case.hyperparameters.epochs = 1;
    case.hyperparameters.tokens = Some(100_000_000_000_000);
}

fn measure(id: &'static str, says: &'static str) -> impl Fn(&Assessment) -> Result<(), String> {
    move |a| match a.platform_measures.iter().find(|m| m.id == id) {
        Some(m) if m.reason.contains(says) => Ok(()),
        Some(m) => Err(format!("measure {id} says {:?}", m.reason)),
        None => Err(format!("no platform measure {id}: {:?}", a.platform_measures)),
    }
}

fn legal(high_risk: bool, floor: RiskTier) -> impl Fn(&Assessment) -> Result<(), String> {
    move |a| match &a.legal_classification {
        Some(l) if l.ai_act_high_risk == high_risk && l.floor == floor => Ok(()),
        other => Err(format!("legal classification {other:?}, want high-risk {high_risk} with floor {floor}")),
    }
}

fn rows() -> Vec<Row> {
    use RiskTier::{High, Low, Medium, Prohibited};
    let mut rows = Vec::new();

    // 1. Obligations follow the legal classification.
    rows.push(
        row_v2("Annex III point 4 within the declared use: the high-risk articles, Art. 49(1), no Art. 16", High, |c| {
            declared(c, "employment")
        })
        .has(&LEGAL_HIGH_RISK)
        .has(&["AIA_ART49_EU_DATABASE", "POOL_REVIEW"])
        .lacks(&["AIA_ART16_PROVIDER", "AIA_ART27_FRIA", "PLATFORM_OVERSIGHT", "AIA_ART49_SECURE_SECTION"])
        .fired(&["annex_iii.employment", "ai_act.high_risk_system", "role.high_risk_provider.declared_use"])
        .extra(legal(true, High)),
    );
    rows.push(
        row_v2("High by the application score alone: platform measures, no Art. 9-15", High, |c| {
            let d = &mut c.deployment;
            (d.expected_monthly_users, d.public_facing, d.vulnerable_groups) = (1_000_000, true, true);
            (d.autonomy, d.revenue_dependence) = ("automated".into(), "high".into());
        })
        .has(&["PLATFORM_MONITORING", "PLATFORM_OVERSIGHT", "POOL_REVIEW", "AIA_ART50_INTERACTION", "AIA_ART50_MARKING"])
        .lacks(&LEGAL_HIGH_RISK)
        .lacks(&["AIA_ART49_EU_DATABASE", "AIA_ART27_FRIA"])
        .not_fired(&["ai_act.high_risk_system"])
        .extra(|a| {
            legal(false, Low)(a)?;
            measure("PLATFORM_OVERSIGHT", "not a duty the AI Act attaches")(a)
        }),
    );
    rows.push(
        row_v2("Art. 27 for a public body deploying an Annex III system", High, |c| {
            declared(c, "employment");
            c.org = OrgKind::PublicBody;
        })
        .has(&["AIA_ART27_FRIA"])
        .fired(&["art27.fria"]),
    );
    rows.push(
        row_v2("Art. 27 never for Annex III point 2, which registers nationally (Art. 49(5))", High, |c| {
            declared(c, "critical_infrastructure");
            c.org = OrgKind::PublicBody;
        })
        .has(&["AIA_ART49_NATIONAL", "AIA_ART9_RISK_MGMT"])
        .lacks(&["AIA_ART27_FRIA", "AIA_ART49_EU_DATABASE"]),
    );
    rows.push(row_v2("Art. 27 for Annex III 5(b), whoever deploys", High, |c| declared(c, "credit_scoring")).has(&["AIA_ART27_FRIA"]));
    rows.push(
        row_v2("Art. 27 for a private entity providing public services", High, |c| {
            declared(c, "education");
            c.deployment.provides_public_service = true;
        })
        .has(&["AIA_ART27_FRIA"]),
    );
    rows.push(row_v2("No Art. 27 for a private firm outside 5(b)-(c)", High, |c| declared(c, "education")).lacks(&["AIA_ART27_FRIA"]));
    rows.push(
        row_v2("No Art. 27 for an Annex I product (not Art. 6(2))", High, |c| {
            declared(c, "medical_device");
            c.org = OrgKind::PublicBody;
        })
        .has(&["AIA_ART9_RISK_MGMT"])
        .lacks(&["AIA_ART27_FRIA", "AIA_ART49_EU_DATABASE"]),
    );
    rows.push(
        row_v2("Annex III points 1, 6 and 7 register in the secure section (Art. 49(4))", High, |c| {
            c.sectors(&["biometrics", "law_enforcement"]);
            c.model.intended_uses = vec!["biometrics".into(), "law_enforcement".into()];
        })
        .has(&["AIA_ART49_SECURE_SECTION"])
        .lacks(&["AIA_ART49_EU_DATABASE"]),
    );
    rows.push(
        row_v2("An accepted Art. 6(3) derogation: no high-risk articles, registration under Art. 49(2)", Medium, |c| {
            declared(c, "employment");
            c.derogation("preparatory_task", "Sorts CVs into folders for a recruiter who reads every one");
        })
        .has(&["AIA_ART49_DEROGATION", "POOL_REVIEW"])
        .lacks(&LEGAL_HIGH_RISK)
        .extra(legal(false, Medium)),
    );
    rows.push(
        row_v2("No EU deployment: no AI Act article and no AI Act role", High, |c| {
            c.jurisdictions(&["UK"]).sectors(&["employment"]);
        })
        .has(&["UK_TDM_LICENCE", "POOL_REVIEW"])
        .lacks(&LEGAL_HIGH_RISK)
        .lacks(&["AIA_ART16_PROVIDER", "AIA_ART50_MARKING"])
        .fired(&["role.high_risk_provider.no_ai_act", "role.gpai_provider.no_ai_act"]),
    );

    // 2. Two roles, two flags.
    rows.push(
        row_v2("Art. 25(1)(c): a new purpose that makes the system high-risk", High, |c| {
            c.sectors(&["employment"]);
        })
        .roles(true, false)
        .has(&["AIA_ART16_PROVIDER"])
        .lacks(&ART53)
        .fired(&["role.high_risk_provider.purpose_change"]),
    );
    rows.push(
        row_v2("A new purpose in a sector that is not high-risk is no Art. 25(1)(c)", Low, |c| {
            c.model.intended_uses = vec!["customer_service".into()];
            c.sectors(&["marketing"]);
        })
        .lacks(&["AIA_ART16_PROVIDER"])
        .fired(&["role.high_risk_provider.not_high_risk_purpose"]),
    );
    rows.push(
        row_v2("No Art. 25(1)(c) after an accepted derogation", Medium, |c| {
            c.sectors(&["employment"]);
            c.derogation("narrow_procedural_task", "Extracts dates from documents");
        })
        .audit(true)
        .lacks(&["AIA_ART16_PROVIDER"])
        .fired(&["role.high_risk_provider.derogation"]),
    );
    rows.push(
        row_v2("A substantial modification of a model that is not GPAI makes no GPAI provider", Low, |c| {
            small_base_full(c, &["customer_service"]);
            c.sectors(&["customer_service"]);
        })
        .lacks(&ART53)
        .fired(&["role.gpai_provider.base_not_gpai"])
        .extra(|a| if a.flops.substantial_modification { Ok(()) } else { Err("the compute is above a third".into()) }),
    );
    rows.push(
        row_v2("More than a third of a GPAI model's compute: a GPAI provider (Art. 53, Recital 109)", Low, |c| {
            small_base_full(c, &["general"]);
        })
        .roles(false, true)
        .has(&ART53)
        .lacks(&["AIA_ART55_SYSTEMIC", "AIA_ART52_NOTIFICATION", "AIA_ART16_PROVIDER"])
        .fired(&["role.gpai_provider.base_gpai", "role.gpai_provider.substantial_modification"]),
    );
    rows.push(
        row_v2("Exactly 1e25 FLOPs is not systemic risk: Art. 51(2) says greater than", Low, |c| huge_run(c, 1e25))
            .roles(false, true)
            .has(&ART53)
            .lacks(&["AIA_ART55_SYSTEMIC", "AIA_ART52_NOTIFICATION"])
            .not_fired(&["model.systemic_risk", "role.gpai_provider.systemic_risk"]),
    );
    rows.push(
        row_v2("A substantial modification of a systemic-risk model brings Art. 55 and Art. 52", Low, |c| huge_run(c, 1.1e25))
            .roles(false, true)
            .has(&ART53)
            .has(&["AIA_ART55_SYSTEMIC", "AIA_ART52_NOTIFICATION"])
            .fired(&["role.gpai_provider.systemic_risk"]),
    );
    rows.push(
        row_v2("Measured compute above the line makes the provider even when the estimate was below", Low, |c| {
            c.measured_flops = Some(5e23);
        })
        .roles(false, true)
        .has(&ART53)
        .extra(|a| {
            let r = a.roles.as_ref().ok_or("no roles")?;
            if r.gpai_provider.reasons.iter().any(|x| x.detail.contains("measured")) {
                Ok(())
            } else {
                Err("the reason does not name the measurement".into())
            }
        }),
    );
    rows.push(
        row_v2("Measured compute below the estimate changes nothing", Low, |c| {
            c.measured_flops = Some(1e10);
        })
        .fired(&["role.gpai_provider.below_threshold"]),
    );

    // 3. Jurisdictions set floors.
    rows.push(
        row_v2("Colorado tenant screening is high-risk under SB 24-205", High, |c| {
            c.jurisdictions(&["US-CO"]).sectors(&["housing"]);
            c.deployment.profiles_natural_persons = true;
        })
        .has(&COLORADO)
        .has(&["POOL_REVIEW"])
        .lacks(&LEGAL_HIGH_RISK)
        .fired(&["jurisdiction.us_co.consequential_decision.floor"])
        .extra(legal(false, High)),
    );
    rows.push(
        row_v2("A Colorado housing deployment that decides nothing about people is no consequential decision", Low, |c| {
            c.jurisdictions(&["US-CO"]).sectors(&["housing"]);
        })
        .lacks(&COLORADO),
    );
    rows.push(
        row_v2("An Art. 6(3) derogation does not lower Colorado's floor", High, |c| {
            c.jurisdictions(&["EU", "US-CO"]).sectors(&["employment"]);
            c.model.intended_uses = vec!["employment".into()];
            c.deployment.functions = vec!["consequential_decision".into()];
            c.derogation("preparatory_task", "Prepares a shortlist a recruiter reviews");
        })
        .has(&COLORADO)
        .has(&["AIA_ART49_DEROGATION"])
        .lacks(&LEGAL_HIGH_RISK),
    );

    // 5. Art. 5 cross-checks and Art. 50 by function; Annex I as data.
    rows.push(
        row_v2("Emotion recognition at work is flagged for Art. 5(1)(f)", High, |c| {
            c.sectors(&["biometrics", "employment"]);
            c.model.intended_uses = vec!["biometrics".into(), "employment".into()];
            c.deployment.functions = vec!["emotion_recognition".into()];
        })
        .has(&["AIA_ART50_EMOTION_BIOMETRIC", "POOL_REVIEW"])
        .fired(&["art5.cross_check.emotion_inference_workplace_education", "art50.emotion_biometric"]),
    );
    rows.push(
        row_v2("Law enforcement with profiling is flagged for Art. 5(1)(d)", High, |c| {
            declared(c, "law_enforcement");
            c.deployment.profiles_natural_persons = true;
        })
        .fired(&["art5.cross_check.profiling_crime_prediction"]),
    );
    rows.push(
        row_v2("A ticked practice is refused, not flagged", Prohibited, |c| {
            c.sectors(&["employment"]);
            c.deployment.functions = vec!["emotion_recognition".into()];
            c.deployment.prohibited_practices = vec!["emotion_recognition_workplace_education".into()];
        })
        .audit(false)
        .not_fired(&["art5.cross_check.emotion_inference_workplace_education"])
        .extra(|a| if a.obligations.is_empty() && a.review_flags.is_empty() { Ok(()) } else { Err("a refusal lists nothing".into()) }),
    );
    rows.push(
        row_v2("Art. 50(1) when people chat with an internal tool", Low, |c| c.deployment.functions = vec!["chat".into()])
            .has(&["AIA_ART50_INTERACTION", "AIA_ART50_MARKING"])
            .fired(&["art50.interaction", "art50.marking"]),
    );
    rows.push(
        row_v2("No Art. 50(1) when nobody interacts with the system", Low, |_| {})
            .has(&["AIA_ART50_MARKING"])
            .lacks(&["AIA_ART50_INTERACTION"]),
    );
    rows.push(
        row_v2("No Art. 50(2) marking for an encoder that generates nothing", Low, |c| c.model.architecture = "bert".into())
            .lacks(&["AIA_ART50_MARKING"]),
    );
    rows.push(
        row_v2("Art. 50(4) for deep fakes", Low, |c| c.deployment.functions = vec!["deep_fake".into()]).has(&["AIA_ART50_DEEP_FAKE"]),
    );
    for sector in ["toys", "machinery", "vehicles", "aviation", "lifts_pressure_radio"] {
        rows.push(
            row_v2(format!("Annex I product law: {sector}"), High, move |c| declared(c, sector))
                .has(&["AIA_ART9_RISK_MGMT", "AIA_ART43_CONFORMITY"])
                .lacks(&["AIA_ART49_EU_DATABASE", "AIA_ART27_FRIA"])
                .fired(&[format!("annex_i.{sector}").as_str()]),
        );
    }
    rows.push(
        row_v2("Art. 6(3) never lowers an Annex I product", High, |c| {
            declared(c, "toys");
            c.derogation("preparatory_task", "Only suggests");
        })
        .audit(true)
        .fired(&["art6_3.refused_annex_i"]),
    );

    // 7. GDPR special categories and the DPIA.
    rows.push(
        row_v2("Personal data alone: a legitimate-interest assessment, no DPIA", Low, |c| c.personal_data = true)
            .has(&["GDPR_LIA"])
            .lacks(&["GDPR_ART9_CONDITION", "GDPR_ART35_DPIA"]),
    );
    rows.push(
        row_v2("Special categories need an Art. 9(2) condition besides the LIA, and a DPIA (Art. 35(3)(b))", Low, |c| {
            (c.personal_data, c.special_category_data) = (true, true);
        })
        .has(&["GDPR_LIA", "GDPR_ART9_CONDITION", "GDPR_ART35_DPIA"])
        .fired(&["gdpr.special_category", "gdpr.dpia"]),
    );
    rows.push(
        row_v2("Profiling on personal data is likely high-risk processing: a DPIA (Art. 35(3)(a))", Low, |c| {
            c.personal_data = true;
            c.deployment.profiles_natural_persons = true;
        })
        .has(&["GDPR_ART35_DPIA"])
        .lacks(&["GDPR_ART9_CONDITION"]),
    );
    rows.push(
        row_v2("Personal data in a high-risk AI system: a DPIA (AI Act Art. 26(9))", High, |c| {
            declared(c, "education");
            c.personal_data = true;
        })
        .has(&["GDPR_ART35_DPIA", "GDPR_LIA"]),
    );
    rows.push(
        row_v2("No personal data, no DPIA, even when profiling", Low, |c| c.deployment.profiles_natural_persons = true)
            .lacks(&["GDPR_LIA", "GDPR_ART35_DPIA"]),
    );
    rows
}

#[test]
fn scenario_table_v2() {
    let rows = rows();
    assert!(rows.len() >= 35, "only {} scenarios", rows.len());
    check_all(&rows);
}
