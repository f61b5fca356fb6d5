"""Text and voice answers go to other members for review; the majority decides."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storage.database import Database
from storage.ledger import balance
from tasks.engine import LeaseGone, TaskEngine
from tasks.kinds import Kind
from tasks.problems import InputError
from tasks.quality_settings import QualitySettings
from tasks.review_queue import ReviewQueue
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member

REVIEWED = QualitySettings(review_overlap=3, review_reward=Decimal("0.5"))


async def write_prompt(engine: TaskEngine, who, text: str):
    task = await engine.next_task(who)
    assert task is not None and task.batch.kind is Kind.text
    return await engine.submit(who, task.token, text)


async def review(engine: TaskEngine, who, verdict: str) -> None:
    task = await engine.next_task(who)
    assert task is not None and task.batch.is_review, "the reviewer is served the review task"
    await engine.submit(who, task.token, verdict)


@pytest.fixture
def engine(db: Database) -> TaskEngine:
    return TaskEngine(db, clock=ManualClock())


async def test_a_text_answer_approved_by_the_majority_is_accepted_and_paid(
    db: Database, engine: TaskEngine
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1, reward=Decimal("2"), quality=REVIEWED)
    author = await member(db, "author")
    receipt = await write_prompt(engine, author, "Plan a rainy three-day hike in Wales")
    assert receipt.verdict is not None and receipt.verdict.status == "pending"
    assert await balance(db, author.profile_id) == 0, "nothing is paid before review"

    assert await engine.next_task(author) is None, "authors never review their own answer"
    for name, verdict in (("r1", "approve"), ("r2", "low_quality"), ("r3", "approve")):
        await review(engine, await member(db, name), verdict)

    status = await db.fetch_value("SELECT status FROM answers WHERE id = ?", (receipt.answer_id,))
    assert status == "accepted"
    assert await balance(db, author.profile_id) == 2 * 10**18
    reviewer = await db.fetch_value("SELECT id FROM profiles WHERE display_name = 'r2'")
    assert await balance(db, reviewer) == 5 * 10**17, "reviews are paid too"
    assert (
        await db.fetch_value(
            "SELECT key FROM notifications WHERE profile_id = ?", (author.profile_id,)
        )
        == "quality.accepted"
    )


async def test_a_text_answer_rejected_by_the_majority_reopens_its_item(
    db: Database, engine: TaskEngine
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1, reward=Decimal("2"), quality=REVIEWED)
    author = await member(db, "author")
    receipt = await write_prompt(engine, author, "buy cheap watches at my shop")

    for name, verdict in (("r1", "spam"), ("r2", "approve"), ("r3", "spam")):
        await review(engine, await member(db, name), verdict)

    row = await db.fetch_one(
        "SELECT status, reason, counted FROM answers WHERE id = ?", (receipt.answer_id,)
    )
    assert tuple(row) == ("rejected", "review.spam", 0)
    assert await balance(db, author.profile_id) == 0
    newcomer = await member(db, "newcomer")
    task = await engine.next_task(newcomer)
    assert task is not None and task.batch.kind is Kind.text, "the item wants an answer again"


async def test_a_copied_prompt_is_refused_with_the_reason(db: Database, engine: TaskEngine) -> None:
    await active_batch(db, Kind.text, items=3, overlap=1, quality=REVIEWED)
    ada, bob, cy = await member(db, "ada"), await member(db, "bob"), await member(db, "cy")
    await write_prompt(engine, ada, "Write a limerick about a cat who loves jazz.")

    with pytest.raises(InputError, match="very close to, an answer already given"):
        await write_prompt(engine, bob, "write a limerick about a CAT who loves jazz")
    with pytest.raises(InputError, match="very close to"):
        await write_prompt(engine, cy, "Write a limerick about a cat that loves jazz!")
    accepted = await write_prompt(engine, cy, "Explain how tides work to a ten-year-old.")

    assert accepted.stored
    assert await db.fetch_value("SELECT count(*) FROM answers WHERE batch_id = 1") == 2


async def test_an_answer_a_moderator_decided_is_no_longer_served_for_review(
    db: Database, engine: TaskEngine
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1, reward=Decimal("2"), quality=REVIEWED)
    author, moderator = await member(db, "author"), await member(db, "moderator")
    receipt = await write_prompt(engine, author, "Plan a rainy three-day hike in Wales")
    first = await member(db, "r1")
    await review(engine, first, "approve")
    holder = await member(db, "holder")
    held = await engine.next_task(holder)
    assert held is not None and held.batch.is_review, "a reviewer holds the review task"

    queue = ReviewQueue(db, clock=ManualClock())
    await queue.decide(receipt.answer_id, accepted=True, moderator_id=moderator.profile_id)

    assert await engine.next_task(await member(db, "r2")) is None, "nobody is served it any more"
    with pytest.raises(LeaseGone):
        await engine.submit(holder, held.token, "approve")
    assert await balance(db, holder.profile_id) == 0
    status = await db.fetch_value("SELECT status FROM answers WHERE id = ?", (receipt.answer_id,))
    assert status == "accepted"
