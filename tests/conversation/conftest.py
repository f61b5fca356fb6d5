from __future__ import annotations

import random
from pathlib import Path

import pytest

from bots.conversation.context import Services
from bots.conversation.core import Conversation
from bots.conversation.events import Sender
from bots.conversation.throttle import Throttle
from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tests.clock import ManualClock
from tests.conversation.driver import ChatUser


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def services_for(db: Database, clock: ManualClock, data_dir: Path = Path("data")) -> Services:
    return Services(
        db=db,
        engine=TaskEngine(db, clock=clock, rng=random.Random(5)),
        batches=BatchService(db, clock=clock),
        clock=clock,
        data_dir=data_dir,
        moderator_ids=frozenset({"telegram:900"}),
    )


@pytest.fixture
def conversation(db: Database, clock: ManualClock, tmp_path: Path) -> Conversation:
    services = services_for(db, clock, tmp_path / "data")
    return Conversation(services, throttle=Throttle(rate=1000, burst=1000))


@pytest.fixture
def make_user(conversation: Conversation):
    def make(name: str, platform: str = "telegram", language: str | None = "en") -> ChatUser:
        return ChatUser(conversation, Sender(platform, name, display_name=name, language=language))

    return make
