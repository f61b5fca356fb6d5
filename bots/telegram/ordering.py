"""Many members at once, each member's updates in order.

python-telegram-bot handles one update at a time unless told otherwise; that would make every
member wait for every other member's database and network round trips. This processor runs
updates concurrently, but one member's updates one after another, in the order they arrived, so
ten quick taps are ten answers in sequence.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerMemberOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._queued: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await coroutine
            return
        lock = self._locks.setdefault(user.id, asyncio.Lock())  # FIFO: arrival order is kept
        self._queued[user.id] = self._queued.get(user.id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[user.id] -= 1
            if not self._queued[user.id]:
                del self._queued[user.id], self._locks[user.id]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
