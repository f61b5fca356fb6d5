"""Start and stop the bot: the database, the chat adapters, all in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bots.base import ChatAdapter
from bots.console.adapter import ConsoleAdapter
from bots.conversation.core import Conversation
from microtasks.logs import log_event
from microtasks.settings import Adapter, Settings
from microtasks.wiring import (
    build_conversation,
    load_sample_batches,
    open_database,
    record_embedded_token,
)
from storage.database import Database, DatabaseLost

logger = logging.getLogger("microtasks.runtime")


def build_adapters(settings: Settings, conversation: Conversation) -> list[ChatAdapter]:
    adapters: list[ChatAdapter] = []
    for name in settings.adapters:
        if name is Adapter.console:
            adapters.append(ConsoleAdapter(conversation, settings.data_dir))
        elif name is Adapter.telegram:
            from bots.telegram.adapter import TelegramAdapter  # loads python-telegram-bot
            from bots.telegram.config import TelegramConfig

            adapters.append(TelegramAdapter(conversation, TelegramConfig.from_settings(settings)))
        elif name is Adapter.discord:
            from bots.discord.adapter import DiscordAdapter  # loads discord.py
            from bots.discord.config import DiscordConfig

            adapters.append(DiscordAdapter(conversation, DiscordConfig.from_settings(settings)))
    return adapters


async def all_ready(adapters: list[ChatAdapter]) -> None:
    """Until every adapter serves: those with a `ready` event (Telegram, once its token is
    accepted and updates arrive) when it is set, the others at once."""
    for adapter in adapters:
        ready = getattr(adapter, "ready", None)
        if ready is not None:
            await ready.wait()


async def run_adapters(adapters: list[ChatAdapter]) -> None:
    """Run until every adapter has finished or SIGINT/SIGTERM arrives, then stop them all."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        runs = [asyncio.create_task(a.run(stop), name=f"adapter-{a.name}") for a in adapters]
        everyone = asyncio.gather(*runs, return_exceptions=True)
        stopper = asyncio.create_task(stop.wait())
        readiness = asyncio.create_task(all_ready(adapters))
        ending: list[asyncio.Future[Any]] = [everyone, stopper]  # either one ends the run
        done, _ = await asyncio.wait([*ending, readiness], return_when=asyncio.FIRST_COMPLETED)
        if readiness in done:  # said only once every adapter serves (a token was accepted)
            log_event(logger, "bot.started", adapters=",".join(a.name for a in adapters))
            await asyncio.wait(ending, return_when=asyncio.FIRST_COMPLETED)
        readiness.cancel()
        stop.set()
        outcomes = await everyone
        stopper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopper
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise failures[0]
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        log_event(logger, "bot.stopped")


@contextlib.asynccontextmanager
async def scheduled_jobs(
    settings: Settings, db: Database, adapters: list[ChatAdapter]
) -> AsyncIterator[None]:
    """The scheduled jobs (docs/scheduler.md) run beside the adapters, unless turned off."""
    if not settings.scheduler_enabled:
        yield
        return
    from microtasks.logs import mask_secrets, register_secrets
    from microtasks.wiring import translate
    from scheduler.jobs import runner_for
    from scheduler.service import scheduled

    runner = runner_for(
        settings,
        db,
        translate=translate,
        adapters=adapters,
        mask=register_secrets,
        redact=mask_secrets,
    )
    async with scheduled(runner, timezone=settings.scheduler_timezone):
        yield


def warn_if_unwritable(data_dir: Path) -> None:
    """A warning at start when DATA_DIR cannot be written: voice notes and exports need it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=data_dir):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        log_event(logger, "data_dir.not_writable", logging.WARNING, path=data_dir, error=reason)


async def serve(settings: Settings) -> None:
    """`microtasks run`: every configured adapter on one database."""
    warn_if_unwritable(settings.data_dir)
    async with open_database(settings, create=True) as db:
        await record_embedded_token(settings, db)
        conversation = build_conversation(settings, db)
        await load_sample_batches(settings, conversation.services)
        adapters = build_adapters(settings, conversation)
        async with scheduled_jobs(settings, db, adapters):
            await run_adapters(adapters)
        if db.lost is not None:
            raise DatabaseLost(db.lost)


async def chat(settings: Settings, *, user: str, moderator: bool, language: str | None) -> None:
    """`microtasks chat`: the console chat alone, as one named person."""
    async with open_database(settings, create=True) as db:
        await record_embedded_token(settings, db)
        conversation = build_conversation(settings, db)
        await load_sample_batches(settings, conversation.services)
        console = ConsoleAdapter(
            conversation, settings.data_dir, user=user, moderator=moderator, language=language
        )
        await run_adapters([console])
        if db.lost is not None:
            raise DatabaseLost(db.lost)
