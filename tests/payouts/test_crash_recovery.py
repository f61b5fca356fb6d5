"""A payout run killed with SIGKILL at its most dangerous moments, then started again.

The run is `microtasks payouts run --yes` in a process of its own, paying on anvil (a node that
outlives the process, as a real chain does). `MICROTASKS_CRASH_AT` makes the process kill itself
at a named point (wallet/faults.py). After the restart every member's on-chain balance must equal
what the ledger says was paid to them, and the treasury must have paid out exactly that much:
nobody is paid twice and nobody is forgotten.

Five members with batches of two: the treasury deploys Disperse (transaction 1), approves it
(2), pays two batches (3, 4) and one single transfer (5). The fee-bump crash pays three members
with single transfers that anvil holds unmined until they are replaced.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from web3 import AsyncWeb3

from storage import ledger
from storage import payouts as store
from storage.database import Database
from tests.payouts.conftest import TokenOnAnvil, crowd, rpc, token_balance, tokens

MICROTASKS = Path(sys.executable).with_name("microtasks")
OWED = [tokens("12.345678901234567891"), tokens("2"), tokens("3.5"), tokens("40"), tokens("1")]


async def payout_process(
    environment: dict[str, str], crash_at: str | None, **settings: str
) -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if key != "MICROTASKS_CRASH_AT"}
    env.update(environment, PAYOUT_BATCH_SIZE="2", LOG_LEVEL="WARNING")
    env.update(settings)
    if crash_at:
        env["MICROTASKS_CRASH_AT"] = crash_at
    process = await asyncio.create_subprocess_exec(
        str(MICROTASKS),
        "payouts",
        "run",
        "--yes",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


@pytest.mark.parametrize(
    "crash_at",
    [
        "after_plan",  # the run and its debits are committed, nothing signed
        "after_sign:1",  # Disperse's deployment signed and stored, never sent
        "after_sign:4",  # the second batch signed and stored, never sent
        "after_broadcast:3",  # the node has the first batch; the database does not know
        "between_batches:1",  # one batch sent and recorded, the next not signed
        "before_receipt:3",  # every receipt in hand, none of the outcomes stored
    ],
)
async def test_a_killed_run_resumes_and_pays_everyone_exactly_once(
    crash_at: str, db: Database, db_path: Path, demo_token: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    members = await crowd(db, demo_token.node.chain_id, OWED)
    treasury_before = await token_balance(anvil_w3, demo_token.address, demo_token.treasury)
    environment = demo_token.environment(db_path)

    code, output = await payout_process(environment, crash_at)
    assert code == -signal.SIGKILL, output
    code, output = await payout_process(environment, None)
    assert code == 0, output
    assert "finishing open run 1 first" in output

    paid = await store.ledger_paid_by_profile(db)
    for member, units in zip(members, OWED, strict=True):
        on_chain = await token_balance(anvil_w3, demo_token.address, member.address)
        assert on_chain == paid[member.profile_id] == units
        assert await ledger.balance(db, member.profile_id) == 0
    treasury_after = await token_balance(anvil_w3, demo_token.address, demo_token.treasury)
    assert treasury_before - treasury_after == sum(OWED)
    [run] = await store.run_summaries(db)
    assert (run.run.state, run.paid, run.paid_total) == ("finished", len(OWED), sum(OWED))


@pytest.mark.parametrize(
    ("while_down", "mined_version"),
    [
        # The node mines what it has: the first version, not the stored replacement.
        ("evm_mine", 0),
        # The node forgets its pending transactions (as a restarted node does): the restart
        # sends the stored replacement, byte for byte.
        ("anvil_dropAllTransactions", 1),
    ],
)
async def test_a_run_killed_after_signing_a_fee_bump_pays_each_member_once(
    while_down: str,
    mined_version: int,
    db: Database,
    db_path: Path,
    demo_token: TokenOnAnvil,
    anvil_w3: AsyncWeb3,
) -> None:
    """Three single transfers sit unmined (automine off) until they are replaced with higher
    fees; the process dies right after the second replacement is signed and stored, before any
    node has seen it. Either version may end up mined; only one can, and it pays the member."""
    owed = OWED[:3]
    members = await crowd(db, demo_token.node.chain_id, owed)
    treasury_before = await token_balance(anvil_w3, demo_token.address, demo_token.treasury)
    environment = demo_token.environment(db_path)
    singles = {"PAYOUT_BATCH_SIZE": "1", "PAYOUT_TX_TIMEOUT": "0.2"}

    await rpc(anvil_w3, "evm_setAutomine", False)
    code, output = await payout_process(environment, "after_replace:2", **singles)
    assert code == -signal.SIGKILL, output
    chain_key = f"eip155:{demo_token.node.chain_id}"
    first, bumped, last = await store.txs_of(db, chain_key)
    assert [len(tx.versions) for tx in (first, bumped, last)] == [2, 2, 1]
    assert bumped.versions[1].sent_at is None  # stored, never sent

    await rpc(anvil_w3, while_down)
    await rpc(anvil_w3, "evm_setAutomine", True)
    code, output = await payout_process(environment, None, PAYOUT_BATCH_SIZE="1")
    assert code == 0, output

    txs = await store.txs_of(db, chain_key)
    assert [tx.id for tx in txs] == [first.id, bumped.id, last.id]  # nothing new was signed
    assert {tx.state for tx in txs} == {"confirmed"}
    assert txs[1].mined_hash == bumped.versions[mined_version].hash
    paid = await store.ledger_paid_by_profile(db)
    for member, units in zip(members, owed, strict=True):
        on_chain = await token_balance(anvil_w3, demo_token.address, member.address)
        assert on_chain == paid[member.profile_id] == units
        assert await ledger.balance(db, member.profile_id) == 0
    treasury_after = await token_balance(anvil_w3, demo_token.address, demo_token.treasury)
    assert treasury_before - treasury_after == sum(owed)
    [run] = await store.run_summaries(db)
    assert (run.run.state, run.paid, run.paid_total) == ("finished", len(owed), sum(owed))
