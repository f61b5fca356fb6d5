"""Members are handed tasks and answer them; the engine keeps every answer and every slot honest."""

from __future__ import annotations

import asyncio
import random

import pytest

from storage.database import Database
from storage.identity import Platform
from tasks.batches import BatchService, Transition
from tasks.engine import LeaseGone, TaskEngine
from tasks.kinds import Kind, VoiceAnswer
from tasks.problems import InputError
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def engine(db: Database, clock: ManualClock) -> TaskEngine:
    return TaskEngine(db, clock=clock, rng=random.Random(7))


async def counted_answers(db: Database, item_id: int) -> int:
    return await db.fetch_value(
        "SELECT count(*) FROM answers WHERE item_id = ? AND counted = 1", (item_id,)
    )


async def test_a_member_labels_items_one_after_another(db: Database, engine: TaskEngine) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    ada = await member(db, "ada")

    seen = []
    while (task := await engine.next_task(ada)) is not None:
        receipt = await engine.submit(ada, task.token, "yes")
        assert receipt.counted and not receipt.late
        seen.append(task.external_id)

    assert sorted(seen) == ["i0", "i1", "i2"]
    assert await db.fetch_value("SELECT count(*) FROM answers") == 3


async def test_the_first_task_of_a_batch_carries_its_instructions(
    db: Database, engine: TaskEngine
) -> None:
    await active_batch(db, items=2, overlap=1)
    ada = await member(db, "ada")

    first = await engine.next_task(ada)
    assert first is not None and first.first_in_batch
    assert first.batch.instructions == "Do the choice task."
    await engine.submit(ada, first.token, "no")
    second = await engine.next_task(ada)
    assert second is not None and not second.first_in_batch


async def test_asking_again_returns_the_task_already_held(db: Database, engine: TaskEngine) -> None:
    await active_batch(db, items=5)
    ada = await member(db, "ada")

    first = await engine.next_task(ada)
    again = await engine.next_task(ada)

    assert first is not None and again is not None
    assert again.token == first.token and again.resumed


async def test_an_item_gets_exactly_its_overlap_from_distinct_members(
    db: Database, engine: TaskEngine
) -> None:
    await active_batch(db, items=1, overlap=2)
    members = [await member(db, name) for name in ("ada", "bob", "cy")]

    tasks = [await engine.next_task(m) for m in members]

    assert tasks[0] is not None and tasks[1] is not None
    assert tasks[2] is None, "a third member must not get a slot of a 2-overlap item"
    for m, task in zip(members[:2], tasks[:2], strict=True):
        await engine.submit(m, task.token, "yes")
    assert await counted_answers(db, tasks[0].item_id) == 2
    assert await engine.next_task(members[0]) is None, "nobody answers an item twice"


async def test_a_double_tapped_answer_is_stored_once(db: Database, engine: TaskEngine) -> None:
    await active_batch(db, items=2)
    ada = await member(db, "ada")
    task = await engine.next_task(ada)
    assert task is not None

    first, second = await asyncio.gather(
        engine.submit(ada, task.token, "yes"), engine.submit(ada, task.token, "no")
    )

    assert first.stored and second.stored
    assert first.answer_id == second.answer_id
    assert await db.fetch_value("SELECT count(*) FROM answers") == 1


async def test_a_late_answer_counts_while_the_item_has_room(
    db: Database, engine: TaskEngine, clock: ManualClock
) -> None:
    await active_batch(db, items=1, overlap=2, lease_seconds=60)
    ada = await member(db, "ada")
    task = await engine.next_task(ada)
    assert task is not None

    clock.advance(61)
    receipt = await engine.submit(ada, task.token, "yes")

    assert receipt.counted and receipt.late
    assert await counted_answers(db, task.item_id) == 1


async def test_a_late_answer_to_a_full_item_is_kept_as_surplus(
    db: Database, engine: TaskEngine, clock: ManualClock
) -> None:
    await active_batch(db, items=1, overlap=1, lease_seconds=60)
    slow, quick = await member(db, "slow"), await member(db, "quick")
    slow_task = await engine.next_task(slow)
    assert slow_task is not None
    clock.advance(61)
    quick_task = await engine.next_task(quick)  # the expired slot is leased again
    assert quick_task is not None and quick_task.item_id == slow_task.item_id
    await engine.submit(quick, quick_task.token, "no")

    receipt = await engine.submit(slow, slow_task.token, "yes")

    assert receipt.stored and receipt.surplus and receipt.late
    assert await counted_answers(db, slow_task.item_id) == 1
    assert await db.fetch_value("SELECT count(*) FROM answers WHERE counted = 0") == 1


async def test_an_expired_lease_frees_its_slot_without_a_sweeper(
    db: Database, engine: TaskEngine, clock: ManualClock
) -> None:
    await active_batch(db, items=1, overlap=1, lease_seconds=60)
    ada, bob = await member(db, "ada"), await member(db, "bob")
    assert await engine.next_task(ada) is not None
    assert await engine.next_task(bob) is None

    clock.advance(60)

    assert await engine.next_task(bob) is not None


async def test_a_skipped_item_is_not_offered_again(db: Database, engine: TaskEngine) -> None:
    await active_batch(db, items=2, overlap=1)
    ada = await member(db, "ada")
    first = await engine.next_task(ada)
    assert first is not None

    await engine.skip(ada, first.token)
    second = await engine.next_task(ada)
    assert second is not None and second.item_id != first.item_id
    await engine.skip(ada, second.token)

    assert await engine.next_task(ada) is None
    bob = await member(db, "bob")
    assert await engine.next_task(bob) is not None, "a skip frees the slot for others"


async def test_someone_elses_or_an_unknown_token_is_refused(
    db: Database, engine: TaskEngine
) -> None:
    await active_batch(db, items=2)
    ada, eve = await member(db, "ada"), await member(db, "eve")
    task = await engine.next_task(ada)
    assert task is not None

    with pytest.raises(LeaseGone) as caught:
        await engine.submit(eve, task.token, "yes")
    assert caught.value.status == "not_yours"
    with pytest.raises(LeaseGone):
        await engine.submit(eve, "forged-token", "yes")
    with pytest.raises(LeaseGone):
        await engine.skip(eve, task.token)
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0


@pytest.mark.parametrize(
    ("kind", "bad", "good", "message"),
    [
        (Kind.choice, "maybe", "yes", '"maybe" is not one of yes, no'),
        (Kind.multi, ["a", "b", "c"], ["b", "a"], "choose from 1 to 2 labels"),
        (Kind.rating, 9, "4", "choose a whole number from 1 to 5"),
        (Kind.compare, "both", "tie", "choose one of a, b, tie, both_bad"),
        (Kind.text, "hey", "A prompt long enough", "your text has 3 characters; write at least 5"),
        (
            Kind.voice,
            VoiceAnswer("v.ogg", 0.4),
            VoiceAnswer("v.ogg", 3.0),
            "your recording lasts 0.4 s; it must last 1 to 20 s",
        ),
    ],
)
async def test_answers_are_checked_against_their_kind(
    db: Database, engine: TaskEngine, kind: Kind, bad: object, good: object, message: str
) -> None:
    await active_batch(db, kind, items=1)
    ada = await member(db, "ada")
    task = await engine.next_task(ada)
    assert task is not None

    with pytest.raises(InputError) as caught:
        await engine.submit(ada, task.token, bad)
    assert str(caught.value) == message
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0

    assert (await engine.submit(ada, task.token, good)).counted


async def test_items_closest_to_completion_are_served_first(
    db: Database, engine: TaskEngine
) -> None:
    await active_batch(db, items=3, overlap=3)
    ada, bob = await member(db, "ada"), await member(db, "bob")
    ada_task = await engine.next_task(ada)
    assert ada_task is not None
    await engine.submit(ada, ada_task.token, "yes")

    bob_task = await engine.next_task(bob)

    assert bob_task is not None and bob_task.item_id == ada_task.item_id


async def test_batches_are_served_by_priority_and_audience(
    db: Database, engine: TaskEngine
) -> None:
    low = await active_batch(db, items=2, title="low", priority=0)
    high = await active_batch(db, items=2, title="high", priority=5, audience=("telegram",))
    on_console = await member(db, "ada")
    on_telegram = await member(db, "1001", Platform.telegram)

    console_task = await engine.next_task(on_console)
    telegram_task = await engine.next_task(on_telegram)

    assert console_task is not None and console_task.batch.id == low
    assert telegram_task is not None and telegram_task.batch.id == high


async def test_the_daily_cap_stops_a_member_until_tomorrow(
    db: Database, engine: TaskEngine, clock: ManualClock
) -> None:
    await active_batch(db, items=5, overlap=1, daily_cap=2)
    ada = await member(db, "ada")
    for _ in range(2):
        task = await engine.next_task(ada)
        assert task is not None
        await engine.submit(ada, task.token, "yes")

    assert await engine.next_task(ada) is None
    clock.advance(86400)
    assert await engine.next_task(ada) is not None


async def test_gold_items_are_mixed_in_at_the_gold_rate(db: Database, clock: ManualClock) -> None:
    gold = {n: "yes" for n in range(5)}
    await active_batch(db, items=205, overlap=1, gold_rate=0.2, gold=gold)
    engine = TaskEngine(db, clock=clock, rng=random.Random(3))
    golds = 0
    for n in range(200):
        someone = await member(db, f"m{n}")
        task = await engine.next_task(someone)
        assert task is not None
        golds += task.is_gold

    assert 25 <= golds <= 55, f"about 40 of 200 tasks should be gold, got {golds}"


async def test_paused_and_closed_batches_serve_nothing(db: Database, engine: TaskEngine) -> None:
    batch_id = await active_batch(db, items=3)
    ada = await member(db, "ada")
    held = await engine.next_task(ada)
    assert held is not None
    service = BatchService(db, clock=engine.clock)

    await service.change(batch_id, Transition.pause)
    bob = await member(db, "bob")
    assert await engine.next_task(bob) is None
    # An answer to a task held when the batch was paused is still kept.
    assert (await engine.submit(ada, held.token, "yes")).stored

    await service.change(batch_id, Transition.resume)
    assert await engine.next_task(bob) is not None
    await service.change(batch_id, Transition.close)
    assert await engine.next_task(await member(db, "cy")) is None
    with pytest.raises(
        InputError, match=r"batch \d+ is closed; resume works on a batch that is paused"
    ):
        await service.change(batch_id, Transition.resume)


async def test_a_batch_activates_itself_at_its_time(
    db: Database, engine: TaskEngine, clock: ManualClock
) -> None:
    from tests.tasks.builders import draft

    service = BatchService(db, clock=clock)
    await service.import_draft(draft(items=2, activate_at=clock.now + 3600))
    ada = await member(db, "ada")

    assert await engine.next_task(ada) is None
    clock.advance(3600)
    assert await engine.next_task(ada) is not None
