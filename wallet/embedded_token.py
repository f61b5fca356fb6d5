"""The token of the embedded chain, known without starting it: the demo ERC-20 deployed at each
start (or its native coin with TOKEN_ADDRESS=native), so amounts name it from the first reply."""

from __future__ import annotations

NAME, SYMBOL, DECIMALS = "Demo", "DEMO", 18
NATIVE_SYMBOL = "ETH"


def embedded_symbol(chain_rpc_url: object, token_address: str | None) -> str | None:
    """The symbol amounts are paid in when the chain is the embedded one, else None (a real
    chain's token is read from it when payouts connect)."""
    if chain_rpc_url:
        return None
    return NATIVE_SYMBOL if token_address == "native" else SYMBOL
