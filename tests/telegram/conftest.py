"""The real Telegram adapter against the fake Bot API server, over a real temporary database."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bots.conversation.context import Services
from bots.conversation.core import Conversation
from bots.conversation.throttle import Throttle
from bots.telegram.adapter import TelegramAdapter
from bots.telegram.config import TelegramConfig
from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tests.clock import ManualClock
from tests.support.telegram_api import FakeTelegramServer, FakeUser
from tests.telegram.member import Member
from wallet.linking import WalletLinker
from wallet.siwe_message import SiweRules


@pytest.fixture
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with FakeTelegramServer() as running:
        yield running


@pytest.fixture
def moderator_user(server: FakeTelegramServer) -> FakeUser:
    """A moderator by the MODERATORS setting (telegram:<id>)."""
    return server.add_user("Mo", username="mo")


SIWE = SiweRules("microtasks.local", "https://microtasks.local", 8453, community="Label Guild")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def services(
    db: Database, moderator_user: FakeUser, clock: ManualClock, tmp_path: Path
) -> Services:
    return Services(
        db=db,
        engine=TaskEngine(db, clock=clock, rng=random.Random(5)),
        batches=BatchService(db, clock=clock),
        clock=clock,
        data_dir=tmp_path / "data",
        moderator_ids=frozenset({f"telegram:{moderator_user.id}"}),
        wallet=WalletLinker(db, SIWE, clock=clock, explorer_url="https://basescan.org"),
    )


@pytest.fixture
def conversation(services: Services) -> Conversation:
    return Conversation(services, throttle=Throttle(rate=1000, burst=1000))


@pytest.fixture
def config(server: FakeTelegramServer, moderator_user: FakeUser, tmp_path: Path) -> TelegramConfig:
    return TelegramConfig(
        token=SecretStr(server.token),
        data_dir=tmp_path / "data",
        api_base_url=server.api_base_url,
        community_chat=server.group.id,
        moderator_ids=(moderator_user.id,),
        poll_timeout=1,
        outbox_interval=60,
    )


@contextlib.asynccontextmanager
async def running(adapter: TelegramAdapter) -> AsyncIterator[TelegramAdapter]:
    """Run the adapter until the block ends, as `microtasks run` would, then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(adapter.run(stop))
    ready = asyncio.create_task(adapter.ready.wait())
    try:
        await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            task.result()
        assert adapter.ready.is_set(), "the bot did not start within 10 s"
        yield adapter
    finally:
        ready.cancel()
        stop.set()
        await asyncio.wait_for(task, timeout=10)


@pytest.fixture
def start_bot(
    server: FakeTelegramServer, conversation: Conversation, config: TelegramConfig
) -> Callable[..., contextlib.AbstractAsyncContextManager[TelegramAdapter]]:
    """`async with start_bot(outbox_interval=0.1):` a bot with some settings changed."""

    def start(**changes: Any) -> contextlib.AbstractAsyncContextManager[TelegramAdapter]:
        return running(TelegramAdapter(conversation, replace(config, **changes)))

    return start


@pytest.fixture
async def bot(start_bot) -> AsyncIterator[TelegramAdapter]:
    async with start_bot() as adapter:
        yield adapter


@pytest.fixture
def member(server: FakeTelegramServer) -> Callable[..., Member]:
    """`member("Ada")`: a new Telegram user, English unless `language` says otherwise."""

    def make(name: str, language: str = "en", **kw: Any) -> Member:
        return Member(server, server.add_user(name, name.lower(), language, **kw))

    return make


@pytest.fixture
def mo(server: FakeTelegramServer, moderator_user: FakeUser) -> Member:
    return Member(server, moderator_user)
