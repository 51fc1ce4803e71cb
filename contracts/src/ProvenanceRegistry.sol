// SPDX-License-Identifier: AGPL-3.0-only
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title ProvenanceRegistry — public timestamps for the platform's documents.
/// @notice The anchorer records the hash of a document once, with its kind: 1 model manifest,
/// 2 fine-tune certificate, 3 erasure certificate, 4 safe-harbour certificate.
contract ProvenanceRegistry is AccessControl {
    bytes32 public constant ANCHOR_ROLE = keccak256("ANCHOR_ROLE");

    uint8 public constant KIND_MODEL_MANIFEST = 1;
    uint8 public constant KIND_SAFE_HARBOUR_CERTIFICATE = 4;

    struct Anchor {
        uint8 kind;
        address by;
        uint64 blockNumber;
    }

    mapping(bytes32 hash => Anchor) private _anchors;

    error ZeroAddress(bytes32 role);
    error InvalidKind(uint8 kind);
    error AlreadyAnchored(bytes32 hash);

    event Anchored(bytes32 indexed hash, uint8 kind, address indexed by);

    /// @param admin gets DEFAULT_ADMIN_ROLE; @param anchorer gets ANCHOR_ROLE.
    constructor(address admin, address anchorer) {
        if (admin == address(0)) revert ZeroAddress(DEFAULT_ADMIN_ROLE);
        if (anchorer == address(0)) revert ZeroAddress(ANCHOR_ROLE);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHOR_ROLE, anchorer);
    }

    /// @notice Records `hash` as a document of `kind` (1..4); each hash can be anchored once.
    function anchor(bytes32 hash, uint8 kind) external onlyRole(ANCHOR_ROLE) {
        if (kind < KIND_MODEL_MANIFEST || kind > KIND_SAFE_HARBOUR_CERTIFICATE) revert InvalidKind(kind);
        if (_anchors[hash].kind != 0) revert AlreadyAnchored(hash);
        _anchors[hash] = Anchor({kind: kind, by: msg.sender, blockNumber: uint64(block.number)});
        emit Anchored(hash, kind, msg.sender);
    }

    /// @notice The anchor of `hash`; kind 0 when it was never anchored.
    function anchorOf(bytes32 hash) external view returns (uint8 kind, address by, uint64 blockNumber) {
        Anchor storage anchored = _anchors[hash];
        return (anchored.kind, anchored.by, anchored.blockNumber);
    }
}
