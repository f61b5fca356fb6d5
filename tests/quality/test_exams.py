"""An exam unlocks batches; failing it means a cooldown, not a lifetime ban."""

from __future__ import annotations

from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.tasks.builders import draft, member


async def test_passing_the_exam_unlocks_the_batch_that_requires_it(db: Database) -> None:
    clock = ManualClock()
    service = BatchService(db, clock=clock)
    exam = QualitySettings(
        name="sentiment-exam", exam_size=4, exam_pass_mark=0.75, exam_retry_hours=24
    )
    await service.import_draft(
        draft(
            Kind.choice,
            12,
            gold={n: "yes" for n in range(12)},
            overlap=1,
            quality=exam,
            priority=1,
            title="exam",
        ),
        activate=True,
    )
    work = await service.import_draft(
        draft(
            Kind.choice,
            5,
            overlap=1,
            quality=QualitySettings(requires=("sentiment-exam",)),
            priority=5,
            title="work",
        ),
        activate=True,
    )
    engine = TaskEngine(db, clock=clock)
    ada = await member(db, "ada")

    async def sit(answers: list[str]):
        verdict = None
        for value in answers:
            task = await engine.next_task(ada)
            assert task is not None and task.batch.title == "exam"
            verdict = (await engine.submit(ada, task.token, value)).verdict
        return verdict

    failed = await sit(["yes", "no", "no", "yes"])
    assert failed is not None and failed.exam_passed is False and failed.exam_score == (2, 4)
    assert await engine.next_task(ada) is None, "a cooldown follows a failed attempt"

    clock.advance(24 * 3600)
    passed = await sit(["yes", "yes", "yes", "no"])
    assert passed is not None and passed.exam_passed is True

    task = await engine.next_task(ada)
    assert task is not None and task.batch.id == work, "the exam unlocked the work batch"
