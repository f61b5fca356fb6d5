"""The scheduled payout: finish any open run, else start one from the balances, and pay it.

Everything about paying exactly once lives in the payout service (wallet/payouts); this job only
decides when, and the runner makes sure one process at a time, once per scheduled time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from storage.database import Database

if TYPE_CHECKING:
    from wallet.payouts.service import PayoutSettings


async def pay_balances(
    settings: PayoutSettings,
    db: Database,
    *,
    clock: Callable[[], float],
    mask: Callable[[list[str]], None] | None = None,
) -> str:
    from wallet.payouts.service import open_payouts  # loads web3

    async with open_payouts(settings, db, clock=clock, mask=mask) as payouts:
        progress = await payouts.pay()
    if not progress.total:
        return "nobody is owed a payout"
    return (
        f"payouts {progress.total}: paid {progress.paid}, re-credited {progress.refunded}, "
        f"transactions {progress.transactions}, runs finished {progress.finished_runs}"
    )
