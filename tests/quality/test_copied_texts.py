"""Copied texts are refused the same way before and after a restart, within the batch's scope."""

from __future__ import annotations

import pytest

from storage.database import Database
from tasks.engine import Member, TaskEngine
from tasks.kinds import Kind
from tasks.problems import InputError
from tasks.quality_settings import QualitySettings
from tasks.review_queue import ReviewQueue
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member

PROMPT = "Write a limerick about a cat who loves jazz."


async def write(engine: TaskEngine, who: Member, text: str, batch_id: int | None = None):
    """Write `text` for the next task of the batch (skipping other tasks on the way)."""
    while (task := await engine.next_task(who)) is not None:
        if task.batch.kind is Kind.text and batch_id in (None, task.batch.id):
            return await engine.submit(who, task.token, text)
        await engine.skip(who, task.token)
    raise AssertionError(f"no text task in batch {batch_id}")


async def test_a_rejected_text_still_counts_as_written_before_and_after_a_restart(
    db: Database,
) -> None:
    await active_batch(db, Kind.text, items=3, overlap=1)
    ada, bob, moderator = [await member(db, name) for name in ("ada", "bob", "mod")]
    receipt = await write(TaskEngine(db, clock=ManualClock()), ada, PROMPT)
    assert receipt.answer_id is not None
    await ReviewQueue(db).decide(
        receipt.answer_id, accepted=False, moderator_id=moderator.profile_id, reason="off topic"
    )

    for engine in (TaskEngine(db, clock=ManualClock()), TaskEngine(db, clock=ManualClock())):
        with pytest.raises(InputError, match="very close to, an answer already given"):
            await write(engine, bob, "write a limerick about a CAT who loves jazz")
        with pytest.raises(InputError, match="very close to"):
            await write(engine, bob, PROMPT)


async def test_copies_are_looked_for_in_the_batch_in_every_batch_or_not_at_all(
    db: Database,
) -> None:
    first = await active_batch(db, Kind.text, items=1, overlap=1, priority=3)
    everywhere = await active_batch(
        db,
        Kind.text,
        items=1,
        overlap=1,
        priority=2,
        quality=QualitySettings(duplicate_scope="all"),
    )
    per_batch = await active_batch(db, Kind.text, items=1, overlap=1, priority=1)
    translations = await active_batch(
        db, Kind.text, items=1, overlap=3, quality=QualitySettings(duplicate_scope="off")
    )
    engine = TaskEngine(db, clock=ManualClock())
    ada, bob, cy = [await member(db, name) for name in ("ada", "bob", "cy")]

    await write(engine, ada, PROMPT, first)
    with pytest.raises(InputError, match="very close to"):
        await write(engine, bob, PROMPT, everywhere)
    assert (await write(engine, bob, PROMPT, per_batch)).stored, "another batch's text is fine"

    for who in (ada, bob, cy):
        assert (await write(engine, who, "Guten Morgen, Welt!", translations)).stored
