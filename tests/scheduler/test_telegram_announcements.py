"""The real Telegram adapter, over the loopback Bot API: a batch scheduled for noon is announced
once in the community group with a button into the private chat, and a member who asked to hear
about new batches gets a private message."""

from __future__ import annotations

import logging

import pytest

from microtasks.settings import Settings
from storage.database import Database
from storage.identity import Platform, ensure_account, set_notify_new_batches
from tasks.batches import BatchService
from tests.clock import ManualClock
from tests.scheduler.conftest import at, runner
from tests.support.telegram_api import FakeTelegramServer, keyboard
from tests.tasks.builders import draft


async def test_a_batch_scheduled_for_noon_is_announced_in_the_group_and_to_subscribers(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    start_bot,
    member,
    server: FakeTelegramServer,
) -> None:
    batch = await BatchService(db, clock=clock).import_draft(
        draft(items=2, title="Rate the answers", activate_at=at("2026-06-01 12:00"))
    )
    ada = member("Ada")
    account = await ensure_account(db, Platform.telegram, str(ada.id), display_name="Ada")
    await set_notify_new_batches(db, account.profile_id, True)

    async with start_bot(outbox_interval=0.1) as bot:
        jobs = runner(settings, db, clock, adapters=[bot])
        await jobs.prepare()
        assert await jobs.tick() == []  # 11:00

        clock.now = at("2026-06-01 12:00:30")
        assert {o.job for o in await jobs.tick()} >= {"activations", "notices"}
        clock.advance(60)
        await jobs.tick()
        notice = await server.wait_for("sendMessage", lambda c: c.params["chat_id"] == ada.id)

    (post,) = server.bot_messages(server.group)
    assert post["text"] == "📣 New batch: Rate the answers\nDo the choice task."
    (button,) = keyboard(post)[0]
    assert button.url == f"https://t.me/microtasks_bot?start={batch}"
    assert notice.params["text"] == (
        f"🆕 A new batch is open: Rate the answers. Send /task {batch} to start."
    )


async def test_a_russian_community_gets_the_announcement_button_in_russian(
    db: Database, settings: Settings, clock: ManualClock, start_bot, server: FakeTelegramServer
) -> None:
    russian = settings.model_copy(update={"community_language": "ru"})
    batch = await BatchService(db, clock=clock).import_draft(
        draft(items=2, title="Оцените ответы", activate_at=at("2026-06-01 12:00"))
    )
    async with start_bot(community_language="ru") as bot:
        jobs = runner(russian, db, clock, adapters=[bot])
        await jobs.prepare()
        clock.now = at("2026-06-01 12:00:30")
        await jobs.tick()

    (post,) = server.bot_messages(server.group)
    assert post["text"].startswith("📣 Новый пакет: Оцените ответы")
    assert "📣 📣" not in post["text"]
    (button,) = keyboard(post)[0]
    assert button.text == "Начать разметку"
    assert button.url == f"https://t.me/microtasks_bot?start={batch}"


async def test_without_a_community_chat_nothing_is_announced_and_one_line_says_so(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    start_bot,
    server: FakeTelegramServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await BatchService(db, clock=clock).import_draft(
        draft(items=2, title="Rate the answers", activate_at=at("2026-06-01 12:00"))
    )
    caplog.set_level(logging.INFO, logger="microtasks.scheduler")
    async with start_bot(community_chat=None) as bot:
        jobs = runner(settings, db, clock, adapters=[bot])
        await jobs.prepare()
        for minute in range(3):
            clock.now = at("2026-06-01 12:00:30") + 60 * minute
            await jobs.tick()

    assert server.bot_messages(server.group) == []
    messages = [r.getMessage() for r in caplog.records]
    assert "scheduler.announce_failed" not in messages
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    off = [r for r in caplog.records if r.getMessage() == "scheduler.announcements_off"]
    assert len(off) == 1
    assert off[0].levelno == logging.INFO
    assert off[0].fields["platform"] == "telegram"
