"""Who moderates on Telegram: the administrators of the community chat, looked up now and then.

The ids listed in MODERATORS are the core's business (`Services.moderator_ids`); this adds the
people Telegram itself calls administrators of the configured group or channel.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from telegram import Bot
from telegram.error import TelegramError

logger = logging.getLogger("microtasks.telegram")


class CommunityAdmins:
    """getChatAdministrators for the community chat, cached for `ttl` seconds.

    A failed lookup (the bot is not in the chat, Telegram is down) counts as "no administrators"
    until the next lookup, and is logged: nobody becomes a moderator by an error. `learned` hears
    the ids of every successful lookup (to give those people the moderator menu).
    """

    def __init__(
        self,
        bot: Bot,
        chat: int | str | None,
        *,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        learned: Callable[[frozenset[int]], None] | None = None,
    ):
        self.bot = bot
        self.chat = chat
        self.ttl = ttl
        self.clock = clock
        self.learned = learned
        self._ids: frozenset[int] = frozenset()
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def includes(self, user_id: int) -> bool:
        return user_id in await self.ids()

    async def ids(self) -> frozenset[int]:
        if self.chat is None:
            return frozenset()
        async with self._lock:  # one lookup at a time, however many members press at once
            if self._fetched_at is None or self.clock() - self._fetched_at >= self.ttl:
                self._ids = await self._fetch()
                self._fetched_at = self.clock()
            return self._ids

    async def _fetch(self) -> frozenset[int]:
        assert self.chat is not None
        try:
            members = await self.bot.get_chat_administrators(self.chat)
        except TelegramError as error:
            fields = {"chat": self.chat, "error": str(error)}
            logger.warning("telegram.admins_unavailable", extra={"fields": fields})
            return frozenset()
        ids = frozenset(member.user.id for member in members if not member.user.is_bot)
        if self.learned is not None:
            self.learned(ids)
        return ids
