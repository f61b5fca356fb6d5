"""New-batch notices for members who asked for them (/notify), through the notification outbox.

Each subscriber is owed one notice per announced batch, on the platforms the batch is offered on.
Notices are queued at most `per_minute` per platform in any minute; the rest wait for the next
round, so a large community is told over a few minutes instead of in one burst.
"""

from __future__ import annotations

from collections.abc import Callable

from storage import scheduler as store
from storage.database import Database

NOTICE_KEY = "scheduler.batch_new"


async def queue_notices(db: Database, *, clock: Callable[[], float], per_minute: int) -> str:
    queued = await store.queue_notices(db, clock(), per_minute, NOTICE_KEY)
    if not queued:
        return "no notices owed"
    return "notices queued: " + ", ".join(f"{p} {n}" for p, n in sorted(queued.items()))
