"""APScheduler 3's AsyncIOScheduler in the bot's event loop, waking the jobs of a `JobRunner`.

APScheduler decides when to wake (each job's cron or interval trigger, coalesced, never two
instances of a job at once, no misfire limit: a late run still runs, once). The runner decides,
from the database, whether a job is really due and claims it, so a wake-up too many does
nothing. On start, a job the database says is due (missed while the bot was down, or left
unfinished by a process that died) is woken at once. A heartbeat renews the leader lock and
wakes any job that became due another way (the leader died and its runs fall to this process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from scheduler.runner import JobRunner

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

logger = logging.getLogger("microtasks.scheduler")
HEARTBEAT = "heartbeat"


class SchedulerService:
    def __init__(self, runner: JobRunner, *, timezone: str = "UTC", stop_grace: float = 10.0):
        self.runner = runner
        self.zone = ZoneInfo(timezone)
        self.stop_grace = stop_grace
        self.apscheduler: AsyncIOScheduler | None = None
        self._running: dict[asyncio.Task[object], str] = {}  # jobs running here, by task

    async def start(self) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        await self.runner.prepare()
        missed = set(await self.runner.due())
        scheduler = AsyncIOScheduler(
            timezone=self.zone,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = datetime.now(self.zone)
        for job in self.runner.jobs.values():
            extra = {"next_run_time": now} if job.name in missed else {}
            scheduler.add_job(
                self._wake,
                trigger=job.schedule.trigger(),
                args=[job.name],
                id=job.name,
                name=job.description,
                **extra,
            )
        scheduler.add_job(
            self._heartbeat,
            trigger=IntervalTrigger(seconds=self.runner.lock_seconds / 3),
            id=HEARTBEAT,
            name="renew the leader lock, wake jobs that fell due",
            next_run_time=now,
        )
        scheduler.start()
        self.apscheduler = scheduler
        logger.info(
            "scheduler.started",
            extra={"fields": {"jobs": ",".join(self.runner.jobs), "missed": ",".join(missed)}},
        )

    async def stop(self) -> None:
        """Let running jobs finish for a few seconds, then cancel them (an unfinished run is
        run again on the next start) and give up the leader lock."""
        if self.apscheduler is None:
            return
        self.apscheduler.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=self.stop_grace)
        for task in set(self._running):
            task.cancel()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        self.apscheduler.shutdown(wait=False)
        self.apscheduler = None
        with contextlib.suppress(Exception):
            await self.runner.resign()
        logger.info("scheduler.stopped")

    def next_runs(self) -> dict[str, datetime | None]:
        if self.apscheduler is None:
            return {}
        return {job.id: job.next_run_time for job in self.apscheduler.get_jobs()}

    async def _wake(self, name: str) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running[task] = name
        try:
            await self.runner.run_due(name)
        except asyncio.CancelledError:
            pass  # stopped by shutdown: the run is taken up again on the next start
        except Exception:
            logger.exception("scheduler.wake_failed", extra={"fields": {"job": name}})
        finally:
            self._running.pop(task, None)

    async def _heartbeat(self) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._running[task] = HEARTBEAT  # so that stopping waits for it too
        try:
            await self.runner.lead()
            due = await self.runner.due()
        except asyncio.CancelledError:
            return  # stopped by shutdown
        except Exception:
            logger.exception("scheduler.heartbeat_failed")
            return
        finally:
            self._running.pop(task, None)
        if self.apscheduler is None:
            return
        now = datetime.now(self.zone)
        for name in set(due) - set(self._running.values()):
            self.apscheduler.modify_job(name, next_run_time=now)


@asynccontextmanager
async def scheduled(runner: JobRunner, *, timezone: str = "UTC") -> AsyncIterator[SchedulerService]:
    """The scheduler running in this event loop for the duration of the block."""
    service = SchedulerService(runner, timezone=timezone)
    await service.start()
    try:
        yield service
    finally:
        await service.stop()
