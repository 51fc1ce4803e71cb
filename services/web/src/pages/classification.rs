//! The legal classification, the two provider roles, the platform's own measures and the review
//! flags of an assessment, rendered the same on the wizard and on the job page. Shown apart from
//! each other because they are different things: what the law says, who the buyer becomes, and
//! what Attune itself asks.

use askama::Template;
use serde_json::Value;

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
    score: u64,
    score_tier: String,
    grounds: Vec<String>,
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

fn details(v: &Value) -> Vec<String> {
    v.as_array().into_iter().flatten().map(|r| text(&r["detail"])).collect()
}

impl Classification {
    /// From an assessment's JSON; empty for one decided under policy v1, which had none of these.
    pub(crate) fn from_assessment(a: &Value) -> Self {
        let l = &a["legal_classification"];
        Self {
            legal: l.is_object().then(|| Legal {
                ai_act_applies: l["ai_act_applies"].as_bool().unwrap_or(false),
                ai_act_high_risk: l["ai_act_high_risk"].as_bool().unwrap_or(false),
                floor: text(&l["floor"]),
                score: l["application_score"].as_u64().unwrap_or(0),
                score_tier: text(&l["score_tier"]),
                grounds: details(&l["grounds"]),
            }),
            roles: [
                ("high_risk_provider", "Provider of a high-risk system (Art. 25(1)(c))"),
                ("gpai_provider", "Provider of a general-purpose AI model (Art. 53)"),
            ]
            .into_iter()
            .filter(|(key, _)| a["roles"][key].is_object())
            .map(|(key, label)| {
                let r = &a["roles"][key];
                (key.to_string(), label.to_string(), r["applies"].as_bool().unwrap_or(false), details(&r["reasons"]))
            })
            .collect(),
            measures: a["platform_measures"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| (text(&m["id"]), text(&m["title"]), text(&m["reason"])))
                .collect(),
            flags: details(&a["review_flags"]),
        }
    }

    pub(crate) fn html(a: &Value) -> String {
        Self::from_assessment(a).render().unwrap_or_default()
    }
}
