//! Closed vocabularies of the API (API.md "Vocabularies").

pub const SECTORS: [&str; 20] = [
    "general",
    "customer_service",
    "internal_tools",
    "marketing",
    "software",
    "healthcare",
    "medical_device",
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
