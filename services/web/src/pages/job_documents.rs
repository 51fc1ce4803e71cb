//! A job page's document forms: the fields of the compliance document templates (LIA, FRIA, …) that
//! satisfy its obligations, as inputs, and a submitted form read back into the document's fields.

use attune_domain::documents::{FieldKind, TemplateField};
use serde_json::Value;

use super::form_value;
use super::jobs::text;
use crate::state::AppState;

/// One input of a document form.
pub(super) struct FormField {
    pub(super) name: String,
    pub(super) label: String,
    pub(super) help: String,
    /// `text`, `boolean` or `choice`.
    pub(super) kind: &'static str,
    pub(super) options: Vec<String>,
    pub(super) required: bool,
    pub(super) value: String,
    pub(super) error: String,
}

pub(super) struct DocumentForm {
    pub(super) template: String,
    pub(super) title: String,
    pub(super) article: String,
    pub(super) revision: Option<i32>,
    pub(super) fields: Vec<FormField>,
}

pub(super) fn form_field(f: &TemplateField, jurisdictions: &[String], value: &Value, error: Option<&String>) -> FormField {
    let (kind, options) = match &f.kind {
        FieldKind::Text { .. } => ("text", Vec::new()),
        FieldKind::Boolean => ("boolean", Vec::new()),
        FieldKind::Choice { options } => ("choice", options.clone()),
    };
    let value = match value {
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => "no".to_string(),
        other => text(other),
    };
    FormField {
        name: f.name.clone(),
        label: f.label.clone(),
        help: f.help.clone(),
        kind,
        options,
        required: f.is_required(jurisdictions),
        value,
        error: error.cloned().unwrap_or_default(),
    }
}

/// Turns the form's strings into the template's JSON: booleans from yes/no, blanks left out.
pub(super) fn document_fields(state: &AppState, template: &str, pairs: &[(String, String)]) -> serde_json::Map<String, Value> {
    let mut fields = serde_json::Map::new();
    let Some(t) = state.templates.get(template) else { return fields };
    for f in &t.fields {
        let raw = form_value(pairs, &f.name);
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let value = match f.kind {
            FieldKind::Boolean => Value::Bool(raw == "yes"),
            _ => Value::String(raw.to_string()),
        };
        fields.insert(f.name.clone(), value);
    }
    fields
}
