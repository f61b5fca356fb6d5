"""What buttons and commands need from the running client, without importing it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, cast

import discord

from bots.conversation.core import Conversation
from bots.conversation.events import Event, Sender
from bots.conversation.i18n import Translator
from bots.conversation.replies import Reply
from bots.discord.config import DiscordConfig

Work = Callable[[Sender], Awaitable[list[Reply]]]


class Host(Protocol):
    conversation: Conversation
    config: DiscordConfig

    async def ask(
        self,
        interaction: discord.Interaction[Any],
        event_of: Callable[[Sender], Event],
        *,
        defer_first: bool = False,
    ) -> None:
        """Hand the conversation one event and show its replies."""
        ...

    async def serve(
        self, interaction: discord.Interaction[Any], work: Work, *, defer_first: bool = False
    ) -> None:
        """Run `work` for the person behind the interaction and show the replies it returns."""
        ...

    async def words(self, sender: Sender) -> Translator:
        """The person's own language, for the few words the Discord adapter adds itself."""
        ...


def host_of(interaction: discord.Interaction[Any]) -> Host:
    return cast(Host, interaction.client)
