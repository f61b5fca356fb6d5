"""Start and stop the bot: the database, the chat adapters, all in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bots.base import ChatAdapter
from microtasks.logs import log_event
from microtasks.settings import Adapter, Settings
from storage import schema
from storage.database import Database

logger = logging.getLogger("microtasks.runtime")


def build_adapters(settings: Settings, db: Database) -> list[ChatAdapter]:
    adapters: list[ChatAdapter] = []
    for name in settings.adapters:
        if name is Adapter.console:
            from bots.console.adapter import ConsoleAdapter

            adapters.append(ConsoleAdapter(settings, db))
    return adapters


async def serve(settings: Settings) -> None:
    """Run until every adapter has finished or SIGINT/SIGTERM arrives, then shut down cleanly."""
    await schema.ensure_current(settings.database_path, auto_upgrade=settings.auto_migrate)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    db = await Database.open(settings.database_path)
    try:
        adapters = build_adapters(settings, db)
        log_event(logger, "bot.started", adapters=",".join(a.name for a in adapters))
        runs = [asyncio.create_task(a.run(stop), name=f"adapter-{a.name}") for a in adapters]
        everyone = asyncio.gather(*runs, return_exceptions=True)
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait([everyone, stopper], return_when=asyncio.FIRST_COMPLETED)
        stop.set()
        outcomes = await everyone
        stopper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopper
        failures = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        if failures:
            raise failures[0]
    finally:
        await db.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        log_event(logger, "bot.stopped")
