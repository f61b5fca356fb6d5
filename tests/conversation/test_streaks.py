"""A member who labels day after day sees the streak grow in /me, and a missed day ends it."""

from __future__ import annotations

from storage.database import Database
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch

DAY = 86400


async def label_one(user: ChatUser) -> None:
    await user.send("/task")
    await user.press("yes")
    assert user.replies[0].text.startswith("✅ Saved: ")


async def streak(user: ChatUser) -> str:
    await user.send("/me")
    [line] = [line for line in user.text.splitlines() if line.startswith("Streak:")]
    return line


async def test_a_streak_counts_days_in_a_row_with_accepted_work(
    db: Database, clock: ManualClock, make_user
) -> None:
    await active_batch(db, Kind.choice, items=30, overlap=1)
    ada = make_user("ada")
    await ada.send("/start")
    await ada.press("I agree")
    assert await streak(ada) == "Streak: 0 days in a row"

    for day in range(1, 4):
        await label_one(ada)
        await label_one(ada)  # a second answer the same day adds no day
        assert await streak(ada) == f"Streak: {day} {'day' if day == 1 else 'days'} in a row"
        clock.advance(DAY)

    assert await streak(ada) == "Streak: 3 days in a row", "today may still come"
    clock.advance(DAY)
    assert await streak(ada) == "Streak: 0 days in a row", "a whole day was missed"

    await label_one(ada)
    assert await streak(ada) == "Streak: 1 day in a row"
