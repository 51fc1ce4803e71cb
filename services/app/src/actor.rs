//! Who is acting: the authenticated user, their organisation and platform roles.

use attune_db::sessions::SessionUser;
use attune_domain::{OrgScope, PlatformRole};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Actor {
    pub session_id: Uuid,
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub email: String,
    pub name: String,
    pub email_verified: bool,
    pub roles: Vec<PlatformRole>,
}

impl From<SessionUser> for Actor {
    fn from(s: SessionUser) -> Self {
        Self {
            session_id: s.session_id,
            user_id: s.user_id,
            organization_id: s.organization_id,
            email: s.email,
            name: s.name,
            email_verified: s.email_verified,
            roles: s.roles.iter().filter_map(|r| r.parse().ok()).collect(),
        }
    }
}

/// The caller lacks a platform role the action needs (403: they are authenticated).
#[derive(Debug, thiserror::Error)]
#[error("this action needs the {0} role")]
pub struct MissingRole(pub PlatformRole);

impl Actor {
    /// The scope every organisation-owned resource is read in.
    pub fn scope(&self) -> OrgScope {
        OrgScope::Organization(self.organization_id)
    }

    pub fn has_role(&self, role: PlatformRole) -> bool {
        self.roles.contains(&role)
    }

    /// Platform scope for admin duties; fails for everyone else.
    pub fn admin_scope(&self) -> Result<OrgScope, MissingRole> {
        if self.has_role(PlatformRole::Admin) { Ok(OrgScope::Platform) } else { Err(MissingRole(PlatformRole::Admin)) }
    }

    /// How this actor appears in the audit log.
    pub fn audit_id(&self) -> String {
        format!("user:{}", self.user_id)
    }
}
