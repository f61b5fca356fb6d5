"""A batch with a minimum level is offered only once a member's record has reached that level."""

from __future__ import annotations

from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tasks.levels import LEVELS
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.tasks.builders import draft, member

LEVEL_ONE_ANSWERS = LEVELS[0][1]


async def test_the_advanced_batch_opens_at_level_one(db: Database) -> None:
    clock = ManualClock()
    service = BatchService(db, clock=clock)
    await service.import_draft(
        draft(Kind.choice, 40, overlap=2, title="starter", priority=0), activate=True
    )
    advanced = await service.import_draft(
        draft(
            Kind.choice,
            5,
            overlap=2,
            title="advanced",
            priority=9,
            quality=QualitySettings(min_level=1),
        ),
        activate=True,
    )
    engine = TaskEngine(db, clock=clock)
    ada, bob = await member(db, "ada"), await member(db, "bob")

    for _ in range(LEVEL_ONE_ANSWERS):
        task = await engine.next_task(ada)
        assert task is not None and task.batch.title == "starter", "level 0 sees no advanced work"
        assert (await engine.submit(ada, task.token, "yes")).counted

    task = await engine.next_task(ada)
    assert task is not None and task.batch.id == advanced, "ten accepted answers reach level 1"
    newcomer_task = await engine.next_task(bob)
    assert newcomer_task is not None and newcomer_task.batch.title == "starter"
