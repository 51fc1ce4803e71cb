//! ProvenanceRegistry: anchors once per hash, by the anchorer only, with a kind from 1 to 4.

use alloy::primitives::{Address, B256, keccak256};
use attune_integrations::chain::bindings::ProvenanceRegistry;

use crate::harness::{Chain, event, mined, reverts_with};

#[tokio::test]
async fn the_anchorer_anchors_each_hash_once() {
    let chain = Chain::start().await;
    let anchorer = chain.account(9);
    let registry = ProvenanceRegistry::deploy(chain.provider.clone(), chain.operator(), anchorer).await.unwrap();
    let manifest = keccak256("a model manifest");

    let unknown = registry.anchorOf(manifest).call().await.unwrap();
    assert_eq!((unknown.kind, unknown.by, unknown.blockNumber), (0, Address::ZERO, 0));

    let receipt = mined(registry.anchor(manifest, 1).from(anchorer)).await;
    let anchored = event::<ProvenanceRegistry::Anchored>(&receipt, *registry.address());
    assert_eq!((anchored.hash, anchored.kind, anchored.by), (manifest, 1, anchorer));
    let recorded = registry.anchorOf(manifest).call().await.unwrap();
    assert_eq!((recorded.kind, recorded.by, recorded.blockNumber), (1, anchorer, receipt.block_number.unwrap()));

    let again = reverts_with::<ProvenanceRegistry::AlreadyAnchored, _, _>(registry.anchor(manifest, 2).from(anchorer)).await;
    assert_eq!(again.hash, manifest);
    assert_eq!(registry.anchorOf(manifest).call().await.unwrap().kind, 1);

    for kind in 2..=4u8 {
        let hash = B256::repeat_byte(kind);
        let receipt = mined(registry.anchor(hash, kind).from(anchorer)).await;
        assert_eq!(event::<ProvenanceRegistry::Anchored>(&receipt, *registry.address()).kind, kind);
    }
    for kind in [0u8, 5, 255] {
        let error = reverts_with::<ProvenanceRegistry::InvalidKind, _, _>(registry.anchor(keccak256([kind]), kind).from(anchorer)).await;
        assert_eq!(error.kind, kind);
    }
}

#[tokio::test]
async fn only_the_anchorer_anchors() {
    let chain = Chain::start().await;
    let anchorer = chain.account(9);
    let registry = ProvenanceRegistry::deploy(chain.provider.clone(), chain.operator(), anchorer).await.unwrap();
    let anchor_role = registry.ANCHOR_ROLE().call().await.unwrap();
    assert_eq!(anchor_role, keccak256("ANCHOR_ROLE"));
    let hash = keccak256("an erasure certificate");
    // Not even the admin, until it grants itself the role.
    for caller in [chain.operator(), chain.stranger()] {
        let error = reverts_with::<ProvenanceRegistry::AccessControlUnauthorizedAccount, _, _>(registry.anchor(hash, 3).from(caller)).await;
        assert_eq!((error.account, error.neededRole), (caller, anchor_role));
    }
    assert_eq!(registry.anchorOf(hash).call().await.unwrap().kind, 0);
    mined(registry.grantRole(anchor_role, chain.operator())).await;
    mined(registry.anchor(hash, 3)).await;
    assert_eq!(registry.anchorOf(hash).call().await.unwrap().by, chain.operator());
}
