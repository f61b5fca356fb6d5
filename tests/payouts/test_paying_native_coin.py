"""Paying members in the chain's own coin (TOKEN_ADDRESS=native) on anvil: the same run, batched
through Disperse's payable `disperseEther`, with amounts in wei (18 decimals)."""

from __future__ import annotations

from pathlib import Path

from eth_abi import decode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from web3 import AsyncWeb3

from microtasks.settings import load_settings
from storage import ledger
from storage import payouts as store
from storage.database import Database
from storage.identity import Platform, ensure_account
from storage.notifications import unsent
from storage.wallets import linked_wallet
from tests.chain.test_contracts import deploy
from tests.payouts.conftest import Member, TokenOnAnvil, crowd, earn, tokens
from wallet.linking import WalletLinker
from wallet.payouts import calldata
from wallet.payouts.service import open_payouts
from wallet.siwe_message import SiweRules

QUICK = {"poll_interval": 0.05}
OWED = [tokens("12.345678901234567891"), tokens("2"), tokens("0.5"), tokens("40"), tokens("1.25")]


async def test_members_are_paid_in_the_native_coin_in_batches_to_the_wei(
    db: Database, db_path: Path, native_coin: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    chain_key = f"eip155:{native_coin.node.chain_id}"
    members = await crowd(db, native_coin.node.chain_id, OWED)
    treasury_before = await anvil_w3.eth.get_balance(native_coin.treasury)  # type: ignore[arg-type]
    settings = native_coin.settings(db_path, payout_batch_size=2, payout_min="0.5")

    async with open_payouts(settings, db, **QUICK) as payouts:
        assert payouts.chain.token.native and payouts.chain.token.decimals == 18
        run = await payouts.start()
        progress = await payouts.execute()

    assert run is not None and run.token == "native" and run.decimals == 18
    assert progress.paid == len(OWED) and progress.paid_units == sum(OWED)
    for member, wei in zip(members, OWED, strict=True):
        assert await anvil_w3.eth.get_balance(member.address) == wei  # type: ignore[arg-type]
        assert await ledger.balance(db, member.profile_id) == 0
    assert await store.ledger_paid_by_profile(db) == {
        m.profile_id: wei for m, wei in zip(members, OWED, strict=True)
    }
    assert await ledger.get_token_fact(db, "decimals") == "18"

    # Disperse is deployed, never approved (the coin travels as the call's value); pairs go
    # through disperseEther carrying exactly their sum, and the odd one out is a plain transfer.
    txs = await store.txs_of(db, chain_key)
    assert [tx.kind for tx in txs] == ["deploy", "disperse", "disperse", "transfer"]
    assert {tx.state for tx in txs} == {"confirmed"}
    disperse = await store.contract_address(db, chain_key, native_coin.treasury, "Disperse")
    paid_by_batches = []
    for batch in txs[1:3]:
        assert batch.to_address == disperse
        assert batch.data[:4] == calldata.disperse_ether([], [])[:4]
        recipients, values = decode(["address[]", "uint256[]"], batch.data[4:])
        assert batch.value == sum(values) and len(values) == 2
        paid_by_batches += list(zip(recipients, values, strict=True))
    transfer = txs[3]
    assert transfer.data == b"" and transfer.to_address is not None
    paid_by_batches.append((transfer.to_address, transfer.value))
    assert sorted((address.lower(), wei) for address, wei in paid_by_batches) == sorted(
        (m.address.lower(), wei) for m, wei in zip(members, OWED, strict=True)
    )

    # The treasury spent the payouts and the gas of its four transactions, not a wei more.
    fees = 0
    for tx in txs:
        receipt = await anvil_w3.eth.get_transaction_receipt(tx.mined_hash)  # type: ignore[arg-type]
        fees += receipt["gasUsed"] * receipt["effectiveGasPrice"]
    treasury_after = await anvil_w3.eth.get_balance(native_coin.treasury)  # type: ignore[arg-type]
    assert treasury_before - treasury_after == sum(OWED) + fees

    told = {n.profile_id: n.params for n in await unsent(db, "telegram") if n.key == "payout.paid"}
    assert told[members[0].profile_id]["amount"] == "12.345678"
    assert told[members[0].profile_id]["token"] == "ETH"


async def member_with_contract_wallet(
    db: Database, w3: AsyncWeb3, node: TokenOnAnvil, name: str
) -> Member:
    """A member whose wallet is an EIP-1271 contract (it has no way to receive the coin),
    linked with its owner's signature, checked on the node."""
    owner: LocalAccount = Account.create()
    wallet = await deploy(
        w3, Account.from_key(node.node.private_keys[1]), "SmartWallet1271", owner.address
    )
    account = await ensure_account(db, Platform.telegram, name, display_name=name)
    rules = SiweRules(
        domain="microtasks.local",
        uri="https://microtasks.local",
        chain_id=node.node.chain_id,
        ttl_seconds=600,
        community="Payout Guild",
    )
    linker = WalletLinker(db, rules, w3=w3)
    challenge = await linker.start(account.profile_id, f"telegram account {name}", wallet.address)
    signature = owner.sign_message(encode_defunct(text=challenge.message)).signature
    await linker.finish(account.profile_id, "0x" + signature.hex())
    return Member(account.profile_id, name, owner)


async def test_a_wallet_that_refuses_the_coin_is_re_credited_and_the_batch_still_pays_the_rest(
    db: Database, db_path: Path, native_coin: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    chain_key = f"eip155:{native_coin.node.chain_id}"
    ada, bob = await crowd(db, native_coin.node.chain_id, [tokens("3"), tokens("4")])
    vault = await member_with_contract_wallet(db, anvil_w3, native_coin, "vault")
    await earn(db, vault, tokens("5"))
    vault_address = await linked_wallet(db, vault.profile_id)
    assert vault_address is not None
    settings = native_coin.settings(db_path, payout_batch_size=10)

    async with open_payouts(settings, db, **QUICK) as payouts:
        progress = await payouts.pay()

    # The batch of three reverts in its estimate (the contract wallet cannot take the coin):
    # each is paid alone, and the one transfer that cannot be made is given back to the ledger.
    assert (progress.paid, progress.refunded) == (2, 1)
    assert await anvil_w3.eth.get_balance(ada.address) == tokens("3")  # type: ignore[arg-type]
    assert await anvil_w3.eth.get_balance(bob.address) == tokens("4")  # type: ignore[arg-type]
    assert await anvil_w3.eth.get_balance(vault_address) == 0  # type: ignore[arg-type]
    assert await ledger.balance(db, vault.profile_id) == tokens("5")
    assert [await ledger.balance(db, m.profile_id) for m in (ada, bob)] == [0, 0]
    assert await store.ledger_paid_by_profile(db) == {
        ada.profile_id: tokens("3"),
        bob.profile_id: tokens("4"),
        vault.profile_id: 0,
    }
    kinds = [tx.kind for tx in await store.txs_of(db, chain_key)]
    assert kinds == ["deploy", "transfer", "transfer"]
    refunded = [n for n in await unsent(db, "telegram") if n.key == "payout.refunded"]
    assert [(n.profile_id, n.params["amount"]) for n in refunded] == [(vault.profile_id, "5")]


async def test_the_embedded_chain_pays_in_its_own_coin_with_no_node_configured(
    db: Database, db_path: Path
) -> None:
    embedded_chain_id = 131277322940537
    members = await crowd(db, embedded_chain_id, [tokens("1.5"), tokens("2"), tokens("0.1")])
    settings = load_settings(database_url=f"sqlite:///{db_path}", token_address="native")

    async with open_payouts(settings, db) as payouts:
        progress = await payouts.pay()
        w3 = payouts.chain.w3
        balances = [await w3.eth.get_balance(m.address) for m in members]  # type: ignore[arg-type]
        txs = await store.txs_of(db, payouts.chain.key)

    # 0.1 is under the 1-coin minimum: that member waits.
    assert progress.paid == 2 and balances == [tokens("1.5"), tokens("2"), 0]
    assert [tx.kind for tx in txs] == ["deploy", "disperse"]
    assert [await ledger.balance(db, m.profile_id) for m in members] == [0, 0, tokens("0.1")]
