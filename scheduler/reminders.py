"""Streak reminders, for members who opted in: you had work accepted yesterday and none yet
today; one task keeps your streak. One reminder per member and day, through the outbox."""

from __future__ import annotations

from collections.abc import Callable

from storage import scheduler as store
from storage.database import Database
from tasks.standing import DAY, streak_from

REMINDER_KEY = "scheduler.streak_reminder"


async def remind_streaks(db: Database, *, clock: Callable[[], float]) -> str:
    now = clock()
    today = int(now // DAY)
    candidates = await store.reminder_candidates(db, today)
    streaks = {pid: streak_from(days, today) for pid, days in candidates.items()}
    queued = await store.queue_reminders(
        db, {pid: s for pid, s in streaks.items() if s > 0}, today, REMINDER_KEY, now
    )
    return f"streak reminders queued {queued}"
