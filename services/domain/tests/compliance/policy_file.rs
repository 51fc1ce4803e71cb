//! The policy file itself: it parses, its hash is stable, and its rules are consistent.

use attune_domain::compliance::{Policy, PolicyError};
use sha2::{Digest, Sha256};

use crate::support::policy;

const V1: &str = include_str!("../../policy/v1.toml");

#[test]
fn v1_parses_and_is_hashed_over_its_bytes() {
    let reference = policy().reference();
    assert_eq!(reference.version, "v1");
    assert_eq!(reference.sha256.len(), 64);
    assert!(reference.sha256.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)), "{}", reference.sha256);
    assert_eq!(reference.sha256, hex::encode(Sha256::digest(V1.as_bytes())));
    assert_eq!(Policy::from_toml(V1).unwrap().reference(), reference, "parsing again gives the same reference");
    assert!(std::ptr::eq(Policy::v1().unwrap(), policy()), "parsed once");
}

#[test]
fn every_referenced_obligation_is_in_the_catalogue() {
    let p = policy();
    let refs = p.referenced_obligation_ids();
    assert!(!refs.is_empty());
    for (id, place) in refs {
        assert!(p.obligation(&id).is_some(), "{place} references {id}, which is not in the catalogue");
    }
}

#[test]
fn catalogue_holds_the_designed_obligations_in_order() {
    let ids: Vec<&str> = policy().obligations().iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "AIA_ART9_RISK_MGMT",
            "AIA_ART10_DATA_GOV",
            "AIA_ART11_TECH_DOC",
            "AIA_ART12_LOGGING",
            "AIA_ART13_TRANSPARENCY",
            "AIA_ART14_OVERSIGHT",
            "AIA_ART15_ROBUSTNESS",
            "AIA_ART27_FRIA",
            "AIA_ART49_REGISTRATION",
            "AIA_ART50_DISCLOSURE",
            "AIA_ART53_GPAI_DOCS",
            "AIA_ART53_COPYRIGHT_POLICY",
            "AIA_ART53_TRAINING_SUMMARY",
            "GDPR_LIA",
            "UK_TDM_LICENCE",
            "EU_TDM_OPTOUT",
            "SIMPLIFIED_REGISTRATION",
            "POOL_REVIEW",
            "US_CO_SB205_IMPACT_ASSESSMENT",
        ]
    );
    let templates = ["", "risk_assessment", "fria", "training_content_summary", "lia", "model_card", "registration"];
    for o in policy().obligations() {
        assert!(templates.contains(&o.template.as_str()), "{} has template {:?}", o.id, o.template);
        assert!(!o.article.is_empty() && !o.title.is_empty(), "{}", o.id);
    }
}

#[test]
fn policy_knows_the_api_vocabularies() {
    let sectors: Vec<&str> = policy().sectors().iter().map(|s| s.id.as_str()).collect();
    for s in "general customer_service internal_tools marketing software healthcare medical_device finance credit_scoring insurance \
              housing legal biometrics critical_infrastructure education employment essential_services law_enforcement \
              migration_border justice_democracy"
        .split_whitespace()
    {
        assert!(sectors.contains(&s), "sector {s} missing");
    }
    assert_eq!(policy().prohibited_practices().len(), 8);
    assert!(policy().prohibited_practices().iter().all(|p| p.article.starts_with("AI Act Art. 5(1)")));
    let eu = policy().jurisdictions().iter().find(|j| j.code == "EU").unwrap();
    assert_eq!(eu.members.len(), 27);
    assert!(eu.ai_act);
}

#[test]
fn licence_policy() {
    let p = policy();
    for allowed in ["Apache-2.0", "apache-2.0", "MIT", "BSD-3-Clause", "CC-BY-4.0", "OpenRAIL-M", "bigscience-openrail-m"] {
        let v = p.licence_allows_commercial_finetuning(allowed);
        assert!(v.known && v.commercial_finetuning, "{allowed}: {v:?}");
    }
    let llama = p.licence_allows_commercial_finetuning("llama3");
    assert!(llama.known && llama.commercial_finetuning && llama.note.contains("Conditional"), "{llama:?}");
    let nc = p.licence_allows_commercial_finetuning("CC-BY-NC-4.0");
    assert!(nc.known && !nc.commercial_finetuning, "{nc:?}");
    let unknown = p.licence_allows_commercial_finetuning("Some-Custom-Licence");
    assert!(!unknown.known && !unknown.commercial_finetuning && !unknown.note.is_empty(), "{unknown:?}");
}

#[test]
fn constants_match_the_design() {
    let c = policy().compute();
    assert_eq!((c.k.full, c.k.lora, c.k.qlora, c.threshold_divisor), (6, 4, 4, 3));
    assert_eq!((c.fallback_base_flops, c.fallback_base_flops_systemic, c.systemic_risk_flops), (1e23, 1e25, 1e25));
}

fn invalid(text: &str) -> String {
    match Policy::from_toml(text) {
        Err(PolicyError::Invalid(message)) => message,
        other => panic!("expected an inconsistent policy, got {other:?}"),
    }
}

#[test]
fn an_unknown_obligation_in_a_rule_is_refused() {
    let text = V1.replacen("personal_data = [\"GDPR_LIA\"]", "personal_data = [\"GDPR_LAI\"]", 1);
    assert!(invalid(&text).contains("GDPR_LAI"));
}

#[test]
fn bands_that_give_fewer_points_for_more_users_are_refused() {
    let text = V1.replacen("{ min = 1_000_000, points = 4 }", "{ min = 1_000_000, points = 0 }", 1);
    assert!(invalid(&text).contains("expected_monthly_users"));
}

#[test]
fn an_unknown_sector_in_a_jurisdiction_rule_is_refused() {
    let text =
        V1.replacen("sectors = [\"employment\", \"education\", \"finance\"", "sectors = [\"employmnet\", \"education\", \"finance\"", 1);
    assert!(invalid(&text).contains("employmnet"));
}

#[test]
fn a_typo_in_a_key_is_a_parse_error() {
    let text = V1.replacen("platform_fee_bps", "platform_fee_bp", 1);
    assert!(matches!(Policy::from_toml(&text), Err(PolicyError::Parse(_))));
}

const V2: &str = include_str!("../../policy/v2.toml");

#[test]
fn v2_is_current_and_every_version_replays_by_name() {
    let v2 = Policy::v2().unwrap();
    assert!(std::ptr::eq(Policy::current().unwrap(), v2), "new decisions use v2");
    assert_eq!(v2.reference().version, "v2");
    assert_eq!(v2.reference().sha256, hex::encode(Sha256::digest(V2.as_bytes())));
    assert_ne!(v2.reference().sha256, policy().reference().sha256);
    assert!(std::ptr::eq(Policy::by_version("v1").unwrap().unwrap(), policy()), "a v1 job replays under v1");
    assert!(std::ptr::eq(Policy::by_version("v2").unwrap().unwrap(), v2));
    assert!(Policy::by_version("v3").is_none(), "a version this build never had is not invented");
}

#[test]
fn v2_catalogue_uses_known_templates_and_the_api_sectors() {
    let v2 = Policy::v2().unwrap();
    let catalogue = attune_domain::documents::DocumentTemplates::current().unwrap();
    for o in v2.obligations() {
        // Every template v2 names is one a buyer can file (the summary is generated by the platform).
        let known = o.template.is_empty() || o.template == "training_content_summary" || catalogue.get(&o.template).is_some();
        assert!(known, "{} has template {:?}, which templates {} lacks", o.id, o.template, catalogue.reference().version);
        // A blocking obligation must be satisfiable: by a document, or by the platform at creation.
        let met_by_platform = ["UK_TDM_LICENCE", "EU_TDM_OPTOUT", "AIA_ART53_COPYRIGHT_POLICY"].contains(&o.id.as_str());
        assert!(!o.blocking || !o.template.is_empty() || met_by_platform, "{} blocks with nothing to satisfy it", o.id);
    }
    let sectors: Vec<&str> = v2.sectors().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sectors, attune_domain::compliance::SECTORS, "the API vocabulary is the current policy's");
    let c = v2.compute();
    assert!(c.systemic_risk_strictly_above && c.systemic_risk_flops == 1e25);
    assert!(!v2.presumes_systemic_risk(1e25) && v2.presumes_systemic_risk(1.0001e25), "Art. 51(2): greater than 1e25");
    assert!(policy().presumes_systemic_risk(1e25), "v1 counted a model exactly at the line");
}

#[test]
fn a_cross_check_naming_an_unknown_fact_is_refused() {
    let text = V2.replacen("[\"sector:law_enforcement\"]", "[\"sector:law_enforcment\"]", 1);
    assert!(invalid(&text).contains("law_enforcment"));
    let text = V2.replacen("requires_any = [\"function:consequential_decision\"", "requires_any = [\"function:decides\"", 1);
    assert!(invalid(&text).contains("function:decides"));
}
