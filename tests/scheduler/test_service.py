"""APScheduler's AsyncIOScheduler in the bot's event loop: jobs registered from the settings, and
a run missed while the bot was down woken at once on start, and run once."""

from __future__ import annotations

import asyncio

from microtasks.settings import Settings
from scheduler.runner import Job, JobRunner, Run
from scheduler.schedule import Every
from scheduler.service import HEARTBEAT, scheduled
from storage.database import Database
from storage.scheduler import job_states, lock_holder
from tests.clock import ManualClock
from tests.scheduler.conftest import at, runner


async def test_a_missed_run_is_woken_at_start_and_runs_once(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    from apscheduler.events import EVENT_JOB_EXECUTED, JobExecutionEvent

    await runner(settings, db, clock).prepare()  # the bot ran at 11:00 and stopped
    clock.now = at("2026-06-03 19:00")  # two 18:00 reminders were missed
    bot = runner(settings, db, clock, holder="bot-1")
    finished: asyncio.Queue[str] = asyncio.Queue()

    def executed(event: JobExecutionEvent) -> None:
        finished.put_nowait(event.job_id)

    async with scheduled(bot) as service:
        assert service.apscheduler is not None
        service.apscheduler.add_listener(executed, EVENT_JOB_EXECUTED)
        woken = set()
        while "streaks" not in woken:
            woken.add(await asyncio.wait_for(finished.get(), timeout=10))
        states = await job_states(db)
        assert await lock_holder(db, "leader", clock.now) == "bot-1"

        jobs = {job.id: job for job in service.apscheduler.get_jobs()}
        assert set(jobs) == {*bot.jobs, HEARTBEAT}
        assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
        assert all(job.misfire_grace_time is None for job in jobs.values())
        assert str(jobs["payouts"].trigger) == str(bot.jobs["payouts"].schedule.trigger())

    streaks = states["streaks"]
    assert streaks.last_started_at == clock.now and streaks.last_outcome == "ok"
    assert streaks.anchor == clock.now  # both missed runs coalesced into this one
    assert await bot.due() == []
    assert await lock_holder(db, "leader", clock.now) is None  # given up on stop


async def test_a_job_stopped_mid_run_runs_again_on_the_next_start(
    db: Database, clock: ManualClock
) -> None:
    started = asyncio.Event()

    async def long_export(run: Run) -> str:
        started.set()
        await asyncio.Event().wait()  # still working when the bot stops
        return "exported"

    export = Job("export", Every(60), long_export, "a long export")
    bot = JobRunner(db, [export], clock=clock, holder="bot-1")
    await bot.prepare()
    clock.advance(61)

    async with scheduled(bot) as service:
        service.stop_grace = 0.01
        await asyncio.wait_for(started.wait(), timeout=10)
        assert (await job_states(db))["export"].running(clock.now)

    state = (await job_states(db))["export"]
    assert state.last_finished_at is None
    assert await JobRunner(db, [export], clock=clock, holder="bot-2").due() == ["export"]
