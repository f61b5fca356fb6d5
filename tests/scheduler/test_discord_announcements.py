"""A Discord bot with no announcement channel announces nothing, and says so once at start."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from bots.discord.adapter import DiscordAdapter
from bots.discord.config import DiscordConfig
from microtasks.settings import Settings
from microtasks.wiring import build_conversation
from storage.database import Database
from tasks.batches import BatchService
from tests.clock import ManualClock
from tests.discord.conftest import WATCHED
from tests.scheduler.conftest import at, runner
from tests.support.discord_harness import DiscordHarness
from tests.tasks.builders import draft


async def test_without_an_announcement_channel_nothing_is_announced_and_one_line_says_so(
    db: Database, settings: Settings, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await BatchService(db, clock=clock).import_draft(
        draft(items=2, title="Rate the answers", activate_at=at("2026-06-01 12:00"))
    )
    config = DiscordConfig(token=SecretStr("not-a-real-token"), data_dir=settings.data_dir)
    adapter = DiscordAdapter(build_conversation(settings, db), config)
    caplog.set_level(logging.INFO, logger="microtasks.scheduler")
    async with DiscordHarness(adapter.client, watch_loggers=WATCHED) as chat:
        jobs = runner(settings, db, clock, adapters=[adapter])
        await jobs.prepare()
        for minute in range(3):
            clock.now = at("2026-06-01 12:00:30") + 60 * minute
            await jobs.tick()

        assert chat.calls_of("message_send") == []
    messages = [r.getMessage() for r in caplog.records]
    assert "scheduler.announce_failed" not in messages
    ours = [r for r in caplog.records if r.name.startswith("microtasks")]
    assert not [r for r in ours if r.levelno >= logging.WARNING]
    off = [r for r in caplog.records if r.getMessage() == "scheduler.announcements_off"]
    assert [(r.levelno, r.fields["platform"]) for r in off] == [(logging.INFO, "discord")]
