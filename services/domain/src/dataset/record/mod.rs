//! One uploaded dataset record (a JSON array element or one NDJSON line), its manifest entry and the
//! incremental manifest hash.

mod parse;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use parse::parse_record;

/// GDPR Art. 9(1) special categories of personal data, as a record declares them.
pub const SPECIAL_CATEGORIES: [&str; 8] = [
    "racial_or_ethnic_origin",
    "political_opinions",
    "religious_or_philosophical_beliefs",
    "trade_union_membership",
    "genetic",
    "biometric",
    "health",
    "sex_life_or_sexual_orientation",
];

/// The largest inline `text` accepted, in UTF-8 bytes.
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// On what footing the uploader may use a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceKind {
    /// Licensed from the rights holder; the licence is named in `ref`.
    Licensed,
    /// The uploader's own data.
    Own,
    /// Not (or no longer) protected by copyright.
    PublicDomain,
    /// Collected from the web: judged by the opt-out scan and the deployment's jurisdictions.
    Web,
}

impl LicenceKind {
    pub const ALL: [LicenceKind; 4] = [LicenceKind::Licensed, LicenceKind::Own, LicenceKind::PublicDomain, LicenceKind::Web];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceKind::Licensed => "licensed",
            LicenceKind::Own => "own",
            LicenceKind::PublicDomain => "public_domain",
            LicenceKind::Web => "web",
        }
    }

    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| "must be one of licensed, own, public_domain, web".to_string())
    }
}

impl FromStr for LicenceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for LicenceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Licence {
    pub kind: LicenceKind,
    /// The licence's name or reference (`ref` on the wire); required for `licensed`.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A record's content: inline text, or a URI we do not fetch (its hash and token count are declared).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordContent {
    Text(String),
    Uri(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetRecord {
    pub id: String,
    pub content: RecordContent,
    pub source_url: Option<url::Url>,
    /// Lower-case hex sha256 of the content.
    pub content_hash: String,
    pub licence: Licence,
    pub pii_subject_ids: Vec<String>,
    /// GDPR Art. 9(1) special categories the record reveals ([`SPECIAL_CATEGORIES`]),
    /// sorted, each once.
    pub special_categories: Vec<String>,
    /// cl100k_base tokens for text records, the declared count for URI records.
    pub tokens: u64,
}

/// What the manifest commits to for one record (the text itself is represented by its hash).
#[derive(Serialize)]
struct ManifestEntry<'a> {
    id: &'a str,
    content_hash: &'a str,
    licence: &'a Licence,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri: Option<&'a str>,
    pii_subject_ids: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    special_categories: &'a [String],
    tokens: u64,
}

impl DatasetRecord {
    /// The host of `source_url`, lower-case, without a leading `www.`.
    pub fn domain(&self) -> Option<String> {
        let host = self.source_url.as_ref()?.host_str()?.to_ascii_lowercase();
        let host = host.trim_end_matches('.');
        Some(host.strip_prefix("www.").unwrap_or(host).to_owned())
    }

    pub fn has_personal_data(&self) -> bool {
        !self.pii_subject_ids.is_empty()
    }

    /// RFC 8785 canonical JSON of the record's manifest entry.
    pub fn manifest_entry(&self) -> Vec<u8> {
        let entry = ManifestEntry {
            id: &self.id,
            content_hash: &self.content_hash,
            licence: &self.licence,
            source_url: self.source_url.as_ref().map(url::Url::as_str),
            uri: match &self.content {
                RecordContent::Uri(uri) => Some(uri.as_str()),
                RecordContent::Text(_) => None,
            },
            pii_subject_ids: &self.pii_subject_ids,
            special_categories: &self.special_categories,
            tokens: self.tokens,
        };
        // Canonicalisation fails only on non-finite floats or non-string map keys; the entry has
        // neither, so the fallback (plain serde_json, still valid JSON) is never taken.
        serde_jcs::to_vec(&entry).or_else(|_| serde_json::to_vec(&entry)).unwrap_or_default()
    }
}

/// sha256 over the manifest entries in upload order, each followed by `\n`; constant memory.
#[derive(Clone)]
pub struct ManifestHasher {
    hasher: Sha256,
    count: u64,
}

impl Default for ManifestHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl ManifestHasher {
    pub fn new() -> Self {
        Self { hasher: Sha256::new(), count: 0 }
    }

    pub fn push(&mut self, record: &DatasetRecord) {
        self.hasher.update(record.manifest_entry());
        self.hasher.update(b"\n");
        self.count += 1;
    }

    /// Records pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Lower-case hex digest.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

impl fmt::Debug for ManifestHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManifestHasher").field("count", &self.count).finish_non_exhaustive()
    }
}
