"""Each member's live task message: the last task shown to them, whose buttons still act.

A task answered with its own buttons is replaced by the receipt. One answered another way (a
recording sent with /voice, text typed in its answer box, /skip) would keep buttons that only
answer "this task is no longer yours". So the last task message shown to each member is
remembered, and its buttons are removed once another task is shown to them, or once they no
longer hold its lease. An ephemeral message can only be edited through the interaction that
showed it, and only while that interaction's token lives (15 minutes): an older one keeps its
buttons (Discord counts a refused edit against the bot).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import discord

from bots.conversation.live_tasks import LiveTaskMessages

logger = logging.getLogger("microtasks.discord")

KNOWN_MEMBERS = 10_000  # members with a task message shown in the last 15 minutes
TOKEN_MARGIN = datetime.timedelta(seconds=30)  # no edit this close to the token's end

Editable = discord.InteractionMessage | discord.WebhookMessage


@dataclass(frozen=True)
class Shown:
    """A message sent or edited in answer to an interaction."""

    message_id: int
    message: Editable | None  # how to edit it later (None when Discord did not say)
    lease: str | None  # the lease its buttons act on, when it shows a task
    editable_until: datetime.datetime


class LiveTasks:
    """The last task message shown to each member (the most recent members only), forgotten
    once it can no longer be edited."""

    def __init__(self, limit: int = KNOWN_MEMBERS) -> None:
        self._live: LiveTaskMessages[int, Shown] = LiveTaskMessages(
            limit, expired=lambda shown: shown.editable_until <= discord.utils.utcnow()
        )

    async def after(
        self, user_id: int, shown: Sequence[Shown], holds: Callable[[str], Awaitable[bool]]
    ) -> None:
        """Update the member's live task after an interaction showed `shown`.

        `holds(lease)`: whether the member still holds a lease (asked only when the old task
        message was neither replaced nor followed by a new task).
        """
        tasks = [message for message in shown if message.lease is not None]
        if tasks:
            previous = self._live.shown(user_id, tasks[-1])
            if previous is not None and previous.message_id != tasks[-1].message_id:
                await self._retire(previous, {message.message_id for message in shown})
            return
        previous = self._live.get(user_id)
        if previous is None:
            return
        if any(message.message_id == previous.message_id for message in shown):
            self._live.forget(user_id)  # replaced by a receipt: no buttons left
            return
        if previous.lease is not None and not await holds(previous.lease):
            self._live.forget(user_id, previous)  # unless another task was shown meanwhile
            await self._retire(previous, set())

    async def _retire(self, message: Shown, touched: set[int]) -> None:
        """Remove the buttons of a task message no longer live (unless just edited anyway)."""
        if message.message_id in touched or message.message is None:
            return
        if discord.utils.utcnow() >= message.editable_until:
            return  # the token has ended: the edit would only be refused
        try:
            await message.message.edit(view=None)
        except discord.HTTPException as error:  # deleted meanwhile, or the token has ended
            fields = {"status": error.status, "code": error.code}
            logger.info("discord.buttons_kept", extra={"fields": fields})
