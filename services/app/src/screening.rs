//! Screening as a service of the running marketplace: the latest import of every list, held in
//! memory as one `Screener` (rebuilt after each import, on every replica: an import notifies the
//! others over LISTEN/NOTIFY, and a periodic version check catches a missed notification), and the
//! imports themselves — versioned, diffed against the previous import of their source, followed by
//! a re-screen of every wallet, every KYC'd name and every organisation's legal name.
//!
//! A name hit holds: an organisation whose legal name or a KYC'd person matches a list is put on
//! hold with a `name` case (its KYC level is not granted, its payments are held) until an admin
//! decides. Comprehensively embargoed jurisdictions (policy/jurisdictions-v1.toml) are refused at
//! registration and at wallet linking.

use std::sync::{Arc, LazyLock, RwLock};
use std::time::Duration;

use anyhow::Context;
use attune_db::cases::NewCase;
use attune_db::screening::{ImportRow, NewImport};
use attune_domain::jurisdictions::Jurisdictions;
use attune_domain::sanctions::screening::{NameMatch, NameQuery, Screener, ScreeningPolicy};
use attune_domain::sanctions::{ListEntity, MatchRisk};
use attune_integrations::sanctions::{ImportedList, diff};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::Actor;
use crate::error::AppError;

struct Loaded {
    screener: Screener,
    /// `ofac_sdn@<version>,open_sanctions@<version>`: recorded with every decision.
    version: String,
    /// The newest import when this was built: another one means this replica is stale.
    newest: Option<Uuid>,
}

pub struct ScreeningService {
    policy: ScreeningPolicy,
    loaded: RwLock<Arc<Loaded>>,
}

/// A listed address that matched, and the list version that said so.
#[derive(Debug, Clone, Serialize)]
pub struct AddressScreen {
    pub entity_id: String,
    pub currency: String,
    pub listed_address: String,
    pub list_version: String,
}

fn source_name(source: attune_domain::sanctions::ListSource) -> &'static str {
    match source {
        attune_domain::sanctions::ListSource::OfacSdn => "ofac_sdn",
        attune_domain::sanctions::ListSource::OpenSanctions => "open_sanctions",
        attune_domain::sanctions::ListSource::Custom => "custom",
    }
}

async fn current_entities(conn: &mut PgConnection) -> anyhow::Result<(Vec<ListEntity>, String, Option<Uuid>)> {
    let newest = attune_db::screening::newest_import(conn).await?;
    let mut entities = Vec::new();
    let mut versions = Vec::new();
    for import in attune_db::screening::latest_imports(conn).await? {
        for data in attune_db::screening::entities_of(conn, import.id).await? {
            entities.push(serde_json::from_value(data).context("a stored list entity is unreadable")?);
        }
        versions.push(format!("{}@{}", import.source, import.version));
    }
    let version = if versions.is_empty() { "none".to_owned() } else { versions.join(",") };
    Ok((entities, version, newest))
}

impl ScreeningService {
    pub async fn load(pool: &PgPool) -> anyhow::Result<Self> {
        let policy = ScreeningPolicy::current().map_err(|e| anyhow::anyhow!("the screening policy: {e}"))?;
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        let (entities, version, newest) = current_entities(&mut conn).await?;
        let screener = Screener::build(&entities, &policy);
        Ok(Self { policy, loaded: RwLock::new(Arc::new(Loaded { screener, version, newest })) })
    }

    async fn reload(&self, pool: &PgPool) -> anyhow::Result<()> {
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        let (entities, version, newest) = current_entities(&mut conn).await?;
        drop(conn);
        let screener = Screener::build(&entities, &self.policy);
        *self.loaded.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Loaded { screener, version, newest });
        Ok(())
    }

    /// The version check: rebuilds the screener when the database holds a newer import than the one
    /// it was built from. `true` when it reloaded.
    pub async fn reload_if_stale(&self, pool: &PgPool) -> anyhow::Result<bool> {
        let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
        let newest = attune_db::screening::newest_import(&mut conn).await?;
        drop(conn);
        if newest == self.current().newest {
            return Ok(false);
        }
        self.reload(pool).await?;
        tracing::info!(version = %self.list_version(), "sanctions lists reloaded");
        Ok(true)
    }

    fn current(&self) -> Arc<Loaded> {
        self.loaded.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The screening policy (name normalisation tables and thresholds) in force.
    pub fn policy(&self) -> &ScreeningPolicy {
        &self.policy
    }

    pub fn list_version(&self) -> String {
        self.current().version.clone()
    }

    pub fn screen_address(&self, raw: &str) -> Option<AddressScreen> {
        let loaded = self.current();
        loaded.screener.screen_address(raw).map(|hit| AddressScreen {
            entity_id: hit.entity_id.clone(),
            currency: hit.currency.clone(),
            listed_address: hit.listed_address.clone(),
            list_version: loaded.version.clone(),
        })
    }

    pub fn screen_name(&self, query: &NameQuery) -> (Vec<NameMatch>, String) {
        let loaded = self.current();
        (loaded.screener.screen_name(query, &self.policy), loaded.version.clone())
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub id: Uuid,
    pub source: String,
    pub version: String,
    pub entities: usize,
    pub names: usize,
    pub addresses: usize,
    #[schema(value_type = Object)]
    pub diff: serde_json::Value,
    #[schema(value_type = Object)]
    pub rescreen: serde_json::Value,
}

/// Stores an import as the new version of its source, rebuilds the screener and re-screens every
/// wallet: a wallet newly listed goes under review with a case.
#[tracing::instrument(skip_all, fields(source = ?list.source, entities = list.entities.len()))]
pub async fn import(pool: &PgPool, service: &ScreeningService, actor: &Actor, list: ImportedList) -> Result<ImportReport, AppError> {
    actor.admin_scope()?;
    store_import(pool, service, &actor.audit_id(), Some(actor.user_id), list).await
}

/// Stores an import (from an admin's upload or the scheduled refresh) and re-screens.
/// Sanctions-list imports, newest first (admin), `limit` (1–200) at a time.
pub async fn imports(pool: &PgPool, actor: &Actor, cursor: Option<&str>, limit: i64) -> Result<crate::cursor::Page<ImportRow>, AppError> {
    actor.admin_scope()?;
    let after = crate::cursor::after(cursor)?;
    let limit = limit.clamp(1, 200);
    let mut conn = pool.acquire().await.context("failed to acquire a connection")?;
    let mut items = attune_db::screening::list_imports(&mut conn, after, limit + 1).await?;
    let next_cursor = crate::cursor::next_page(&mut items, limit, |i| (i.created_at, i.id));
    Ok(crate::cursor::Page { items, next_cursor })
}

pub async fn store_import(
    pool: &PgPool,
    service: &ScreeningService,
    who: &str,
    imported_by: Option<Uuid>,
    list: ImportedList,
) -> Result<ImportReport, AppError> {
    // An empty file (a truncated download, the wrong part) would become the new version of the
    // list and clear every match it held.
    if list.entities.is_empty() {
        return Err(AppError::field("file", "lists no entities; an empty list would clear every sanctions match, so it is not imported"));
    }
    let source = source_name(list.source);
    let mut tx = pool.begin().await.context("failed to begin an import")?;
    let previous: Option<ImportRow> = attune_db::screening::latest_imports(&mut tx).await?.into_iter().find(|i| i.source == source);
    let changes = match &previous {
        Some(prev) => {
            let mut old = Vec::new();
            for data in attune_db::screening::entities_of(&mut tx, prev.id).await? {
                old.push(serde_json::from_value::<ListEntity>(data).context("a stored list entity is unreadable")?);
            }
            let old = ImportedList { source: list.source, version: prev.version.clone(), sha256: prev.sha256.clone(), entities: old };
            let d = diff(&old, &list);
            json!({"previous_version": prev.version, "added": d.added, "removed": d.removed, "changed": d.changed})
        }
        None => {
            json!({"previous_version": null, "added": list.entities.iter().map(|e| &e.entity_id).collect::<Vec<_>>(), "removed": [], "changed": []})
        }
    };
    let names: usize = list.entities.iter().map(|e| 1 + e.aliases.len()).sum();
    let addresses: usize = list.entities.iter().map(|e| e.addresses.len()).sum();
    let id = Uuid::now_v7();
    let as_i32 = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    attune_db::screening::insert_import(
        &mut tx,
        &NewImport {
            id,
            source,
            version: &list.version,
            sha256: &list.sha256,
            entities: as_i32(list.entities.len()),
            names: as_i32(names),
            addresses: as_i32(addresses),
            diff: &changes,
            imported_by,
        },
    )
    .await?;
    let rows: Vec<(String, serde_json::Value)> = list
        .entities
        .iter()
        .map(|e| Ok((e.entity_id.clone(), serde_json::to_value(e)?)))
        .collect::<Result<_, serde_json::Error>>()
        .context("failed to encode entities")?;
    attune_db::screening::insert_entities(&mut tx, id, &rows).await?;
    attune_db::audit::append(
        &mut tx,
        who,
        "sanctions.imported",
        &format!("sanctions:{source}"),
        &json!({"version": list.version, "sha256": list.sha256, "entities": list.entities.len(), "diff_counts": {
            "added": changes["added"].as_array().map_or(0, Vec::len), "removed": changes["removed"].as_array().map_or(0, Vec::len),
            "changed": changes["changed"].as_array().map_or(0, Vec::len)}}),
    )
    .await?;
    tx.commit().await.context("failed to commit an import")?;
    service.reload(pool).await?;
    let rescreen = rescreen_wallets(pool, service).await?;
    Ok(ImportReport {
        id,
        source: source.to_owned(),
        version: list.version,
        entities: list.entities.len(),
        names,
        addresses,
        diff: changes,
        rescreen,
    })
}

/// Screens every linked wallet against the lists in force; a hit puts it under review with a case.
pub async fn rescreen_wallets(pool: &PgPool, service: &ScreeningService) -> anyhow::Result<serde_json::Value> {
    let mut tx = pool.begin().await.context("failed to begin a re-screen")?;
    let wallets = attune_db::wallets::list(&mut tx, attune_domain::OrgScope::Platform).await?;
    let mut new_cases = 0;
    for w in &wallets {
        if let Some(hit) = service.screen_address(&w.address) {
            let (case_id, new) = open_address_case(&mut tx, "rescreen", &w.address, Some(w.organization_id), &hit, None).await?;
            if case_id.is_nil() {
                continue;
            }
            if new {
                new_cases += 1;
            }
            if w.status == "active" {
                attune_db::wallets::set_status_by_address(&mut tx, &w.address, "under_review").await?;
            }
        }
    }
    // A held payment whose payer is no longer listed goes back to review (its escrow is unfrozen; a
    // human decides), as after the Tornado Cash delisting. Nothing is released automatically.
    let mut returned = 0;
    for p in attune_db::payments::held(&mut tx).await? {
        let Some(payer) = p.payer_address.as_deref() else { continue };
        if service.screen_address(&payer.to_ascii_lowercase()).is_none() {
            let subject = format!("job:{}", p.job_id);
            if crate::operator_txs::request_for_job(&mut tx, "unfreeze", p.job_id, &p.job_ref).await? {
                returned += 1;
                let reasons = json!([{"rule": "sanctions.delisted", "detail": format!("{payer} is no longer on the lists in force ({})", service.list_version())}]);
                attune_db::cases::open_case(
                    &mut tx,
                    &NewCase {
                        kind: "rescreen",
                        subject: &subject,
                        organization_id: Some(p.organization_id),
                        score: 0.5,
                        reasons: &reasons,
                        evidence: &json!({"payer": payer, "payment_status": p.status}),
                        amount: Some(&p.amount),
                        list_version: &service.list_version(),
                    },
                )
                .await?;
            }
        }
    }
    // Every customer's KYC'd name, too: a new list entry resembling it opens a case and holds the
    // organisation, unless an admin already cleared that entry for that customer.
    let names = attune_db::screening::kyc_names(&mut tx).await?;
    for (session, organization_id, result) in &names {
        let Some(name) = result["full_name"].as_str() else { continue };
        let query = NameQuery { name: name.to_owned(), country: result["country"].as_str().map(str::to_owned), birth_year: None };
        if screen_kyc_name(&mut tx, service, *session, *organization_id, &query).await? {
            new_cases += 1;
        }
    }
    // And every organisation's own legal name.
    let organizations = attune_db::screening::organization_names(&mut tx).await?;
    for (organization_id, name, country) in &organizations {
        if screen_organization(&mut tx, service, *organization_id, name, country).await? {
            new_cases += 1;
        }
    }
    tx.commit().await.context("failed to commit a re-screen")?;
    Ok(
        json!({"screened": wallets.len(), "names_screened": names.len(), "organizations_screened": organizations.len(), "new_cases": new_cases,
            "held_payments_returned_to_review": returned}),
    )
}

/// Opens (or finds) the case for a listed address.
pub async fn open_address_case(
    conn: &mut PgConnection,
    kind: &str,
    address: &str,
    organization_id: Option<Uuid>,
    hit: &AddressScreen,
    extra: Option<serde_json::Value>,
) -> anyhow::Result<(Uuid, bool)> {
    let subject = if kind == "payment" {
        extra.as_ref().and_then(|e| e["subject"].as_str()).unwrap_or(address).to_owned()
    } else {
        format!("wallet:{address}")
    };
    // A wallet an admin already cleared for this very list entry is not raised again.
    if kind != "payment" {
        for earlier in ["wallet", "rescreen"] {
            if attune_db::screening::cleared_before(conn, earlier, &subject, &hit.entity_id).await? {
                return Ok((Uuid::nil(), false));
            }
        }
    }
    let reasons = json!([{"rule": "sanctions.address_match", "detail": format!("{address} is listed ({} {}) as entity {}", hit.currency, hit.listed_address, hit.entity_id)}]);
    let evidence = json!({"address": address, "match": hit, "extra": extra});
    let amount = extra.as_ref().and_then(|e| e["amount"].as_str()).map(str::to_owned);
    attune_db::cases::open_case(
        conn,
        &NewCase {
            kind,
            subject: &subject,
            organization_id,
            score: 1.0,
            reasons: &reasons,
            evidence: &evidence,
            amount: amount.as_deref(),
            list_version: &hit.list_version,
        },
    )
    .await
}

/// Screens a KYC'd person's name (at the provider's approval and after every import). A match not
/// cleared before for this session opens a `name` case that says what it means: a sanctions match
/// (the entity's own listing or the 50 % ownership rule, with the path) holds the organisation (its
/// KYC level drops to `none`); a politically-exposed-person or crime match flags the organisation
/// for enhanced due diligence and is reviewed without a hold. `true` when a new case was opened.
pub async fn screen_kyc_name(
    conn: &mut PgConnection,
    service: &ScreeningService,
    session: Uuid,
    organization_id: Uuid,
    query: &NameQuery,
) -> anyhow::Result<bool> {
    screen_name_of(conn, service, &format!("kyc:{session}"), organization_id, query).await
}

/// Screens an organisation's own legal name (at registration and after every import), as
/// [`screen_kyc_name`] does a person's. `true` when a new case was opened.
pub async fn screen_organization(
    conn: &mut PgConnection,
    service: &ScreeningService,
    organization_id: Uuid,
    name: &str,
    country: &str,
) -> anyhow::Result<bool> {
    let query = NameQuery { name: name.to_owned(), country: Some(country.to_owned()), birth_year: None };
    screen_name_of(conn, service, &format!("org:{organization_id}"), organization_id, &query).await
}

async fn screen_name_of(
    conn: &mut PgConnection,
    service: &ScreeningService,
    subject: &str,
    organization_id: Uuid,
    query: &NameQuery,
) -> anyhow::Result<bool> {
    let review = crate::cases::review_policy().map_err(|e| anyhow::anyhow!("{e}"))?;
    let (matches, version) = service.screen_name(query);
    // What each match means: its topics' risk (sanctions hold; a PEP or crime listing asks for
    // enhanced due diligence and review). Lists stored before topics were kept carried a PEP's role
    // among its programmes: the review policy's PEP programmes still read those.
    let risk_of = |m: &NameMatch| if m.risk == MatchRisk::Sanctions && review.is_pep(&m.programs) { MatchRisk::Pep } else { m.risk };
    if matches.iter().any(|m| !risk_of(m).holds()) {
        attune_db::screening::set_pep_match(conn, organization_id).await?;
    }
    let mut fresh = Vec::new();
    for m in &matches {
        if !attune_db::screening::cleared_before(conn, "name", subject, &m.entity_id).await? {
            fresh.push(m);
        }
    }
    // The case leads with a sanctions match when there is one.
    fresh.sort_by_key(|m| !risk_of(m).holds());
    let Some(top) = fresh.first() else { return Ok(false) };
    let holds = risk_of(top).holds();
    let name = &query.name;
    let mut reasons = Vec::new();
    for risk in [MatchRisk::Sanctions, MatchRisk::Pep, MatchRisk::Crime] {
        let Some(m) = fresh.iter().find(|m| risk_of(m) == risk) else { continue };
        let what = match risk {
            MatchRisk::Sanctions => "a sanctioned party: the organisation is held until an admin decides",
            MatchRisk::Pep => "a politically exposed person or close associate: enhanced due diligence and review, no hold",
            MatchRisk::Crime => "a crime or enforcement listing: enhanced due diligence and review, no hold",
        };
        reasons.push(json!({"rule": format!("{}.name_match", risk.as_str()),
            "detail": format!("{name} resembles {} ({}) with score {:.2}: {what}", m.matched_name, m.entity_id, m.score)}));
        if risk == MatchRisk::Sanctions && !m.ownership.is_empty() {
            let path: Vec<String> = m
                .ownership
                .iter()
                .map(|s| {
                    let share = s.share_bp.map_or_else(|| s.relation.clone(), |bp| format!("{}.{:02} %", bp / 100, bp % 100));
                    format!("{} ← {} ({}, {share})", s.owned_id, s.owner_name, s.owner_id)
                })
                .collect();
            reasons.push(json!({"rule": "sanctions.ownership_50",
                "detail": format!("{} is owned 50 % or more by sanctioned parties: {}", m.name, path.join("; "))}));
        }
    }
    let reasons = serde_json::Value::Array(reasons);
    // The screening policy (scorer, tables, thresholds) is recorded beside the list version, so the
    // decision can be replayed with the policy it was made under.
    let evidence = json!({"name": name, "policy": service.policy().reference(), "risk": risk_of(top).as_str(),
        "matches": fresh.iter().map(|m| json!({"entity_id": m.entity_id, "name": m.name, "matched_name": m.matched_name,
        "score": m.score, "features": m.features, "penalties": m.penalties, "programs": m.programs, "risk": risk_of(m).as_str(),
        "topics": m.topics, "ownership": m.ownership})).collect::<Vec<_>>()});
    let (case_id, new) = attune_db::cases::open_case(
        conn,
        &NewCase {
            kind: "name",
            subject,
            organization_id: Some(organization_id),
            score: top.score,
            reasons: &reasons,
            evidence: &evidence,
            amount: None,
            list_version: &version,
        },
    )
    .await?;
    // A sanctions hit holds: the organisation's KYC level is not granted and its payments are held
    // until an admin decides the case. A PEP or crime hit is reviewed without a hold.
    if holds && attune_db::screening::set_organization_hold(conn, organization_id, Some("held")).await? {
        attune_db::kyc::set_level(conn, organization_id, "none").await?;
        attune_db::audit::append(
            conn,
            "system:screening",
            "organization.held",
            &format!("organization:{organization_id}"),
            &json!({"case": case_id, "subject": subject, "list_version": version}),
        )
        .await?;
    }
    Ok(new)
}

/// Screens the payees' wallets again before a release: a payee whose address is now listed stops
/// the release and opens a case. `true` when the release may proceed.
pub async fn screen_payees_before_release(
    conn: &mut PgConnection,
    payment: &attune_db::payments::PaymentRow,
    service: &ScreeningService,
) -> anyhow::Result<bool> {
    let payees: Vec<String> = payment
        .payees
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["address"].as_str().or_else(|| p.as_str()).map(str::to_ascii_lowercase)).collect())
        .unwrap_or_default();
    let mut clear = true;
    for address in &payees {
        if let Some(hit) = service.screen_address(address) {
            let organization_id = attune_db::wallets::get_by_address_for_update(conn, address).await?.map(|w| w.organization_id);
            let extra = json!({"before_release_of": format!("job:{}", payment.job_id), "amount": payment.amount});
            let (case_id, _) = open_address_case(conn, "rescreen", address, organization_id, &hit, Some(extra)).await?;
            // Admins already cleared this very list entry for this wallet: a false positive.
            if case_id.is_nil() {
                continue;
            }
            clear = false;
            attune_db::wallets::set_status_guarded(conn, address, &["active"], "under_review").await?;
        }
    }
    Ok(clear)
}

static JURISDICTIONS: LazyLock<Result<Jurisdictions, String>> = LazyLock::new(Jurisdictions::v1);

/// Why `country` (ISO 3166-1 alpha-2, or an ISO 3166-2 region) may not be served, when it is under
/// a comprehensive embargo (policy/jurisdictions-v1.toml); an unreadable list refuses everything.
pub fn embargo_refusal(country: &str) -> Option<String> {
    match JURISDICTIONS.as_ref() {
        Ok(j) => j.embargo_message(country),
        Err(e) => Some(format!("the jurisdiction list cannot be read: {e}")),
    }
}

/// How often a replica checks the lists' version even without a notification.
const VERSION_CHECK_EVERY: Duration = Duration::from_secs(30);

/// Keeps this replica's screener on the newest lists: LISTEN for `sanctions_import` (every import,
/// on any replica, notifies on commit), reload on each notification, and check the version every
/// [`VERSION_CHECK_EVERY`] in case a notification was lost (e.g. while reconnecting).
pub async fn follow_imports(pool: PgPool, service: Arc<ScreeningService>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        let mut listener = match sqlx::postgres::PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for sanctions imports; retrying");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        if let Err(e) = listener.listen("sanctions_import").await {
            tracing::warn!(error = %e, "cannot listen for sanctions imports; retrying");
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(5)) => continue,
                _ = shutdown.changed() => return,
            }
        }
        // An import may have landed before LISTEN took effect.
        if let Err(e) = service.reload_if_stale(&pool).await {
            tracing::warn!(error = ?e, "sanctions list version check failed");
        }
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "lost the sanctions import notifications; reconnecting");
                        break;
                    }
                },
                () = tokio::time::sleep(VERSION_CHECK_EVERY) => {}
                _ = shutdown.changed() => return,
            }
            if let Err(e) = service.reload_if_stale(&pool).await {
                tracing::warn!(error = ?e, "sanctions list reload failed");
            }
        }
    }
}
