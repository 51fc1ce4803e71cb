use attune_domain::dataset::{GateContext, GateVerdict, LicenceKind, ReviewDecision, gate_record};
use attune_domain::optout::OptoutStatus;

use GateVerdict::{Allowed, Blocked, Review};
use LicenceKind::{Licensed, Own, PublicDomain, Web};
use OptoutStatus::{Clear, Reserved, Unknown};

fn ctx(jurisdictions: &[&str], commercial: bool, research_exception: bool) -> GateContext {
    GateContext {
        jurisdictions: jurisdictions.iter().map(|j| (*j).to_owned()).collect(),
        commercial,
        research_exception,
        uk_optout_fallback: false,
    }
}

/// As data-v1 decided: non-commercial UK use outside research fell back to the EU opt-out rules.
fn ctx_v1(jurisdictions: &[&str], commercial: bool, research_exception: bool) -> GateContext {
    GateContext { uk_optout_fallback: true, ..ctx(jurisdictions, commercial, research_exception) }
}

struct Row {
    name: &'static str,
    licence: LicenceKind,
    optout: Option<OptoutStatus>,
    review: Option<ReviewDecision>,
    ctx: GateContext,
    verdict: GateVerdict,
    codes: &'static [&'static str],
}

fn row(
    name: &'static str,
    licence: LicenceKind,
    optout: Option<OptoutStatus>,
    review: Option<ReviewDecision>,
    ctx: GateContext,
    verdict: GateVerdict,
    codes: &'static [&'static str],
) -> Row {
    Row { name, licence, optout, review, ctx, verdict, codes }
}

#[test]
fn the_gate_table() {
    let base = GateContext::dataset_baseline;
    let allow = Some(ReviewDecision::Allow);
    let block = Some(ReviewDecision::Block);
    let rows = [
        row("licensed", Licensed, None, None, base(), Allowed, &["LICENSED"]),
        row("own", Own, None, None, base(), Allowed, &["OWN_DATA"]),
        row("public domain", PublicDomain, Some(Reserved), None, base(), Allowed, &["PUBLIC_DOMAIN"]),
        row("review block on a licensed record", Licensed, None, block, base(), Blocked, &["REVIEWED_BLOCK"]),
        row("review block on a clear web record", Web, Some(Clear), block, base(), Blocked, &["REVIEWED_BLOCK"]),
        row("baseline clear", Web, Some(Clear), None, base(), Allowed, &["DSM_ART4_CLEAR"]),
        row("baseline reserved", Web, Some(Reserved), None, base(), Blocked, &["EU_TDM_OPTOUT"]),
        row("baseline reserved, review allow does not override", Web, Some(Reserved), allow, base(), Blocked, &["EU_TDM_OPTOUT"]),
        row("baseline unknown", Web, Some(Unknown), None, base(), Review, &["OPTOUT_UNKNOWN"]),
        row("unknown + review allow", Web, Some(Unknown), allow, base(), Allowed, &["REVIEWED_ALLOW"]),
        row("not scanned yet", Web, None, None, base(), Review, &["OPTOUT_PENDING"]),
        row("not scanned yet, review allow", Web, None, allow, base(), Review, &["OPTOUT_PENDING"]),
        row("UK commercial + clear", Web, Some(Clear), None, ctx(&["UK"], true, false), Blocked, &["UK_TDM_LICENCE"]),
        row("GB commercial + unknown reviewed", Web, Some(Unknown), allow, ctx(&["gb"], true, true), Blocked, &["UK_TDM_LICENCE"]),
        row("EU commercial + clear", Web, Some(Clear), None, ctx(&["EU"], true, false), Allowed, &["DSM_ART4_CLEAR"]),
        row("EU + UK commercial + clear: strictest", Web, Some(Clear), None, ctx(&["EU", "UK"], true, false), Blocked, &["UK_TDM_LICENCE"]),
        row("UK research non-commercial + reserved", Web, Some(Reserved), None, ctx(&["UK"], false, true), Allowed, &["UK_S29A_RESEARCH"]),
        // CDPA s.29A: non-commercial *research* only, and the UK has no opt-out regime to fall back on.
        row(
            "UK non-commercial, no exception, clear: a licence",
            Web,
            Some(Clear),
            None,
            ctx(&["UK"], false, false),
            Blocked,
            &["UK_TDM_LICENCE"],
        ),
        row(
            "data-v1 replay: UK non-commercial, clear",
            Web,
            Some(Clear),
            None,
            ctx_v1(&["UK"], false, false),
            Allowed,
            &["DSM_ART4_CLEAR"],
        ),
        row(
            "data-v1 replay: UK non-commercial, no exception, reserved",
            Web,
            Some(Reserved),
            None,
            ctx_v1(&["UK"], false, false),
            Blocked,
            &["EU_TDM_OPTOUT"],
        ),
        row("EU research non-commercial + reserved", Web, Some(Reserved), None, ctx(&["EU"], false, true), Allowed, &["DSM_ART3_RESEARCH"]),
        row("research commercial + reserved", Web, Some(Reserved), None, ctx(&["DE"], true, true), Blocked, &["EU_TDM_OPTOUT"]),
        row("research non-commercial, pending scan", Web, None, None, ctx(&[], false, true), Allowed, &["DSM_ART3_RESEARCH"]),
        row("member state clear", Web, Some(Clear), None, ctx(&["fr", "IT"], true, false), Allowed, &["DSM_ART4_CLEAR"]),
        row("other jurisdiction follows the baseline", Web, Some(Unknown), None, ctx(&["US"], true, false), Review, &["OPTOUT_UNKNOWN"]),
        row(
            "UK + EU research non-commercial",
            Web,
            Some(Reserved),
            None,
            ctx(&["UK", "EU"], false, true),
            Allowed,
            &["UK_S29A_RESEARCH", "DSM_ART3_RESEARCH"],
        ),
        row("US + UK commercial, unknown", Web, Some(Unknown), None, ctx(&["US", "UK"], true, false), Blocked, &["UK_TDM_LICENCE"]),
        row(
            "EU + DE duplicate codes deduplicated",
            Web,
            Some(Reserved),
            None,
            ctx(&["EU", "DE", "de"], true, false),
            Blocked,
            &["EU_TDM_OPTOUT"],
        ),
    ];
    for r in rows {
        let outcome = gate_record(r.licence, r.optout, r.review, &r.ctx);
        assert_eq!(outcome.verdict, r.verdict, "{}", r.name);
        let mut codes: Vec<&str> = outcome.reasons.iter().map(|x| x.code.as_str()).collect();
        codes.sort_unstable();
        let mut expected = r.codes.to_vec();
        expected.sort_unstable();
        assert_eq!(codes, expected, "{}", r.name);
        assert!(outcome.reasons.iter().all(|x| !x.detail.is_empty()), "{}", r.name);
    }
}

#[test]
fn the_reasons_carry_the_legal_sentences() {
    let uk = gate_record(Web, Some(Clear), None, &ctx(&["UK"], true, false));
    assert_eq!(uk.reasons[0].detail, "CDPA s.29A covers non-commercial research only; commercial use of web content needs a licence");
    let eu = gate_record(Web, Some(Reserved), None, &GateContext::dataset_baseline());
    assert_eq!(eu.reasons[0].detail, "the rights holder reserved TDM by machine-readable means (DSM Art. 4(3))");
    let unknown = gate_record(Web, Some(Unknown), None, &GateContext::dataset_baseline());
    assert_eq!(unknown.reasons[0].detail, "the opt-out scan could not establish the status; fails closed to human review");
}

#[test]
fn verdicts_are_ordered_by_severity_and_round_trip() {
    assert!(Allowed < Review && Review < Blocked);
    for v in GateVerdict::ALL {
        assert_eq!(GateVerdict::parse(v.as_str()), Ok(v));
        assert_eq!(serde_json::to_value(v).unwrap(), serde_json::json!(v.as_str()));
    }
    for d in ReviewDecision::ALL {
        assert_eq!(d.as_str().parse::<ReviewDecision>(), Ok(d));
    }
    assert_eq!(ReviewDecision::parse("allow"), Ok(ReviewDecision::Allow));
    assert!(ReviewDecision::parse("maybe").is_err());
    let baseline = GateContext::dataset_baseline();
    assert!(baseline.jurisdictions.is_empty() && baseline.commercial && !baseline.research_exception);
}
