// SPDX-License-Identifier: AGPL-3.0-only
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title HostileToken — TEST ONLY: an ERC20 that calls back into a target during its transfers.
/// @notice Armed with `arm(target, data, bubble)`, the next transfer or transferFrom first calls
/// `target` with `data` (once; the token disarms itself before the call), records whether that nested
/// call succeeded and what it reverted with, and then either goes on with the transfer or, when
/// `bubble` is set and the nested call failed, reverts with the nested call's revert data. Used to
/// prove the escrow's ReentrancyGuard stops re-entry from a token. With `setSkim(n)` every transfer
/// also burns `n` of the amount on the way (a fee-on-transfer token), so the recipient gets less.
contract HostileToken is ERC20 {
    address private _target;
    bytes private _data;
    bool private _bubble;
    bool private _armed;
    uint256 private _skim;

    uint256 private _reentryAttempts;
    bool private _lastReentrySucceeded;
    bytes private _lastReentryRevertData;

    event Armed(address indexed target, bytes data, bool bubble);
    event ReentryAttempted(address indexed target, bool succeeded, bytes revertData);

    constructor() ERC20("Hostile Token", "HOSTILE") {}

    /// @notice Anyone may mint: a test token.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Makes the next transfer call `target` with `data` first.
    function arm(address target, bytes calldata data, bool bubble) external {
        _target = target;
        _data = data;
        _bubble = bubble;
        _armed = true;
        emit Armed(target, data, bubble);
    }

    /// @notice Burns `amount` out of every later transfer (the recipient receives `value - amount`).
    function setSkim(uint256 amount) external {
        _skim = amount;
    }

    /// @notice Makes transfers plain again.
    function disarm() external {
        _armed = false;
    }

    function reentryAttempts() external view returns (uint256) {
        return _reentryAttempts;
    }

    function lastReentrySucceeded() external view returns (bool) {
        return _lastReentrySucceeded;
    }

    function lastReentryRevertData() external view returns (bytes memory) {
        return _lastReentryRevertData;
    }

    function _update(address from, address to, uint256 value) internal override {
        // Mints are not transfers: only re-enter from transfer and transferFrom.
        if (_armed && from != address(0)) {
            _armed = false;
            _reentryAttempts += 1;
            (bool ok, bytes memory returned) = _target.call(_data);
            _lastReentrySucceeded = ok;
            _lastReentryRevertData = ok ? bytes("") : returned;
            emit ReentryAttempted(_target, ok, ok ? bytes("") : returned);
            if (!ok && _bubble) {
                assembly ("memory-safe") {
                    revert(add(returned, 0x20), mload(returned))
                }
            }
        }
        if (_skim != 0 && from != address(0) && to != address(0) && value >= _skim) {
            super._update(from, to, value - _skim);
            super._update(from, address(0), _skim);
            return;
        }
        super._update(from, to, value);
    }
}
