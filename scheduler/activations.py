"""Scheduled activation of batches, then one announcement per community channel.

A batch whose "activate at" time has come is activated (a member asking for work activates it
too). Every batch that became active, on its schedule or by hand, is recorded as announced-to-be
in the database, and posted once on each platform whose adapter can announce and that the batch
is offered on. A post is marked `sending` before it goes out and `sent` after: a crash in between
never posts twice (at most once), and a post that failed outright is tried again on the next
rounds, a few times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from scheduler.outlets import Announcer, Translate
from storage import scheduler as store
from storage.batches import BatchRow
from storage.database import Database
from tasks.batches import BatchService

logger = logging.getLogger("microtasks.scheduler")
ANNOUNCE_KEY = "scheduler.announce"


def announcement(batch: BatchRow, language: str, translate: Translate) -> str:
    """The announcement's text; each platform's adapter fits it to its own message limit."""
    return translate(
        ANNOUNCE_KEY, [language], title=batch.title, instructions=batch.instructions, batch=batch.id
    )


def offered_on(batch: BatchRow, platform: str) -> bool:
    return not batch.audience or platform in batch.audience


async def activate_and_announce(
    db: Database,
    announcers: Sequence[Announcer],
    *,
    clock: Callable[[], float],
    language: str,
    translate: Translate,
    attempts: int,
) -> str:
    activated = await BatchService(db, clock=clock).activate_due()
    queued = await store.queue_announcements(db, clock())
    posted = failed = 0
    for announcer in announcers:
        ready = getattr(announcer, "ready", None)  # an adapter still connecting: next round
        if ready is not None and hasattr(ready, "is_set") and not ready.is_set():
            continue
        for batch in await store.posts_owed(db, announcer.name, attempts):
            if not offered_on(batch, announcer.name):
                continue
            if not await store.begin_post(db, batch.id, announcer.name, clock()):
                continue  # another process is posting it, or has
            try:
                await announcer.announce(announcement(batch, language, translate), batch.id)
            except Exception as error:
                failed += 1
                logger.warning(
                    "scheduler.announce_failed",
                    extra={
                        "fields": {
                            "batch": batch.id,
                            "platform": announcer.name,
                            "error": f"{type(error).__name__}: {error}",
                        }
                    },
                )
                await store.end_post(db, batch.id, announcer.name, clock(), str(error) or "error")
                continue
            await store.end_post(db, batch.id, announcer.name, clock())
            logger.info(
                "scheduler.announced",
                extra={"fields": {"batch": batch.id, "platform": announcer.name}},
            )
            posted += 1
    return (
        f"activated {len(activated)}, newly announced {len(queued)}, posts sent {posted}, "
        f"failed {failed}"
    )
