"""A member is answered while the daily digest is still computing a batch's agreement."""

from __future__ import annotations

import asyncio
import threading

from bots.conversation.events import Sender
from microtasks.settings import Settings
from microtasks.wiring import build_conversation, translate
from scheduler.digest import send_daily_digest
from storage.database import Database
from storage.identity import Platform, ensure_account
from tests.clock import ManualClock
from tests.conversation.driver import ChatUser
from tests.scheduler.conftest import at
from tests.scheduler.test_digest import label_everything
from tests.tasks.builders import active_batch

HOLD_AT_MOST = 10  # seconds the models are held; only a guard so a failing test ends


async def test_a_member_gets_a_reply_while_the_digest_aggregates(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    clock.now = at("2026-06-01 06:00")
    batch = await active_batch(db, items=6, overlap=3)
    await label_everything(db, clock, batch, ["ann", "ben", "cat"])
    await ensure_account(db, Platform.console, "mod", display_name="mod")
    clock.now = at("2026-06-01 08:00")
    ada = ChatUser(build_conversation(settings, db), Sender("telegram", "ada", "ada", "en"))

    events: list[str] = []
    loop = asyncio.get_running_loop()
    models_started = asyncio.Event()
    release = threading.Event()

    def hold_the_models() -> None:  # runs where the aggregation runs
        events.append("models started")
        loop.call_soon_threadsafe(models_started.set)
        release.wait(HOLD_AT_MOST)
        events.append("models finished")

    digest = asyncio.create_task(
        send_daily_digest(
            db,
            [],
            translate=translate,
            clock=clock,
            timezone="UTC",
            data_dir=settings.data_dir,
            moderators=settings.moderators,
            on_worker=hold_the_models,
        )
    )
    await models_started.wait()
    await ada.send("/start")
    events.append("member answered")
    release.set()
    summary = await digest

    assert "Do you agree?" in ada.text
    assert events == ["models started", "member answered", "models finished"]
    assert "1 batch," in summary and "to 1 moderator," in summary
