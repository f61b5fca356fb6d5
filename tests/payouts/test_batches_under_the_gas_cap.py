"""A batch too big for one transaction's gas is split until every piece fits.

EIP-7825 caps a transaction at 2^24 gas; sending such transactions would make the test slow, so
the cap is lowered for the run (`batch_gas_cap`) to a size a few recipients already pass. The
estimate of each batch is what decides: a batch whose estimate (plus the gas limit's margin)
passes the cap is paid as two halves, and each half is checked again.
"""

from __future__ import annotations

from pathlib import Path

from eth_abi import decode
from web3 import AsyncWeb3

from storage import ledger
from storage import payouts as store
from storage.database import Database
from tests.payouts.conftest import TokenOnAnvil, crowd, token_balance, tokens
from wallet.payouts.runner import GAS_MARGIN
from wallet.payouts.service import open_payouts

CAP = 200_000  # gas; a DemoToken batch passes it from about five new holders on
OWED = [tokens(str(n)) for n in range(1, 10)]  # nine members, 1 to 9 tokens


async def test_a_batch_over_the_gas_cap_is_split_and_everyone_is_paid_once(
    db: Database, db_path: Path, demo_token: TokenOnAnvil, anvil_w3: AsyncWeb3
) -> None:
    chain_key = f"eip155:{demo_token.node.chain_id}"
    members = await crowd(db, demo_token.node.chain_id, OWED)
    treasury_before = await token_balance(anvil_w3, demo_token.address, demo_token.treasury)
    settings = demo_token.settings(db_path, payout_batch_size=50)

    async with open_payouts(settings, db, poll_interval=0.05, batch_gas_cap=CAP) as payouts:
        progress = await payouts.pay()

    batches = await store.txs_of(db, chain_key, "disperse")
    sizes = []
    for batch in batches:
        assert batch.state == "confirmed"
        assert batch.gas_used is not None and batch.gas_used * GAS_MARGIN <= CAP
        assert batch.gas_limit <= CAP
        sizes.append(len(decode(["address", "address[]", "uint256[]"], batch.data[4:])[1]))
    # All nine would fit one batch of 50; the cap made several, each of more than one member.
    assert len(batches) > 1 and all(size > 1 for size in sizes) and sum(sizes) == len(OWED)
    assert await store.txs_of(db, chain_key, "transfer") == []
    assert progress.paid == len(OWED)
    for member, units in zip(members, OWED, strict=True):
        assert await token_balance(anvil_w3, demo_token.address, member.address) == units
        assert await ledger.balance(db, member.profile_id) == 0
    treasury_after = await token_balance(anvil_w3, demo_token.address, demo_token.treasury)
    assert treasury_before - treasury_after == sum(OWED)
