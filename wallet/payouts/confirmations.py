"""Follow unresolved transactions to a final outcome, by nonce rather than by one hash.

For each transaction that is signed, sent or mined (oldest nonce first), one pass does this:

1. Look up a receipt for every hash ever signed for its nonce. With a receipt at least
   `confirmations` blocks deep: status 1 means its payouts are paid (and their members told),
   status 0 means they go back to the queue (alone, or re-credited after repeated reverts).
   A shallower receipt is noted as `mined` and waited on.
2. Without a receipt: if the sender's nonce was used at a depth that counts, yet none of our
   hashes has a receipt, the nonce went to a transaction that is none of ours: `dropped`, and
   its payouts are re-queued (they provably were not paid under this nonce).
3. If the nonce is still free: the first time this process sees the transaction, make sure the
   node has it (re-broadcast the newest stored raw bytes if it knows none of our hashes); after
   `tx_timeout` seconds without being mined, replace it (same nonce, both fees raised).

All outcomes found in one pass are written in one database transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from eth_typing import HexStr

from storage import payouts as store
from storage.database import Database
from storage.payouts import Outcome, Payout, Tx
from tasks.rewards import format_amount
from wallet.chain import Chain
from wallet.faults import crash_point
from wallet.payouts.broadcaster import Broadcaster, Sent, log
from wallet.payouts.config import PayoutConfig

T = TypeVar("T")
LOOKUPS_AT_ONCE = 16


@dataclass(frozen=True)
class Receipt:
    hash: str
    block: int
    status: int
    gas_used: int


async def gather_limited(calls: Iterable[Awaitable[T]], limit: int = LOOKUPS_AT_ONCE) -> list[T]:
    gate = asyncio.Semaphore(limit)

    async def one(call: Awaitable[T]) -> T:
        async with gate:
            return await call

    return await asyncio.gather(*(one(call) for call in calls))


def paid_message(chain: Chain, tx_hash: str, payout: Payout) -> dict[str, Any]:
    """The `payout.paid` notification's parameters."""
    return {
        "amount": format_amount(payout.amount, chain.token.decimals),
        "token": chain.token.symbol,
        "tx_url": chain.tx_url(tx_hash),
    }


def refund_message(chain: Chain, payout: Payout) -> dict[str, Any]:
    """The `payout.refunded` notification's parameters."""
    return {
        "amount": format_amount(payout.amount, chain.token.decimals),
        "token": chain.token.symbol,
    }


class Follower:
    """Drives this sender's unresolved transactions to final outcomes."""

    def __init__(
        self,
        db: Database,
        chain: Chain,
        broadcaster: Broadcaster,
        config: PayoutConfig,
        clock: Callable[[], float] = time.time,
        on_outcomes: Callable[[list[Outcome]], None] | None = None,
    ):
        self.db = db
        self.chain = chain
        self.broadcaster = broadcaster
        self.sender = broadcaster.treasury.address
        self.config = config
        self.clock = clock
        self.on_outcomes = on_outcomes
        self._looked_at: set[int] = set()

    async def settle(self) -> None:
        """Return once every transaction of this sender on this chain is final."""
        while txs := await store.unresolved_txs(self.db, self.chain.key, self.sender):
            await self.follow_once(txs)
            if await store.unresolved_txs(self.db, self.chain.key, self.sender):
                await self._let_time_pass()

    async def _let_time_pass(self) -> None:
        if self.chain.embedded:
            await self.chain.produce_block()
        else:
            await asyncio.sleep(self.config.poll_interval)

    async def follow_once(self, txs: list[Tx]) -> list[Outcome]:
        w3 = self.chain.w3
        head = int(await w3.eth.block_number)
        receipts = await gather_limited(self._receipt(tx) for tx in txs)
        jobs: list[Callable[[sqlite3.Connection], Outcome]] = []
        waiting: list[Tx] = []
        for tx, receipt in zip(txs, receipts, strict=True):
            if receipt is None:
                if tx.state == "mined":
                    await store.record_unmined(self.db, tx.id)  # a reorganisation took it
                waiting.append(tx)
            elif head - receipt.block + 1 >= self.config.depth:
                jobs.append(self._final(tx, receipt))
            elif tx.state != "mined" or tx.mined_hash != receipt.hash:
                await store.record_mined(self.db, tx.id, receipt.hash, receipt.block, self.clock())
        if waiting:
            jobs.extend(await self._chase(waiting, head))
        if not jobs:
            return []
        crash_point("before_receipt")
        outcomes = await store.record_outcomes(self.db, jobs)
        for outcome in outcomes:
            log(
                "payout.tx_final",
                tx=outcome.tx_id,
                state=outcome.state,
                paid=len(outcome.paid),
                requeued=len(outcome.requeued),
                refunded=len(outcome.refunded),
            )
        if self.on_outcomes:
            self.on_outcomes(outcomes)
        return outcomes

    async def _receipt(self, tx: Tx) -> Receipt | None:
        from web3.exceptions import TransactionNotFound

        hashes = list(reversed(tx.hashes))
        if tx.mined_hash in hashes:
            hashes.remove(tx.mined_hash)
            hashes.insert(0, tx.mined_hash)
        for tx_hash in hashes:
            try:
                found = await self.chain.w3.eth.get_transaction_receipt(HexStr(tx_hash))
            except TransactionNotFound:
                continue
            if found is None or found.get("blockNumber") is None:
                continue
            return Receipt(
                tx_hash, int(found["blockNumber"]), int(found["status"]), int(found["gasUsed"])
            )
        return None

    def _final(self, tx: Tx, receipt: Receipt) -> Callable[[sqlite3.Connection], Outcome]:
        now = self.clock()
        if receipt.status == 1:
            return partial(
                store.confirm,
                tx_id=tx.id,
                tx_hash=receipt.hash,
                block=receipt.block,
                gas_used=receipt.gas_used,
                now=now,
                message=partial(paid_message, self.chain, receipt.hash),
            )
        return partial(
            store.fail,
            tx_id=tx.id,
            state="reverted",
            now=now,
            max_attempts=self.config.max_attempts,
            message=partial(refund_message, self.chain),
            tx_hash=receipt.hash,
            block=receipt.block,
            gas_used=receipt.gas_used,
        )

    async def _chase(
        self, txs: list[Tx], head: int
    ) -> list[Callable[[sqlite3.Connection], Outcome]]:
        """Transactions without a receipt: is their nonce used by someone else, still free (then
        keep our version in front of the node), or used too recently to tell?"""
        eth = self.chain.w3.eth
        deep_block = max(head - self.config.depth + 1, 0)
        used_deep = int(await eth.get_transaction_count(self.sender, deep_block))
        used_now = int(await eth.get_transaction_count(self.sender, "latest"))
        jobs: list[Callable[[sqlite3.Connection], Outcome]] = []
        for tx in txs:
            first_look = tx.id not in self._looked_at
            self._looked_at.add(tx.id)
            if tx.nonce < used_deep:
                # Used at a depth that counts. Ask again for receipts (one of ours may have been
                # mined since the first lookup); if none, the nonce went to something else.
                if await self._receipt(tx) is None:
                    log("payout.nonce_taken", nonce=tx.nonce, hashes=len(tx.versions))
                    jobs.append(
                        partial(
                            store.fail,
                            tx_id=tx.id,
                            state="dropped",
                            now=self.clock(),
                            max_attempts=self.config.max_attempts,
                            message=partial(refund_message, self.chain),
                        )
                    )
                continue
            if tx.nonce < used_now:
                continue  # used in a block too recent to count: look again later
            if first_look or tx.state in ("signed", "mined"):
                # Never looked at, never sent, or mined in a block a reorganisation took: make
                # sure the node has the same transaction now (same nonce, same fees); a fee bump
                # only after the timeout below.
                await self._keep_in_front(tx)
                continue
            waited = self.clock() - (tx.newest.sent_at or tx.newest.signed_at)
            if waited > self.config.tx_timeout:
                await self.broadcaster.replace(tx)
        return jobs

    async def _keep_in_front(self, tx: Tx) -> None:
        """The node must have one of our versions: if it knows none, send the newest stored
        raw bytes again (the same bytes, so the same hash)."""
        if await self._node_knows(tx):
            return
        log("payout.tx_resent", nonce=tx.nonce, hash=tx.newest.hash)
        if await self.broadcaster.broadcast(tx, tx.newest) is Sent.underpriced:
            await self.broadcaster.replace(tx)

    async def _node_knows(self, tx: Tx) -> bool:
        from web3.exceptions import TransactionNotFound

        for tx_hash in reversed(tx.hashes):
            try:
                await self.chain.w3.eth.get_transaction(HexStr(tx_hash))
            except TransactionNotFound:
                continue
            return True
        return False
