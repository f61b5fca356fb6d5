// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title SmartWallet1271
/// @notice Tiny contract wallet that validates signatures per EIP-1271 on behalf of one owner.
/// @dev Used to check that contract-wallet users can prove ownership of their payout address.
contract SmartWallet1271 {
    bytes4 internal constant MAGIC_VALUE = 0x1626ba7e;
    bytes4 internal constant INVALID = 0xffffffff;
    /// @dev Half the secp256k1 group order; larger s values are malleable duplicates.
    uint256 internal constant HALF_ORDER =
        0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    address public immutable owner;

    constructor(address owner_) {
        require(owner_ != address(0), "SmartWallet1271: zero owner");
        owner = owner_;
    }

    /// @notice Returns 0x1626ba7e iff `signature` is the owner's 65-byte (r, s, v) signature of
    /// `hash`; returns 0xffffffff otherwise.
    function isValidSignature(
        bytes32 hash,
        bytes calldata signature
    ) external view returns (bytes4) {
        return _recover(hash, signature) == owner ? MAGIC_VALUE : INVALID;
    }

    function _recover(bytes32 hash, bytes calldata signature) private pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        if (v != 27 && v != 28) return address(0);
        if (uint256(s) > HALF_ORDER) return address(0);
        // ecrecover yields address(0) on failure, which never equals the non-zero owner.
        return ecrecover(hash, v, r, s);
    }
}
