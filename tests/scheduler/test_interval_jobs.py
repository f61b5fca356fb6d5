"""An interval job runs at every wake-up that comes at or after its fire time, however late or
early the wake-ups come relative to each other; the trigger that wakes it fires on the same
times the database counts."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from scheduler.runner import Job, JobRunner, Run
from scheduler.schedule import Every
from storage.database import Database
from tests.clock import ManualClock
from tests.scheduler.conftest import at


def counting_job(seconds: float, runs: list[float]) -> Job:
    async def count(run: Run) -> str:
        runs.append(run.started_at)
        return f"run {len(runs)}"

    return Job("tick", Every(seconds), count, "a frequent round")


async def test_every_wake_up_at_or_after_the_fire_time_runs_the_job(
    db: Database, clock: ManualClock
) -> None:
    runs: list[float] = []
    start = at("2026-06-01 11:00")
    clock.now = start + 0.3  # the bot starts between two fire times
    bot = JobRunner(db, [counting_job(2, runs)], clock=clock)
    await bot.prepare()

    # Each wake-up comes this late after its fire time: some the next wake-up comes sooner after
    # the last one than the interval (2.4 then 4.0), which must not make the job wait a round.
    lateness = [0.4, 0.0, 0.3, 0.01, 0.2, 0.0, 0.35, 0.05, 0.0, 0.25]
    for n, late in enumerate(lateness, start=1):
        clock.now = start + 2 * n + late
        assert (await bot.run_due("tick")).ran, f"the wake-up at +{clock.now - start:.2f} s"

    gaps = [round(b - a, 2) for a, b in pairwise(runs)]
    assert len(runs) == 10 and max(gaps) < 2.5, gaps


async def test_a_wake_up_just_before_the_fire_time_waits_for_it_and_loses_no_run(
    db: Database, clock: ManualClock
) -> None:
    runs: list[float] = []
    start = at("2026-06-01 11:00")
    bot = JobRunner(db, [counting_job(2, runs)], clock=clock)
    await bot.prepare()

    clock.now = start + 1.999  # a heartbeat a moment early
    assert not (await bot.run_due("tick")).ran
    clock.now = start + 2.0
    assert (await bot.run_due("tick")).ran
    clock.now = start + 2.001  # a second wake-up of the same round
    assert not (await bot.run_due("tick")).ran
    clock.now = start + 3.998
    assert not (await bot.run_due("tick")).ran
    clock.now = start + 4.0
    assert (await bot.run_due("tick")).ran

    assert runs == [start + 2.0, start + 4.0]


def test_the_trigger_wakes_the_process_at_the_fire_times_the_database_counts() -> None:
    for seconds in (2, 60, 0.5, 7):
        every = Every(seconds)
        trigger = every.trigger()
        for moment in (at("2026-06-01 11:00"), at("2026-06-01 11:00:00.3"), 1_780_000_123.456):
            woken = trigger.get_next_fire_time(None, datetime.fromtimestamp(moment + 1e-6, UTC))
            assert woken is not None
            assert woken.timestamp() == every.next_after(moment), (seconds, moment)
