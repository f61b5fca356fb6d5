"""The jobs, built from the settings and what the bot process has (its database, adapters)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from scheduler.activations import activate_and_announce
from scheduler.config import SchedulerConfig, SchedulerSettings
from scheduler.digest import send_daily_digest
from scheduler.notices import queue_notices
from scheduler.outlets import Announcer, ImageSender, Translate
from scheduler.payouts import pay_balances
from scheduler.reminders import remind_streaks
from scheduler.runner import Job, JobRunner, Run
from scheduler.schedule import Cron, Every
from scheduler.upkeep import tend_leases
from storage.database import Database

logger = logging.getLogger("microtasks.scheduler")

if TYPE_CHECKING:
    from wallet.payouts.service import PayoutSettings  # web3: only when the payout job runs

    class BotSettings(SchedulerSettings, PayoutSettings, Protocol):
        """The settings the bot's jobs read (microtasks.settings.Settings has them all)."""


@dataclass
class JobContext:
    db: Database
    config: SchedulerConfig
    translate: Translate  # the message catalogs, from the composition root
    payout_settings: PayoutSettings | None = None  # None: no payout job
    adapters: Sequence[object] = ()
    clock: Callable[[], float] = time.time
    mask: Callable[[list[str]], None] | None = None  # registers secrets the payout job loads
    announcers: list[Announcer] = field(init=False)
    image_senders: list[ImageSender] = field(init=False)

    def __post_init__(self) -> None:
        self.announcers = []
        for adapter in self.adapters:
            if not isinstance(adapter, Announcer):
                continue
            if getattr(adapter, "announces", True):
                self.announcers.append(adapter)
            else:  # no community channel set: announcing there is off, not an error each round
                logger.info(
                    "scheduler.announcements_off",
                    extra={"fields": {"platform": adapter.name, "reason": "no channel is set"}},
                )
        self.image_senders = [a for a in self.adapters if isinstance(a, ImageSender)]


def build_jobs(ctx: JobContext) -> list[Job]:
    c = ctx.config
    zone = c.timezone

    async def payouts(run: Run) -> str:
        assert ctx.payout_settings is not None
        return await pay_balances(ctx.payout_settings, ctx.db, clock=ctx.clock, mask=ctx.mask)

    async def activations(run: Run) -> str:
        return await activate_and_announce(
            ctx.db,
            ctx.announcers,
            clock=ctx.clock,
            language=c.community_language,
            translate=ctx.translate,
            attempts=c.announce_attempts,
        )

    async def notices(run: Run) -> str:
        return await queue_notices(ctx.db, clock=ctx.clock, per_minute=c.notify_per_minute)

    async def digest(run: Run) -> str:
        return await send_daily_digest(
            ctx.db,
            ctx.image_senders,
            translate=ctx.translate,
            clock=ctx.clock,
            timezone=zone,
            data_dir=c.data_dir,
            moderators=c.moderators,
            again=run.by_hand,
        )

    async def leases(run: Run) -> str:
        return await tend_leases(ctx.db, clock=ctx.clock, starved_after=c.starved_after_seconds)

    async def streaks(run: Run) -> str:
        return await remind_streaks(ctx.db, clock=ctx.clock)

    tick = Every(c.tick_seconds)
    jobs = [
        Job("activations", tick, activations, "activate scheduled batches and announce them"),
        Job("notices", tick, notices, "tell subscribers about new batches (rate-limited)"),
        Job("leases", tick, leases, "end expired leases, offer starved items again"),
        Job("digest", Cron(c.digest_cron, zone), digest, "moderators' daily digest", True),
        Job("streaks", Cron(c.streak_reminder_cron, zone), streaks, "opt-in streak reminders"),
    ]
    if ctx.payout_settings is not None:
        jobs.insert(
            0, Job("payouts", Cron(c.payouts_cron, zone), payouts, "pay owed balances", True)
        )
    return jobs


def runner_for(
    settings: BotSettings,
    db: Database,
    *,
    translate: Translate,
    adapters: Sequence[object] = (),
    clock: Callable[[], float] = time.time,
    mask: Callable[[list[str]], None] | None = None,
    redact: Callable[[str], str] = str,
    holder: str | None = None,
) -> JobRunner:
    """The job runner of a bot process (or of `microtasks jobs`) from its settings; `adapters`
    that can announce or send pictures (scheduler/outlets.py) are used for that."""
    config = SchedulerConfig.from_settings(settings)
    context = JobContext(db, config, translate, settings, adapters, clock, mask)
    return JobRunner(
        db,
        build_jobs(context),
        clock=clock,
        holder=holder,
        lock_seconds=config.lock_seconds,
        redact=redact,
    )
