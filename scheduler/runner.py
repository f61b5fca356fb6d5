"""Which jobs are due, and running each once: the part of the scheduler that owns the truth.

The database, not the process, remembers each job's schedule anchor and any run in progress,
so the answer to "is it due?" is the same after a restart and in every process sharing the
database. A scheduled run is claimed in one conditional write: when two processes (or two
wake-ups in one process) find the same run due, exactly one claims it. Runs missed while the bot
was down come due together and run once (coalesced). A run whose process died leaves a claim
that expires, and the run is done again by whoever looks next.

Jobs marked `leader_only` (payouts, the digest) run only in the process holding the leader
lock: a lock row with an expiry that its holder renews while it lives and anyone may take once it
has expired. The clock is injected, so tests move time by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from scheduler.schedule import Every, Schedule
from storage import scheduler as store
from storage.database import Database
from storage.scheduler import JobState

logger = logging.getLogger("microtasks.scheduler")
LEADER = "leader"


@dataclass(frozen=True)
class Run:
    """One run of a job: when it started, and whether an operator asked for it by hand."""

    job: str
    started_at: float
    by_hand: bool = False


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    work: Callable[[Run], Awaitable[str]]  # does the work; returns what it did, in words
    description: str
    leader_only: bool = False


@dataclass(frozen=True)
class Outcome:
    job: str
    ran: bool  # False: not due, running elsewhere, or not the leader
    ok: bool = True
    summary: str = ""


@dataclass(frozen=True)
class JobView:
    job: Job
    state: JobState
    next_run: float  # when it runs next (now, when it is due)
    running: bool


class UnknownJob(KeyError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(name)
        self.message = f"there is no job {name!r}; the jobs are {', '.join(known)}"

    def __str__(self) -> str:
        return self.message


def default_holder() -> str:
    """Names this process in the lock rows: host, pid and a random part (pids get reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobRunner:
    def __init__(
        self,
        db: Database,
        jobs: list[Job],
        *,
        clock: Callable[[], float] = time.time,
        holder: str | None = None,
        lock_seconds: float = 120.0,
        redact: Callable[[str], str] = str,
    ):
        self.db = db
        self.jobs = {job.name: job for job in jobs}
        self.clock = clock
        self.holder = holder or default_holder()
        self.lock_seconds = lock_seconds
        self.redact = redact  # masks secrets in a failed job's summary (stored and shown)
        self._prepared = False

    def job(self, name: str) -> Job:
        if name not in self.jobs:
            raise UnknownJob(name, sorted(self.jobs))
        return self.jobs[name]

    async def prepare(self) -> None:
        """Give every job its row; a job seen for the first time is first due on its schedule."""
        await store.ensure_jobs(self.db, self.jobs, self.clock())
        self._prepared = True

    async def _states(self) -> dict[str, JobState]:
        if not self._prepared:
            await self.prepare()
        return await store.job_states(self.db)

    def is_due(self, job: Job, state: JobState, now: float) -> bool:
        if state.running(now):
            return False
        return state.abandoned(now) or job.schedule.next_after(state.anchor) <= now

    async def due(self) -> list[str]:
        """The jobs due now (missed while down, or left unfinished by a dead process)."""
        states, now = await self._states(), self.clock()
        return [name for name, job in self.jobs.items() if self.is_due(job, states[name], now)]

    async def lead(self) -> bool:
        """Take or renew the leader lock; True while this process holds it."""
        now = self.clock()
        return await store.take_lock(self.db, LEADER, self.holder, now, now + self.lock_seconds)

    async def resign(self) -> None:
        await store.release_lock(self.db, LEADER, self.holder)

    async def run_due(self, name: str) -> Outcome:
        """Run `name` if it is due and nobody else runs it; the scheduled path."""
        job = self.job(name)
        state = (await self._states())[name]
        now = self.clock()
        if not self.is_due(job, state, now):
            return Outcome(name, ran=False, summary="not due")
        if job.leader_only and not await self.lead():
            return Outcome(name, ran=False, summary="another process leads")
        if not await self._claim(name, now, seen_anchor=state.anchor):
            return Outcome(name, ran=False, summary="claimed elsewhere")
        return await self._execute(job, Run(name, now))

    async def run_now(self, name: str) -> Outcome:
        """Run `name` now, whatever its schedule (an operator's request); the schedule stays."""
        job = self.job(name)
        await self._states()
        now = self.clock()
        if not await self._claim(name, now, seen_anchor=None):
            return Outcome(name, ran=False, ok=False, summary="running now in another process")
        return await self._execute(job, Run(name, now, by_hand=True))

    async def _claim(self, name: str, now: float, *, seen_anchor: float | None) -> bool:
        """Claim a run of `name` for this process, for `lock_seconds` from `now` (see
        storage/scheduler.py `claim_run`); False when another process holds it."""
        return await store.claim_run(
            self.db,
            name,
            holder=self.holder,
            now=now,
            until=now + self.lock_seconds,
            seen_anchor=seen_anchor,
        )

    async def tick(self) -> list[Outcome]:
        """Run, one after another, every job that is due now; what ran."""
        ran = []
        for name in await self.due():
            outcome = await self.run_due(name)
            if outcome.ran:
                ran.append(outcome)
        return ran

    async def overview(self) -> list[JobView]:
        states, now = await self._states(), self.clock()
        views = []
        for name, job in sorted(self.jobs.items()):
            state = states[name]
            due = self.is_due(job, state, now)
            next_run = now if due else job.schedule.next_after(state.anchor)
            views.append(JobView(job, state, next_run, state.running(now)))
        return views

    async def _execute(self, job: Job, run: Run) -> Outcome:
        logger.debug("scheduler.job_started", extra={"fields": {"job": job.name}})
        keeper = asyncio.create_task(self._keep_claim(job), name=f"claim-{job.name}")
        try:
            summary = await job.work(run)
            ok = True
        except asyncio.CancelledError:
            # Stopped mid-run: expire the claim now, so the next start runs it again at once.
            with contextlib.suppress(Exception):
                await store.renew_run(self.db, job.name, self.holder, until=0.0)
            raise
        except Exception as error:
            logger.exception("scheduler.job_failed", extra={"fields": {"job": job.name}})
            summary, ok = self.redact(f"{type(error).__name__}: {error}"), False
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        await store.finish_run(
            self.db, job.name, self.holder, now=self.clock(), ok=ok, summary=summary
        )
        frequent = isinstance(job.schedule, Every) and ok and not run.by_hand
        logger.log(
            logging.DEBUG if frequent else logging.INFO,  # the every-minute rounds stay quiet
            "scheduler.job_finished",
            extra={"fields": {"job": job.name, "ok": ok, "summary": summary}},
        )
        return Outcome(job.name, ran=True, ok=ok, summary=summary)

    async def _keep_claim(self, job: Job) -> None:
        """While a long run goes on, renew its claim (and the leader lock) before they expire."""
        while True:
            await asyncio.sleep(self.lock_seconds / 3)
            until = self.clock() + self.lock_seconds
            await store.renew_run(self.db, job.name, self.holder, until)
            if job.leader_only:
                await self.lead()
