//! A submitted document checked against its template.

use serde_json::{Map, Value};

use super::{FieldKind, Template, TemplateField};
use crate::ValidationErrors;

impl Template {
    /// Validates a submitted `fields` object; errors name `fields.<name>`, unknown names included.
    /// Returns the normalised fields (strings trimmed, blank optional fields left out).
    pub fn validate(&self, fields: &Value, jurisdictions: &[String]) -> Result<Map<String, Value>, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let Some(submitted) = fields.as_object() else {
            errors.push("fields", "must be an object of field name to value");
            return Err(errors);
        };
        for name in submitted.keys().filter(|name| !self.fields.iter().any(|f| f.name == **name)) {
            errors.push(&format!("fields.{name}"), format!("is not a field of the {} template", self.id));
        }
        let mut normalised = Map::new();
        for field in &self.fields {
            let path = format!("fields.{}", field.name);
            match check(field, submitted.get(&field.name), jurisdictions) {
                Ok(Some(value)) => {
                    normalised.insert(field.name.clone(), value);
                }
                Ok(None) => {}
                Err(message) => errors.push(&path, message),
            }
        }
        errors.into_result().map(|()| normalised)
    }
}

/// The normalised value of one field, `None` when an optional field is left out.
fn check(field: &TemplateField, value: Option<&Value>, jurisdictions: &[String]) -> Result<Option<Value>, String> {
    let value = match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(v) => Some(v),
    };
    let Some(value) = value else {
        if field.required {
            return Err("is required".into());
        }
        if field.is_required(jurisdictions) {
            return Err(format!("is required for deployments in {}", field.required_when_jurisdiction.join(" or ")));
        }
        return Ok(None);
    };
    match &field.kind {
        FieldKind::Text { min_chars, max_chars } => {
            let text = value.as_str().ok_or("must be text")?.trim();
            let chars = text.chars().count();
            if chars < *min_chars {
                return Err(format!("must be at least {min_chars} characters"));
            }
            if chars > *max_chars {
                return Err(format!("must be at most {max_chars} characters"));
            }
            Ok(Some(Value::String(text.to_owned())))
        }
        FieldKind::Boolean => value.as_bool().map(|b| Some(Value::Bool(b))).ok_or_else(|| "must be true or false".to_string()),
        FieldKind::Choice { options } => {
            let choice = value.as_str().ok_or("must be one of the options")?.trim();
            if !options.iter().any(|o| o == choice) {
                return Err(format!("must be one of {}", options.join(", ")));
            }
            Ok(Some(Value::String(choice.to_owned())))
        }
    }
}
