"""The payout service: what the CLI and the scheduler call.

    async with open_payouts(settings, db) as payouts:
        preview = await payouts.preview()      # who would be paid what; can the treasury pay?
        with payouts.locked():                 # one payer per database, first write to last
            run = await payouts.start()        # the run, its payouts and debits: one transaction
            progress = await payouts.execute() # pay every open run to the end (resumes too)

`settings` is anything with the fields of microtasks.settings.Settings that payouts use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from storage import ledger
from storage import payouts as store
from storage.database import Database
from storage.payouts import EMBEDDED_PREFIX, Run
from tasks.rewards import DEFAULT_DECIMALS, to_units
from wallet.chain import Chain, ChainError, ChainOptions, connect_chain
from wallet.faults import crash_point
from wallet.payouts.broadcaster import log
from wallet.payouts.config import PayoutConfig
from wallet.payouts.lock import payout_lock
from wallet.payouts.planner import Preview, preview
from wallet.payouts.runner import PayoutRunner, Progress, ProgressFn
from wallet.treasury import Shortfall, Treasury, load_treasury


class PayoutSettings(Protocol):
    chain_rpc_url: Any
    chain_id: int
    token_address: str | None
    explorer_url: str | None
    payout_min: Decimal
    payout_run_cap: Decimal | None
    payout_confirmations: int
    payout_batch_size: int
    payout_tx_timeout: float
    treasury_key: Any
    treasury_keystore: Path | None
    treasury_keystore_password: Any


def _secret(value: Any) -> str | None:
    return None if value is None else value.get_secret_value()


def config_from(settings: PayoutSettings, decimals: int, **overrides: Any) -> PayoutConfig:
    cap = settings.payout_run_cap
    values: dict[str, Any] = {
        "minimum": to_units(settings.payout_min, decimals),
        "cap": None if cap is None else to_units(cap, decimals),
        "confirmations": settings.payout_confirmations,
        "batch_size": settings.payout_batch_size,
        "tx_timeout": settings.payout_tx_timeout,
    }
    values.update(overrides)
    return PayoutConfig(**values)


class Payouts:
    def __init__(
        self,
        db: Database,
        chain: Chain,
        treasury: Treasury,
        config: PayoutConfig,
        clock: Callable[[], float],
    ):
        self.db = db
        self.chain = chain
        self.treasury = treasury
        self.config = config
        self.clock = clock
        self._locked = False

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the database's payout lock (raises `PayoutsBusy` when another process holds
        it). `start()` and `execute()` take it themselves; hold it around both, so that no
        other process can come between a new run and its payment. Re-entrant."""
        if self._locked:
            yield
            return
        with payout_lock(self.db.path):
            self._locked = True
            try:
                yield
            finally:
                self._locked = False

    async def preview(self) -> Preview:
        return await preview(self.db, self.chain, self.treasury, self.config)

    def _finishes_here(self, run: Run) -> bool:
        """A run is finished on its own chain; an open run of an earlier embedded chain (gone
        with its process) is adopted by the current embedded chain."""
        if run.chain_key == self.chain.key:
            return True
        return self.chain.embedded and run.chain_key.startswith(EMBEDDED_PREFIX)

    async def open_runs(self) -> list[Run]:
        """The open runs `execute()` finishes on this chain (earlier embedded chains' too)."""
        return [run for run in await store.open_runs(self.db) if self._finishes_here(run)]

    async def open_elsewhere(self) -> list[Run]:
        """Open runs of another chain: only that chain (its settings) can finish them."""
        return [run for run in await store.open_runs(self.db) if not self._finishes_here(run)]

    async def start(self) -> Run | None:
        """Write a run from the balances as they are now: its payouts and their ledger debits in
        one transaction. None when nobody is owed. A treasury that cannot pay the whole plan
        stops it here, before anything is written; so does another process paying."""
        with self.locked():
            return await self._start()

    async def _start(self) -> Run | None:
        planned = await self.preview()
        if planned.shortfall:
            raise Shortfall(planned.shortfall)
        started = await store.start_run(
            self.db,
            chain_key=self.chain.key,
            sender=self.treasury.address,
            token=self.chain.token.ref,
            decimals=self.chain.token.decimals,
            minimum=self.config.minimum,
            cap=self.config.cap,
            now=self.clock(),
        )
        if started is None:
            return None
        run, chosen = started
        log(
            "payout.run_started",
            run=run.id,
            payouts=len(chosen),
            total=sum(c.amount for c in chosen),
        )
        crash_point("after_plan")
        return run

    async def execute(self, on_progress: ProgressFn | None = None) -> Progress:
        """Pay every open run on this chain to the end: first whatever is in flight (after a
        crash, from the database), then the queued payouts. On the embedded chain, open runs of
        earlier (vanished) embedded chains are adopted first: their unfinished transactions are
        abandoned and their payouts paid again here."""
        with self.locked():
            abandoned = 0
            if self.chain.embedded:
                abandoned = await self.db.write(
                    lambda raw: store.abandon_vanished_chains(raw, self.chain.key, self.clock())
                )
                if abandoned:
                    log("payout.embedded_abandoned", transactions=abandoned)
            await self._refuse_foreign_senders()
            runs = await self.open_runs()
            for run in runs:
                if run.token != self.chain.token.ref or run.decimals != self.chain.token.decimals:
                    raise ChainError(
                        f"run {run.id} pays in {run.token}, but TOKEN_ADDRESS now names "
                        f"{self.chain.token.ref}; set it back to finish run {run.id} first"
                    )
            runner = PayoutRunner(
                self.db,
                self.chain,
                self.treasury,
                self.config,
                clock=self.clock,
                on_progress=on_progress,
            )
            progress = await runner.run(runs)
            progress.abandoned = abandoned
            return progress

    async def pay(self, on_progress: ProgressFn | None = None) -> Progress:
        """The scheduled job: finish open runs (an earlier embedded chain's too), else start one
        from the balances and pay it; all under the payout lock."""
        with self.locked():
            if not await self.open_runs():
                await self.start()
            return await self.execute(on_progress)

    async def _refuse_foreign_senders(self) -> None:
        in_flight = await store.unresolved_txs(self.db, self.chain.key)
        others = sorted({tx.sender for tx in in_flight if tx.sender != self.treasury.address})
        if others:
            raise ChainError(
                f"transactions from {', '.join(others)} (an earlier treasury key) are still in "
                "flight on this chain; set that key again until `microtasks payouts run` has "
                "finished them"
            )


async def check_decimals(db: Database, chain: Chain) -> None:
    """The ledger counts in the token's smallest unit: its decimals must never change."""
    decimals = chain.token.decimals
    stored = await ledger.get_token_fact(db, "decimals")
    if stored is None:
        if decimals != DEFAULT_DECIMALS and not await store.ledger_is_empty(db):
            raise ChainError(
                f"the token has {decimals} decimals, but the ledger already holds amounts "
                f"counted with {DEFAULT_DECIMALS}; pay with a token of {DEFAULT_DECIMALS} "
                "decimals, or start from a new database"
            )
        await ledger.set_token_fact(db, "decimals", str(decimals))
    elif int(stored) != decimals:
        raise ChainError(
            f"the token has {decimals} decimals, but this database counts amounts with "
            f"{stored}; set TOKEN_ADDRESS to the token the ledger was kept in"
        )
    await ledger.set_token_fact(db, "symbol", chain.token.symbol)


@asynccontextmanager
async def open_payouts(
    settings: PayoutSettings,
    db: Database,
    *,
    clock: Callable[[], float] | None = None,
    mask: Callable[[list[str]], None] | None = None,
    **config_overrides: Any,
) -> AsyncIterator[Payouts]:
    """Load the treasury, connect the chain, check the token against the ledger."""
    import time

    treasury = load_treasury(
        key=_secret(settings.treasury_key),
        keystore=settings.treasury_keystore,
        password=_secret(settings.treasury_keystore_password),
        allow_random=not settings.chain_rpc_url,
        mask=mask,
    )
    options = ChainOptions(
        _secret(settings.chain_rpc_url),
        settings.chain_id,
        settings.token_address,
        settings.explorer_url,
    )
    chain = await connect_chain(options, treasury)
    try:
        await check_decimals(db, chain)
        config = config_from(settings, chain.token.decimals, **config_overrides)
        yield Payouts(db, chain, treasury, config, clock or time.time)
    finally:
        await chain.close()
