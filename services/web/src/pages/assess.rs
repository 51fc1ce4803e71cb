//! The buyer's assessment wizard: a deployment questionnaire with live recalculation (a small
//! script posts the form to `/assess/preview` as answers change) and a plain submit without JS.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use attune_app::assessments::{self, AssessmentRequest};
use attune_app::error::AppError;
use attune_app::idempotency::IdempotencyKey;
use attune_app::models;
use attune_app::models::ModelFilter;
use attune_domain::FieldError;
use attune_domain::compliance::{DeploymentContext, Derogation, Hyperparameters};
use uuid::Uuid;

use super::assess_result::{ResultFragment, View};
use super::choices::{self, Choice};
use super::{Layout, Page, form_pairs, form_value, form_values, human, page_layout, redirect};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/assess", web::get().to(wizard)).route("/assess", web::post().to(submit)).route("/assess/preview", web::post().to(preview));
}

struct Answers {
    base_model_id: String,
    method: String,
    epochs: String,
    tokens: String,
    purpose: String,
    sectors: Vec<String>,
    prohibited_practices: Vec<String>,
    jurisdictions: Vec<String>,
    expected_monthly_users: String,
    monthly_queries: String,
    autonomy: String,
    revenue_dependence: String,
    public_facing: bool,
    vulnerable_groups: bool,
    profiles_natural_persons: bool,
    derogation_ground: String,
    derogation_justification: String,
    /// A dataset of the buyer's; empty: estimate from `tokens`.
    dataset_id: String,
    commercial: bool,
    functions: Vec<String>,
    provides_public_service: bool,
}

impl Answers {
    fn defaults(first_model: Option<String>) -> Self {
        Self {
            base_model_id: first_model.unwrap_or_default(),
            method: "lora".into(),
            epochs: "3".into(),
            tokens: "10000000".into(),
            purpose: String::new(),
            sectors: vec!["customer_service".into()],
            prohibited_practices: Vec::new(),
            jurisdictions: vec!["EU".into()],
            expected_monthly_users: "1000".into(),
            monthly_queries: "10000".into(),
            autonomy: "human_in_the_loop".into(),
            revenue_dependence: "low".into(),
            public_facing: false,
            vulnerable_groups: false,
            profiles_natural_persons: false,
            derogation_ground: String::new(),
            derogation_justification: String::new(),
            dataset_id: String::new(),
            commercial: true,
            functions: Vec::new(),
            provides_public_service: false,
        }
    }

    fn from_form(p: &[(String, String)]) -> Self {
        Self {
            base_model_id: form_value(p, "base_model_id"),
            method: form_value(p, "method"),
            epochs: form_value(p, "epochs"),
            tokens: form_value(p, "tokens"),
            purpose: form_value(p, "purpose"),
            sectors: form_values(p, "sectors"),
            prohibited_practices: form_values(p, "prohibited_practices"),
            jurisdictions: form_values(p, "jurisdictions"),
            expected_monthly_users: form_value(p, "expected_monthly_users"),
            monthly_queries: form_value(p, "monthly_queries"),
            autonomy: form_value(p, "autonomy"),
            revenue_dependence: form_value(p, "revenue_dependence"),
            public_facing: form_value(p, "public_facing") == "true",
            vulnerable_groups: form_value(p, "vulnerable_groups") == "true",
            profiles_natural_persons: form_value(p, "profiles_natural_persons") == "true",
            derogation_ground: form_value(p, "derogation_ground"),
            derogation_justification: form_value(p, "derogation_justification"),
            dataset_id: form_value(p, "dataset_id"),
            commercial: form_value(p, "commercial") == "true",
            functions: form_values(p, "functions"),
            provides_public_service: form_value(p, "provides_public_service") == "true",
        }
    }

    fn request(&self) -> Result<AssessmentRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut number = |field: &str, raw: &str| -> u64 {
            raw.trim().replace(['_', ','], "").parse::<u64>().unwrap_or_else(|_| {
                errors.push(FieldError::new(field, "must be a whole number"));
                0
            })
        };
        let epochs = number("hyperparameters.epochs", &self.epochs);
        let tokens = number("hyperparameters.tokens", &self.tokens);
        let users = number("deployment.expected_monthly_users", &self.expected_monthly_users);
        let queries = number("deployment.monthly_queries", &self.monthly_queries);
        let base_model_id = Uuid::parse_str(&self.base_model_id).unwrap_or_else(|_| {
            errors.push(FieldError::new("base_model_id", "choose a base model"));
            Uuid::nil()
        });
        let dataset_id = match self.dataset_id.trim() {
            "" => None,
            raw => Some(Uuid::parse_str(raw).unwrap_or_else(|_| {
                errors.push(FieldError::new("dataset_id", "choose one of your datasets"));
                Uuid::nil()
            })),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let art6_3_derogation = (!self.derogation_ground.is_empty())
            .then(|| Derogation { ground: self.derogation_ground.clone(), justification: self.derogation_justification.clone() });
        Ok(AssessmentRequest {
            base_model_id,
            dataset_id,
            method: self.method.clone(),
            hyperparameters: Hyperparameters {
                epochs: u32::try_from(epochs).unwrap_or(u32::MAX),
                lora_rank: None,
                learning_rate: None,
                tokens: Some(tokens),
            },
            deployment: DeploymentContext {
                purpose: self.purpose.clone(),
                sectors: self.sectors.clone(),
                prohibited_practices: self.prohibited_practices.clone(),
                jurisdictions: self.jurisdictions.clone(),
                expected_monthly_users: users,
                monthly_queries: queries,
                autonomy: self.autonomy.clone(),
                vulnerable_groups: self.vulnerable_groups,
                public_facing: self.public_facing,
                profiles_natural_persons: self.profiles_natural_persons,
                revenue_dependence: self.revenue_dependence.clone(),
                art6_3_derogation,
                commercial: self.commercial,
                functions: self.functions.clone(),
                provides_public_service: self.provides_public_service,
            },
        })
    }
}

#[derive(Template)]
#[template(path = "assess.html")]
struct WizardPage {
    layout: Layout,
    models: Vec<(String, String)>,
    v: Answers,
    sectors: Vec<Choice>,
    practices: Vec<Choice>,
    functions: Vec<Choice>,
    jurisdictions: Vec<Choice>,
    methods: Vec<Choice>,
    autonomy: Vec<Choice>,
    revenue_dependence: Vec<Choice>,
    derogation_grounds: Vec<Choice>,
    /// The buyer's datasets: (id, label).
    datasets: Vec<(String, String)>,
    /// Makes a double-submitted "Create the job" create one job.
    idempotency_key: String,
    result_html: String,
}

async fn run(state: &AppState, actor: &attune_app::Actor, answers: &Answers) -> String {
    let fragment = match answers.request() {
        Err(errors) => ResultFragment { errors, assessment: None },
        Ok(request) => match assessments::assess(&state.pool, actor, &request).await {
            Ok(a) => ResultFragment { errors: Vec::new(), assessment: Some(View::of(&a)) },
            Err(AppError::Validation(e)) => ResultFragment { errors: e.0, assessment: None },
            Err(e) => ResultFragment { errors: vec![FieldError::new("assessment", e.to_string())], assessment: None },
        },
    };
    fragment.render().unwrap_or_else(|e| format!("<p>The result could not be rendered: {e}</p>"))
}

async fn render(req: &HttpRequest, state: &AppState, answers: Option<Answers>, assess_now: bool) -> HttpResponse {
    render_with(req, state, answers, if assess_now { Outcome::Assess } else { Outcome::Nothing }).await
}

enum Outcome {
    Nothing,
    Assess,
    /// The job could not be created: say why above the assessment.
    JobRefused(Vec<FieldError>),
}

async fn render_with(req: &HttpRequest, state: &AppState, answers: Option<Answers>, outcome: Outcome) -> HttpResponse {
    let page = Page::new(req, state, "Assess a fine-tune").await;
    let Some(actor) = page.actor.clone() else { return redirect("/login") };
    let listed = models::list(&state.pool, ModelFilter::default(), None, 200).await.map(|p| p.items).unwrap_or_default();
    let models: Vec<(String, String)> = listed
        .iter()
        .map(|m| {
            (
                m.id.to_string(),
                format!(
                    "{} {} — {} parameters ({}{})",
                    m.name,
                    m.version,
                    human::params(&m.parameter_count),
                    m.organization_name,
                    if m.provenance_status == "verified" { ", verified" } else { "" }
                ),
            )
        })
        .collect();
    let answers = answers.unwrap_or_else(|| {
        let mut defaults = Answers::defaults(models.first().map(|m| m.0.clone()));
        defaults.dataset_id = query_value(req, "dataset_id");
        defaults
    });
    let datasets = attune_app::datasets::list(&state.pool, &actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            let tokens = human::count(&d.token_count);
            (d.id.to_string(), format!("{} — {} records, {tokens} tokens ({})", d.name, human::number(&d.record_count), d.status))
        })
        .collect();
    let result_html = match outcome {
        Outcome::Nothing => String::new(),
        Outcome::Assess => run(state, &actor, &answers).await,
        Outcome::JobRefused(errors) => {
            let refused = ResultFragment { errors, assessment: None }.render().unwrap_or_default();
            format!("{refused}{}", run(state, &actor, &answers).await)
        }
    };
    let body = WizardPage {
        layout: page_layout(&page),
        models,
        sectors: choices::sectors(&answers.sectors),
        practices: choices::practices(&answers.prohibited_practices),
        functions: choices::functions(&answers.functions),
        jurisdictions: choices::jurisdictions(&answers.jurisdictions),
        methods: choices::training_methods(&answers.method),
        autonomy: choices::autonomy(&answers.autonomy),
        revenue_dependence: choices::revenue_dependence(&answers.revenue_dependence),
        derogation_grounds: choices::derogation_grounds(&answers.derogation_ground),
        v: answers,
        datasets,
        idempotency_key: Uuid::new_v4().to_string(),
        result_html,
    }
    .render();
    page.render(StatusCode::OK, body)
}

async fn wizard(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    render(&req, &state, None, false).await
}

async fn submit(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return super::message(&req, &state, StatusCode::FORBIDDEN, "Form expired", super::EXPIRED_FORM, Some(("/assess", "Start again")))
            .await;
    }
    let answers = Answers::from_form(&pairs);
    if form_value(&pairs, "action") == "create_job" {
        return create_job(&req, &state, answers, &form_value(&pairs, "idempotency_key")).await;
    }
    render(&req, &state, Some(answers), true).await
}

/// "Create the job": the same answers become a job (idempotent per rendered form).
async fn create_job(req: &HttpRequest, state: &AppState, answers: Answers, key: &str) -> HttpResponse {
    let Some(actor) = crate::extract::current_actor(req).await.ok().flatten() else { return redirect("/login") };
    let request = match answers.request() {
        Ok(request) => request,
        Err(errors) => return render_with(req, state, Some(answers), Outcome::JobRefused(errors)).await,
    };
    if request.dataset_id.is_none() {
        let errors = vec![FieldError::new("dataset_id", "choose a dataset to create the job")];
        return render_with(req, state, Some(answers), Outcome::JobRefused(errors)).await;
    }
    let body = serde_json::json!({"base_model_id": request.base_model_id, "dataset_id": request.dataset_id, "method": request.method,
        "hyperparameters": request.hyperparameters, "deployment": request.deployment});
    // The form's key was rendered with it; a form without a usable one is simply not replayed.
    let idempotency = IdempotencyKey::new(key, &body).ok();
    let agents = state.scanning.scanner().agents();
    match attune_app::jobs::create(&state.pool, &state.data_policy, agents, &actor, &request, idempotency.as_ref()).await {
        Ok(created) => match created.job_id() {
            Some(id) => redirect(&format!("/jobs/{id}")),
            None => redirect("/jobs"),
        },
        Err(AppError::Validation(e)) => render_with(req, state, Some(answers), Outcome::JobRefused(e.0)).await,
        Err(AppError::Conflict { detail, .. } | AppError::Refused { detail, .. }) => {
            render_with(req, state, Some(answers), Outcome::JobRefused(vec![FieldError::new("job", detail)])).await
        }
        Err(e) => {
            tracing::error!(error = ?e, "job creation from the wizard failed");
            render_with(
                req,
                state,
                Some(answers),
                Outcome::JobRefused(vec![FieldError::new("job", "the job could not be created; try again")]),
            )
            .await
        }
    }
}

fn query_value(req: &HttpRequest, key: &str) -> String {
    url::form_urlencoded::parse(req.query_string().as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// The result fragment for live recalculation.
async fn preview(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return HttpResponse::Forbidden().content_type("text/html; charset=utf-8").body("<p>Your form expired; reload the page.</p>");
    }
    let Some(actor) = crate::extract::current_actor(&req).await.ok().flatten() else {
        return HttpResponse::Unauthorized().content_type("text/html; charset=utf-8").body("<p>Log in again.</p>");
    };
    let html = run(&state, &actor, &Answers::from_form(&pairs)).await;
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html)
}
