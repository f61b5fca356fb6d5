"""Gold items measure members: careless ones are removed, too-fast answers do not count."""

from __future__ import annotations

import random
from decimal import Decimal

from storage.database import Database
from storage.ledger import balance
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tasks.quality import wilson_upper_bound
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, draft, member

CHECKED = QualitySettings(min_gold_answers=6, accuracy_threshold=0.5)


async def answer_everything(engine: TaskEngine, who, pick, clock: ManualClock) -> list:
    receipts = []
    while (task := await engine.next_task(who)) is not None:
        clock.advance(5)
        receipts.append(await engine.submit(who, task.token, pick(task)))
    return receipts


async def test_a_careless_member_is_removed_and_their_answers_reversed(db: Database) -> None:
    clock = ManualClock()
    gold = {n: "yes" for n in range(0, 40, 2)}  # every other item is a check item
    await BatchService(db, clock=clock).import_draft(
        draft(
            Kind.choice,
            40,
            gold=gold,
            overlap=1,
            reward=Decimal("1"),
            gold_rate=0.5,
            quality=CHECKED,
        ),
        activate=True,
    )
    engine = TaskEngine(db, clock=clock, rng=random.Random(2))
    careful, careless = await member(db, "careful"), await member(db, "careless")
    coin = random.Random(9)

    await answer_everything(engine, careful, lambda task: "yes", clock)
    receipts = await answer_everything(
        engine, careless, lambda t: coin.choice(["no", "no", "yes"]), clock
    )

    assert any(r.verdict and r.verdict.removed for r in receipts), "gold checks removed them"
    assert receipts[-1].verdict is not None and receipts[-1].verdict.removed
    assert await engine.next_task(careless) is None, "a removed member gets no more tasks here"
    rejected = await db.fetch_value(
        "SELECT count(*) FROM answers WHERE profile_id = ? AND status = 'rejected'"
        " AND reason = 'quality.removed'",
        (careless.profile_id,),
    )
    assert rejected == len(receipts)
    assert await balance(db, careless.profile_id) == 0, "every credit was reversed"
    assert await balance(db, careful.profile_id) > 0
    notice = await db.fetch_value(
        "SELECT key FROM notifications WHERE profile_id = ?", (careless.profile_id,)
    )
    assert notice is None, "told once, in the reply to the answer that removed them"


def test_the_wilson_bound_gives_few_answers_the_benefit_of_the_doubt() -> None:
    assert wilson_upper_bound(1, 3) > 0.7 > wilson_upper_bound(10, 30)
    assert 0.8 < wilson_upper_bound(80, 100) < 0.9
    assert wilson_upper_bound(0, 0) == 1.0


async def test_answers_faster_than_the_minimum_do_not_count(db: Database) -> None:
    clock = ManualClock()
    await active_batch(db, Kind.choice, items=2, overlap=1, min_seconds=3.0, reward=Decimal("1"))
    engine = TaskEngine(db, clock=clock)
    ada = await member(db, "ada")

    task = await engine.next_task(ada)
    assert task is not None
    clock.advance(1)
    hasty = await engine.submit(ada, task.token, "yes")
    task = await engine.next_task(ada)
    assert task is not None
    clock.advance(4)
    steady = await engine.submit(ada, task.token, "yes")

    assert hasty.verdict is not None and hasty.verdict.reason == "quality.too_fast"
    assert steady.verdict is not None and steady.verdict.status == "accepted"
    assert await balance(db, ada.profile_id) == 10**18
    reopened = await db.fetch_value("SELECT free_slots FROM items WHERE id = ?", (hasty.item_id,))
    assert reopened == 1, "the hasty answer's slot is open again"


async def test_training_mode_shows_the_right_answer_after_a_miss(db: Database) -> None:
    clock = ManualClock()
    await active_batch(
        db, Kind.choice, items=1, overlap=1, gold={0: "no"}, quality=QualitySettings(training=True)
    )
    engine = TaskEngine(db, clock=clock)
    ada = await member(db, "ada")
    task = await engine.next_task(ada)
    assert task is not None and task.is_gold

    receipt = await engine.submit(ada, task.token, "yes")

    assert receipt.verdict is not None
    assert receipt.verdict.gold_correct is False and receipt.verdict.gold_answer == "no"


async def test_disagreeing_answers_ask_for_more_up_to_the_maximum(db: Database) -> None:
    clock = ManualClock()
    await active_batch(
        db, Kind.choice, items=2, overlap=2, quality=QualitySettings(max_overlap=4, agreement=0.75)
    )
    engine = TaskEngine(db, clock=clock)
    answers = {
        "a": ("yes", "yes"),
        "b": ("yes", "no"),
        "c": ("no", "no"),
        "d": ("yes", "yes"),
        "e": ("no", "no"),
    }
    for name, (first, second) in answers.items():
        who = await member(db, name)
        for value in (first, second):
            task = await engine.next_task(who)
            if task is None:
                break
            await engine.submit(who, task.token, value)

    overlaps = dict(await db.fetch_all("SELECT external_id, overlap FROM items ORDER BY id"))
    assert overlaps["i0"] == 2 or overlaps["i1"] == 2, "an item whose answers agree stays at 2"
    assert max(overlaps.values()) > 2, "an item whose answers differ asks for more"
    assert max(overlaps.values()) <= 4
