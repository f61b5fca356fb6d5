"""Answering one interaction: in time, to the right person, editing the right message.

Discord wants a first answer within 3 seconds. The conversation usually answers in
milliseconds, and then its first reply is that answer (one HTTP call). When it has not answered
within the configured budget, or the work is known to be slow (downloads, imports, exports), the
interaction is deferred first and the replies follow as followups.

In a server every reply is ephemeral: it concerns the one member who asked. In a direct message
replies are ordinary messages. A reply marked `edit` replaces the message whose button was
pressed, when that message is the member's own (ephemeral or in their DMs); a public message
such as an announcement is never edited for one member.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

from bots.conversation.i18n import Translator
from bots.conversation.replies import OutFile, Reply
from bots.discord.render import Message, render

T = TypeVar("T")


def _is_own_message(interaction: discord.Interaction[Any]) -> bool:
    message = interaction.message
    if message is None or interaction.type is not discord.InteractionType.component:
        return False
    return message.flags.ephemeral or interaction.guild is None


class Answer:
    """The replies to one interaction, delivered through whatever Discord allows next."""

    def __init__(self, interaction: discord.Interaction[Any], *, budget: float) -> None:
        self.interaction = interaction
        self.budget = budget
        self.ephemeral = interaction.guild is not None
        # True while the interaction's "original" message is the pressed one, so an edit lands
        # on it: before any response, and after a deferred update.
        self._source_editable = _is_own_message(interaction)

    async def defer(self) -> None:
        """Acknowledge now; the replies follow (no-op once acknowledged)."""
        response = self.interaction.response
        if response.is_done():
            return
        if self._source_editable:
            await response.defer()  # a deferred update: the pressed message stays editable
        else:
            await response.defer(ephemeral=self.ephemeral, thinking=True)

    async def within_budget(self, work: Awaitable[T]) -> T:
        """The result of `work`, deferring the interaction if it takes longer than the budget."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.budget)
        if not done:
            try:
                await self.defer()
            finally:
                await asyncio.wait({task})  # an answer being saved is never abandoned
        return task.result()

    async def deliver(self, replies: list[Reply], t: Translator | None) -> None:
        for reply in replies:
            message = render(reply, t)
            message = self._fitting(message, t)
            if reply.edit and self._source_editable:
                await self._edit(message)
            else:
                await self._send(message)

    def _fitting(self, message: Message, t: Translator | None) -> Message:
        """The message without files larger than Discord accepts here, saying so instead."""
        limit = self.interaction.filesize_limit
        too_large = [f for f in message.files if len(f.content) > limit]
        if not too_large or t is None:
            return message
        notes = [
            t(
                "discord.file_too_large",
                filename=f.filename,
                size=_megabytes(len(f.content)),
                limit=_megabytes(limit),
            )
            for f in too_large
        ]
        kept: tuple[OutFile, ...] = tuple(f for f in message.files if f not in too_large)
        return Message((*message.parts, *notes), message.view, message.embeds, kept)

    async def _edit(self, message: Message) -> None:
        response = self.interaction.response
        fields: dict[str, Any] = {
            "content": message.text,
            "view": message.view,
            "embeds": list(message.embeds),
            "attachments": message.discord_files(),
        }
        if response.is_done():
            await self.interaction.edit_original_response(**fields)
        else:
            await response.edit_message(**fields)

    async def _send(self, message: Message) -> None:
        last = len(message.parts) - 1
        for index, part in enumerate(message.parts):
            fields: dict[str, Any] = {"content": part, "ephemeral": self.ephemeral}
            if index == last:
                if message.view is not None:
                    fields["view"] = message.view
                if message.embeds:
                    fields["embeds"] = list(message.embeds)
                if message.files:
                    fields["files"] = message.discord_files()
            await self._post(fields)

    async def _post(self, fields: dict[str, Any]) -> None:
        response = self.interaction.response
        if response.is_done():
            await self.interaction.followup.send(wait=True, **fields)
        else:
            await response.send_message(**fields)
            self._source_editable = False  # the original is now this new message


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"
