"""The database a CLI test's commands wrote (./data/microtasks.db), opened for one piece of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from storage.database import Database

T = TypeVar("T")


def with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    async def main() -> T:
        db = await Database.open(Path("data") / "microtasks.db")
        try:
            return await work(db)
        finally:
            await db.close()

    return asyncio.run(main())
