"""Who is asking: a Discord interaction's user as the conversation's `Sender`."""

from __future__ import annotations

from typing import Any

import discord

from bots.conversation.events import Sender

PLATFORM = "discord"


def has_role(user: discord.User | discord.Member, role: str) -> bool:
    """True when `user` is a guild member holding `role` (given by name or by id)."""
    roles = user.roles if isinstance(user, discord.Member) else []
    wanted = role.strip()
    return bool(wanted) and any(r.name == wanted or str(r.id) == wanted for r in roles)


def sender_of(interaction: discord.Interaction[Any], moderator_role: str) -> Sender:
    """The person behind an interaction. Roles come with the interaction (no members intent)."""
    user = interaction.user
    return Sender(
        PLATFORM,
        str(user.id),
        display_name=user.display_name,
        username=user.name,
        language=interaction.locale.value,
        platform_moderator=has_role(user, moderator_role),
    )


def modal_values(interaction: discord.Interaction[Any]) -> dict[str, str]:
    """The text inputs of a submitted modal, by custom_id, from the raw interaction data.

    Read here rather than through a `discord.ui.Modal` instance, so an answer typed into a
    modal that was opened before a restart still arrives.
    """
    data: Any = interaction.data or {}
    values: dict[str, str] = {}
    pending = list(data.get("components") or [])
    while pending:
        component = pending.pop(0)
        pending.extend(component.get("components") or [])
        if component.get("component"):
            pending.append(component["component"])
        if component.get("type") == discord.ComponentType.text_input.value:
            values[component["custom_id"]] = component.get("value") or ""
    return values
