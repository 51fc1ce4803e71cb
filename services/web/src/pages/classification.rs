//! The legal classification, the two provider roles, the platform's own measures and the review
//! flags of an assessment, rendered the same on the wizard and on the job page. Shown apart from
//! each other because they are different things: what the law says, who the buyer becomes, and
//! what Attune itself asks.

use askama::Template;
use attune_domain::compliance::{Assessment, Reason};

#[derive(Template)]
#[template(path = "classification.html")]
pub(crate) struct Classification {
    legal: Option<Legal>,
    /// (id, label, applies, reasons)
    roles: Vec<(String, String, bool, Vec<String>)>,
    /// (id, title, reason)
    measures: Vec<(String, String, String)>,
    flags: Vec<String>,
}

struct Legal {
    ai_act_applies: bool,
    ai_act_high_risk: bool,
    floor: String,
    score: u32,
    score_tier: String,
    grounds: Vec<String>,
}

fn details(reasons: &[Reason]) -> Vec<String> {
    reasons.iter().map(|r| r.detail.clone()).collect()
}

impl Classification {
    /// Empty for an assessment decided under policy v1, which had none of these.
    pub(crate) fn from_assessment(a: &Assessment) -> Self {
        Self {
            legal: a.legal_classification.as_ref().map(|l| Legal {
                ai_act_applies: l.ai_act_applies,
                ai_act_high_risk: l.ai_act_high_risk,
                floor: l.floor.as_str().to_string(),
                score: l.application_score,
                score_tier: l.score_tier.as_str().to_string(),
                grounds: details(&l.grounds),
            }),
            roles: a
                .roles
                .iter()
                .flat_map(|r| {
                    [
                        ("high_risk_provider", "Provider of a high-risk system (Art. 25(1)(c))", &r.high_risk_provider),
                        ("gpai_provider", "Provider of a general-purpose AI model (Art. 53)", &r.gpai_provider),
                    ]
                })
                .map(|(key, label, role)| (key.to_string(), label.to_string(), role.applies, details(&role.reasons)))
                .collect(),
            measures: a.platform_measures.iter().map(|m| (m.id.clone(), m.title.clone(), m.reason.clone())).collect(),
            flags: details(&a.review_flags),
        }
    }

    pub(crate) fn html(a: &Assessment) -> String {
        Self::from_assessment(a).render().unwrap_or_default()
    }
}
