"""/progress counts gold items and their answers beside the work, as /export does, and says
which numbers make the batch complete."""

from __future__ import annotations

from storage.database import Database
from tasks.kinds import Kind
from tests.tasks.builders import active_batch


async def test_progress_shows_gold_items_and_answers_beside_the_ones_that_complete_the_batch(
    db: Database, make_user
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=3, overlap=1, gold={2: "yes"})
    ada, mod = make_user("ada"), make_user("900")  # 900: a moderator by the settings
    await ada.send("/start")
    await ada.press("I agree")
    for _ in range(3):
        await ada.press("yes")

    await mod.send(f"/export {batch_id}")
    exported = mod.last.files[0].content.decode().splitlines()
    await mod.send(f"/progress {batch_id}")
    lines = mod.text.splitlines()
    assert lines[1] == "Items: 2 + 1 gold, complete: 2 of 2"
    assert lines[2] == (
        "Answers: 2 of 2 (100%) + 1 on gold items; surplus: 0, not accepted: 0,"
        " waiting for review: 0"
    )
    assert lines[-1] == (
        'Completion counts the items and answers before the "+"; gold items check members and'
        " are not part of it (exports list them too)."
    )
    assert len(exported) == 3, "the export holds the two answers and the gold one"


async def test_answers_refused_by_quality_checks_are_not_accepted_rather_than_surplus(
    db: Database, make_user
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=3, overlap=1, min_seconds=30)
    ada, mod = make_user("ada"), make_user("900")
    await ada.send("/start")
    await ada.press("I agree")
    for _ in range(2):
        await ada.press("yes")  # at once: faster than the batch allows

    await mod.send(f"/progress {batch_id}")
    assert mod.text.splitlines()[2] == (
        "Answers: 0 of 3 (0%) + 0 on gold items; surplus: 0, not accepted: 2, waiting for review: 0"
    )
