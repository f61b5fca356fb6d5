"""Payout fixtures: members who earned and linked a wallet, and a chain to pay them on.

Members link their wallets the way they do in the chat (a Sign-In with Ethereum message signed
with a real key) and earn through ledger grants. On anvil the reward token is our DemoToken,
deployed from the committed artifact by the treasury, which holds its whole supply.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from web3 import AsyncWeb3

from microtasks.settings import Settings, load_settings
from storage import ledger
from storage.database import Database
from storage.identity import Platform, ensure_account
from tests.chain.anvil import AnvilNode
from tests.chain.conftest import anvil, anvil_w3  # noqa: F401  (the anvil fixtures)
from wallet.contracts import load_artifact
from wallet.linking import WalletLinker
from wallet.siwe_message import SiweRules

TOKEN = 10**18  # one DemoToken in its smallest unit (18 decimals)
SUPPLY = 1_000_000 * TOKEN


@dataclass(frozen=True)
class Member:
    profile_id: int
    name: str
    key: LocalAccount

    @property
    def address(self) -> str:
        return self.key.address


async def member_with_wallet(db: Database, name: str, chain_id: int) -> Member:
    """A Telegram member who linked a fresh wallet by signing the bot's message."""
    account = await ensure_account(db, Platform.telegram, name, display_name=name)
    key: LocalAccount = Account.create()
    rules = SiweRules(
        domain="microtasks.local",
        uri="https://microtasks.local",
        chain_id=chain_id,
        ttl_seconds=600,
        community="Payout Guild",
    )
    linker = WalletLinker(db, rules)
    challenge = await linker.start(account.profile_id, f"telegram account {name}", key.address)
    signature = key.sign_message(encode_defunct(text=challenge.message)).signature
    await linker.finish(account.profile_id, "0x" + signature.hex())
    return Member(account.profile_id, name, key)


async def earn(db: Database, member: Member, units: int) -> None:
    await ledger.grant(db, member.profile_id, units, "accepted answers", None, time.time())


async def crowd(db: Database, chain_id: int, owed: list[int]) -> list[Member]:
    """One member per amount owed, each with a linked wallet and that balance."""
    members = []
    for index, units in enumerate(owed):
        member = await member_with_wallet(db, f"member{index}", chain_id)
        await earn(db, member, units)
        members.append(member)
    return members


def tokens(text: str) -> int:
    return int(Decimal(text) * TOKEN)


@dataclass(frozen=True)
class TokenOnAnvil:
    node: AnvilNode
    address: str  # the ERC-20's address, or 'native' for anvil's own coin
    treasury_key: str  # anvil's first account: it deployed the token and holds the supply

    @property
    def treasury(self) -> str:
        return str(Account.from_key(self.treasury_key).address)

    def settings(self, db_path: Path, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": f"sqlite:///{db_path}",
            "chain_rpc_url": self.node.rpc_url,
            "chain_id": self.node.chain_id,
            "token_address": self.address,
            "treasury_key": self.treasury_key,
            "payout_min": Decimal("1"),
            "explorer_url": "https://explorer.example",
        }
        values.update(overrides)
        return load_settings(**values)

    def environment(self, db_path: Path) -> dict[str, str]:
        """The same settings as environment variables, for a `microtasks` process."""
        return {
            "DATABASE_URL": f"sqlite:///{db_path}",
            "CHAIN_RPC_URL": self.node.rpc_url,
            "CHAIN_ID": str(self.node.chain_id),
            "TOKEN_ADDRESS": self.address,
            "TREASURY_KEY": self.treasury_key,
            "EXPLORER_URL": "https://explorer.example",
        }


async def deploy_demo_token(w3: AsyncWeb3, key: str, supply: int = SUPPLY) -> str:
    deployer = Account.from_key(key)
    artifact = load_artifact("DemoToken")
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    nonce = await w3.eth.get_transaction_count(deployer.address, "pending")
    tx = await factory.constructor("Demo", "DEMO", 18, supply).build_transaction(
        {"from": deployer.address, "nonce": nonce}
    )
    signed = deployer.sign_transaction(tx)
    receipt = await w3.eth.wait_for_transaction_receipt(
        await w3.eth.send_raw_transaction(signed.raw_transaction)
    )
    assert receipt["status"] == 1
    return str(receipt["contractAddress"])


@pytest.fixture
async def demo_token(anvil: AnvilNode, anvil_w3: AsyncWeb3) -> AsyncIterator[TokenOnAnvil]:  # noqa: F811
    key = anvil.private_keys[0]
    yield TokenOnAnvil(anvil, await deploy_demo_token(anvil_w3, key), key)


@pytest.fixture
def native_coin(anvil: AnvilNode) -> TokenOnAnvil:  # noqa: F811
    """Paying in anvil's own coin (TOKEN_ADDRESS=native) from its first, funded account."""
    return TokenOnAnvil(anvil, "native", anvil.private_keys[0])


async def token_balance(w3: AsyncWeb3, token: str, address: str) -> int:
    contract = w3.eth.contract(address=token, abi=load_artifact("DemoToken").abi)  # type: ignore[call-overload]
    return int(await contract.functions.balanceOf(address).call())


async def rpc(w3: AsyncWeb3, method: str, *params: object) -> object:
    """Call a node method web3 has no wrapper for (anvil's evm_mine, evm_setAutomine, ...)."""
    response = await w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in response, response
    return response.get("result")
