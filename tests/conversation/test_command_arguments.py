"""A moderator's command with a wrong argument is refused with what to type, never guessed."""

from __future__ import annotations

from storage.database import Database
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.tasks.builders import active_batch


async def test_an_export_in_a_format_there_is_not_is_refused_with_the_formats_there_are(
    db: Database, make_user
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=2, overlap=1)
    mod = make_user("900")  # a moderator by the settings

    await mod.send(f"/export {batch_id} xml")
    assert mod.text == (
        f'I cannot export as "xml". Write /export {batch_id} for JSONL'
        f" or /export {batch_id} csv for CSV."
    )
    assert mod.last.files == ()

    await mod.send(f"/export {batch_id} CSV")
    assert [f.filename for f in mod.last.files] == [f"batch-{batch_id}.csv"]
    await mod.send(f"/export {batch_id} jsonl")
    assert [f.filename for f in mod.last.files] == [f"batch-{batch_id}.jsonl"]


async def test_a_rejection_without_a_reason_is_refused_and_the_answer_stays_pending(
    db: Database, make_user
) -> None:
    await active_batch(
        db, Kind.text, items=1, overlap=1, quality=QualitySettings(review_overlap=1), title="Tips"
    )
    ada, mod = make_user("ada"), make_user("900")
    await ada.send("/start")
    await ada.press("I agree")
    await ada.send("Drink water before you are thirsty")
    answer_id = await db.fetch_value("SELECT max(id) FROM answers")

    await mod.send(f"/reject {answer_id}")
    assert mod.text == (
        f"Say why after the number, for example: /reject {answer_id} off topic."
        " The member reads the reason."
    )
    await mod.send("/reviews")
    assert f"#{answer_id} · Tips · Drink water" in mod.text, "still waiting for a decision"

    await mod.send(f"/reject {answer_id} not a tip about the brief")
    assert mod.text == f"Answer #{answer_id} is now not accepted."


async def test_a_decision_without_an_answer_number_names_the_command_typed(
    db: Database, make_user
) -> None:
    mod = make_user("900")  # a moderator by the settings

    for typed in ("/reject", "/reject abc", "/reject abc off topic"):
        await mod.send(typed)
        assert mod.text == (
            "Write the answer number and why, for example: /reject 12 off topic."
            " The member reads the reason."
        ), typed
    await mod.send("/accept")
    assert mod.text == "Write the answer number, for example: /accept 12"
    await mod.send("/overturn x")
    assert mod.text == "Write the answer number, for example: /overturn 12"
