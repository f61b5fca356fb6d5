"""Lease upkeep (expired leases end, starved items come back) and opt-in streak reminders."""

from __future__ import annotations

from microtasks.settings import Settings
from storage import batches
from storage.database import Database
from storage.identity import set_streak_reminders
from storage.notifications import unsent
from tasks.engine import TaskEngine
from tests.clock import ManualClock
from tests.scheduler.conftest import at, runner
from tests.tasks.builders import active_batch, member


async def test_expired_leases_end_and_their_slots_show_as_free(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    batch = await active_batch(db, items=2, lease_seconds=300)
    engine = TaskEngine(db, clock=clock)
    await engine.next_task(await member(db, "ann"), batch)
    assert (await batches.batch_progress(db, batch, clock.now)).live_leases == 1

    clock.advance(301)
    outcome = await runner(settings, db, clock).run_now("leases")

    assert "leases expired 1" in outcome.summary
    assert (await batches.batch_progress(db, batch, clock.now)).live_leases == 0


async def test_an_item_everyone_skipped_is_offered_again_once_it_starves(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    batch = await active_batch(db, items=1)
    engine = TaskEngine(db, clock=clock)
    ann = await member(db, "ann")
    task = await engine.next_task(ann, batch)
    assert task is not None
    await engine.skip(ann, task.token)
    assert await engine.next_task(ann, batch) is None
    bot = runner(settings, db, clock)

    clock.advance(3600)
    assert "skips forgotten 0" in (await bot.run_now("leases")).summary
    clock.advance(24 * 3600)
    assert "skips forgotten 1" in (await bot.run_now("leases")).summary

    again = await engine.next_task(ann, batch)
    assert again is not None and again.item_id == task.item_id


async def test_members_who_opted_in_hear_once_that_their_streak_is_ending(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    clock.now = at("2026-05-31 10:00")  # yesterday
    batch = await active_batch(db, items=6)
    engine = TaskEngine(db, clock=clock)
    keen, casual = await member(db, "keen"), await member(db, "casual")
    for someone in (keen, casual):
        task = await engine.next_task(someone, batch)
        assert task is not None
        clock.advance(20)
        await engine.submit(someone, task.token, "yes")
    await set_streak_reminders(db, keen.profile_id, True)
    bot = runner(settings, db, clock)
    await bot.prepare()

    clock.now = at("2026-06-01 18:00:10")
    assert "streaks" in [o.job for o in await bot.tick()]
    await bot.run_now("streaks")

    owed = await unsent(db, "console")
    assert [(n.profile_id, n.key, n.params) for n in owed] == [
        (keen.profile_id, "scheduler.streak_reminder", {"count": 1})
    ]
