//! The error every use case after the accounts one returns: each variant maps to one HTTP status.

use attune_domain::{FieldError, ValidationErrors};

use crate::actor::MissingRole;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 422: fields at fault.
    #[error("invalid fields: {0}")]
    Validation(ValidationErrors),
    /// 404: unknown, or another organisation's.
    #[error("not found")]
    NotFound,
    /// 403.
    #[error(transparent)]
    Forbidden(#[from] MissingRole),
    /// 409: the resource is not in a state that allows this.
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    /// 422 for a rule (not a field shape) that refuses the request.
    #[error("{detail}")]
    Refused { code: &'static str, detail: String, field: Option<String> },
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl AppError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(ValidationErrors(vec![FieldError::new(field, message)]))
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Conflict { code, detail: detail.into() }
    }

    pub fn refused(code: &'static str, field: Option<&str>, detail: impl Into<String>) -> Self {
        AppError::Refused { code, detail: detail.into(), field: field.map(str::to_string) }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Validation(e)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Unexpected(anyhow::Error::new(e))
    }
}
