//! Closed vocabularies of the API (API.md "Vocabularies").

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

/// GDPR Art. 9(1) special categories of personal data, as a record declares them.
pub const SPECIAL_CATEGORIES: [&str; 8] = [
    "racial_or_ethnic_origin",
    "political_opinions",
    "religious_or_philosophical_beliefs",
    "trade_union_membership",
    "genetic",
    "biometric",
    "health",
    "sex_life_or_sexual_orientation",
];
