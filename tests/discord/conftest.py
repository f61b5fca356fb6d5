"""A real conversation on a temp database, rendered by the real Discord adapter, offline."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bots.conversation.context import Services
from bots.conversation.core import Conversation
from bots.conversation.throttle import Throttle
from bots.discord.adapter import DiscordAdapter
from bots.discord.config import DiscordConfig
from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tests.clock import ManualClock
from tests.support.discord_harness import DiscordHarness

WATCHED = ("discord", "microtasks")  # an error logged by either fails the test


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def conversation(db: Database, clock: ManualClock, tmp_path: Path) -> Conversation:
    services = Services(
        db=db,
        engine=TaskEngine(db, clock=clock, rng=random.Random(5)),
        batches=BatchService(db, clock=clock),
        clock=clock,
        data_dir=tmp_path / "data",
    )
    return Conversation(services, throttle=Throttle(rate=1000, burst=1000))


@pytest.fixture
def config(tmp_path: Path) -> DiscordConfig:
    return DiscordConfig(token=SecretStr("not-a-real-token"), data_dir=tmp_path / "data")


@pytest.fixture
def adapter(conversation: Conversation, config: DiscordConfig) -> DiscordAdapter:
    return DiscordAdapter(conversation, config)


@pytest.fixture
async def discord_chat(adapter: DiscordAdapter) -> AsyncIterator[DiscordHarness]:
    async with DiscordHarness(adapter.client, watch_loggers=WATCHED) as harness:
        yield harness
