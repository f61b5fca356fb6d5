"""With a node configured, the chat's wallet linker checks contract wallets on that node."""

from __future__ import annotations

from microtasks.settings import load_settings
from microtasks.wiring import build_conversation
from storage.database import Database


async def test_the_wallet_linker_uses_the_configured_node(db: Database) -> None:
    settings = load_settings(chain_rpc_url="http://127.0.0.1:8545", chain_id=31337)
    linker = build_conversation(settings, db).services.wallet
    assert linker.w3 is not None
    assert linker.w3.provider.endpoint_uri == "http://127.0.0.1:8545"


async def test_without_a_node_contract_wallets_cannot_be_checked(db: Database) -> None:
    linker = build_conversation(load_settings(), db).services.wallet
    assert linker.w3 is None
