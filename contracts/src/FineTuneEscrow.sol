// SPDX-License-Identifier: AGPL-3.0-only
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @dev The part of Circle's FiatToken the escrow asks about; tokens without it are simply not asked.
interface IBlacklistable {
    function isBlacklisted(address account) external view returns (bool);
}

/// @title FineTuneEscrow — holds a buyer's payment for one fine-tune job until it is released or returned.
/// @notice The buyer funds a job with a quote the platform's operator signed (EIP-712, domain
/// "Attune Escrow" / "1"). The operator releases the funds to the quote's payees by their shares or
/// refunds them to the payer; the compliance role can hold (freeze) an escrow; after the quote's
/// deadline and a grace period the payer may reclaim funds that were neither released nor frozen.
/// A payee whose transfer cannot be made (blacklisted by the token, or the transfer failed) gets a
/// claimable balance instead, so one blocked party never blocks the others.
contract FineTuneEscrow is AccessControl, Pausable, ReentrancyGuard, EIP712 {
    using SafeERC20 for IERC20;

    /// @notice An operator-signed offer: `buyer` pays `amount` of `token` for job `jobRef`, split
    /// between `payees` by `sharesBps` (basis points summing to 10000), fundable until `deadline`.
    struct Quote {
        bytes32 jobRef;
        address buyer;
        address token;
        uint256 amount;
        address[] payees;
        uint16[] sharesBps;
        uint64 deadline;
        bytes32 quoteId;
    }

    /// @notice The life of an escrow; `escrowOf` reports it as a uint8 in this order.
    enum State {
        None,
        Funded,
        Released,
        Refunded,
        Frozen,
        Reclaimed
    }

    struct Escrow {
        address payer;
        State state;
        uint64 deadline;
        address token;
        uint256 amount;
        address[] payees;
        uint16[] sharesBps;
    }

    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(bytes32 jobRef,address buyer,address token,uint256 amount,address[] payees,uint16[] sharesBps,uint64 deadline,bytes32 quoteId)"
    );

    uint16 private constant _TOTAL_BPS = 10_000;
    /// @dev Bounds the gas of `release`.
    uint256 private constant _MAX_PAYEES = 16;

    uint64 private immutable _reclaimGrace;

    mapping(bytes32 jobRef => Escrow) private _escrows;
    mapping(bytes32 quoteId => bool) private _usedQuotes;
    mapping(address token => mapping(address payee => uint256)) private _claimable;

    error ZeroAddress(bytes32 role);
    error NotBuyer(address caller);
    error NotPayer(address caller);
    error QuoteExpired(uint64 deadline);
    error InvalidOperatorSignature(address recovered);
    error QuoteAlreadyUsed(bytes32 quoteId);
    error JobAlreadyFunded(bytes32 jobRef);
    error InvalidAmount(uint256 amount);
    error InvalidPayeeCount(uint256 payees, uint256 shares);
    error ZeroPayee(uint256 index);
    error SharesMustSumTo10000(uint256 sum);
    error TokenNotContract(address token);
    error PayerBlacklisted(address payer);
    error WrongAmountReceived(uint256 expected, uint256 received);
    error EscrowNotFunded(bytes32 jobRef);
    error EscrowNotFrozen(bytes32 jobRef);
    error ReclaimTooEarly(uint256 availableAt);
    error NothingToClaim(address token, address payee);

    event Funded(bytes32 indexed jobRef, address indexed payer, address token, uint256 amount, bytes32 quoteId);
    event Released(bytes32 indexed jobRef, uint256 amount);
    event PayoutDeferred(bytes32 indexed jobRef, address indexed payee, uint256 amount);
    event Refunded(bytes32 indexed jobRef, address indexed payer, uint256 amount);
    event Frozen(bytes32 indexed jobRef);
    event Unfrozen(bytes32 indexed jobRef);
    event Reclaimed(bytes32 indexed jobRef, address indexed payer, uint256 amount);
    event Claimed(address indexed payee, address indexed token, uint256 amount);

    /// @param admin gets DEFAULT_ADMIN_ROLE and PAUSER_ROLE.
    /// @param operator signs quotes, releases and refunds (OPERATOR_ROLE).
    /// @param compliance freezes and unfreezes escrows (COMPLIANCE_ROLE).
    /// @param reclaimGraceSeconds how long after a quote's deadline the payer must wait to reclaim.
    constructor(address admin, address operator, address compliance, uint64 reclaimGraceSeconds) EIP712("Attune Escrow", "1") {
        if (admin == address(0)) revert ZeroAddress(DEFAULT_ADMIN_ROLE);
        if (operator == address(0)) revert ZeroAddress(OPERATOR_ROLE);
        if (compliance == address(0)) revert ZeroAddress(COMPLIANCE_ROLE);
        _reclaimGrace = reclaimGraceSeconds;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(OPERATOR_ROLE, operator);
        _grantRole(COMPLIANCE_ROLE, compliance);
    }

    // ---------------------------------------------------------------- funding

    /// @notice Funds `quote.jobRef`: pulls exactly `quote.amount` of `quote.token` from the buyer
    /// (who must have approved the escrow). Each quote, and each job, can be funded once.
    function fund(Quote calldata quote, bytes calldata operatorSignature) external nonReentrant whenNotPaused {
        if (msg.sender != quote.buyer) revert NotBuyer(msg.sender);
        if (block.timestamp > quote.deadline) revert QuoteExpired(quote.deadline);
        (address recovered,,) = ECDSA.tryRecoverCalldata(_hashTypedDataV4(_hashQuote(quote)), operatorSignature);
        if (recovered == address(0) || !hasRole(OPERATOR_ROLE, recovered)) revert InvalidOperatorSignature(recovered);
        if (_usedQuotes[quote.quoteId]) revert QuoteAlreadyUsed(quote.quoteId);
        if (_escrows[quote.jobRef].state != State.None) revert JobAlreadyFunded(quote.jobRef);
        if (quote.amount == 0) revert InvalidAmount(quote.amount);
        _checkSplit(quote.payees, quote.sharesBps);
        if (quote.token.code.length == 0) revert TokenNotContract(quote.token);
        if (_isBlacklisted(quote.token, msg.sender)) revert PayerBlacklisted(msg.sender);

        _usedQuotes[quote.quoteId] = true;
        Escrow storage escrow = _escrows[quote.jobRef];
        escrow.payer = msg.sender;
        escrow.state = State.Funded;
        escrow.deadline = quote.deadline;
        escrow.token = quote.token;
        escrow.amount = quote.amount;
        escrow.payees = quote.payees;
        escrow.sharesBps = quote.sharesBps;
        emit Funded(quote.jobRef, msg.sender, quote.token, quote.amount, quote.quoteId);

        IERC20 token = IERC20(quote.token);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), quote.amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != quote.amount) revert WrongAmountReceived(quote.amount, received);
    }

    // ---------------------------------------------------------------- operator

    /// @notice Pays the job's payees their shares; the last payee gets the rounding remainder so the
    /// parts sum to the funded amount. A payee that cannot be paid now gets a claimable balance.
    function release(bytes32 jobRef) external nonReentrant whenNotPaused onlyRole(OPERATOR_ROLE) {
        Escrow storage escrow = _requireFunded(jobRef);
        escrow.state = State.Released;
        uint256 amount = escrow.amount;
        emit Released(jobRef, amount);

        IERC20 token = IERC20(escrow.token);
        address[] storage payees = escrow.payees;
        uint16[] storage sharesBps = escrow.sharesBps;
        uint256 last = payees.length - 1;
        uint256 paid;
        for (uint256 i; i <= last; ++i) {
            uint256 part = i == last ? amount - paid : Math.mulDiv(amount, sharesBps[i], _TOTAL_BPS);
            paid += part;
            if (part != 0) _payOrDefer(jobRef, token, payees[i], part);
        }
    }

    /// @notice Returns the whole amount to the payer.
    function refund(bytes32 jobRef) external nonReentrant whenNotPaused onlyRole(OPERATOR_ROLE) {
        Escrow storage escrow = _requireFunded(jobRef);
        escrow.state = State.Refunded;
        address payer = escrow.payer;
        uint256 amount = escrow.amount;
        emit Refunded(jobRef, payer, amount);

        IERC20(escrow.token).safeTransfer(payer, amount);
    }

    // ---------------------------------------------------------------- compliance

    /// @notice Holds a funded escrow (a sanctions hit): it can be neither released, refunded nor reclaimed.
    /// Works while the contract is paused: the compliance hold is separate from the global pause.
    function freeze(bytes32 jobRef) external nonReentrant onlyRole(COMPLIANCE_ROLE) {
        Escrow storage escrow = _requireFunded(jobRef);
        escrow.state = State.Frozen;
        emit Frozen(jobRef);
    }

    /// @notice Lifts a hold (e.g. the party was delisted): the escrow is funded again.
    function unfreeze(bytes32 jobRef) external nonReentrant onlyRole(COMPLIANCE_ROLE) {
        Escrow storage escrow = _escrows[jobRef];
        if (escrow.state != State.Frozen) revert EscrowNotFrozen(jobRef);
        escrow.state = State.Funded;
        emit Unfrozen(jobRef);
    }

    // ---------------------------------------------------------------- pause

    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- payer and payees

    /// @notice The payer takes back funds that were neither released, refunded nor frozen once the
    /// quote's deadline plus the grace period has passed.
    function reclaim(bytes32 jobRef) external nonReentrant whenNotPaused {
        Escrow storage escrow = _requireFunded(jobRef);
        address payer = escrow.payer;
        if (msg.sender != payer) revert NotPayer(msg.sender);
        uint256 availableAt = uint256(escrow.deadline) + _reclaimGrace;
        if (block.timestamp < availableAt) revert ReclaimTooEarly(availableAt);
        escrow.state = State.Reclaimed;
        uint256 amount = escrow.amount;
        emit Reclaimed(jobRef, payer, amount);

        IERC20(escrow.token).safeTransfer(payer, amount);
    }

    /// @notice Pays the caller its claimable balance of `token` (payouts deferred by `release`).
    function claim(address token) external nonReentrant whenNotPaused {
        uint256 amount = _claimable[token][msg.sender];
        if (amount == 0) revert NothingToClaim(token, msg.sender);
        _claimable[token][msg.sender] = 0;
        emit Claimed(msg.sender, token, amount);

        IERC20(token).safeTransfer(msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice The escrow of `jobRef`: its payer, amount and state (0 None, 1 Funded, 2 Released,
    /// 3 Refunded, 4 Frozen, 5 Reclaimed).
    function escrowOf(bytes32 jobRef) external view returns (address payer, uint256 amount, uint8 state) {
        Escrow storage escrow = _escrows[jobRef];
        return (escrow.payer, escrow.amount, uint8(escrow.state));
    }

    /// @notice The rest of the escrow's terms, for reconciliation.
    function termsOf(bytes32 jobRef)
        external
        view
        returns (address token, uint64 deadline, address[] memory payees, uint16[] memory sharesBps)
    {
        Escrow storage escrow = _escrows[jobRef];
        return (escrow.token, escrow.deadline, escrow.payees, escrow.sharesBps);
    }

    /// @notice What `payee` can `claim` of `token`.
    function claimable(address token, address payee) external view returns (uint256) {
        return _claimable[token][payee];
    }

    /// @notice Whether the quote `quoteId` has funded an escrow.
    function isQuoteUsed(bytes32 quoteId) external view returns (bool) {
        return _usedQuotes[quoteId];
    }

    /// @notice The EIP-712 digest the operator signs for `quote`.
    function quoteDigest(Quote calldata quote) external view returns (bytes32) {
        return _hashTypedDataV4(_hashQuote(quote));
    }

    /// @notice Seconds after a quote's deadline before its payer may reclaim.
    function reclaimGrace() external view returns (uint64) {
        return _reclaimGrace;
    }

    // ---------------------------------------------------------------- internals

    function _requireFunded(bytes32 jobRef) private view returns (Escrow storage escrow) {
        escrow = _escrows[jobRef];
        if (escrow.state != State.Funded) revert EscrowNotFunded(jobRef);
    }

    function _checkSplit(address[] calldata payees, uint16[] calldata sharesBps) private pure {
        uint256 count = payees.length;
        if (count == 0 || count != sharesBps.length || count > _MAX_PAYEES) revert InvalidPayeeCount(count, sharesBps.length);
        uint256 sum;
        for (uint256 i; i < count; ++i) {
            if (payees[i] == address(0)) revert ZeroPayee(i);
            sum += sharesBps[i];
        }
        if (sum != _TOTAL_BPS) revert SharesMustSumTo10000(sum);
    }

    /// @dev Tries to pay `payee`; a blacklisted payee or a failed transfer leaves a claimable balance.
    function _payOrDefer(bytes32 jobRef, IERC20 token, address payee, uint256 part) private {
        if (!_isBlacklisted(address(token), payee) && token.trySafeTransfer(payee, part)) return;
        _claimable[address(token)][payee] += part;
        emit PayoutDeferred(jobRef, payee, part);
    }

    /// @dev Asks tokens that keep a blacklist (USDC's `isBlacklisted`); any other token answers no.
    function _isBlacklisted(address token, address account) private view returns (bool) {
        try IBlacklistable(token).isBlacklisted(account) returns (bool listed) {
            return listed;
        } catch {
            return false;
        }
    }

    /// @dev EIP-712 struct hash; arrays are hashed as the keccak of their 32-byte-padded elements.
    function _hashQuote(Quote calldata quote) private pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                abi.encode(QUOTE_TYPEHASH, quote.jobRef, quote.buyer, quote.token, quote.amount),
                abi.encode(
                    keccak256(abi.encodePacked(quote.payees)),
                    keccak256(abi.encodePacked(quote.sharesBps)),
                    quote.deadline,
                    quote.quoteId
                )
            )
        );
    }
}
