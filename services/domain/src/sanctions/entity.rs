//! One entity of a sanctions list, the same shape whatever the source format (OFAC CSV, OFAC
//! SDN_ADVANCED.XML, OpenSanctions FollowTheMoney).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListSource {
    OfacSdn,
    OpenSanctions,
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Organization,
    Vessel,
    Aircraft,
    /// A wallet listed on its own (OpenSanctions `CryptoWallet`).
    Wallet,
    Other,
}

/// A listed party with every name and identifier the list gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntity {
    pub source: ListSource,
    /// The list's own id (OFAC `ent_num`, OpenSanctions entity id).
    pub entity_id: String,
    pub kind: EntityKind,
    /// The primary name as the list writes it.
    pub name: String,
    /// Aliases (OFAC ALT.CSV / aka, FtM `alias`, `weakAlias`), without the primary name.
    pub aliases: Vec<String>,
    /// Sanctions programmes (e.g. `SDGT`, `CYBER2`).
    pub programs: Vec<String>,
    /// ISO 3166-1 alpha-2 country codes (nationality, citizenship, address countries), upper-case.
    pub countries: Vec<String>,
    /// Birth dates as given (`1970-01-31`, `1970`, `circa 1970`), for penalties on mismatch.
    pub birth_dates: Vec<String>,
    /// Digital currency addresses with their currency (`("ETH", "0x…")`, `("XBT", "bc1…")`), as listed.
    pub addresses: Vec<(String, String)>,
    /// Other identifiers (passport, registration numbers) as `(type, value)`.
    pub identifiers: Vec<(String, String)>,
    /// Free-text remarks (OFAC Remarks joined with SDN_COMMENTS' continuation).
    pub remarks: String,
    /// FollowTheMoney topics (`sanction`, `sanction.linked`, `role.pep`, `crime`, …); OFAC entries
    /// are `sanction`. `None` when the import did not say (lists stored before topics were kept):
    /// such an entity is read as sanctioned.
    #[serde(default)]
    pub topics: Option<Vec<String>>,
    /// Who owns or controls this entity, as the list records it.
    #[serde(default)]
    pub owners: Vec<Owner>,
}

impl ListEntity {
    /// An entity with its source, id, kind and primary name, and nothing else yet.
    pub fn new(source: ListSource, entity_id: impl Into<String>, kind: EntityKind, name: impl Into<String>) -> Self {
        Self {
            source,
            entity_id: entity_id.into(),
            kind,
            name: name.into(),
            aliases: Vec::new(),
            programs: Vec::new(),
            countries: Vec::new(),
            birth_dates: Vec::new(),
            addresses: Vec::new(),
            identifiers: Vec::new(),
            remarks: String::new(),
            topics: None,
            owners: Vec::new(),
        }
    }
}

/// An ownership or control link recorded by a list (OpenSanctions `Ownership`, OFAC's linked
/// profiles): the owner's id in the same list, its share when the list gives one, and the relation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub owner_id: String,
    /// The share in basis points (5,000 = 50 %), when the list gives it.
    pub share_bp: Option<u32>,
    /// The list's wording of the relation (`Owned or Controlled By`, `ownership`, `shareholder`).
    pub relation: String,
}
