// SPDX-License-Identifier: AGPL-3.0-only
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title MockUSDC — a development stand-in for Circle's USD Coin.
/// @notice Six decimals, minting by a minter, and a blacklist that behaves like FiatToken's:
/// a blacklisted account can neither send, receive, approve nor be approved, and a blacklisted
/// caller cannot move anyone's tokens. Never deploy outside development and tests.
contract MockUSDC is ERC20, AccessControl {
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 public constant BLACKLISTER_ROLE = keccak256("BLACKLISTER_ROLE");

    mapping(address account => bool) private _blacklisted;

    /// @notice The account is on the blacklist.
    error AccountBlacklisted(address account);

    event Blacklisted(address indexed account);
    event UnBlacklisted(address indexed account);

    /// @notice The deployer receives the admin, minter and blacklister roles.
    constructor() ERC20("Mock USD Coin", "USDC") {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _grantRole(MINTER_ROLE, msg.sender);
        _grantRole(BLACKLISTER_ROLE, msg.sender);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Creates `amount` new tokens for `to`.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice Puts `account` on the blacklist.
    function blacklist(address account) external onlyRole(BLACKLISTER_ROLE) {
        _blacklisted[account] = true;
        emit Blacklisted(account);
    }

    /// @notice Takes `account` off the blacklist.
    function unBlacklist(address account) external onlyRole(BLACKLISTER_ROLE) {
        _blacklisted[account] = false;
        emit UnBlacklisted(account);
    }

    /// @notice Whether `account` is on the blacklist (the same view as FiatToken's).
    function isBlacklisted(address account) external view returns (bool) {
        return _blacklisted[account];
    }

    /// @dev Every balance change (transfer, transferFrom, mint) passes here: the caller, the
    /// sender and the recipient must all be clear.
    function _update(address from, address to, uint256 value) internal override {
        _requireNotBlacklisted(_msgSender());
        _requireNotBlacklisted(from);
        _requireNotBlacklisted(to);
        super._update(from, to, value);
    }

    /// @dev Approvals, including the allowance spent by transferFrom: owner and spender must be clear.
    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override {
        _requireNotBlacklisted(owner);
        _requireNotBlacklisted(spender);
        super._approve(owner, spender, value, emitEvent);
    }

    function _requireNotBlacklisted(address account) private view {
        // The zero address stands for mint and burn; it is never blacklisted.
        if (_blacklisted[account]) revert AccountBlacklisted(account);
    }
}
