//! Re-screening after an import or before a payment moves: wallets, KYC'd persons, organisations'
//! legal names and the payees of a release. A hit opens (or finds) a case.

use anyhow::Context;
use attune_db::cases::NewCase;
use attune_domain::review::CaseSubject;
use attune_domain::sanctions::MatchRisk;
use attune_domain::sanctions::screening::{NameMatch, NameQuery};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{AddressScreen, ScreeningService};

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
            let subject = CaseSubject::Payment(p.job_id).to_string();
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
        CaseSubject::Wallet(address.to_owned()).to_string()
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
    screen_name_of(conn, service, &CaseSubject::Person(session).to_string(), organization_id, query).await
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
    screen_name_of(conn, service, &CaseSubject::Organization(organization_id).to_string(), organization_id, &query).await
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
