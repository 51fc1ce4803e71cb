//! Organisation scoping: the one mechanism by which every organisation-owned resource is read.
//!
//! Queries for an organisation's resources take an [`OrgScope`]. A scope of one organisation
//! can only ever see that organisation's rows; anything else is indistinguishable from a row that
//! does not exist (the API answers 404, never 403, so identifiers of other organisations' resources
//! leak nothing). Only platform duties (admin screens) use [`OrgScope::Platform`].

use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgScope {
    /// The caller acts for this organisation and sees only its resources.
    Organization(Uuid),
    /// A platform duty (admin review) that may see every organisation's resources.
    Platform,
}

impl OrgScope {
    /// The organisation filter to bind into SQL as `($n::uuid is null or organization_id = $n)`.
    pub fn organization_filter(self) -> Option<Uuid> {
        match self {
            OrgScope::Organization(id) => Some(id),
            OrgScope::Platform => None,
        }
    }

    /// Whether a resource owned by `owner` is visible in this scope.
    pub fn permits(self, owner: Uuid) -> bool {
        match self {
            OrgScope::Organization(id) => id == owner,
            OrgScope::Platform => true,
        }
    }
}
