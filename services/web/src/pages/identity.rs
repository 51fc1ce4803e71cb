//! Identity verification (KYC) on the account page: the organisation's level and latest check, a
//! start (basic or enhanced) and a retry after a retryable rejection, all as plain forms; the
//! provider's hosted page is a link (the sandbox's in test mode), which leads back to `/account`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use attune_app::Actor;
use attune_app::error::AppError;
use attune_app::kyc;

use super::{EXPIRED_FORM, form_pairs, form_value, message, redirect};
use crate::csrf;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/identity", web::post().to(start));
}

/// One earlier or current check, for the history table.
pub struct CheckRow {
    pub started: String,
    pub level: String,
    pub status: String,
    pub decided: String,
}

/// What the account page shows about identity verification.
pub struct IdentityPanel {
    /// `none`, `basic` or `enhanced`.
    pub level: String,
    pub level_label: String,
    /// The latest check's status (`not_started`, `pending`, `approved`, `rejected`, `retry`, …).
    pub status: String,
    pub status_label: String,
    /// The provider's page, while the latest check waits for the person there.
    pub continue_url: Option<String>,
    /// The level to try again at, after a retryable rejection.
    pub retry_level: Option<String>,
    /// The level of the check that waits at the provider (it can be started again).
    pub pending_level: Option<String>,
    /// Whether enhanced verification can still be started.
    pub can_start_enhanced: bool,
    /// Whether basic verification can still be started.
    pub can_start_basic: bool,
    pub history: Vec<CheckRow>,
    /// The sandbox provider is in use: nothing is really checked.
    pub test_mode: bool,
    /// Set when the panel could not be loaded.
    pub unavailable: bool,
}

pub fn level_label(level: &str) -> String {
    match level {
        "none" => "Not verified yet".into(),
        "basic" => "Basic — the identity of a person acting for the organisation is verified".into(),
        "enhanced" => "Enhanced — enhanced due diligence is complete".into(),
        other => other.into(),
    }
}

pub fn status_label(status: &str) -> String {
    match status {
        "not_started" => "No check started yet".into(),
        "pending" => "Started — waiting for you to finish it at the identity provider".into(),
        "approved" => "Approved".into(),
        "rejected" => "Not approved — this decision is final".into(),
        "retry" => "Not approved yet — the identity provider asks you to try again".into(),
        "held" | "review" => "On hold — our compliance team is reviewing the result".into(),
        other => other.replace('_', " "),
    }
}

fn short_level(level: &str) -> String {
    match level {
        "basic" => "Basic".into(),
        "enhanced" => "Enhanced".into(),
        other => other.into(),
    }
}

impl IdentityPanel {
    pub async fn load(state: &AppState, actor: &Actor) -> IdentityPanel {
        let test_mode = state.settings.sandbox_enabled();
        let (level, status, sessions) = match kyc::status(&state.pool, actor).await {
            Ok(loaded) => loaded,
            Err(e) => {
                tracing::error!(error = ?e, "the identity panel could not be loaded");
                return IdentityPanel {
                    level: String::new(),
                    level_label: String::new(),
                    status: String::new(),
                    status_label: String::new(),
                    continue_url: None,
                    retry_level: None,
                    pending_level: None,
                    can_start_enhanced: false,
                    can_start_basic: false,
                    history: Vec::new(),
                    test_mode,
                    unavailable: true,
                };
            }
        };
        let latest = sessions.first();
        let pending = latest.filter(|s| s.status == "pending");
        let continue_url = pending.map(|s| s.redirect_url.clone());
        let pending_level = pending.map(|s| s.level.clone());
        let retry_level = latest.filter(|s| s.status == "retry").map(|s| s.level.clone());
        let rejected = latest.is_some_and(|s| s.status == "rejected");
        let free = pending_level.is_none() && retry_level.is_none() && !rejected;
        let history = sessions
            .iter()
            .map(|s| CheckRow {
                started: s.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                level: short_level(&s.level),
                status: status_label(&s.status),
                decided: s.decided_at.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default(),
            })
            .collect();
        IdentityPanel {
            level_label: level_label(&level),
            status_label: status_label(&status),
            can_start_basic: free && level == "none",
            can_start_enhanced: free && level != "enhanced",
            level,
            status,
            continue_url,
            retry_level,
            pending_level,
            history,
            test_mode,
            unavailable: false,
        }
    }
}

/// Starts a check (`level` basic or enhanced) and comes back to the account page, where the
/// provider's page is linked.
async fn start(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> HttpResponse {
    let pairs = form_pairs(&body);
    if !csrf::verify(&req, &state, &form_value(&pairs, "csrf_token")) {
        return message(&req, &state, StatusCode::FORBIDDEN, "Form expired", EXPIRED_FORM, Some(("/account", "Back to your account")))
            .await;
    }
    let Some(actor) = crate::extract::current_actor(&req).await.ok().flatten() else { return redirect("/login") };
    match kyc::start_session(&state.pool, &state.kyc, &actor, &form_value(&pairs, "level")).await {
        Ok(_) => redirect("/account#identity"),
        Err(AppError::Validation(e)) => {
            let detail = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect::<Vec<_>>().join("; ");
            message(
                &req,
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                "The check could not be started",
                &detail,
                Some(("/account", "Back to your account")),
            )
            .await
        }
        Err(AppError::Conflict { detail, .. } | AppError::Refused { detail, .. }) => {
            message(
                &req,
                &state,
                StatusCode::CONFLICT,
                "The check could not be started",
                &detail,
                Some(("/account", "Back to your account")),
            )
            .await
        }
        Err(e) => {
            tracing::error!(error = ?e, "starting an identity check failed");
            message(
                &req,
                &state,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The identity check could not be started. Please try again.",
                Some(("/account", "Back to your account")),
            )
            .await
        }
    }
}
