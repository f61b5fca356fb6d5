"""Paying members on a real EVM node (anvil) with the DemoToken and our Disperse contract."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from eth_abi import encode
from eth_utils import keccak
from web3 import AsyncWeb3

from bots.conversation.i18n import Translator
from storage import ledger
from storage import payouts as store
from storage.database import Database
from storage.notifications import unsent
from storage.payouts import Tx
from tests.payouts.conftest import TokenOnAnvil, crowd, earn, rpc, token_balance, tokens
from wallet.payouts.service import open_payouts
from wallet.treasury import Shortfall

QUICK = {"poll_interval": 0.05}  # a node is looked at every 50 ms instead of every 500


async def test_members_are_paid_in_batches_exactly_what_the_ledger_owes(
    db: Database, db_path: Path, demo_token: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    owed = [tokens("12.345678901234567891"), tokens("3"), tokens("1"), tokens("250"), 7]
    members = await crowd(db, demo_token.node.chain_id, owed)
    treasury = demo_token.treasury
    before = await token_balance(anvil_w3, demo_token.address, treasury)
    settings = demo_token.settings(db_path, payout_batch_size=2)

    async with open_payouts(settings, db, **QUICK) as payouts:
        plan = await payouts.preview()
        run = await payouts.start()
        progress = await payouts.execute()

    # 7 units is below the 1-token minimum: that member waits for a later run.
    assert [c.profile_id for c in plan.candidates] == [members[i].profile_id for i in (3, 0, 1, 2)]
    assert run is not None and progress.paid == 4 and progress.finished_runs == [run.id]
    for member, units in zip(members[:4], owed[:4], strict=True):
        assert await token_balance(anvil_w3, demo_token.address, member.address) == units
        assert await ledger.balance(db, member.profile_id) == 0
    assert await token_balance(anvil_w3, demo_token.address, members[4].address) == 0
    assert await ledger.balance(db, members[4].profile_id) == 7
    paid_total = sum(owed[:4])
    assert await token_balance(anvil_w3, demo_token.address, treasury) == before - paid_total
    assert await store.ledger_paid_by_profile(db) == {
        m.profile_id: units for m, units in zip(members[:4], owed[:4], strict=True)
    }
    kinds = [tx.kind for tx in await store.txs_of(db, f"eip155:{demo_token.node.chain_id}")]
    assert kinds == ["deploy", "approve", "disperse", "disperse"]

    told = {n.profile_id: n for n in await unsent(db, "telegram") if n.key == "payout.paid"}
    assert set(told) == {m.profile_id for m in members[:4]}
    first = told[members[0].profile_id].params
    assert first["amount"] == "12.345678" and first["token"] == "DEMO"
    assert first["tx_url"].startswith("https://explorer.example/tx/0x")
    assert Translator("en")("payout.paid", **first) == (
        f"You were paid 12.345678 DEMO. Transaction: {first['tx_url']}"
    )
    assert Translator("ru")("payout.paid", **first).startswith("Вам выплачено 12.345678 DEMO.")


async def test_a_run_with_nobody_owed_does_nothing(
    db: Database, db_path: Path, demo_token: TokenOnAnvil
) -> None:
    async with open_payouts(demo_token.settings(db_path), db, **QUICK) as payouts:
        assert (await payouts.preview()).candidates == []
        assert await payouts.start() is None
        progress = await payouts.execute()
    assert progress.total == 0 and progress.transactions == 0
    assert await store.run_summaries(db) == []


async def test_a_treasury_that_cannot_pay_stops_the_run_before_anything_is_written(
    db: Database, db_path: Path, demo_token: TokenOnAnvil
) -> None:
    members = await crowd(db, demo_token.node.chain_id, [tokens("5"), tokens("6")])
    empty_treasury = demo_token.node.private_keys[2]  # gas, but none of the token
    settings = demo_token.settings(db_path, treasury_key=empty_treasury)

    async with open_payouts(settings, db, **QUICK) as payouts:
        assert "cannot pay" in ((await payouts.preview()).shortfall or "")
        with pytest.raises(Shortfall) as refused:
            await payouts.start()

    assert "holds 0 DEMO but the payouts need 11" in str(refused.value)
    assert "Top it up" in str(refused.value)
    assert empty_treasury.removeprefix("0x") not in str(refused.value)
    assert await store.run_summaries(db) == []
    assert [await ledger.balance(db, m.profile_id) for m in members] == [tokens("5"), tokens("6")]


async def wait_for_tx(db: Database, chain_key: str, found: object, seconds: float = 10) -> Tx:
    """Wait until a stored transaction passes `found` (a predicate on Tx)."""
    async with asyncio.timeout(seconds):
        while True:
            for tx in await store.txs_of(db, chain_key):
                if found(tx):  # type: ignore[operator]
                    return tx
            await asyncio.sleep(0.02)


def allowance_slot(owner: str, spender: str) -> str:
    """Where DemoToken keeps allowance[owner][spender] (its mapping is storage slot 4)."""
    inner = keccak(encode(["address", "uint256"], [owner, 4]))
    return "0x" + keccak(encode(["address", "bytes32"], [spender, inner])).hex()


async def test_a_batch_that_reverts_on_chain_is_paid_again_by_single_transfers(
    db: Database, db_path: Path, demo_token: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    chain_key = f"eip155:{demo_token.node.chain_id}"
    members = await crowd(db, demo_token.node.chain_id, [tokens("2"), tokens("3")])
    settings = demo_token.settings(db_path, payout_batch_size=10)
    async with open_payouts(settings, db, **QUICK) as payouts:
        await payouts.pay()  # the first run deploys Disperse and approves it
    for member in members:
        await earn(db, member, tokens("20"))

    await rpc(anvil_w3, "evm_setAutomine", False)
    async with open_payouts(settings, db, **QUICK) as payouts:
        paying = asyncio.create_task(payouts.pay())
        batch = await wait_for_tx(
            db, chain_key, lambda tx: tx.kind == "disperse" and tx.state == "sent"
        )
        # While the batch waits in the mempool, the treasury's approval is withdrawn (as if
        # someone reset it): the batch is mined and reverts.
        disperse = await store.contract_address(db, chain_key, payouts.treasury.address, "Disperse")
        slot = allowance_slot(payouts.treasury.address, str(disperse))
        await rpc(anvil_w3, "anvil_setStorageAt", demo_token.address, slot, "0x" + "00" * 32)
        await rpc(anvil_w3, "evm_mine")
        await rpc(anvil_w3, "evm_setAutomine", True)
        progress = await asyncio.wait_for(paying, 20)

    reverted = next(tx for tx in await store.txs_of(db, chain_key) if tx.id == batch.id)
    assert reverted.state == "reverted"
    transfers = await store.txs_of(db, chain_key, "transfer")
    assert len(transfers) == 2 and {tx.state for tx in transfers} == {"confirmed"}
    assert progress.paid == 2
    for member, units in zip(members, [tokens("22"), tokens("23")], strict=True):
        assert await token_balance(anvil_w3, demo_token.address, member.address) == units
        assert await ledger.balance(db, member.profile_id) == 0
    lines = await store.run_lines(db, 2)
    assert {line.payout.attempts for line in lines} == {1}
    assert {line.payout.state for line in lines} == {"paid"}


async def test_a_stuck_transaction_is_replaced_with_higher_fees_and_the_same_nonce(
    db: Database, db_path: Path, demo_token: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    chain_key = f"eip155:{demo_token.node.chain_id}"
    [member] = await crowd(db, demo_token.node.chain_id, [tokens("4")])
    settings = demo_token.settings(db_path, payout_batch_size=1, payout_tx_timeout=0.2)

    await rpc(anvil_w3, "evm_setAutomine", False)
    async with open_payouts(settings, db, **QUICK) as payouts:
        paying = asyncio.create_task(payouts.pay())
        stuck = await wait_for_tx(db, chain_key, lambda tx: len(tx.versions) >= 3)
        await rpc(anvil_w3, "evm_mine")
        await rpc(anvil_w3, "evm_setAutomine", True)
        progress = await asyncio.wait_for(paying, 20)

    [tx] = await store.txs_of(db, chain_key)
    assert tx.id == stuck.id and tx.state == "confirmed" and progress.paid == 1
    assert len(set(tx.hashes)) == len(tx.versions) >= 3  # every hash sent for the nonce is kept
    assert tx.mined_hash in tx.hashes
    fees = [(v.max_fee, v.priority_fee) for v in tx.versions]
    assert all(new[0] > old[0] and new[1] > old[1] for old, new in itertools.pairwise(fees))
    assert await token_balance(anvil_w3, demo_token.address, member.address) == tokens("4")
    assert await ledger.balance(db, member.profile_id) == 0


async def test_a_payout_a_reorganisation_took_out_of_the_chain_is_sent_again_at_once(
    db: Database, db_path: Path, demo_token: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    """The transfer is mined, then a reorganisation (anvil's evm_revert) removes its block and
    the node forgets it: the next confirmation check sends the same transaction again, long
    before PAYOUT_TX_TIMEOUT, with the same nonce and the same fees."""
    chain_key = f"eip155:{demo_token.node.chain_id}"
    [member] = await crowd(db, demo_token.node.chain_id, [tokens("4")])
    settings = demo_token.settings(db_path, payout_batch_size=1, payout_confirmations=3)

    await rpc(anvil_w3, "evm_setAutomine", False)
    before_the_run = await rpc(anvil_w3, "evm_snapshot")
    async with open_payouts(settings, db, **QUICK) as payouts:
        paying = asyncio.create_task(payouts.pay())
        sent = await wait_for_tx(db, chain_key, lambda tx: tx.newest.sent_at is not None)
        await asyncio.sleep(0.3)  # the follower has looked at it, unmined, a few times
        await rpc(anvil_w3, "evm_mine")
        await wait_for_tx(db, chain_key, lambda tx: tx.state == "mined")
        await rpc(anvil_w3, "evm_revert", before_the_run)
        assert await rpc(anvil_w3, "eth_getTransactionByHash", sent.newest.hash) is None

        for _ in range(400):  # up to 20 s; PAYOUT_TX_TIMEOUT is 180 s
            if await rpc(anvil_w3, "eth_getTransactionByHash", sent.newest.hash) is not None:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("the transaction the reorganisation took was not sent again")
        for _ in range(3):
            await rpc(anvil_w3, "evm_mine")
        progress = await asyncio.wait_for(paying, 20)

    [tx] = await store.txs_of(db, chain_key)
    assert tx.id == sent.id and tx.state == "confirmed" and progress.paid == 1
    assert len(tx.versions) == 1 and tx.mined_hash == sent.newest.hash  # no fee bump
    assert await token_balance(anvil_w3, demo_token.address, member.address) == tokens("4")
