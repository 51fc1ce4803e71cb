//! The narrative paragraphs of the training content summary, written from the facts.

use super::{ExcludedCount, SummaryFacts};
use crate::dataset::record::LicenceKind;

/// How TDM reservations were respected, and what that left out.
pub(super) fn opt_out(facts: &SummaryFacts, excluded: &[ExcludedCount]) -> String {
    let web_records: u64 = facts.by_licence.iter().filter(|(k, _, _)| *k == LicenceKind::Web).map(|(_, r, _)| r).sum();
    let mut text = String::from(
        "Before training, the source URL of every web record was checked for machine-readable reservations of text and data \
         mining (DSM Directive Art. 4(3)): ",
    );
    if facts.agents.is_empty() {
        text.push_str("robots.txt");
    } else {
        text.push_str(&format!("robots.txt groups for the user agents {}", facts.agents.join(", ")));
    }
    text.push_str(", ai.txt, the TDM Reservation Protocol (tdmrep.json, tdm-reservation headers and meta tags)");
    if facts.noai_directives.is_empty() {
        text.push_str(" and X-Robots-Tag and robots meta directives. ");
    } else {
        text.push_str(&format!(" and the X-Robots-Tag and robots meta directives {}. ", facts.noai_directives.join(", ")));
    }
    text.push_str(
        "A reservation excludes the record; where the status could not be established the record failed closed to human \
         review and was used only if a reviewer allowed it. ",
    );
    if web_records == 0 {
        text.push_str("No web content was used for this fine-tune. ");
    }
    let total: u64 = excluded.iter().map(|e| e.records).sum();
    if total == 0 {
        text.push_str("No record was excluded.");
    } else {
        let parts: Vec<String> = excluded.iter().map(|e| format!("{} {}", count(e.records, "record"), reason_phrase(&e.reason))).collect();
        text.push_str(&format!("{} excluded: {}.", count_verb(total), parts.join("; ")));
    }
    if facts.reviewed_allowed > 0 {
        text.push_str(&format!(
            " {} with an undetermined opt-out status {} admitted after human review.",
            count(facts.reviewed_allowed, "record"),
            if facts.reviewed_allowed == 1 { "was" } else { "were" }
        ));
    }
    text
}

/// How personal data was handled: only what is true when the summary is generated. It cites a
/// legitimate-interest assessment or an Art. 9(2) condition once one is on file, and promises no
/// right it cannot yet honour.
pub(super) fn personal_data(pii_records: u64, total_records: u64, special_records: u64, basis: &super::PersonalDataBasis) -> String {
    if pii_records == 0 {
        return "No record of the training data was marked as containing personal data.".to_owned();
    }
    let mut text = format!(
        "{} of {} contain personal data and list the identifiers of their data subjects.",
        count(pii_records, "record"),
        total_records
    );
    match &basis.lia {
        Some(lia) => text.push_str(&format!(
            " The processing relies on legitimate interest (GDPR Art. 6(1)(f)), documented in a legitimate-interest assessment \
             (revision {}, filed {}) following the three-step test of EDPB Opinion 28/2024, which concludes: {}.",
            lia.revision,
            lia.filed_at.format("%Y-%m-%d"),
            lia.conclusion.replace('_', " ")
        )),
        None => text.push_str(" No legitimate-interest assessment is on file yet; training waits for one (GDPR Art. 6(1)(f))."),
    }
    if special_records > 0 {
        text.push_str(&format!(" {} reveal special categories of personal data (GDPR Art. 9(1)); ", count(special_records, "record")));
        match &basis.art9 {
            Some(c) => text.push_str(&format!(
                "they are processed under the Art. 9(2) condition \"{}\" (revision {}, filed {}).",
                c.conclusion.replace('_', " "),
                c.revision,
                c.filed_at.format("%Y-%m-%d")
            )),
            None => text.push_str("no Art. 9(2) condition is on file yet, so they may not be processed."),
        }
    }
    text
}

/// The processing applied before training.
pub(super) fn processing(facts: &SummaryFacts) -> String {
    let excluded: u64 = facts.excluded.iter().map(|(_, n)| n).sum();
    format!(
        "Records were deduplicated by the sha256 of their content. Every record passed the copyright gate of the data policy \
         {} (sha256 {}); records it blocked, or a reviewer blocked, were excluded before training ({} left out). Text tokens \
         were counted with the cl100k_base tokenizer; records given by URI declare their own counts.",
        facts.data_policy.version,
        facts.data_policy.sha256,
        count(excluded, "record")
    )
}

fn reason_phrase(code: &str) -> String {
    let phrase = match code {
        "EU_TDM_OPTOUT" => "because the rights holder reserved text and data mining",
        "UK_TDM_LICENCE" => "because commercial use of web content in the UK needs a licence",
        "REVIEWED_BLOCK" => "by a reviewer",
        "OPTOUT_UNKNOWN" => "because the opt-out status could not be established and no reviewer allowed them",
        "OPTOUT_PENDING" => "because their sources had not been scanned",
        "DUPLICATE" => "as duplicates",
        other => return format!("({other})"),
    };
    format!("{phrase} ({code})")
}

pub(super) fn count(n: u64, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn count_verb(n: u64) -> String {
    if n == 1 { "1 record was".to_owned() } else { format!("{n} records were") }
}
