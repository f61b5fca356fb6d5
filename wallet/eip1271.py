"""Smart-contract wallets (EIP-1271): ask the wallet contract whether it accepts a signature.

Called through our AsyncWeb3 on the configured chain; siwe's own provider path is synchronous and
would block the event loop. For a personal_sign (EIP-191) message the hash handed to
`isValidSignature` is the EIP-191 hash of the message text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from web3 import AsyncWeb3

MAGIC_VALUE = bytes.fromhex("1626ba7e")
IS_VALID_SIGNATURE_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "isValidSignature",
        "stateMutability": "view",
        "inputs": [
            {"name": "hash", "type": "bytes32", "internalType": "bytes32"},
            {"name": "signature", "type": "bytes", "internalType": "bytes"},
        ],
        "outputs": [{"name": "", "type": "bytes4", "internalType": "bytes4"}],
    }
]


def eip191_hash(text: str) -> bytes:
    """The hash a wallet signs for `personal_sign(text)`."""
    from eth_account.messages import _hash_eip191_message, encode_defunct  # slow to import

    return bytes(_hash_eip191_message(encode_defunct(text=text)))


async def has_code(w3: AsyncWeb3, address: str) -> bool:
    from eth_utils import to_checksum_address

    return len(await w3.eth.get_code(to_checksum_address(address))) > 0


async def contract_accepts(w3: AsyncWeb3, address: str, text: str, signature: bytes) -> bool:
    """Whether the contract at `address` returns the EIP-1271 magic value for this signature.

    A revert or a reply that is not a bytes4 (no such function) counts as a refusal; a failure to
    reach the chain is raised to the caller.
    """
    from eth_utils import to_checksum_address
    from web3.exceptions import BadFunctionCallOutput, ContractLogicError

    contract = w3.eth.contract(address=to_checksum_address(address), abi=IS_VALID_SIGNATURE_ABI)
    try:
        result = await contract.functions.isValidSignature(eip191_hash(text), signature).call()
    except (ContractLogicError, BadFunctionCallOutput):
        return False
    return bytes(result) == MAGIC_VALUE
