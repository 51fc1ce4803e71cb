//! Scenarios of the legal floor and the application score: Annex III and Annex I, Art. 5, the
//! Art. 6(3) derogation, and the application-side indicators.

use attune_domain::OrgKind;
use attune_domain::compliance::RiskTier;

use crate::support::HIGH_RISK_DUTIES;
use crate::table::{Row, row};

const ANNEX_III: [&str; 10] = [
    "biometrics",
    "critical_infrastructure",
    "education",
    "employment",
    "essential_services",
    "credit_scoring",
    "insurance",
    "law_enforcement",
    "migration_border",
    "justice_democracy",
];

const ART5: [&str; 8] = [
    "social_scoring",
    "subliminal_manipulation",
    "exploiting_vulnerabilities",
    "facial_scraping",
    "emotion_recognition_workplace_education",
    "predictive_policing_profiling",
    "biometric_categorisation_sensitive",
    "realtime_remote_biometric_id_public",
];

pub fn rows() -> Vec<Row> {
    use RiskTier::{High, Low, Medium, Prohibited};
    let mut rows = Vec::new();

    for sector in ANNEX_III {
        // A general-purpose model was not declared for an Annex III area, so using it there is a
        // change of purpose as well.
        rows.push(
            row(format!("Annex III {sector}"), High, move |c| {
                c.sectors(&[sector]);
            })
            .provider()
            .has(&HIGH_RISK_DUTIES)
            .has(&["POOL_REVIEW", "EU_TDM_OPTOUT"])
            .lacks(&["SIMPLIFIED_REGISTRATION"])
            .fired(&[&format!("annex_iii.{sector}"), "provider.purpose_change"]),
        );
    }
    rows.push(
        row("Annex I medical device", High, |c| {
            c.sectors(&["medical_device"]);
            c.model.intended_uses = vec!["medical_device".into()];
        })
        .has(&HIGH_RISK_DUTIES)
        .fired(&["annex_i.medical_device"])
        .not_fired(&["provider.purpose_change"]),
    );
    for practice in ART5 {
        rows.push(
            row(format!("Art. 5 {practice}"), Prohibited, move |c| {
                c.deployment.prohibited_practices = vec![practice.into()];
            })
            .audit(false)
            .fired(&[&format!("art5.{practice}")])
            .extra(|a| if a.obligations.is_empty() { Ok(()) } else { Err("a prohibited deployment lists obligations".into()) }),
        );
    }

    // Art. 6(3) derogation.
    rows.push(
        row("derogation accepted lowers Annex III to medium", Medium, |c| {
            c.sectors(&["education"]).derogation("preparatory_task", "Drafts reading lists that a teacher always reviews");
            c.model.intended_uses = vec!["education".into()];
        })
        .has(&["AIA_ART13_TRANSPARENCY", "AIA_ART50_DISCLOSURE", "AIA_ART49_REGISTRATION", "SIMPLIFIED_REGISTRATION", "POOL_REVIEW"])
        .lacks(&["AIA_ART9_RISK_MGMT", "AIA_ART14_OVERSIGHT"])
        .fired(&["annex_iii.education", "art6_3.derogation_accepted"]),
    );
    rows.push(
        row("derogation refused when profiling", High, |c| {
            c.sectors(&["employment"]).derogation("narrow_procedural_task", "Sorts CVs by date received");
            c.deployment.profiles_natural_persons = true;
            c.model.intended_uses = vec!["employment".into()];
        })
        .has(&HIGH_RISK_DUTIES)
        .fired(&["art6_3.refused_profiling"])
        .not_fired(&["art6_3.derogation_accepted"]),
    );
    rows.push(
        row("derogation refused for Annex I", High, |c| {
            c.sectors(&["medical_device"]).derogation("preparatory_task", "Pre-fills the intake form");
            c.model.intended_uses = vec!["medical_device".into()];
        })
        .fired(&["art6_3.refused_annex_i"])
        .not_fired(&["art6_3.derogation_accepted"]),
    );
    rows.push(
        row("accepted derogation overridden by the application score", High, |c| {
            c.sectors(&["education"]).derogation("preparatory_task", "Drafts reading lists").large_public_automated();
            c.model.intended_uses = vec!["education".into()];
        })
        .has(&HIGH_RISK_DUTIES)
        .fired(&["art6_3.derogation_accepted", "art6_3.overridden_by_score"]),
    );
    rows.push(
        row("derogation without an Annex III floor still goes to audit", Low, |c| {
            c.derogation("narrow_procedural_task", "Formats ticket titles");
        })
        .audit(true)
        .has(&["POOL_REVIEW"])
        .fired(&["art6_3.not_applicable"]),
    );

    // Application score.
    rows.push(
        row("large public automated customer service is high without Annex III", High, |c| {
            c.sectors(&["customer_service"]).large_public_automated();
        })
        .has(&HIGH_RISK_DUTIES)
        .has(&["AIA_ART50_DISCLOSURE"])
        .fired(&["score.users_band", "score.public_facing", "score.autonomy"])
        .not_fired(&["annex_iii.customer_service"]),
    );
    rows.push(
        row("small internal human-in-the-loop tool is low", Low, |_| {})
            .lacks(&["POOL_REVIEW", "AIA_ART9_RISK_MGMT", "AIA_ART50_DISCLOSURE", "SIMPLIFIED_REGISTRATION"])
            .has(&["EU_TDM_OPTOUT"])
            .fired(&["score.total"]),
    );
    rows.push(
        row("mid-size deployment is medium", Medium, |c| {
            c.sectors(&["customer_service"]);
            let d = &mut c.deployment;
            (d.expected_monthly_users, d.monthly_queries, d.public_facing) = (50_000, 500_000, true);
            (d.autonomy, d.revenue_dependence) = ("human_on_the_loop".into(), "medium".into());
        })
        .has(&["AIA_ART13_TRANSPARENCY", "AIA_ART50_DISCLOSURE", "SIMPLIFIED_REGISTRATION", "POOL_REVIEW"])
        .lacks(&["AIA_ART9_RISK_MGMT"]),
    );
    rows.push(
        row("vulnerable groups reached by a public tool is medium", Medium, |c| {
            (c.deployment.vulnerable_groups, c.deployment.public_facing) = (true, true);
        })
        .fired(&["score.vulnerable_groups"]),
    );
    rows.push(
        row("public-facing low tier still discloses (Art. 50)", Low, |c| {
            c.deployment.public_facing = true;
        })
        .has(&["AIA_ART50_DISCLOSURE"])
        .lacks(&["AIA_ART13_TRANSPARENCY"]),
    );
    rows.push(
        row("organisation kind never raises the tier", Low, |c| {
            c.org = OrgKind::PublicBody;
        })
        .lacks(&["AIA_ART27_FRIA"]),
    );

    rows
}
