"""Owed messages (payouts, rejections, new batches) delivered to people's private chats.

A small loop: once at start, then every few seconds. Each message is sent, then marked sent; a
crash between the two sends it again after a restart (at least once, never lost).

A 403 (the member blocked the bot, or never opened a chat with it) and a 400 (the chat does not
exist) will not change by retrying: the message is marked with `sent_via` `telegram:forbidden` or
`telegram:refused` instead of `telegram`, so the record says what happened, and the queue is not
clogged (the oldest unsent messages come first: retrying the undeliverable forever would starve
everyone behind them). The member still sees balances and payouts with /me. Anything else (a
429 the rate limiter could not wait out, a network failure) leaves the message unsent for the
next round.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bots.conversation.context import Services
from bots.conversation.outbox import Outgoing, deliver_every, deliver_round
from bots.conversation.text_limits import shorten
from bots.telegram.events import PLATFORM
from bots.telegram.render import TEXT_LIMIT

logger = logging.getLogger("microtasks.telegram")
FORBIDDEN = f"{PLATFORM}:forbidden"
REFUSED = f"{PLATFORM}:refused"


class OutboxCourier:
    def __init__(self, services: Services, bot: Bot, *, interval: float = 5.0):
        self.services = services
        self.bot = bot
        self.interval = interval

    async def run(self, stop: asyncio.Event) -> None:
        await deliver_every(
            stop, self.interval, self.deliver_owed, logger, "telegram.outbox_failed"
        )

    async def deliver_owed(self) -> int:
        """Send what is owed now; how many were delivered."""
        return await deliver_round(self.services, PLATFORM, self._send)

    async def _send(self, outgoing: Outgoing) -> str | None:
        """The `sent_via` to record, or None to try again later."""
        fields: dict[str, object] = {"notification": outgoing.notification_id}
        try:
            await self.bot.send_message(
                int(outgoing.external_id), shorten(outgoing.text, TEXT_LIMIT)
            )
        except Forbidden as error:
            logger.info(
                "telegram.notice_undeliverable", extra={"fields": {**fields, "error": str(error)}}
            )
            return FORBIDDEN
        except (BadRequest, ValueError) as error:
            logger.warning(
                "telegram.notice_refused", extra={"fields": {**fields, "error": str(error)}}
            )
            return REFUSED
        except TelegramError as error:
            logger.warning(
                "telegram.notice_postponed", extra={"fields": {**fields, "error": str(error)}}
            )
            return None
        return PLATFORM
