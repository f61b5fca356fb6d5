"""Announcements in the configured channel, with a Start button anyone can press."""

from __future__ import annotations

import discord

from bots.conversation.callbacks import Action, encode
from bots.conversation.i18n import Translator, pick_language
from bots.conversation.text_limits import shorten
from bots.discord.components import PressButton
from bots.discord.render import MAX_CONTENT, discord_commands


class AnnounceError(RuntimeError):
    """The announcement channel is not set, not found, or not a text channel."""


async def post(
    client: discord.Client, channel_id: int, text: str, batch_id: int
) -> discord.Message:
    """Post `text` with a Start button whose press asks the conversation for a task of the batch.

    The button label follows the server's preferred language.
    """
    channel = client.get_channel(channel_id)
    if channel is None:
        try:
            channel = await client.fetch_channel(channel_id)
        except discord.HTTPException as missing:
            raise AnnounceError(f"announcement channel {channel_id} not found") from missing
    if not isinstance(channel, discord.abc.Messageable):
        raise AnnounceError(f"channel {channel_id} cannot hold messages")
    guild = getattr(channel, "guild", None)
    language = pick_language(guild.preferred_locale.value if guild else None)
    start = PressButton(
        encode(Action.task, str(batch_id)),
        Translator(language)("button.task"),
        discord.ButtonStyle.success,
    )
    view = discord.ui.View(timeout=None)
    view.add_item(start)
    return await channel.send(shorten(discord_commands(text), MAX_CONTENT), view=view)
