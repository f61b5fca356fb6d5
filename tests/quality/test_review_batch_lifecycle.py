"""A text batch's review batch follows its lifecycle: a draft's reviews are a draft, they open
and pause with it, and a closed batch's answers are still reviewed."""

from __future__ import annotations

from storage.database import Database
from tasks.batches import BatchService, Transition
from tasks.kinds import Kind
from tests.tasks.builders import draft


async def test_a_review_batch_opens_and_pauses_with_its_batch_and_outlives_its_closing(
    db: Database,
) -> None:
    batches = BatchService(db)
    text_id = await batches.import_draft(draft(Kind.text, 2, title="Prompts"), activate=False)
    review_id = (await batches.get(text_id)).review_batch_id
    assert review_id is not None

    async def states() -> tuple[str, str]:
        return (await batches.get(text_id)).state, (await batches.get(review_id)).state

    overview = await batches.overview(review_id)
    assert await states() == ("draft", "draft")
    assert overview.percent == 0.0, "nothing to review is not 100% done"

    for transition, expected in (
        (Transition.activate, ("active", "active")),
        (Transition.pause, ("paused", "paused")),
        (Transition.resume, ("active", "active")),
        (Transition.close, ("closed", "active")),
    ):
        await batches.change(text_id, transition)
        assert await states() == expected, transition


async def test_a_scheduled_batch_opens_with_its_reviews(db: Database) -> None:
    batches = BatchService(db, clock=lambda: 2_000_000_000.0)
    text_id = await batches.import_draft(
        draft(Kind.text, 2, activate_at=1_900_000_000.0), activate=False
    )
    review_id = (await batches.get(text_id)).review_batch_id
    assert review_id is not None

    assert await batches.activate_due() == [text_id]
    assert (await batches.get(review_id)).state == "active"
