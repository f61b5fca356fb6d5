"""Deploy our own ERC-20 (wallet/contracts/DemoToken.sol) from the treasury, for a chain that
has no reward token yet: `microtasks chain deploy-token` (docs/payouts.md)."""

from __future__ import annotations

from wallet.chain import ChainError, Fees, checked_chain_id
from wallet.contracts import load_artifact
from wallet.treasury import Treasury

TOKEN_DECIMALS = 18


async def deploy_token(
    rpc_url: str, chain_id: int, treasury: Treasury, *, name: str, symbol: str, supply: int
) -> str:
    """Deploy the token with the whole `supply` (smallest units) minted to the treasury; return
    its address once the deployment is mined."""
    from eth_abi import encode
    from web3 import AsyncHTTPProvider, AsyncWeb3

    artifact = load_artifact("DemoToken")
    w3 = AsyncWeb3(AsyncHTTPProvider(rpc_url))
    try:
        await checked_chain_id(w3, rpc_url, chain_id)
        arguments = encode(
            ["string", "string", "uint8", "uint256"], [name, symbol, TOKEN_DECIMALS, supply]
        )
        data = bytes.fromhex(artifact.bytecode.removeprefix("0x")) + arguments
        sender = treasury.address
        gas = int(await w3.eth.estimate_gas({"from": sender, "data": data}))
        block = await w3.eth.get_block("latest")
        priority = int(await w3.eth.max_priority_fee)
        fees = Fees(2 * int(block.get("baseFeePerGas", 0)) + priority, priority)
        nonce = int(await w3.eth.get_transaction_count(sender, "pending"))
        signed = treasury.sign(
            chain_id=chain_id,
            nonce=nonce,
            to=None,
            value=0,
            data=data,
            gas=gas * 6 // 5,
            fees=fees,
        )
        tx_hash = await w3.eth.send_raw_transaction(signed.raw)
        receipt = await w3.eth.wait_for_transaction_receipt(tx_hash, timeout=300)
        if int(receipt["status"]) != 1:
            raise ChainError(f"the token's deployment ({tx_hash.hex()}) reverted")
        return str(receipt["contractAddress"])
    finally:
        await w3.provider.disconnect()
