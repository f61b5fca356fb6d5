"""The one error handler: log what went wrong, tell the person briefly, never leak details."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bots.conversation.i18n import Translator, pick_language

logger = logging.getLogger("microtasks.discord")


async def report(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Log a failed interaction and, if Discord still lets us, apologise to the person."""
    fields = {
        "interaction_type": interaction.type.name,
        "user_id": interaction.user.id,
        "error": type(error).__name__,
    }
    logger.error("discord.interaction_failed", exc_info=error, extra={"fields": fields})
    apology = Translator(pick_language(interaction.locale.value))("error.sorry")
    try:
        if interaction.response.is_done():
            await interaction.followup.send(apology, ephemeral=True)
        else:
            await interaction.response.send_message(apology, ephemeral=True)
    except discord.HTTPException as failed:
        # Typically the interaction expired (10062): the person sees Discord's own notice.
        logger.warning(
            "discord.apology_failed", extra={"fields": {**fields, "status": failed.status}}
        )


async def on_tree_error(
    interaction: discord.Interaction[Any], error: app_commands.AppCommandError
) -> None:
    """`CommandTree.on_error`: the same handler for slash commands."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    await report(interaction, original)
