//! Sanctions list importers (DESIGN.md §4 "Lists"): the OFAC SDN CSV set (`SDN.CSV`, `ALT.CSV`,
//! `ADD.CSV`, `SDN_COMMENTS.CSV`), OFAC `SDN_ADVANCED.XML` and OpenSanctions FollowTheMoney JSON
//! lines, each turned into [`ListEntity`]s with a list version, plus a pure [`diff`] of two imports.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

use attune_domain::sanctions::{ListEntity, ListSource};
use sha2::{Digest, Sha256};

pub mod feed;
pub mod ofac_csv;
pub mod ofac_xml;
pub mod opensanctions;

pub use ofac_csv::import_ofac_csv;
pub use ofac_xml::import_ofac_advanced;
pub use opensanctions::import_opensanctions;

/// One imported list: where it came from, its version, the hash of its input bytes and its entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedList {
    pub source: ListSource,
    /// The list's own version when the file carries one (OFAC XML `DateOfIssue`, `2024-01-05`),
    /// else `sha256:` and the first 16 hex digits of [`ImportedList::sha256`].
    pub version: String,
    /// Lower-case hex SHA-256 of the input bytes (for the CSV set: of each file's length and bytes, in
    /// the order SDN, ALT, ADD, COMMENTS).
    pub sha256: String,
    pub entities: Vec<ListEntity>,
}

/// An importer's failure, naming the file and the line (or record) at fault.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file}: line {line}: {message}")]
    Record { file: &'static str, line: u64, message: String },
    #[error("{file}: line {line}: read failed: {source}")]
    Io {
        file: &'static str,
        line: u64,
        #[source]
        source: io::Error,
    },
    /// A value no text column can store (U+0000), found in a parsed entity.
    #[error("{file}: entity {entity}: {field} holds the NUL character (U+0000), which cannot be stored")]
    Unstorable { file: &'static str, entity: String, field: String },
}

impl ImportError {
    pub(crate) fn record(file: &'static str, line: u64, message: impl Into<String>) -> Self {
        Self::Record { file, line, message: message.into() }
    }

    /// The file at fault.
    pub fn file(&self) -> &'static str {
        match self {
            Self::Record { file, .. } | Self::Io { file, .. } | Self::Unstorable { file, .. } => file,
        }
    }

    /// The 1-based line at fault; 0 when the fault is in an entity rather than on one line.
    pub fn line(&self) -> u64 {
        match self {
            Self::Record { line, .. } | Self::Io { line, .. } => *line,
            Self::Unstorable { .. } => 0,
        }
    }
}

/// The list as parsed, once no entity holds U+0000 anywhere (it is stored as `jsonb`, which
/// refuses the character): the importers' last step.
pub(crate) fn storable(file: &'static str, list: ImportedList) -> Result<ImportedList> {
    for entity in &list.entities {
        let value = serde_json::to_value(entity).unwrap_or_default();
        if let Some(field) = attune_domain::validation::nul_in_json(&value, "") {
            return Err(ImportError::Unstorable { file, entity: entity.entity_id.replace('\0', "\\u0000"), field });
        }
    }
    Ok(list)
}

pub type Result<T, E = ImportError> = std::result::Result<T, E>;

/// Entity ids added, removed and changed (any field differs) between two imports, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl ListDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compares two imports of a list by `entity_id`. Pure.
pub fn diff(old: &ImportedList, new: &ImportedList) -> ListDiff {
    let old_by_id: BTreeMap<&str, &ListEntity> = old.entities.iter().map(|e| (e.entity_id.as_str(), e)).collect();
    let new_by_id: BTreeMap<&str, &ListEntity> = new.entities.iter().map(|e| (e.entity_id.as_str(), e)).collect();
    let mut out = ListDiff::default();
    for (id, new_entity) in &new_by_id {
        match old_by_id.get(id) {
            None => out.added.push((*id).to_owned()),
            Some(old_entity) if old_entity != new_entity => out.changed.push((*id).to_owned()),
            Some(_) => {}
        }
    }
    out.removed = old_by_id.keys().filter(|id| !new_by_id.contains_key(*id)).map(|id| (*id).to_owned()).collect();
    out
}

#[cfg(test)]
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub(crate) fn version_from_sha(sha: &str) -> String {
    format!("sha256:{}", sha.get(..16).unwrap_or(sha))
}

/// Pushes `value` unless it is empty or already present.
pub(crate) fn push_unique<T: PartialEq>(list: &mut Vec<T>, value: T) {
    if !list.contains(&value) {
        list.push(value);
    }
}

pub(crate) fn push_unique_str(list: &mut Vec<String>, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// A reader that hashes the bytes and counts the newlines it has handed out, so streamed importers can
/// name the line at fault and report the input's SHA-256 without buffering it.
pub(crate) struct TrackingReader<R> {
    inner: R,
    hasher: Sha256,
    newlines: u64,
}

impl<R: BufRead> TrackingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, hasher: Sha256::new(), newlines: 0 }
    }

    /// The 1-based line of the next unread byte.
    pub(crate) fn line(&self) -> u64 {
        self.newlines + 1
    }

    /// Reads the rest of the input (so the hash covers it all) and returns the hex SHA-256.
    pub(crate) fn finish(mut self) -> io::Result<String> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(hex::encode(self.hasher.finalize()))
    }
}

impl<R: BufRead> Read for TrackingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for TrackingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The buffer is already filled (the caller saw it), so this does not read.
        if let Ok(buf) = self.inner.fill_buf() {
            let taken = &buf[..amt.min(buf.len())];
            self.hasher.update(taken);
            self.newlines += taken.iter().filter(|b| **b == b'\n').count() as u64;
        }
        self.inner.consume(amt);
    }
}

/// ISO 3166-1 alpha-2 code of a country name as OFAC writes it (`Russia`, `Korea, North`, `Burma`),
/// case-insensitive; `None` for names not in the table.
pub fn country_code(name: &str) -> Option<&'static str> {
    let key = name.trim().trim_end_matches('.').to_lowercase();
    COUNTRIES.iter().find(|(n, _)| *n == key).map(|(_, code)| *code)
}

const COUNTRIES: &[(&str, &str)] = &[
    ("afghanistan", "AF"),
    ("albania", "AL"),
    ("algeria", "DZ"),
    ("angola", "AO"),
    ("argentina", "AR"),
    ("armenia", "AM"),
    ("australia", "AU"),
    ("austria", "AT"),
    ("azerbaijan", "AZ"),
    ("bahrain", "BH"),
    ("bangladesh", "BD"),
    ("belarus", "BY"),
    ("belgium", "BE"),
    ("belize", "BZ"),
    ("bolivia", "BO"),
    ("bosnia and herzegovina", "BA"),
    ("brazil", "BR"),
    ("bulgaria", "BG"),
    ("burma", "MM"),
    ("myanmar", "MM"),
    ("burundi", "BI"),
    ("cambodia", "KH"),
    ("canada", "CA"),
    ("central african republic", "CF"),
    ("chile", "CL"),
    ("china", "CN"),
    ("colombia", "CO"),
    ("congo, democratic republic of the", "CD"),
    ("democratic republic of the congo", "CD"),
    ("congo, republic of the", "CG"),
    ("costa rica", "CR"),
    ("croatia", "HR"),
    ("cuba", "CU"),
    ("cyprus", "CY"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("denmark", "DK"),
    ("ecuador", "EC"),
    ("egypt", "EG"),
    ("eritrea", "ER"),
    ("estonia", "EE"),
    ("ethiopia", "ET"),
    ("finland", "FI"),
    ("france", "FR"),
    ("georgia", "GE"),
    ("germany", "DE"),
    ("ghana", "GH"),
    ("greece", "GR"),
    ("guatemala", "GT"),
    ("haiti", "HT"),
    ("honduras", "HN"),
    ("hong kong", "HK"),
    ("hungary", "HU"),
    ("india", "IN"),
    ("indonesia", "ID"),
    ("iran", "IR"),
    ("iraq", "IQ"),
    ("ireland", "IE"),
    ("israel", "IL"),
    ("italy", "IT"),
    ("japan", "JP"),
    ("jordan", "JO"),
    ("kazakhstan", "KZ"),
    ("kenya", "KE"),
    ("korea, north", "KP"),
    ("north korea", "KP"),
    ("korea, south", "KR"),
    ("south korea", "KR"),
    ("kosovo", "XK"),
    ("kuwait", "KW"),
    ("kyrgyzstan", "KG"),
    ("latvia", "LV"),
    ("lebanon", "LB"),
    ("libya", "LY"),
    ("liechtenstein", "LI"),
    ("lithuania", "LT"),
    ("luxembourg", "LU"),
    ("malaysia", "MY"),
    ("mali", "ML"),
    ("malta", "MT"),
    ("marshall islands", "MH"),
    ("mexico", "MX"),
    ("moldova", "MD"),
    ("mongolia", "MN"),
    ("montenegro", "ME"),
    ("morocco", "MA"),
    ("netherlands", "NL"),
    ("new zealand", "NZ"),
    ("nicaragua", "NI"),
    ("niger", "NE"),
    ("nigeria", "NG"),
    ("north macedonia", "MK"),
    ("norway", "NO"),
    ("oman", "OM"),
    ("pakistan", "PK"),
    ("palestinian", "PS"),
    ("panama", "PA"),
    ("paraguay", "PY"),
    ("peru", "PE"),
    ("philippines", "PH"),
    ("poland", "PL"),
    ("portugal", "PT"),
    ("qatar", "QA"),
    ("romania", "RO"),
    ("russia", "RU"),
    ("russian federation", "RU"),
    ("rwanda", "RW"),
    ("saudi arabia", "SA"),
    ("serbia", "RS"),
    ("seychelles", "SC"),
    ("singapore", "SG"),
    ("slovakia", "SK"),
    ("slovenia", "SI"),
    ("somalia", "SO"),
    ("south africa", "ZA"),
    ("south sudan", "SS"),
    ("spain", "ES"),
    ("sri lanka", "LK"),
    ("sudan", "SD"),
    ("sweden", "SE"),
    ("switzerland", "CH"),
    ("syria", "SY"),
    ("taiwan", "TW"),
    ("tajikistan", "TJ"),
    ("tanzania", "TZ"),
    ("thailand", "TH"),
    ("tunisia", "TN"),
    ("turkey", "TR"),
    ("turkiye", "TR"),
    ("türkiye", "TR"),
    ("turkmenistan", "TM"),
    ("uganda", "UG"),
    ("ukraine", "UA"),
    ("united arab emirates", "AE"),
    ("united kingdom", "GB"),
    ("united states", "US"),
    ("uruguay", "UY"),
    ("uzbekistan", "UZ"),
    ("venezuela", "VE"),
    ("vietnam", "VN"),
    ("west bank", "PS"),
    ("yemen", "YE"),
    ("zimbabwe", "ZW"),
];

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use attune_domain::sanctions::EntityKind;

    fn entity(id: &str, name: &str) -> ListEntity {
        let mut e = ListEntity::new(ListSource::Custom, id, EntityKind::Person, name);
        e.topics = Some(vec!["sanction".to_owned()]);
        e
    }

    fn list(entities: Vec<ListEntity>) -> ImportedList {
        ImportedList { source: ListSource::Custom, version: "v".into(), sha256: String::new(), entities }
    }

    #[test]
    fn diff_reports_added_removed_and_changed_by_entity_id() {
        let mut changed = entity("2", "B");
        let old = list(vec![entity("1", "A"), entity("2", "B"), entity("3", "C")]);
        changed.addresses.push(("ETH".into(), "0xabc".into()));
        let new = list(vec![entity("4", "D"), changed, entity("1", "A")]);
        let d = diff(&old, &new);
        assert_eq!(d.added, vec!["4"]);
        assert_eq!(d.removed, vec!["3"]);
        assert_eq!(d.changed, vec!["2"]);
        assert!(!d.is_empty());
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn country_names_map_to_iso_codes() {
        assert_eq!(country_code("Russia"), Some("RU"));
        assert_eq!(country_code("korea, north"), Some("KP"));
        assert_eq!(country_code(" Iran. "), Some("IR"));
        assert_eq!(country_code("Atlantis"), None);
    }

    #[test]
    fn tracking_reader_counts_lines_and_hashes_everything() {
        let data = b"a\nb\nc";
        let mut r = TrackingReader::new(&data[..]);
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert_eq!(r.line(), 2);
        assert_eq!(r.finish().unwrap(), sha256_hex(data));
    }
}
