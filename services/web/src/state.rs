use std::ops::Deref;

use attune_app::marketplace::Marketplace;

/// What every handler can reach: the marketplace's services, and what only HTTP needs.
pub struct AppState {
    pub market: Marketplace,
    /// Whose forwarding headers name the client (login and registration limits).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
}

/// Handlers reach the marketplace's services as `state.pool`, `state.screening`…
impl Deref for AppState {
    type Target = Marketplace;

    fn deref(&self) -> &Marketplace {
        &self.market
    }
}
