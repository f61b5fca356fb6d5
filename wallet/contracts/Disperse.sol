// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @notice The subset of ERC-20 that Disperse needs.
interface IERC20 {
    function transferFrom(address from, address to, uint256 value) external returns (bool);
}

/// @title Disperse
/// @notice Pays many recipients in a single transaction.
/// @dev Token payouts pull from the sender, who must first approve this contract for the total.
contract Disperse {
    error LengthMismatch();
    error TransferFailed(uint256 index);
    error InsufficientValue();
    error RefundFailed();

    /// @notice Sends `values[i]` of `token` from the caller to `recipients[i]` for every i.
    function disperseToken(
        IERC20 token,
        address[] calldata recipients,
        uint256[] calldata values
    ) external {
        uint256 count = recipients.length;
        if (count != values.length) revert LengthMismatch();
        for (uint256 i; i < count; ) {
            if (!token.transferFrom(msg.sender, recipients[i], values[i])) {
                revert TransferFailed(i);
            }
            unchecked {
                ++i;
            }
        }
    }

    /// @notice Sends `values[i]` wei to `recipients[i]` and refunds the remainder to the caller.
    function disperseEther(
        address[] calldata recipients,
        uint256[] calldata values
    ) external payable {
        uint256 count = recipients.length;
        if (count != values.length) revert LengthMismatch();
        uint256 remaining = msg.value;
        for (uint256 i; i < count; ) {
            uint256 value = values[i];
            if (value > remaining) revert InsufficientValue();
            unchecked {
                remaining -= value;
            }
            (bool ok, ) = recipients[i].call{value: value}("");
            if (!ok) revert TransferFailed(i);
            unchecked {
                ++i;
            }
        }
        if (remaining != 0) {
            (bool refunded, ) = msg.sender.call{value: remaining}("");
            if (!refunded) revert RefundFailed();
        }
    }
}
