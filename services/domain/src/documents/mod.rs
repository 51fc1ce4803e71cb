//! Compliance document templates (`policy/templates-v1.toml`): the forms a buyer fills (a
//! legitimate-interest assessment, a FRIA, a risk assessment, a model card, a registration) and the
//! validation of a submission against its template's fields. Data, not code, referenced by version
//! and sha256 like a policy.

mod validate;

use serde::{Deserialize, Serialize};

use crate::compliance::PolicyRef;
use crate::provenance::sha256_hex;

const V1_TEXT: &str = include_str!("../../policy/templates-v1.toml");
const V2_TEXT: &str = include_str!("../../policy/templates-v2.toml");
const V3_TEXT: &str = include_str!("../../policy/templates-v3.toml");

/// The template ids the compliance policy refers to; every catalogue must define them.
pub const REQUIRED_TEMPLATE_IDS: [&str; 5] = ["lia", "fria", "risk_assessment", "model_card", "registration"];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    pub id: String,
    pub title: String,
    pub article: String,
    pub fields: Vec<TemplateField>,
    /// Answers that keep the obligations open: the document is filed, but by what it says it
    /// cannot satisfy them (from templates-v2).
    pub blockers: Vec<Blocker>,
    /// The document's body with a `{{field}}` placeholder per field (from templates-v3; empty before).
    pub markdown: String,
    /// The platform generates this document; a buyer cannot file it.
    pub generated: bool,
}

/// An answer that keeps a document from satisfying its obligations, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocker {
    pub field: String,
    pub equals: serde_json::Value,
    pub reason: String,
}

impl Template {
    /// The blockers a validated submission (`normalised` fields) trips.
    pub fn blocking_answers(&self, normalised: &serde_json::Map<String, serde_json::Value>) -> Vec<&Blocker> {
        self.blockers.iter().filter(|b| normalised.get(&b.field) == Some(&b.equals)).collect()
    }

    /// The filed document as markdown: each placeholder replaced by its answer (booleans as Yes or
    /// No, a field left empty as an em dash). Answers are not scanned again, so an answer that
    /// contains braces stays as written.
    pub fn render(&self, fields: &serde_json::Map<String, serde_json::Value>) -> String {
        let mut out = String::with_capacity(self.markdown.len() * 2);
        let mut rest = self.markdown.as_str();
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find("}}") else {
                out.push_str(&rest[start..]);
                return out;
            };
            let answer = match fields.get(&after[..end]) {
                Some(serde_json::Value::String(s)) if !s.trim().is_empty() => s.clone(),
                Some(serde_json::Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_owned(),
                Some(v) if !v.is_null() && !v.is_string() => v.to_string(),
                _ => "—".to_owned(),
            };
            out.push_str(&answer);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// The `{{name}}` placeholders of a markdown body, in order.
fn placeholders(markdown: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(&after[..end]);
        rest = &after[end + 2..];
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateField {
    pub name: String,
    pub label: String,
    pub help: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    pub required: bool,
    /// Required (whatever `required` says) when a deployment jurisdiction is one of these codes.
    pub required_when_jurisdiction: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldKind {
    Text { min_chars: usize, max_chars: usize },
    Boolean,
    Choice { options: Vec<String> },
}

impl TemplateField {
    /// Whether the field must be filled for a deployment in `jurisdictions` (compared upper-case).
    pub fn is_required(&self, jurisdictions: &[String]) -> bool {
        self.required || jurisdictions.iter().any(|j| self.required_when_jurisdiction.iter().any(|r| r.eq_ignore_ascii_case(j.trim())))
    }
}

/// The loaded catalogue.
#[derive(Debug, Clone)]
pub struct DocumentTemplates {
    version: String,
    sha256: String,
    templates: Vec<Template>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: String,
    template: Vec<RawTemplate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    id: String,
    title: String,
    article: String,
    field: Vec<RawField>,
    #[serde(default)]
    blocker: Vec<RawBlocker>,
    #[serde(default)]
    markdown: String,
    #[serde(default)]
    generated: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlocker {
    field: String,
    equals: serde_json::Value,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    name: String,
    label: String,
    help: String,
    kind: String,
    min_chars: Option<usize>,
    max_chars: Option<usize>,
    options: Option<Vec<String>>,
    required: bool,
    #[serde(default)]
    required_when_jurisdiction: Vec<String>,
}

impl DocumentTemplates {
    /// templates-v1, kept so the documents filed under it can be read against it.
    pub fn v1() -> Result<Self, String> {
        Self::parse(V1_TEXT)
    }

    /// templates-v2, kept so the documents filed under it can be read against it.
    pub fn v2() -> Result<Self, String> {
        Self::parse(V2_TEXT)
    }

    /// The catalogue new documents are filed under: every template has its markdown, and the
    /// remediation plan of the safe harbour is among them.
    pub fn current() -> Result<Self, String> {
        let catalogue = Self::parse(V3_TEXT)?;
        if let Some(t) = catalogue.templates.iter().find(|t| t.markdown.trim().is_empty()) {
            return Err(format!("document templates: template {:?} has no markdown", t.id));
        }
        if catalogue.get("remediation_plan").is_none() {
            return Err("document templates: template \"remediation_plan\" is missing".into());
        }
        Ok(catalogue)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File = toml::from_str(text).map_err(|e| format!("document templates: {e}"))?;
        if file.version.trim().is_empty() {
            return Err("document templates: version is empty".into());
        }
        let mut templates: Vec<Template> = Vec::new();
        for raw in file.template {
            let template = build_template(raw).map_err(|e| format!("document templates: {e}"))?;
            if templates.iter().any(|t| t.id == template.id) {
                return Err(format!("document templates: template {:?} is defined twice", template.id));
            }
            templates.push(template);
        }
        if let Some(missing) = REQUIRED_TEMPLATE_IDS.iter().find(|id| !templates.iter().any(|t| t.id == **id)) {
            return Err(format!("document templates: template {missing:?} is missing"));
        }
        Ok(Self { version: file.version, sha256: sha256_hex(text.as_bytes()), templates })
    }

    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    /// Template ids in catalogue order.
    pub fn ids(&self) -> Vec<&str> {
        self.templates.iter().map(|t| t.id.as_str()).collect()
    }

    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    pub fn reference(&self) -> PolicyRef {
        PolicyRef { version: self.version.clone(), sha256: self.sha256.clone() }
    }
}

fn is_snake_case(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.ends_with('_')
        && !s.contains("__")
}

fn build_template(raw: RawTemplate) -> Result<Template, String> {
    if !is_snake_case(&raw.id) {
        return Err(format!("template id {:?} must be snake_case", raw.id));
    }
    if raw.title.trim().is_empty() || raw.article.trim().is_empty() {
        return Err(format!("template {:?} needs a title and an article", raw.id));
    }
    let mut fields: Vec<TemplateField> = Vec::new();
    for field in raw.field {
        let field = build_field(field).map_err(|e| format!("template {:?}: {e}", raw.id))?;
        if fields.iter().any(|f| f.name == field.name) {
            return Err(format!("template {:?}: field {:?} is defined twice", raw.id, field.name));
        }
        fields.push(field);
    }
    if fields.is_empty() {
        return Err(format!("template {:?} has no fields", raw.id));
    }
    let mut blockers = Vec::new();
    for b in raw.blocker {
        let Some(field) = fields.iter().find(|f| f.name == b.field) else {
            return Err(format!("template {:?}: a blocker names an unknown field {:?}", raw.id, b.field));
        };
        let fits = match (&field.kind, &b.equals) {
            (FieldKind::Boolean, serde_json::Value::Bool(_)) => true,
            (FieldKind::Choice { options }, serde_json::Value::String(s)) => options.contains(s),
            _ => false,
        };
        if !fits || b.reason.trim().is_empty() {
            return Err(format!("template {:?}: the blocker on {:?} needs a value the field can take and a reason", raw.id, b.field));
        }
        blockers.push(Blocker { field: b.field, equals: b.equals, reason: b.reason });
    }
    if !raw.markdown.is_empty() {
        let used = placeholders(&raw.markdown);
        if let Some(unknown) = used.iter().find(|p| !fields.iter().any(|f| f.name == **p)) {
            return Err(format!("template {:?}: the markdown names an unknown field {unknown:?}", raw.id));
        }
        if let Some(f) = fields.iter().find(|f| used.iter().filter(|p| **p == f.name).count() != 1) {
            return Err(format!("template {:?}: the markdown must place field {:?} exactly once", raw.id, f.name));
        }
    }
    Ok(Template { id: raw.id, title: raw.title, article: raw.article, fields, blockers, markdown: raw.markdown, generated: raw.generated })
}

fn build_field(raw: RawField) -> Result<TemplateField, String> {
    let name = raw.name;
    if !is_snake_case(&name) {
        return Err(format!("field name {name:?} must be snake_case"));
    }
    if raw.label.trim().is_empty() || raw.help.trim().is_empty() {
        return Err(format!("field {name:?} needs a label and a help text"));
    }
    let kind = match (raw.kind.as_str(), raw.min_chars, raw.max_chars, raw.options) {
        ("text", Some(min_chars), Some(max_chars), None) if min_chars <= max_chars && max_chars > 0 => {
            FieldKind::Text { min_chars, max_chars }
        }
        ("text", ..) => return Err(format!("text field {name:?} needs min_chars <= max_chars (max_chars > 0) and no options")),
        ("boolean", None, None, None) => FieldKind::Boolean,
        ("boolean", ..) => return Err(format!("boolean field {name:?} takes no min_chars, max_chars or options")),
        ("choice", None, None, Some(options)) if !options.is_empty() && options.iter().all(|o| !o.trim().is_empty()) => {
            FieldKind::Choice { options }
        }
        ("choice", ..) => return Err(format!("choice field {name:?} needs non-empty options and no min_chars or max_chars")),
        (other, ..) => return Err(format!("field {name:?} has kind {other:?}; kinds are text, boolean, choice")),
    };
    let required_when_jurisdiction: Vec<String> = raw.required_when_jurisdiction.iter().map(|j| j.trim().to_ascii_uppercase()).collect();
    if required_when_jurisdiction.iter().any(String::is_empty) {
        return Err(format!("field {name:?}: a required_when_jurisdiction code is blank"));
    }
    Ok(TemplateField { name, label: raw.label, help: raw.help, kind, required: raw.required, required_when_jurisdiction })
}
