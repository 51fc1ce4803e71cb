//! Sanctions lists and screening (API.md "Payments" screening, "Admin review"): list imports,
//! address and name screening, and the admin review queue of cases.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use attune_app::screening::ListFile;
use attune_domain::FieldError;
use attune_domain::sanctions::screening::NameQuery;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::api::dto::{ListQuery, page_limit};
use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// The largest list file accepted (OFAC's SDN_ADVANCED.XML is about 100 MB).
const MAX_LIST_BYTES: usize = 256 * 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/sanctions/imports").route(web::post().to(import)).route(web::get().to(imports)))
        .service(web::resource("/screening/addresses").route(web::post().to(addresses)))
        .service(web::resource("/screening/names").route(web::post().to(names)))
        .service(web::resource("/admin/cases").route(web::get().to(cases)))
        .service(web::resource("/admin/cases/{id}").route(web::get().to(case)))
        .service(web::resource("/admin/cases/{id}/decision").route(web::post().to(decide)));
}

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `ofac_sdn_csv`, `ofac_sdn_xml` or `opensanctions`.
    pub source: String,
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        "The list file is larger than this server accepts.",
    )
}

async fn body_bytes(mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed(format!("The body could not be read: {e}")))?;
        if body.len() + chunk.len() > MAX_LIST_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// OFAC's CSV set arrives as multipart parts named after its files (any case).
async fn csv_parts(mut form: Multipart) -> Result<std::collections::HashMap<String, Vec<u8>>, ApiError> {
    let mut parts = std::collections::HashMap::new();
    let mut total = 0usize;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| ApiError::malformed(format!("The multipart body could not be read: {e}")))?;
        let name = field
            .content_disposition()
            .and_then(|d| d.get_filename().or_else(|| d.get_name()).map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| ApiError::malformed(format!("The part {name} could not be read: {e}")))?;
            total += chunk.len();
            if total > MAX_LIST_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        parts.insert(name, bytes);
    }
    Ok(parts)
}

/// Imports a list as the new version of its source, with its diff, and re-screens every wallet.
#[utoipa::path(post, path = "/api/v1/admin/sanctions/imports", tag = "screening", params(ImportQuery),
    request_body(content = Object, description = "ofac_sdn_csv: multipart parts sdn.csv (required), alt.csv, add.csv, sdn_comments.csv; otherwise the file as the body"),
    responses((status = 201, body = attune_app::screening::ImportReport), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file at fault and its line", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn import(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ImportQuery>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    actor.admin_scope().map_err(attune_app::error::AppError::from)?;
    let list = match query.source.as_str() {
        "ofac_sdn_csv" => {
            if req
                .headers()
                .get(actix_web::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| !v.starts_with("multipart/form-data"))
            {
                let message = "ofac_sdn_csv is uploaded as multipart/form-data parts: sdn.csv, and alt.csv, add.csv, sdn_comments.csv";
                return Err(ApiError::validation(vec![FieldError::new("source", message)]));
            }
            let form = Multipart::new(req.headers(), payload);
            let mut parts = csv_parts(form).await?;
            let sdn = parts.remove("sdn.csv").ok_or_else(|| ApiError::validation(vec![FieldError::new("sdn.csv", "is required")]))?;
            ListFile::OfacCsv {
                sdn,
                alt: parts.remove("alt.csv").unwrap_or_default(),
                add: parts.remove("add.csv").unwrap_or_default(),
                comments: parts.remove("sdn_comments.csv"),
            }
        }
        "ofac_sdn_xml" => ListFile::OfacAdvancedXml(body_bytes(payload).await?),
        "opensanctions" => ListFile::OpenSanctions(body_bytes(payload).await?),
        _ => return Err(ApiError::validation(vec![FieldError::new("source", "must be ofac_sdn_csv, ofac_sdn_xml or opensanctions")])),
    };
    let report = attune_app::screening::import(&state.pool, &state.screening, &actor, list).await?;
    Ok(HttpResponse::Created().json(report))
}

/// Every import, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/admin/sanctions/imports", tag = "screening", params(ListQuery), responses((status = 200, body = Object)), security(("bearer" = [])))]
pub async fn imports(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = attune_app::screening::imports(&state.pool, &actor, query.cursor.as_deref(), query.limit()?).await?;
    Ok(HttpResponse::Ok().json(json!({"items": page.items, "next_cursor": page.next_cursor})))
}

#[derive(Deserialize, ToSchema)]
pub struct AddressesBody {
    pub addresses: Vec<String>,
}

/// One screened address.
#[derive(serde::Serialize, ToSchema)]
pub struct AddressScreen {
    /// As asked.
    pub address: String,
    pub hit: bool,
    /// The list versions that name it.
    pub lists: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// Each address, exact after normalisation (admin).
#[utoipa::path(post, path = "/api/v1/screening/addresses", tag = "screening", request_body = AddressesBody,
    responses((status = 200, body = Vec<AddressScreen>), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn addresses(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<AddressesBody>,
) -> Result<HttpResponse, ApiError> {
    actor.admin_scope().map_err(attune_app::error::AppError::from)?;
    if body.0.addresses.len() > 1000 {
        return Err(ApiError::validation(vec![FieldError::new("addresses", "at most 1000 at a time")]));
    }
    let out: Vec<AddressScreen> = body
        .0
        .addresses
        .into_iter()
        .map(|a| match state.screening.screen_address(&a) {
            Some(hit) => AddressScreen {
                address: a,
                hit: true,
                lists: vec![hit.list_version.to_string()],
                entity_id: Some(hit.entity_id.to_string()),
                currency: Some(hit.currency.to_string()),
            },
            None => AddressScreen { address: a, hit: false, lists: Vec::new(), entity_id: None, currency: None },
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, ToSchema)]
pub struct NameBody {
    pub name: String,
    pub country: Option<String>,
    /// `YYYY-MM-DD` or `YYYY`.
    pub birth_date: Option<String>,
}

/// `{matches: [{entity_id, name, matched_name, score, list, programs, features, penalties, risk, topics,
/// ownership}], list_version,
/// policy: {version, sha256}}` (admin): the lists and the screening policy the answer came from.
#[utoipa::path(post, path = "/api/v1/screening/names", tag = "screening", request_body = NameBody,
    responses((status = 200, body = Object), (status = 403, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn names(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    body: ApiJson<NameBody>,
) -> Result<HttpResponse, ApiError> {
    actor.admin_scope().map_err(attune_app::error::AppError::from)?;
    let b = body.0;
    if b.name.trim().is_empty() || b.name.chars().count() > 300 {
        return Err(ApiError::validation(vec![FieldError::new("name", "is required (at most 300 characters)")]));
    }
    let birth_year = b.birth_date.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse().ok());
    let query = NameQuery { name: b.name, country: b.country.map(|c| c.trim().to_ascii_uppercase()), birth_year };
    let (matches, version) = state.screening.screen_name(&query);
    let matches: Vec<serde_json::Value> = matches
        .iter()
        .map(|m| {
            json!({"entity_id": m.entity_id, "name": m.name, "matched_name": m.matched_name, "score": m.score, "list": m.list,
                   "programs": m.programs, "features": m.features, "penalties": m.penalties, "risk": m.risk, "topics": m.topics,
                   "ownership": m.ownership})
        })
        .collect();
    Ok(HttpResponse::Ok().json(json!({"matches": matches, "list_version": version, "policy": state.screening.policy().reference()})))
}

#[derive(Deserialize, IntoParams)]
pub struct CaseQuery {
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^s[0-9a-f]{16}_-?[0-9]{1,16}_[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

/// Open cases sorted by score (admin).
#[utoipa::path(get, path = "/api/v1/admin/cases", tag = "screening", params(CaseQuery), responses((status = 200, body = Object)), security(("bearer" = [])))]
pub async fn cases(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    query: web::Query<CaseQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let page = attune_app::cases::list(
        &state.pool,
        &actor,
        q.status.as_deref(),
        q.kind.as_deref(),
        q.cursor.as_deref(),
        page_limit(q.limit, 50, 200)?,
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({"items": page.items, "next_cursor": page.next_cursor})))
}

/// A case with all its evidence and its decisions (admin).
#[utoipa::path(get, path = "/api/v1/admin/cases/{id}", tag = "screening",
    responses((status = 200, body = Object), (status = 404, body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
pub async fn case(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (case, decisions, report) = attune_app::cases::get(&state.pool, &actor, path.into_inner()).await?;
    let mut body = serde_json::to_value(&case).map_err(|e| ApiError::internal(e.into()))?;
    body["decisions"] = json!(decisions);
    body["report_draft"] = json!(report);
    Ok(HttpResponse::Ok().json(body))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = CaseDecisionBody)]
pub struct DecisionBody {
    /// `approve`, `reject`, `block` or `request_info`.
    pub decision: String,
    /// Why: the decision is kept for the auditors.
    pub notes: String,
}

/// Decides a case; above the four-eyes threshold the first approval gives `awaiting_second_approval`.
#[utoipa::path(post, path = "/api/v1/admin/cases/{id}/decision", tag = "screening", request_body = DecisionBody,
    responses((status = 200, description = "{status}", body = Object), (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = [])))]
pub async fn decide(
    state: web::Data<AppState>,
    Authenticated(actor): Authenticated,
    path: web::Path<Uuid>,
    body: ApiJson<DecisionBody>,
) -> Result<HttpResponse, ApiError> {
    let status =
        attune_app::cases::decide(&state.pool, state.chain.as_deref(), &actor, path.into_inner(), &body.0.decision, &body.0.notes).await?;
    Ok(HttpResponse::Ok().json(json!({"status": status})))
}
