"""An exam's gold items are answered once each, so they cap how often a member can sit it."""

from __future__ import annotations

from storage.database import Database
from tasks.batches import BatchService
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.tasks.builders import draft

NO_TASKS = "No tasks for you right now. Thank you! Use /notify to hear about new batches."
HOUR = 3600


async def test_a_member_who_used_up_the_exam_items_is_told_there_are_no_tasks(
    db: Database, clock: ManualClock, make_user
) -> None:
    service = BatchService(db, clock=clock)
    exam = QualitySettings(name="pets-exam", exam_size=2, exam_pass_mark=1.0, exam_retry_hours=1)
    gold = {n: "yes" for n in range(4)}  # two attempts' worth
    await service.import_draft(
        draft(Kind.choice, 4, gold=gold, overlap=5, quality=exam, title="Pets exam"),
        activate=True,
    )
    await service.import_draft(
        draft(Kind.choice, 5, overlap=1, quality=QualitySettings(requires=("pets-exam",))),
        activate=True,
    )
    ada = make_user("ada")
    await ada.send("/start")
    await ada.press("I agree")

    for attempt in range(2):
        assert "📋 Pets exam" in ada.last.text, f"attempt {attempt + 1} is served"
        await ada.press("no")
        await ada.press("no")
        assert "📝 Exam not passed: 0 of 2 right." in ada.text
        if attempt == 0:
            assert "You can try again in 1 h." in ada.text
        else:
            assert "You have used all of its questions, so there is no other try." in ada.text
        assert ada.last.text == NO_TASKS, "the cooldown holds the exam back"
        clock.advance(HOUR)
        await ada.send("/task")

    assert ada.text == NO_TASKS, "every exam item is answered: no third attempt, work stays locked"
    newcomer = make_user("bob")
    await newcomer.send("/start")
    await newcomer.press("I agree")
    assert "📋 Pets exam" in newcomer.last.text, "the exam is still open to others"
