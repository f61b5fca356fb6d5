"""A batch set to activate at a time goes live then; every batch that becomes active, on its
schedule or by hand, is announced once in each community channel that offers it (even across
restarts), and subscribers hear of it once, at a limited rate."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app
from microtasks.settings import Settings
from storage import scheduler as store
from storage import schema
from storage.database import Database
from storage.identity import Platform, ensure_account, set_notify_new_batches
from storage.notifications import unsent
from tasks.batches import BatchService, BatchState, Transition
from tests.clock import ManualClock
from tests.scheduler.conftest import at, console, runner
from tests.tasks.builders import draft

cli = CliRunner()


class FlakyChannel:
    """A community channel on a platform that is down for the first `failures` posts."""

    def __init__(self, name: str, failures: int):
        self.name = name
        self.failures = failures
        self.posts: list[tuple[str, int]] = []

    async def announce(self, text: str, batch_id: int) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("the platform is down")
        self.posts.append((text, batch_id))


async def scheduled_batch(db: Database, clock: ManualClock, when: str, **settings: object) -> int:
    service = BatchService(db, clock=clock)
    return await service.import_draft(
        draft(items=3, title="Sentiment", activate_at=at(when), **settings)
    )


async def test_an_activation_at_a_set_time_is_announced_once(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    batch = await scheduled_batch(db, clock, "2026-06-01 12:00")
    adapter, screen = console(settings, db)
    bot = runner(settings, db, clock, adapters=[adapter])
    await bot.prepare()

    clock.now = at("2026-06-01 11:59")
    await bot.run_now("activations")
    assert (await BatchService(db).get(batch)).state == BatchState.draft
    assert screen.getvalue() == ""

    clock.now = at("2026-06-01 12:00:30")
    await bot.tick()
    assert (await BatchService(db).get(batch)).state == BatchState.active
    assert screen.getvalue().count("📣 New batch: Sentiment") == 1
    assert f"/task {batch}" in screen.getvalue()
    assert "📣 📣" not in screen.getvalue()  # the announcement brings its own 📣

    clock.advance(60)
    await bot.tick()
    restarted = runner(settings, db, clock, adapters=[adapter])
    clock.advance(60)
    await restarted.tick()
    await restarted.run_now("activations")
    assert screen.getvalue().count("📣 New batch: Sentiment") == 1
    assert await store.post_states(db, batch) == {"console": "sent"}


async def test_a_batch_activated_by_a_member_asking_for_work_is_announced_too(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    from tasks.engine import TaskEngine
    from tests.tasks.builders import member

    batch = await scheduled_batch(db, clock, "2026-06-01 11:30")
    clock.now = at("2026-06-01 11:45")
    ann = await member(db, "ann")
    assert await TaskEngine(db, clock=clock).next_task(ann)  # the claim activates it
    adapter, screen = console(settings, db)

    await runner(settings, db, clock, adapters=[adapter]).run_now("activations")

    assert screen.getvalue().count(f"/task {batch}") == 1


async def test_a_batch_is_announced_only_where_it_is_offered(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    await scheduled_batch(db, clock, "2026-06-01 11:00", audience=("telegram",))
    adapter, screen = console(settings, db)
    telegram = FlakyChannel("telegram", failures=0)

    await runner(settings, db, clock, adapters=[adapter, telegram]).run_now("activations")

    assert screen.getvalue() == ""
    assert [batch for _, batch in telegram.posts] == [1]


async def test_a_failed_post_is_tried_again_a_few_times_then_given_up(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    batch = await scheduled_batch(db, clock, "2026-06-01 11:00")
    down_twice = FlakyChannel("telegram", failures=2)
    down_for_good = FlakyChannel("discord", failures=99)
    bot = runner(settings, db, clock, adapters=[down_twice, down_for_good])

    for _ in range(5):
        await bot.run_now("activations")
        clock.advance(60)

    assert [b for _, b in down_twice.posts] == [batch]
    assert await store.post_states(db, batch) == {"telegram": "sent", "discord": "failed"}
    assert down_for_good.failures == 99 - 3  # three attempts, then no more requests


async def test_a_post_interrupted_by_a_crash_is_not_posted_again(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    batch = await scheduled_batch(db, clock, "2026-06-01 11:00")
    assert await BatchService(db, clock=clock).activate_due() == [batch]
    assert await store.queue_announcements(db, clock.now) == [batch]
    assert await store.begin_post(db, batch, "console", clock.now)  # ... and the process died
    adapter, screen = console(settings, db)

    await runner(settings, db, clock, adapters=[adapter]).run_now("activations")

    assert screen.getvalue() == ""


async def test_subscribers_hear_of_a_new_batch_once_at_a_limited_rate_per_platform(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    slow = settings.model_copy(update={"notify_per_minute": 2})
    subscribers = []
    for name in ("ann", "ben", "cy"):
        account = await ensure_account(db, Platform.telegram, name, display_name=name)
        await set_notify_new_batches(db, account.profile_id, True)
        subscribers.append(account.profile_id)
    discord = await ensure_account(db, Platform.discord, "dee", display_name="dee")
    await set_notify_new_batches(db, discord.profile_id, True)
    await ensure_account(db, Platform.telegram, "quiet", display_name="quiet")
    await scheduled_batch(db, clock, "2026-06-01 11:00")
    bot = runner(slow, db, clock)

    await bot.run_now("activations")
    await bot.run_now("notices")
    await bot.run_now("notices")  # the same minute: telegram's two are used up
    assert len(await unsent(db, "telegram")) == 2
    assert len(await unsent(db, "discord")) == 1

    clock.advance(61)
    await bot.run_now("notices")
    clock.advance(61)
    await bot.run_now("notices")
    owed = await unsent(db, "telegram")
    assert sorted(n.profile_id for n in owed) == subscribers
    assert {n.key for n in owed} == {"scheduler.batch_new"}
    assert owed[0].params["title"] == "Sentiment"


async def test_a_batch_activated_by_hand_is_announced_and_its_subscribers_told_once(
    db: Database,
    db_path: Path,
    settings: Settings,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    told = {}
    for platform, name in ((Platform.telegram, "ann"), (Platform.discord, "ben")):
        account = await ensure_account(db, platform, name, display_name=name)
        await set_notify_new_batches(db, account.profile_id, True)
        told[platform.value] = account.profile_id
    elsewhere = await ensure_account(db, Platform.console, "cy", display_name="cy")
    await set_notify_new_batches(db, elsewhere.profile_id, True)  # the batch is not offered there
    batch = await BatchService(db, clock=clock).import_draft(
        draft(items=3, title="Sentiment", audience=("telegram", "discord"))
    )
    telegram = FlakyChannel("telegram", failures=0)
    bot = runner(settings, db, clock, adapters=[telegram])
    await bot.run_now("notices")
    assert await unsent(db, "telegram") == []  # a draft: nobody hears of it

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db_path}")
    activated = await asyncio.to_thread(cli.invoke, app, ["batch", "activate", str(batch)])
    assert activated.exit_code == 0, activated.output

    await bot.run_now("notices")
    clock.advance(61)
    await bot.run_now("notices")
    await bot.run_now("activations")
    restarted = runner(settings, db, clock, adapters=[telegram])
    clock.advance(61)
    await restarted.run_now("notices")
    await restarted.run_now("activations")

    for platform, profile_id in told.items():
        owed = await unsent(db, platform)
        assert [(n.profile_id, n.key) for n in owed] == [(profile_id, "scheduler.batch_new")]
        assert owed[0].params == {"batch": batch, "title": "Sentiment"}
    assert await unsent(db, "console") == []
    assert [b for _, b in telegram.posts] == [batch]


async def test_batches_active_before_the_upgrade_are_not_announced_all_at_once(
    db_path: Path, settings: Settings, clock: ManualClock
) -> None:
    every = schema.known_migrations()
    this = next(m for m in every if m.name == "announce_every_activation")
    await schema.upgrade(db_path, [m for m in every if m.version < this.version])
    async with await Database.open(db_path) as db:
        service = BatchService(db, clock=clock)
        running = await service.import_draft(draft(items=2, title="Running"), activate=True)
        paused = await service.import_draft(draft(items=2, title="Paused"), activate=True)
        await service.change(paused, Transition.pause)
        due = await scheduled_batch(db, clock, "2026-06-01 10:00")  # owed its announcement
        assert await service.activate_due() == [due]
        later = await service.import_draft(draft(items=2, title="Later"))  # still a draft

    await schema.upgrade(db_path)

    async with await Database.open(db_path) as db:
        subscriber = await ensure_account(db, Platform.telegram, "ann", display_name="ann")
        await set_notify_new_batches(db, subscriber.profile_id, True)
        telegram = FlakyChannel("telegram", failures=0)
        bot = runner(settings, db, clock, adapters=[telegram])
        service = BatchService(db, clock=clock)
        await bot.run_now("activations")
        await bot.run_now("notices")
        await service.change(paused, Transition.resume)  # active before: no news
        await service.change(later, Transition.activate)
        await bot.run_now("activations")
        await bot.run_now("notices")

        assert [b for _, b in telegram.posts] == [due, later]
        told = [n.params["batch"] for n in await unsent(db, "telegram")]
        assert sorted(told) == [due, later] and running not in told
