"""Calldata of the payout transactions: ERC-20 transfer and approve, the Disperse batch calls,
and the Disperse deployment (creation bytecode from the committed artifact)."""

from __future__ import annotations

from collections.abc import Sequence

from eth_abi import encode
from eth_utils import function_signature_to_4byte_selector, to_bytes

from wallet.contracts import load_artifact

DISPERSE = "Disperse"
MAX_UINT256 = 2**256 - 1


def _call(signature: str, types: list[str], args: list[object]) -> bytes:
    return function_signature_to_4byte_selector(signature) + encode(types, args)


def transfer(to: str, amount: int) -> bytes:
    return _call("transfer(address,uint256)", ["address", "uint256"], [to, amount])


def approve(spender: str, amount: int) -> bytes:
    return _call("approve(address,uint256)", ["address", "uint256"], [spender, amount])


def allowance(owner: str, spender: str) -> bytes:
    return _call("allowance(address,address)", ["address", "address"], [owner, spender])


def disperse_token(token: str, recipients: Sequence[str], values: Sequence[int]) -> bytes:
    return _call(
        "disperseToken(address,address[],uint256[])",
        ["address", "address[]", "uint256[]"],
        [token, list(recipients), list(values)],
    )


def disperse_ether(recipients: Sequence[str], values: Sequence[int]) -> bytes:
    return _call(
        "disperseEther(address[],uint256[])",
        ["address[]", "uint256[]"],
        [list(recipients), list(values)],
    )


def deploy_disperse() -> bytes:
    """Creation code of our Disperse contract (it takes no constructor arguments)."""
    return to_bytes(hexstr=load_artifact(DISPERSE).bytecode)
