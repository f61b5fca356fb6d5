"""Chain access: an RPC node or the embedded in-process chain, the reward token, EIP-1559 fees.

`connect_chain(options, treasury)` returns a `Chain`:
- with an RPC URL: `AsyncWeb3` over HTTP, refusing a node whose chain id differs from the
  setting, with the token named by TOKEN_ADDRESS (an ERC-20 address or 'native');
- without one: web3's in-process py-evm chain (eth-tester), where a genesis account deploys the
  DemoToken from our artifact, hands its whole supply to the treasury and funds it with gas. The
  embedded chain lives in memory, so it starts afresh with every process; each start is a new
  chain instance with a key of its own (see storage/payouts.py, `abandon_vanished_chains`). It
  mines each transaction at once; when a payout waits for more confirmations, the embedded chain
  mines empty blocks (`produce_block`) instead of the time passing that makes a real chain grow.

web3 is imported inside the functions that use it: it costs about a second to import.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from wallet import embedded_token
from wallet.contracts import load_artifact

if TYPE_CHECKING:
    from eth_typing import ChecksumAddress
    from web3 import AsyncWeb3

    from wallet.treasury import Treasury

TX_GAS_CAP = 2**24  # EIP-7825: the most gas one transaction may ask for
NATIVE = "native"
EMBEDDED_TOKEN_SUPPLY = 1_000_000_000 * 10**18
EMBEDDED_GAS_FUNDS = 10_000 * 10**18
GWEI = 10**9


class ChainError(Exception):
    """The chain or the token cannot be used; the message says what to fix."""


class NodeUnreachable(Exception):
    """The node could not be reached (connection refused or dropped, timeout): nothing to fix in
    the settings; what was written is kept and the same command carries on later."""


def node_unreachable(detail: str) -> NodeUnreachable:
    """The one way a node that could not be reached is said, `detail` saying which call."""
    return NodeUnreachable(
        f"the node could not be reached ({detail}); nothing is lost: run it again once the "
        "node answers"
    )


def unreachable(error: BaseException) -> bool:
    """Whether this error (or one it came from) is a failure to reach the node at all, as
    opposed to an answer from it (a refusal, a revert)."""
    import asyncio

    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, NodeUnreachable | ConnectionError | asyncio.TimeoutError):
            return True
        name = type(seen).__name__
        if name in (
            "ClientConnectionError",
            "ClientConnectorError",
            "ServerDisconnectedError",
            "ClientOSError",
            "ProviderConnectionError",
            "ServerTimeoutError",
        ):
            return True
        if isinstance(seen, OSError) and not isinstance(seen, FileNotFoundError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@dataclass(frozen=True)
class ChainOptions:
    """What the operator chose (see microtasks/settings.py: CHAIN_*, TOKEN_ADDRESS, ...)."""

    rpc_url: str | None = field(repr=False)  # may carry an API key: never shown
    chain_id: int
    token: str | None  # ERC-20 address, 'native', or None for the embedded demo token
    explorer_url: str | None = None


@dataclass(frozen=True)
class Token:
    address: ChecksumAddress | None  # None: the chain's own coin
    decimals: int
    symbol: str

    @property
    def native(self) -> bool:
        return self.address is None

    @property
    def ref(self) -> str:
        """How runs name the token: its address, or 'native'."""
        return self.address or NATIVE


@dataclass(frozen=True)
class Fees:
    """EIP-1559 fees of one signed version, in wei per gas."""

    max_fee: int
    priority_fee: int

    def bumped(self, current: Fees) -> Fees:
        """Fees for a replacement: both raised by at least 12.5% (nodes want 10%), and never
        below what the chain asks now."""
        priority = max(self.priority_fee * 9 // 8 + 1, current.priority_fee)
        return Fees(max(self.max_fee * 9 // 8 + 1, current.max_fee, priority), priority)


def public_url(url: str) -> str:
    """The node's URL as messages may show it: scheme://host[:port]. Providers put API keys in
    the path, the query or the user part, so none of those is ever quoted."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "the configured URL"
    if not parts.scheme or not host:
        return "the configured URL"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def selector(signature: str) -> bytes:
    return function_signature_to_4byte_selector(signature)


class Chain:
    """One connected chain with the reward token. Close it with `await chain.close()`."""

    def __init__(
        self,
        w3: AsyncWeb3,
        *,
        chain_id: int,
        key: str,
        token: Token,
        explorer_url: str | None,
        embedded: bool,
    ):
        self.w3 = w3
        self.chain_id = chain_id
        self.key = key
        self.token = token
        self.explorer_url = explorer_url
        self.embedded = embedded

    def __repr__(self) -> str:
        return f"Chain({self.key}, token={self.token.ref})"

    async def fees(self) -> Fees:
        """maxFeePerGas = twice the latest base fee plus the tip, so a few full blocks in a row
        do not strand the transaction; the tip is the node's suggestion."""
        block = await self.w3.eth.get_block("latest")
        base = int(block.get("baseFeePerGas", 0) or 0)
        try:
            priority = int(await self.w3.eth.max_priority_fee)
        except Exception:  # nodes without eth_maxPriorityFeePerGas
            priority = GWEI
        return Fees(2 * base + priority, priority)

    async def produce_block(self) -> None:
        """Embedded chain: mine an empty block (time passing). A real chain grows on its own."""
        if self.embedded:
            await self.w3.provider.make_request("evm_mine", [])

    def tx_url(self, tx_hash: str) -> str:
        """The explorer link of a transaction, or its hash when no explorer is set."""
        if not self.explorer_url:
            return tx_hash
        return f"{self.explorer_url.rstrip('/')}/tx/{tx_hash}"

    async def token_balance(self, address: str) -> int:
        token = self.token.address
        if token is None:  # the chain's own coin
            return int(await self.w3.eth.get_balance(to_checksum_address(address)))
        return await self.call_uint(token, "balanceOf(address)", ["address"], [address])

    async def call_uint(self, to: str, signature: str, types: list[str], args: list[Any]) -> int:
        from eth_abi import encode

        data = selector(signature) + encode(types, args)
        result = await self.w3.eth.call({"to": to, "data": data})
        return int(abi_decode(["uint256"], bytes(result))[0])

    async def close(self) -> None:
        """Close the node's HTTP sessions (the embedded chain holds none)."""
        if not self.embedded:
            await self.w3.provider.disconnect()


async def connect_chain(options: ChainOptions, treasury: Treasury) -> Chain:
    """Connect to the node (or start the embedded chain) and learn the token's decimals."""
    if options.rpc_url:
        return await _connect_rpc(options, options.rpc_url)
    return await _start_embedded(options, treasury)


async def checked_chain_id(w3: Any, rpc_url: str, chain_id: int) -> int:
    """The node's chain id, which must be CHAIN_ID. A node that cannot be reached is
    NodeUnreachable (try again later); one that answers wrongly is a ChainError (fix a setting)."""
    try:
        node_chain_id = int(await w3.eth.chain_id)
    except Exception as error:
        message = (
            f"CHAIN_RPC_URL: no answer from the node at {public_url(rpc_url)} "
            f"({type(error).__name__}); check the URL and that the node is running"
        )
        if unreachable(error):
            raise node_unreachable(message) from None
        raise ChainError(message) from None
    if node_chain_id != chain_id:
        raise ChainError(
            f"CHAIN_ID: the node at {public_url(rpc_url)} serves chain {node_chain_id}, but "
            f"CHAIN_ID is {chain_id}; set CHAIN_ID={node_chain_id} if that node is the right one"
        )
    return node_chain_id


async def _connect_rpc(options: ChainOptions, rpc_url: str) -> Chain:
    from web3 import AsyncHTTPProvider, AsyncWeb3

    if options.token is None:
        raise ChainError(
            "TOKEN_ADDRESS: required with CHAIN_RPC_URL; set the ERC-20 contract address of the "
            "reward token, or 'native' to pay in the chain's own coin"
        )
    w3 = AsyncWeb3(AsyncHTTPProvider(rpc_url))
    try:
        node_chain_id = await checked_chain_id(w3, rpc_url, options.chain_id)
        token = await _read_token(w3, options.token)
    except BaseException:
        await w3.provider.disconnect()
        raise
    return Chain(
        w3,
        chain_id=node_chain_id,
        key=f"eip155:{node_chain_id}",
        token=token,
        explorer_url=options.explorer_url,
        embedded=False,
    )


async def _read_token(w3: AsyncWeb3, token: str) -> Token:
    if token == NATIVE:
        return Token(None, 18, "ETH")
    address = to_checksum_address(token)
    if not await w3.eth.get_code(address):
        raise ChainError(
            f"TOKEN_ADDRESS: there is no contract at {address} on this chain; check the address "
            "and CHAIN_RPC_URL"
        )
    try:
        raw_decimals = await w3.eth.call({"to": address, "data": selector("decimals()")})
        decimals = int(abi_decode(["uint8"], bytes(raw_decimals))[0])
    except Exception:
        raise ChainError(
            f"TOKEN_ADDRESS: the contract at {address} has no ERC-20 decimals(); is it a token?"
        ) from None
    try:
        raw_symbol = await w3.eth.call({"to": address, "data": selector("symbol()")})
        symbol = str(abi_decode(["string"], bytes(raw_symbol))[0]) or "tokens"
    except Exception:
        symbol = "tokens"
    return Token(address, decimals, symbol)


async def _start_embedded(options: ChainOptions, treasury: Treasury) -> Chain:
    from web3 import AsyncWeb3
    from web3.providers.eth_tester import AsyncEthereumTesterProvider
    from web3.types import Wei

    w3 = AsyncWeb3(AsyncEthereumTesterProvider())
    chain_id = int(await w3.eth.chain_id)
    if chain_id != options.chain_id:
        raise ChainError(
            f"CHAIN_ID: the embedded chain has id {chain_id}, but CHAIN_ID is {options.chain_id}; "
            "leave CHAIN_ID unset, or set CHAIN_RPC_URL to use a node"
        )
    if options.token not in (None, NATIVE):
        raise ChainError(
            "TOKEN_ADDRESS: an ERC-20 address needs CHAIN_RPC_URL (the node where it lives); "
            "leave it empty for the embedded demo token, or set it to 'native'"
        )
    faucet = (await w3.eth.accounts)[0]
    await _wait(
        w3,
        await w3.eth.send_transaction(
            {"from": faucet, "to": treasury.address, "value": Wei(EMBEDDED_GAS_FUNDS)}
        ),
    )
    if options.token == NATIVE:
        token = Token(None, 18, embedded_token.NATIVE_SYMBOL)
    else:
        artifact = load_artifact("DemoToken")
        factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        deploy = factory.constructor(
            embedded_token.NAME,
            embedded_token.SYMBOL,
            embedded_token.DECIMALS,
            EMBEDDED_TOKEN_SUPPLY,
        )
        receipt = await _wait(w3, await deploy.transact({"from": faucet}))
        demo = w3.eth.contract(address=receipt["contractAddress"], abi=artifact.abi)
        handover = demo.functions.transfer(treasury.address, EMBEDDED_TOKEN_SUPPLY)
        await _wait(w3, await handover.transact({"from": faucet}))
        token = Token(demo.address, embedded_token.DECIMALS, embedded_token.SYMBOL)
    return Chain(
        w3,
        chain_id=chain_id,
        key=f"embedded:{secrets.token_hex(8)}",
        token=token,
        explorer_url=options.explorer_url,
        embedded=True,
    )


async def _wait(w3: AsyncWeb3, tx_hash: Any) -> Any:
    receipt = await w3.eth.wait_for_transaction_receipt(tx_hash)
    if receipt["status"] != 1:
        raise ChainError("setting up the embedded chain failed: a transaction reverted")
    return receipt
