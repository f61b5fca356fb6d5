"""A member picks a batch with /task N and keeps to it; a batch that cannot serve says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.conversation.core import Conversation
from bots.conversation.i18n import catalog
from bots.conversation.throttle import Throttle
from storage.database import Database
from storage.identity import Platform, find_account
from tasks.bans import ban_member
from tasks.batches import BatchService, Transition
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.conversation.conftest import services_for
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch, draft

EN = catalog("en")


async def onboard(user: ChatUser) -> None:
    await user.send("/start")
    await user.press(EN["button.agree"])


async def test_a_member_keeps_to_the_batch_they_picked_until_it_is_done(
    db: Database, make_user
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1, priority=5, title="Busy batch")
    picked = await active_batch(db, Kind.choice, items=2, overlap=1, priority=1, title="Quiet")
    ada = make_user("ada")
    await onboard(ada)
    await ada.send("/stop")

    await ada.send(f"/task {picked}")
    assert "📋 Quiet" in ada.last.text
    await ada.press("yes")
    assert "📋 Quiet" in ada.last.text, "the next task comes from the batch she picked"
    await ada.press("yes")

    assert ada.last.text == EN["task.batch_done"].format(batch=picked)
    await ada.press(EN["button.task"])
    assert "📋 Busy batch" in ada.last.text


async def test_the_picked_batch_is_remembered_across_a_restart(
    db: Database, clock: ManualClock, tmp_path: Path, make_user
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1, priority=5, title="Busy batch")
    picked = await active_batch(db, Kind.choice, items=3, overlap=1, priority=1, title="Quiet")
    ada = make_user("ada")
    await onboard(ada)
    await ada.send("/stop")
    await ada.send(f"/task {picked}")
    await ada.send("/stop")

    restarted = Conversation(
        services_for(db, clock, tmp_path / "data"), throttle=Throttle(rate=1000, burst=1000)
    )
    ada = ChatUser(restarted, ada.sender)
    await ada.send("/task")

    assert "📋 Quiet" in ada.last.text


async def test_task_n_while_holding_a_task_offers_to_switch(db: Database, make_user) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1, priority=5, title="Busy batch")
    other = await active_batch(db, Kind.choice, items=3, overlap=1, priority=1, title="Quiet")
    ada = make_user("ada")
    await onboard(ada)
    assert "📋 Busy batch" in ada.last.text

    await ada.send(f"/task {other}")
    assert ada.text == EN["task.switch_offer"].format(held="Busy batch", batch=other)
    assert [b.label for b in ada.last.all_buttons] == [EN["button.switch"], EN["button.keep"]]
    await ada.press(EN["button.keep"])
    assert "📋 Busy batch" in ada.last.text

    await ada.send(f"/task {other}")
    await ada.press(EN["button.switch"])
    assert ada.replies[0].text == EN["task.switched"].format(batch=other) and ada.replies[0].edit
    assert "📋 Quiet" in ada.last.text
    await ada.press("yes")
    assert "📋 Quiet" in ada.last.text


async def test_a_batch_that_cannot_serve_says_why(db: Database, make_user) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1, title="Open batch")
    service = BatchService(db)
    waiting = await service.import_draft(draft(Kind.choice, 2, title="Draft"), activate=False)
    closed = await active_batch(db, Kind.choice, items=2, title="Closed")
    await service.change(closed, Transition.close)
    paused = await active_batch(db, Kind.choice, items=2, title="Paused")
    await service.change(paused, Transition.pause)
    discord_only = await active_batch(db, Kind.choice, items=2, audience=("discord",))
    finished = await active_batch(db, Kind.choice, items=1, overlap=1, title="Finished")
    ada, bob = make_user("ada"), make_user("bob")
    await onboard(ada)
    await ada.send("/stop")
    await onboard(bob)
    await bob.send("/stop")
    await bob.send(f"/task {finished}")
    await bob.press("yes")

    expected = {
        99: "task.batch_missing",
        waiting: "task.batch_draft",
        closed: "task.batch_closed",
        paused: "task.batch_paused",
        discord_only: "task.batch_platform",
        finished: "task.batch_nothing",
    }
    for batch, key in expected.items():
        await ada.send(f"/task {batch}")
        assert ada.text == EN[key].format(batch=batch), key
        assert [b.label for b in ada.last.all_buttons] == [EN["button.task"]]
    await ada.press(EN["button.task"])
    assert "📋 Open batch" in ada.last.text


async def test_task_with_something_other_than_a_batch_number_says_what_to_type(
    db: Database, make_user
) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1, title="Only batch")
    ada = make_user("ada")
    await onboard(ada)
    held = ada.last.text

    for typed in ("/task abc", "/task 1 x"):
        await ada.send(typed)
        assert ada.text == EN["task.usage"]
    await ada.send("/task")
    assert ada.last.text == held, "plain /task still shows the task she holds"


@pytest.mark.parametrize("stop", [Transition.pause, Transition.close])
async def test_a_member_in_a_batch_that_stops_is_told_why_not_that_it_is_done(
    db: Database, make_user, stop: Transition
) -> None:
    picked = await active_batch(db, Kind.choice, items=5, overlap=1, title="Quiet")
    ada = make_user("ada")
    await onboard(ada)
    await ada.send(f"/task {picked}")
    await ada.press("yes")

    await BatchService(db).change(picked, stop)
    await ada.send("/task")

    key = "task.batch_paused" if stop is Transition.pause else "task.batch_closed"
    assert ada.text == EN[key].format(batch=picked)


async def test_a_banned_member_asking_for_a_batch_hears_they_are_suspended(
    db: Database, make_user
) -> None:
    picked = await active_batch(db, Kind.choice, items=5, overlap=1, title="Quiet")
    dave = make_user("dave")
    await onboard(dave)
    await dave.send("/stop")
    account = await find_account(db, Platform.telegram, "dave")
    assert account is not None
    await ban_member(db, account.profile_id, "telegram:dave", "posting ads", None, 0.0)

    for typed in (f"/task {picked}", "/task"):
        await dave.send(typed)
        assert dave.text == EN["task.suspended"].format(reason="posting ads"), typed


async def test_a_member_removed_by_gold_checks_hears_it_when_asking_for_that_batch(
    db: Database, make_user
) -> None:
    every_item_gold = {n: "yes" for n in range(6)}
    picked = await active_batch(
        db,
        Kind.choice,
        items=6,
        overlap=1,
        gold=every_item_gold,
        quality=QualitySettings(min_gold_answers=3, accuracy_threshold=0.9),
    )
    eve = make_user("eve")
    await onboard(eve)
    for _ in range(3):
        await eve.press("no")

    await eve.send(f"/task {picked}")
    assert eve.text == EN["task.batch_removed"].format(batch=picked)
