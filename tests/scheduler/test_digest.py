"""The moderators' daily digest: progress, agreement, top members and a chart, once a day."""

from __future__ import annotations

from microtasks.settings import Settings
from storage.database import Database
from storage.identity import Platform, Role, ensure_account, set_role
from storage.notifications import unsent
from tasks.engine import Member, TaskEngine
from tests.clock import ManualClock
from tests.scheduler.conftest import at, console, runner
from tests.tasks.builders import active_batch, member

PNG = b"\x89PNG\r\n\x1a\n"


async def label_everything(db: Database, clock: ManualClock, batch: int, names: list[str]) -> None:
    engine = TaskEngine(db, clock=clock)
    for name in names:
        someone = await member(db, name)
        while task := await engine.next_task(someone, batch):
            clock.advance(30)
            await engine.submit(someone, task.token, "yes" if task.item_id % 3 else "no")


async def test_moderators_get_the_digest_with_a_chart_once_a_day(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    clock.now = at("2026-06-01 06:00")
    batch = await active_batch(db, items=4, overlap=2)
    await label_everything(db, clock, batch, ["ann", "ben"])
    moderator = await ensure_account(db, Platform.telegram, "900", display_name="Moe")
    await set_role(db, moderator.profile_id, Role.moderator)
    await ensure_account(db, Platform.console, "mod", display_name="mod")  # MODERATORS entry
    adapter, screen = console(settings, db)
    bot = runner(settings, db, clock, adapters=[adapter])
    await bot.prepare()

    clock.now = at("2026-06-01 08:00:20")
    assert "digest" in [o.job for o in await bot.tick()]

    digests = await unsent(db, "telegram")
    assert [(n.profile_id, n.key) for n in digests] == [(moderator.profile_id, "scheduler.digest")]
    text = digests[0].params["text"]
    assert f"#{batch} choice batch" in text and "100%, 8 of 8 answers" in text
    assert "agreement α" in text and "α —" not in text
    assert "Answers in the last 24 hours: 8" in text
    assert "ann (4)" in text and "ben (4)" in text
    chart = settings.data_dir / "digests" / "digest-2026-06-01.png"
    assert chart.read_bytes().startswith(PNG)
    assert len(await unsent(db, "console")) == 1
    assert str(chart) in screen.getvalue()  # the console shows the picture's file

    clock.now = at("2026-06-01 20:00")
    await bot.tick()
    assert len(await unsent(db, "telegram")) == 1  # nothing more today

    clock.now = at("2026-06-02 08:00:05")
    await bot.tick()
    assert len(await unsent(db, "telegram")) == 2


async def test_a_digest_run_by_hand_is_sent_again(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    moderator = await ensure_account(db, Platform.console, "mod", display_name="mod")
    bot = runner(settings, db, clock)

    first = await bot.run_now("digest")
    second = await bot.run_now("digest")

    assert first.ok and second.ok, (first.summary, second.summary)
    owed = await unsent(db, "console")
    assert [n.profile_id for n in owed] == [moderator.profile_id] * 2
    assert "No open batches." in owed[0].params["text"]


async def test_a_member_without_a_name_is_shown_by_their_profile_number(
    db: Database, settings: Settings, clock: ManualClock
) -> None:
    clock.now = at("2026-06-01 06:00")
    batch = await active_batch(db, items=3, overlap=1)
    for name in ("ann", "ben", "cy"):  # profiles that answer nothing
        await member(db, name)
    nameless = await ensure_account(db, Platform.telegram, "555")  # no display name
    engine = TaskEngine(db, clock=clock)
    while task := await engine.next_task(Member(nameless.profile_id, "telegram"), batch):
        clock.advance(30)
        await engine.submit(Member(nameless.profile_id, "telegram"), task.token, "yes")
    await ensure_account(db, Platform.console, "mod", display_name="mod")

    assert (await runner(settings, db, clock).run_now("digest")).ok

    text = (await unsent(db, "console"))[0].params["text"]
    assert nameless.profile_id == 4
    assert "#4 (3)" in text and "#3" not in text
