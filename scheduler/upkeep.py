"""Lease upkeep: end leases whose time is up, and offer starved items again.

An expired lease's slot is free again at once (the claim also ignores expired leases, so this
is about keeping the records and the progress numbers true). A starved item is an open item of an
active batch that nobody has leased for `starved_after` seconds while members skipped it: their
old skips are forgotten, so it is offered to them again.
"""

from __future__ import annotations

from collections.abc import Callable

from storage import assignment as store
from storage.database import Database


async def tend_leases(db: Database, *, clock: Callable[[], float], starved_after: float) -> str:
    now = clock()
    expired = await store.release_expired_leases(db, now)
    forgotten = await store.reoffer_starved_items(db, now, starved_after)
    return f"leases expired {expired}, skips forgotten {forgotten}"
