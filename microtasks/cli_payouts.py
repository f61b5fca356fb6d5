"""`microtasks payouts ...`: plan, run and follow token payouts (docs/payouts.md)."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import click
import typer
from rich.table import Table
from rich.text import Text

from microtasks.cli_common import (
    EXIT_UNREACHABLE,
    fail,
    plain_console,
    run_command,
    settings_or_exit,
)
from microtasks.logs import mask_secrets, register_secrets
from microtasks.wiring import open_database
from storage import ledger
from storage import payouts as store
from storage.database import Database
from tasks.problems import counted
from tasks.rewards import format_amount

if TYPE_CHECKING:
    from microtasks.settings import Settings
    from wallet.payouts.planner import Preview
    from wallet.payouts.runner import Progress
    from wallet.payouts.service import Payouts

T = TypeVar("T")
EXIT_FAILED = 1
payouts_app = typer.Typer(
    help="Token payouts: who is owed what, pay them on chain, follow the runs.",
    no_args_is_help=True,
)
out = plain_console()


logger = logging.getLogger("microtasks.payouts")


def stop(message: str) -> NoReturn:
    """A payout that cannot go ahead now (funds, another run): one line and exit status 1."""
    print(f"microtasks: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_FAILED)


def unreachable_node(error: Exception) -> NoReturn:
    """The node could not be reached (`error`, a NodeUnreachable, says so): one line and exit
    status 3, whatever call it was."""
    print(mask_secrets(f"microtasks: payouts stopped: {error}"), file=sys.stderr)
    raise typer.Exit(EXIT_UNREACHABLE)


@asynccontextmanager
async def payouts_of(settings: Settings, db: Database) -> AsyncIterator[Payouts]:
    from wallet.chain import ChainError
    from wallet.payouts.service import open_payouts
    from wallet.treasury import TreasuryError

    async with AsyncExitStack() as opened:
        try:  # a setting to fix: exit status 2; what fails later is a stop (1) or the node (3)
            payouts = await opened.enter_async_context(
                open_payouts(settings, db, mask=register_secrets)
            )
        except (ChainError, TreasuryError) as error:
            fail(str(error))
        yield payouts


def with_payouts(work: Callable[[Payouts], Awaitable[T]]) -> T:
    from wallet.chain import ChainError, NodeUnreachable, node_unreachable, unreachable
    from wallet.payouts.lock import PayoutsBusy
    from wallet.treasury import Shortfall

    settings = settings_or_exit()

    async def main() -> T:
        async with open_database(settings) as db, payouts_of(settings, db) as payouts:
            return await work(payouts)

    try:
        return run_command(main())
    except (Shortfall, PayoutsBusy) as error:
        stop(str(error))
    except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.ClickException):
        raise
    except NodeUnreachable as error:
        logger.warning("payouts.node_unreachable")
        unreachable_node(error)
    except ChainError as error:  # the node's own answer (a refusal): said as it is, no trace
        logger.warning("payouts.refused", extra={"fields": {"error": str(error)}})
        stop(mask_secrets(f"payouts stopped: {error}"))
    except Exception as error:  # a node or network failure mid-way: one masked line, not a trace
        if unreachable(error):
            logger.warning("payouts.node_unreachable")
            unreachable_node(node_unreachable(type(error).__name__))
        logger.exception("payouts.failed")  # the log formatter masks secrets, the URL included
        stop(
            mask_secrets(f"payouts stopped: {type(error).__name__}: {error}")
            + "; what was written is kept, and `microtasks payouts run` carries on from there"
        )


def plan_table(preview: Preview, payouts: Payouts) -> Table:
    token = payouts.chain.token
    table = Table(title=f"Payouts owed now ({token.symbol}, {token.ref})")
    table.add_column("member")
    table.add_column("wallet")
    table.add_column("balance", justify="right")
    table.add_column("to pay", justify="right")
    for candidate in preview.candidates:
        table.add_row(
            candidate.display_name or f"#{candidate.profile_id}",
            candidate.address,
            format_amount(candidate.balance, token.decimals),
            format_amount(candidate.amount, token.decimals),
        )
    return table


def print_plan(preview: Preview, payouts: Payouts) -> None:
    token = payouts.chain.token
    config = payouts.config
    if not preview.candidates:
        out.print(
            f"Nobody is owed a payout: no linked wallet holds a balance of at least "
            f"{format_amount(max(config.minimum, 1), token.decimals)} {token.symbol}."
        )
        return
    out.print(plan_table(preview, payouts))
    cap = "none" if config.cap is None else format_amount(config.cap, token.decimals)
    out.print(
        f"total: {_members(len(preview.candidates))}, "
        f"{format_amount(preview.total, token.decimals)} {token.symbol} "
        f"(minimum {format_amount(config.minimum, token.decimals)}, cap per run {cap})"
    )
    out.print(
        f"treasury {payouts.treasury.address}: "
        f"{format_amount(preview.holdings.tokens, token.decimals)} {token.symbol}, "
        f"{format_amount(preview.holdings.gas, 18)} for gas (this run needs about "
        f"{format_amount(preview.gas_guess, 18)})"
    )
    if preview.shortfall:
        out.print(Text.assemble(("cannot pay:", "bold red"), f" {preview.shortfall}"))


@payouts_app.command("plan")
def plan() -> None:
    """Who would be paid what now (balances at or above the minimum, with a linked wallet)."""

    async def work(payouts: Payouts) -> None:
        print_plan(await payouts.preview(), payouts)

    with_payouts(work)


async def pay_with_progress(payouts: Payouts) -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as ProgressBar  # not the payouts' own `Progress`

    with ProgressBar(
        TextColumn("paying"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[txs]}"),
        console=out,
        transient=False,
    ) as bar:
        task = bar.add_task("pay", total=None, txs=_transactions(0))

        def show(progress: Progress) -> None:
            bar.update(
                task,
                total=progress.total or None,
                completed=progress.settled,
                txs=_transactions(progress.transactions),
            )

        return await payouts.execute(on_progress=show)


def print_outcome(progress: Progress, payouts: Payouts) -> None:
    token = payouts.chain.token
    if progress.abandoned:
        out.print(
            f"abandoned {_transactions(progress.abandoned)} left unfinished on an earlier "
            "embedded chain (it ended with its process); their payouts are paid on this chain"
        )
    out.print(
        f"paid {progress.paid} of {counted(progress.total, 'payout', 'payouts')}, "
        f"{format_amount(progress.paid_units, token.decimals)} {token.symbol}, "
        f"in {_transactions(progress.transactions)}"
        + (f"; {progress.refunded} returned to their balances" if progress.refunded else "")
    )
    for run_id in progress.finished_runs:
        out.print(f"run {run_id} finished")


def elsewhere_note(run: store.Run) -> str:
    if run.chain_key.startswith(store.EMBEDDED_PREFIX):
        return (
            f"run {run.id} is still open on the embedded chain: run `microtasks payouts run` "
            "without CHAIN_RPC_URL to finish it (on a new embedded chain)"
        )
    return (
        f"run {run.id} is still open on chain {run.chain_key}: set CHAIN_RPC_URL and CHAIN_ID "
        "to that chain again and run `microtasks payouts run` to finish it"
    )


@payouts_app.command("run")
def run(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="show what would be paid; write and send nothing")
    ] = False,
) -> None:
    """Pay everyone owed (finishing any run a crash left open first)."""

    async def work(payouts: Payouts) -> None:
        for other in await payouts.open_elsewhere():
            out.print(elsewhere_note(other))
        if dry_run:
            unfinished = await payouts.open_runs()
            if unfinished:
                out.print(f"{_open_runs(unfinished)} would be finished first")
            print_plan(await payouts.preview(), payouts)
            out.print("dry run: nothing was written or sent")
            return
        # One lock from the first write to the last: no other process can come between.
        with payouts.locked():
            await pay_owed(payouts)

    async def pay_owed(payouts: Payouts) -> None:
        unfinished = await payouts.open_runs()
        if unfinished:
            out.print(f"finishing {_open_runs(unfinished)} first")
            print_outcome(await pay_with_progress(payouts), payouts)
        preview = await payouts.preview()
        print_plan(preview, payouts)
        if not preview.candidates:
            return
        if preview.shortfall:
            stop(preview.shortfall)
        if not yes and not typer.confirm(
            f"Pay {_members(len(preview.candidates))} now?", default=False
        ):
            out.print("nothing was paid")
            return
        started = await payouts.start()
        if started is None:
            out.print("nothing is owed any more; nothing was paid")
            return
        out.print(f"run {started.id} started")
        print_outcome(await pay_with_progress(payouts), payouts)

    with_payouts(work)


@payouts_app.command("status")
def status(
    run_id: Annotated[int | None, typer.Argument(metavar="[RUN]", help="one run in detail")] = None,
) -> None:
    """Recent payout runs, or one run's payouts with their transactions."""
    settings = settings_or_exit()

    async def main() -> None:
        async with open_database(settings) as db:
            symbol = await ledger.get_token_fact(db, "symbol") or "tokens"
            summaries = await store.run_summaries(db, run_id)
            if run_id is not None and not summaries:
                fail(f"no payout run {run_id}; `microtasks payouts status` lists the runs")
            if not summaries:
                out.print("No payout runs yet: `microtasks payouts plan` shows who is owed.")
                return
            out.print(runs_table(summaries, symbol))
            if run_id is not None:
                out.print(lines_table(await store.run_lines(db, run_id), summaries[0], symbol))

    run_command(main())


def runs_table(summaries: list[store.RunSummary], symbol: str) -> Table:
    table = Table(title="Payout runs")
    for name in ("run", "state", "started", "payouts", "paid", "in flight", "queued", "returned"):
        table.add_column(name, justify="right" if name != "state" else "left")
    table.add_column(f"paid {symbol}", justify="right")
    table.add_column(f"total {symbol}", justify="right")
    for s in summaries:
        run = s.run
        table.add_row(
            str(run.id),
            run.state,
            _when(run.created_at),
            str(s.payouts),
            str(s.paid),
            str(s.in_flight),
            str(s.queued),
            str(s.refunded),
            format_amount(s.paid_total, run.decimals),
            format_amount(s.total, run.decimals),
        )
    return table


def lines_table(lines: list[store.PayoutLine], summary: store.RunSummary, symbol: str) -> Table:
    table = Table(title=f"Run {summary.run.id}: payouts")
    table.add_column("member")
    table.add_column("wallet")
    table.add_column(symbol, justify="right")
    table.add_column("state")
    table.add_column("transaction")
    for line in lines:
        p = line.payout
        state = p.state if not p.reason else f"{p.state} ({p.reason})"
        table.add_row(
            line.display_name or f"#{p.profile_id}",
            p.address,
            format_amount(p.amount, summary.run.decimals),
            state,
            line.tx_hash or "",
        )
    return table


def _when(timestamp: float) -> str:
    import datetime

    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _ids(runs: list[store.Run]) -> str:
    return ", ".join(str(run.id) for run in runs)


def _transactions(count: int) -> str:
    return counted(count, "transaction", "transactions")


def _open_runs(runs: list[store.Run]) -> str:
    return ("open run " if len(runs) == 1 else "open runs ") + _ids(runs)


def _members(count: int) -> str:
    return counted(count, "member", "members")
