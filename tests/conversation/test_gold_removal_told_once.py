"""A member removed by gold checks is told once, why, in the reply to the answer that did it."""

from __future__ import annotations

from storage.database import Database
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.tasks.builders import active_batch


async def test_a_member_removed_by_gold_checks_reads_why_once(db: Database, make_user) -> None:
    every_item_gold = {n: "yes" for n in range(4)}
    await active_batch(
        db,
        Kind.choice,
        items=4,
        overlap=1,
        gold=every_item_gold,
        title="Spam or not",
        quality=QualitySettings(min_gold_answers=3, accuracy_threshold=0.9),
    )
    eve = make_user("eve")
    await eve.send("/start")
    await eve.press("I agree")
    for _ in range(3):
        await eve.press("no")  # every check item wrong

    assert eve.text.splitlines()[0] == (
        "⛔ You were removed from “Spam or not”: 0 of 3 check items were right, below the 90%"
        " this batch needs. Your answers in it do not count."
    )
    assert await db.fetch_value("SELECT count(*) FROM notifications") == 0, "no second notice"
