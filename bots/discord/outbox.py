"""Owed notifications (payouts, new batches, rejections) delivered by direct message.

Every round takes the messages owed to people with a Discord account, sends each as a DM and
records the delivery. When Discord refuses a DM for good (the member closed DMs from server
members, blocked the bot, left every shared server, or the account is gone: 403 or 404), the
notification is recorded as handled, with `sent_via` `discord:forbidden` (403) or
`discord:refused` (404, a bad id) instead of `discord`, and a warning is logged: retrying would
fail the same way every few seconds, and Discord bans bots that keep making refused requests.
Such members still see their state with /me and /wallet. Any other failure (5xx, network)
leaves the rest of the round for the next one.
"""

from __future__ import annotations

import asyncio
import logging

import discord

from bots.conversation.context import Services
from bots.conversation.outbox import Outgoing, deliver_every, deliver_round
from bots.conversation.text_limits import shorten
from bots.discord.events import PLATFORM
from bots.discord.render import MAX_CONTENT, discord_commands

logger = logging.getLogger("microtasks.discord")
FORBIDDEN = f"{PLATFORM}:forbidden"
REFUSED = f"{PLATFORM}:refused"


async def deliver_owed(client: discord.Client, services: Services, limit: int = 50) -> int:
    """One round: send what is owed; the number of messages Discord accepted."""

    async def send(owed: Outgoing) -> str | None:
        fields = {"notification_id": owed.notification_id, "user_id": owed.external_id}
        try:
            channel = await client.create_dm(discord.Object(int(owed.external_id)))
            await channel.send(shorten(discord_commands(owed.text), MAX_CONTENT))
        except (discord.Forbidden, discord.NotFound, ValueError) as refused:
            code = getattr(refused, "code", None)
            logger.warning("discord.dm_refused", extra={"fields": {**fields, "code": code}})
            return FORBIDDEN if isinstance(refused, discord.Forbidden) else REFUSED
        except discord.HTTPException as failed:
            logger.warning(
                "discord.dm_failed", extra={"fields": {**fields, "status": failed.status}}
            )
            return None
        return PLATFORM

    return await deliver_round(services, PLATFORM, send, limit=limit)


async def deliver_until(
    client: discord.Client, services: Services, stop: asyncio.Event, interval: float
) -> None:
    """Deliver a round every `interval` seconds once the client is ready, until `stop`."""
    await client.wait_until_ready()
    await deliver_every(
        stop, interval, lambda: deliver_owed(client, services), logger, "discord.outbox_failed"
    )
