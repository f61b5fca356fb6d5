"""Pay the open runs: resume what is in flight, then sign, store and send the queued payouts in
batches (one Disperse transaction per batch) or one transfer each, until every payout is paid
or re-credited.

A round: check the treasury's funds; make sure Disperse is deployed and approved (once); then for
each batch estimate its gas (too big for the EIP-7825 cap of 2^24: split it; reverts in the
estimate: its payouts go one transfer each; a transfer that reverts in the estimate is
re-credited), allocate a nonce, sign and commit, and broadcast. Then follow every transaction to
its outcome (wallet/payouts/confirmations.py) before the next round.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eth_utils import to_checksum_address

from storage import payouts as store
from storage.database import Database
from storage.payouts import NewTx, Outcome, Payout, Run
from wallet.chain import TX_GAS_CAP, Chain, ChainError, Fees
from wallet.faults import crash_point
from wallet.payouts import calldata
from wallet.payouts.broadcaster import Broadcaster, log
from wallet.payouts.config import PayoutConfig
from wallet.payouts.confirmations import Follower, refund_message
from wallet.payouts.planner import gas_guess
from wallet.treasury import Shortfall, Treasury, holdings, shortfall_message

if TYPE_CHECKING:
    from web3.types import TxParams

GAS_MARGIN = 1.2  # gas limit = estimate x this, so a small change of state cannot starve it


@dataclass
class Progress:
    """How far the runs being paid are: payouts in all, paid, re-credited."""

    total: int = 0
    paid: int = 0
    refunded: int = 0
    paid_units: int = 0
    transactions: int = 0
    finished_runs: list[int] = field(default_factory=list)
    abandoned: int = 0  # transactions left on an earlier embedded chain, their payouts re-paid

    @property
    def settled(self) -> int:
        return self.paid + self.refunded


ProgressFn = Callable[[Progress], None]


def gas_limit(estimate: int) -> int:
    return min(TX_GAS_CAP, math.ceil(estimate * GAS_MARGIN))


def _is_revert(error: Exception) -> bool:
    from web3.exceptions import ContractLogicError

    text = str(error).lower()
    return isinstance(error, ContractLogicError) or "revert" in text


def _too_big(error: Exception) -> bool:
    text = str(error).lower()
    return "gas" in text and ("exceed" in text or "allowance" in text or "limit" in text)


class PayoutRunner:
    def __init__(
        self,
        db: Database,
        chain: Chain,
        treasury: Treasury,
        config: PayoutConfig,
        *,
        clock: Callable[[], float] = time.time,
        on_progress: ProgressFn | None = None,
    ):
        self.db = db
        self.chain = chain
        self.treasury = treasury
        self.config = config
        self.clock = clock
        self.on_progress = on_progress
        self.progress = Progress()
        self.disperse: str | None = None
        self.broadcaster = Broadcaster(db, chain, treasury, clock)
        self.follower = Follower(
            db, chain, self.broadcaster, config, clock, on_outcomes=self._count
        )

    # Progress

    async def _start_progress(self, run_ids: Sequence[int]) -> None:
        for run_id in run_ids:
            for summary in await store.run_summaries(self.db, run_id):
                self.progress.total += summary.payouts
                self.progress.paid += summary.paid
                self.progress.refunded += summary.refunded
                self.progress.paid_units += summary.paid_total
        self._report()

    def _count(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            self.progress.paid += len(outcome.paid)
            self.progress.paid_units += sum(p.amount for p in outcome.paid)
            self.progress.refunded += len(outcome.refunded)
        self._report()

    def _report(self) -> None:
        if self.on_progress:
            self.on_progress(self.progress)

    # The loop

    async def run(self, runs: Sequence[Run]) -> Progress:
        """Pay these open runs to the end (resuming whatever a crash left in flight)."""
        run_ids = [run.id for run in runs]
        await self._start_progress(run_ids)
        await self.follower.settle()
        limit = self.config.max_in_flight * self.config.batch_size
        await self._refund_banned(run_ids)
        while queued := await store.queued_payouts(self.db, run_ids, limit):
            fees = await self.chain.fees()
            await self._check_funds(queued, run_ids, fees)
            batchable = [p for p in queued if not p.single] if self.config.batching else []
            if len(batchable) > 1:
                await self._ready_for_batches(batchable, run_ids, fees)
            await self._send_round(queued, fees)
            await self.follower.settle()
        self.progress.finished_runs = await store.finish_runs(self.db, self.clock())
        self._report()
        return self.progress

    async def _refund_banned(self, run_ids: Sequence[int]) -> None:
        """A member banned after the run was planned is not paid: their queued payouts go back
        to their balance (payouts already in a transaction cannot be called back)."""
        banned = await store.queued_for_banned(self.db, run_ids)
        if banned:
            refunded = await store.refund(
                self.db,
                banned,
                "the member is suspended",
                self.clock(),
                lambda p: refund_message(self.chain, p),
            )
            self.progress.refunded += len(refunded)
            log("payout.banned_refunded", payouts=len(refunded))

    async def _check_funds(self, queued: list[Payout], run_ids: Sequence[int], fees: Fees) -> None:
        tokens = sum(p.amount for p in queued) + await store.in_flight_total(self.db, run_ids)
        batched = sum(1 for p in queued if not p.single) if self.config.batching else 0
        gas = gas_guess(len(queued), batched if batched > 1 else 0, self.config, fees)
        have = await holdings(self.chain, self.treasury)
        missing = shortfall_message(self.chain, self.treasury, have, tokens, gas)
        if missing:
            raise Shortfall(missing)

    # Disperse: deployed once per chain and treasury, approved once per token

    async def _ready_for_batches(
        self, batchable: list[Payout], run_ids: Sequence[int], fees: Fees
    ) -> None:
        w3 = self.chain.w3
        sender = self.treasury.address
        disperse = await store.contract_address(self.db, self.chain.key, sender, calldata.DISPERSE)
        if disperse is None:
            code = calldata.deploy_disperse()
            estimate = await w3.eth.estimate_gas({"from": sender, "data": code})
            new = NewTx(
                "deploy", None, 0, code, gas_limit(estimate), contract_name=calldata.DISPERSE
            )
            await self.broadcaster.send_new(new, fees, await self.broadcaster.pending_nonce())
            await self.follower.settle()
            disperse = await store.contract_address(
                self.db, self.chain.key, sender, calldata.DISPERSE
            )
            if disperse is None or not await w3.eth.get_code(to_checksum_address(disperse)):
                raise ChainError(
                    "deploying the Disperse contract failed (its transaction reverted or was "
                    "replaced); set PAYOUT_BATCH_SIZE=1 to pay with single transfers"
                )
            log("payout.disperse_deployed", address=disperse)
        self.disperse = disperse
        token = self.chain.token.address
        if token is None:  # the chain's own coin: nothing to approve
            return
        need = sum(p.amount for p in batchable) + await store.in_flight_total(self.db, run_ids)
        if await self._allowance(token, disperse) >= need:
            return
        # One approval for good: Disperse only ever moves the caller's own tokens
        # (transferFrom(msg.sender, ...)), so only the treasury itself can spend it.
        data = calldata.approve(disperse, calldata.MAX_UINT256)
        estimate = await w3.eth.estimate_gas({"from": sender, "to": token, "data": data})
        new = NewTx("approve", token, 0, data, gas_limit(estimate))
        await self.broadcaster.send_new(new, fees, await self.broadcaster.pending_nonce())
        await self.follower.settle()
        if await self._allowance(token, disperse) < need:
            raise ChainError(
                f"approving Disperse ({disperse}) to move the treasury's tokens failed; set "
                "PAYOUT_BATCH_SIZE=1 to pay with single transfers"
            )
        log("payout.disperse_approved", spender=disperse)

    async def _allowance(self, token: str, spender: str) -> int:
        return await self.chain.call_uint(
            token,
            "allowance(address,address)",
            ["address", "address"],
            [self.treasury.address, spender],
        )

    # One round of transactions

    def _groups(self, queued: list[Payout]) -> deque[list[Payout]]:
        size = self.config.batch_size
        batchable = [p for p in queued if not p.single] if self.config.batching else []
        singles = [p for p in queued if p.single] if self.config.batching else queued
        groups = [batchable[i : i + size] for i in range(0, len(batchable), size)]
        return deque(groups + [[p] for p in singles])

    async def _send_round(self, queued: list[Payout], fees: Fees) -> None:
        floor = await self.broadcaster.pending_nonce()
        groups = self._groups(queued)
        sent = 0
        while groups and sent < self.config.max_in_flight:
            group = groups.popleft()
            new = await (self._batch(group, groups) if len(group) > 1 else self._single(group[0]))
            if new is None:
                continue
            if sent:
                crash_point("between_batches")
            await self.broadcaster.send_new(new, fees, floor)
            sent += 1
            self.progress.transactions += 1

    async def _estimate(self, to: str, value: int, data: bytes) -> int:
        from web3.types import Wei

        tx: TxParams = {"from": self.treasury.address, "to": to, "value": Wei(value), "data": data}
        return int(await self.chain.w3.eth.estimate_gas(tx))

    async def _batch(self, group: list[Payout], groups: deque[list[Payout]]) -> NewTx | None:
        recipients = [p.address for p in group]
        values = [p.amount for p in group]
        token = self.chain.token.address
        if token is None:  # the chain's own coin
            data, value = calldata.disperse_ether(recipients, values), sum(values)
        else:
            data, value = calldata.disperse_token(token, recipients, values), 0
        half = len(group) // 2
        assert self.disperse is not None
        try:
            estimate = await self._estimate(self.disperse, value, data)
        except Exception as error:
            if _is_revert(error):
                # Someone in the batch cannot be paid by it: pay each alone, so one bad
                # recipient holds up nobody else.
                log("payout.batch_refused", payouts=len(group), error=str(error)[:200])
                await store.mark_single(self.db, [p.id for p in group])
                groups.extendleft([p] for p in reversed(group))
                return None
            if _too_big(error):
                groups.extendleft([group[half:], group[:half]])
                return None
            raise
        if estimate * GAS_MARGIN > self.config.batch_gas_cap:
            # Over the cap (with the margin the gas limit adds): pay it as two halves.
            groups.extendleft([group[half:], group[:half]])
            return None
        return NewTx(
            "disperse", self.disperse, value, data, gas_limit(estimate), tuple(p.id for p in group)
        )

    async def _single(self, payout: Payout) -> NewTx | None:
        token = self.chain.token.address
        if token is None:  # the chain's own coin
            to, value, data = payout.address, payout.amount, b""
        else:
            to, value = token, 0
            data = calldata.transfer(payout.address, payout.amount)
        try:
            estimate = await self._estimate(to, value, data)
        except Exception as error:
            if not _is_revert(error):
                raise
            reason = f"the token refused a transfer to {payout.address}"
            log("payout.transfer_refused", payout=payout.id, error=str(error)[:200])
            refunded = await store.refund(
                self.db,
                [payout.id],
                reason,
                self.clock(),
                lambda p: refund_message(self.chain, p),
            )
            self.progress.refunded += len(refunded)
            self._report()
            return None
        return NewTx("transfer", to, value, data, gas_limit(estimate), (payout.id,))
