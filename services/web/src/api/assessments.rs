//! `POST /assessments`: the dry run a buyer sees before anything is stored or paid.

use actix_web::{HttpResponse, web};
use attune_app::assessments::{self, AssessmentRequest};
use attune_domain::compliance::{DeploymentContext, Hyperparameters};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/assessments").route(web::post().to(assess)));
}

#[derive(Deserialize, ToSchema)]
pub struct AssessmentBody {
    pub base_model_id: Uuid,
    pub dataset_id: Option<Uuid>,
    /// `lora`, `qlora` or `full`.
    pub method: String,
    /// `{epochs, lora_rank?, learning_rate?, tokens?}`.
    #[schema(value_type = Object)]
    pub hyperparameters: Hyperparameters,
    /// `{purpose, sectors, prohibited_practices, jurisdictions, expected_monthly_users, monthly_queries, autonomy,
    /// vulnerable_groups, public_facing, profiles_natural_persons, revenue_dependence, art6_3_derogation?}`.
    #[schema(value_type = Object)]
    pub deployment: DeploymentContext,
}

impl From<AssessmentBody> for AssessmentRequest {
    fn from(b: AssessmentBody) -> Self {
        AssessmentRequest {
            base_model_id: b.base_model_id,
            dataset_id: b.dataset_id,
            method: b.method,
            hyperparameters: b.hyperparameters,
            deployment: b.deployment,
        }
    }
}

/// Risk tier, reasons, obligations, FLOPs and provider status, and a quote — a dry run; nothing is stored.
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessments", request_body = AssessmentBody,
    responses(
        (status = 200, description = "{risk_tier, reasons, obligations, flops, provider_role, audit_required, quote, estimated_duration_s, policy}", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (each named)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn assess(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<AssessmentBody>,
) -> Result<HttpResponse, ApiError> {
    let assessment = assessments::assess(&state.pool, &actor, &body.0.into()).await?;
    Ok(HttpResponse::Ok().json(assessment))
}
