"""`microtasks jobs ...`: the scheduled jobs, when each runs next, and running one now."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from microtasks.cli_common import fail, plain_console, run_command, settings_or_exit
from microtasks.logs import mask_secrets, register_secrets
from microtasks.wiring import open_database, translate
from scheduler.runner import LEADER, JobRunner, Outcome, UnknownJob
from storage.database import Database

if TYPE_CHECKING:
    from microtasks.settings import Settings

jobs_app = typer.Typer(help="Scheduled jobs: list them, run one now.", no_args_is_help=True)
out = plain_console()


def _runner(settings: Settings, db: Database) -> JobRunner:
    from scheduler.jobs import runner_for

    return runner_for(settings, db, translate=translate, mask=register_secrets, redact=mask_secrets)


def _when(moment: float | None, zone: ZoneInfo) -> str:
    if moment is None:
        return "never"
    return datetime.fromtimestamp(moment, zone).strftime("%Y-%m-%d %H:%M:%S %Z")


@jobs_app.command("list")
def list_jobs() -> None:
    """Each job, its schedule, when it runs next and how its last run went."""
    settings = settings_or_exit()
    zone = ZoneInfo(settings.scheduler_timezone)

    async def main() -> tuple[list, str | None]:
        from storage import scheduler as store

        async with open_database(settings) as db:
            runner = _runner(settings, db)
            views = await runner.overview()
            return views, await store.lock_holder(db, LEADER, runner.clock())

    views, leader = run_command(main())
    table = Table(title="scheduled jobs")
    for column in ("job", "schedule", "next run", "last run", "outcome", "what it did"):
        table.add_column(column)
    for view in views:
        schedule = view.job.schedule.describe()
        if view.job.leader_only:
            schedule += ", leader only"
        next_run = "running now" if view.running else _when(view.next_run, zone)
        table.add_row(
            view.job.name,
            schedule,
            next_run,
            _when(view.state.last_started_at, zone),
            view.state.last_outcome or "",
            view.state.last_summary or "",
        )
    out.print(table)
    out.print(f"leader: {leader or 'none (no bot process is running the scheduler)'}")
    if not settings.scheduler_enabled:
        out.print("SCHEDULER_ENABLED is false: `microtasks run` does not run these jobs")


@jobs_app.command("run")
def run_job(name: Annotated[str, typer.Argument(help="the job to run, e.g. payouts")]) -> None:
    """Run one job now, whatever its schedule (its next scheduled run stays as it is)."""
    settings = settings_or_exit()

    async def main() -> Outcome:
        async with open_database(settings) as db:
            return await _runner(settings, db).run_now(name)

    try:
        outcome = run_command(main())
    except UnknownJob as unknown:
        fail(str(unknown))
    if not outcome.ran:
        print(f"microtasks: {name}: {outcome.summary}", file=sys.stderr)
        raise typer.Exit(1)
    if not outcome.ok:
        print(f"microtasks: {name} failed: {outcome.summary}", file=sys.stderr)
        raise typer.Exit(1)
    out.print(f"{name}: {outcome.summary}")
