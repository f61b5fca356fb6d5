"""What a run would pay, and whether the treasury can afford it, before anything is written."""

from __future__ import annotations

import math
from dataclasses import dataclass

from storage import payouts as store
from storage.database import Database
from storage.payouts import Candidate
from wallet.chain import Chain, Fees
from wallet.payouts.config import PayoutConfig
from wallet.treasury import Holdings, Treasury, holdings, shortfall_message

# Gas guesses for the funds check, on the high side of what anvil measures (docs/benchmarks.md):
# a transaction's own cost (a transfer to a new holder is about 52k), each recipient in a batch
# (about 27k for a new holder), and deploying Disperse plus one approve.
GAS_PER_TX = 60_000
GAS_PER_BATCHED_RECIPIENT = 32_000
GAS_FOR_SETUP = 700_000


@dataclass(frozen=True)
class Preview:
    candidates: list[Candidate]
    total: int  # units the run would pay
    holdings: Holdings
    gas_guess: int  # wei the run's transactions would cost, about
    shortfall: str | None  # what is missing, or None


def gas_guess(recipients: int, batched: int, config: PayoutConfig, fees: Fees) -> int:
    """About how much gas (in wei, at today's fees) paying these recipients costs."""
    singles = recipients - batched
    txs = math.ceil(batched / config.batch_size) + singles
    units = txs * GAS_PER_TX + batched * GAS_PER_BATCHED_RECIPIENT
    if batched:
        units += GAS_FOR_SETUP
    return units * fees.max_fee


async def preview(db: Database, chain: Chain, treasury: Treasury, config: PayoutConfig) -> Preview:
    chosen = await store.plan(db, config.minimum, config.cap)
    total = sum(candidate.amount for candidate in chosen)
    batched = len(chosen) if config.batching and len(chosen) > 1 else 0
    gas = gas_guess(len(chosen), batched, config, await chain.fees()) if chosen else 0
    have = await holdings(chain, treasury)
    missing = shortfall_message(chain, treasury, have, total, gas) if chosen else None
    return Preview(chosen, total, have, gas, missing)
