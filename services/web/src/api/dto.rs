//! Request and response bodies of the accounts API.

use attune_app::accounts::{Organization, User};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::problem::ApiError;

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(example = "ada@example.org")]
    pub email: String,
    /// 12 to 128 characters.
    pub password: String,
    pub name: String,
    pub organization: OrganizationInput,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OrganizationInput {
    pub name: String,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "DE")]
    pub country: String,
    /// `sme`, `enterprise`, `research` or `public_body`.
    #[schema(example = "sme")]
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// Platform roles: `admin`, `auditor`.
    pub roles: Vec<String>,
    pub email_verified: bool,
    pub organization_id: Uuid,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            roles: u.roles,
            email_verified: u.email_verified_at.is_some(),
            organization_id: u.organization_id,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationDto {
    pub id: Uuid,
    pub name: String,
    pub country: String,
    pub kind: String,
    /// An admin verified `kind` with evidence; a kind that unlocks a legal exception (research,
    /// cultural heritage) counts only then.
    pub kind_verified: bool,
}

impl From<Organization> for OrganizationDto {
    fn from(o: Organization) -> Self {
        Self { id: o.id, name: o.name, country: o.country, kind: o.kind, kind_verified: o.kind_verified_at.is_some() }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct KindVerificationRequest {
    /// `verify` or `withdraw`.
    pub decision: String,
    /// What shows the organisation's kind (a registry entry, a charter), or why it no longer holds.
    pub evidence: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterResponse {
    pub user: UserDto,
    pub organization: OrganizationDto,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`; the same token is set as the session cookie.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KycSummary {
    /// `none`, `basic` or `enhanced`.
    pub level: String,
    /// `not_started`, `pending`, `approved`, `rejected`.
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationWithKyc {
    #[serde(flatten)]
    pub organization: OrganizationDto,
    pub kyc: KycSummary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserDto,
    pub organization: OrganizationWithKyc,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RolesRequest {
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserDto>,
    pub next_cursor: Option<String>,
}

/// A page of a list ordered by creation, newest first.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^-?[0-9]{1,16}_[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        page_limit(self.limit, 50, 200)
    }
}

/// A page size: `default` when absent, 422 on `limit` outside 1 to `max`.
pub fn page_limit(limit: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::validation(vec![attune_domain::FieldError::new("limit", format!("must be 1 to {max}"))])),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationDetail {
    #[serde(flatten)]
    pub organization: OrganizationDto,
    pub members: Vec<UserDto>,
}
