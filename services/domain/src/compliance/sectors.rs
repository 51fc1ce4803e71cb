//! The sectors a deployment or a model's intended use is declared in (API.md "Vocabularies").

/// The sectors of the current compliance policy, in its order (a test keeps them equal).
pub const SECTORS: [&str; 25] = [
    "general",
    "customer_service",
    "internal_tools",
    "marketing",
    "software",
    "healthcare",
    "medical_device",
    "machinery",
    "toys",
    "vehicles",
    "aviation",
    "lifts_pressure_radio",
    "finance",
    "credit_scoring",
    "insurance",
    "housing",
    "legal",
    "biometrics",
    "critical_infrastructure",
    "education",
    "employment",
    "essential_services",
    "law_enforcement",
    "migration_border",
    "justice_democracy",
];

pub fn is_sector(s: &str) -> bool {
    SECTORS.contains(&s)
}
