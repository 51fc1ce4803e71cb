//! The closed vocabularies of an assessment (API.md "Vocabularies"). Declaration order is the
//! risk order, so `Ord` compares them the way the rules do (`Low < Medium < High < Prohibited`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown value {s:?}; must be one of {}", known.join(", "))
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// The deployment-risk tier: max(legal floor, application score tier).
    RiskTier { Low => "low", Medium => "medium", High => "high", Prohibited => "prohibited" }
}

vocabulary! {
    /// Whether the buyer stays a deployer or becomes the provider of the modified model.
    ProviderRole { Deployer => "deployer", Provider => "provider" }
}

vocabulary! {
    /// How much a human stands between the model's output and its effect.
    Autonomy { HumanInTheLoop => "human_in_the_loop", HumanOnTheLoop => "human_on_the_loop", Automated => "automated" }
}

vocabulary! {
    /// A three-step scale; used for how much of the deployer's revenue depends on the system.
    Level { Low => "low", Medium => "medium", High => "high" }
}

vocabulary! {
    /// How the base model is fine-tuned; decides the FLOPs factor k.
    TrainingMethod { Lora => "lora", Qlora => "qlora", Full => "full" }
}

vocabulary! {
    /// The four grounds of AI Act Art. 6(3)(a)-(d) on which an Annex III system is not high-risk.
    DerogationGround {
        NarrowProceduralTask => "narrow_procedural_task",
        ImprovesCompletedHumanActivity => "improves_completed_human_activity",
        DetectsPatternsWithoutReplacingAssessment => "detects_patterns_without_replacing_assessment",
        PreparatoryTask => "preparatory_task",
    }
}

impl TrainingMethod {
    /// How the formula names the method and why its k is what it is.
    pub(crate) fn formula_label(self) -> &'static str {
        match self {
            TrainingMethod::Lora => "LoRA: frozen base",
            TrainingMethod::Qlora => "QLoRA: frozen quantised base",
            TrainingMethod::Full => "full fine-tuning: every weight trained",
        }
    }
}

impl DerogationGround {
    pub(crate) fn article(self) -> &'static str {
        match self {
            DerogationGround::NarrowProceduralTask => "Art. 6(3)(a)",
            DerogationGround::ImprovesCompletedHumanActivity => "Art. 6(3)(b)",
            DerogationGround::DetectsPatternsWithoutReplacingAssessment => "Art. 6(3)(c)",
            DerogationGround::PreparatoryTask => "Art. 6(3)(d)",
        }
    }
}
