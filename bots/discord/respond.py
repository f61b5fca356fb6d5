"""Answering one interaction: in time, to the right person, editing the right message.

Discord wants a first answer within 3 seconds. The conversation usually answers in
milliseconds, and then its first reply is that answer (one HTTP call). When it has not answered
within the configured budget, or the work is known to be slow (downloads, imports, exports), the
interaction is deferred first and the replies follow as followups.

In a server every reply is ephemeral: it concerns the one member who asked. In a direct message
replies are ordinary messages. A reply marked `edit` replaces the message whose button was
pressed or whose answer box was submitted, when that message is the member's own (ephemeral or
in their DMs); a public message such as an announcement is never edited for one member. A
refused press (`Reply.refusal`: stale, forged or repeated) is a new ephemeral message, in a DM
too, and the pressed message, perhaps a task the member still holds, keeps its text and buttons.
What was shown is kept in `shown`, so a task message can lose its buttons later (see
`live_tasks`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

import discord

from bots.conversation.i18n import Translator
from bots.conversation.replies import OutFile, Reply
from bots.discord.live_tasks import TOKEN_MARGIN, Editable, Shown
from bots.discord.render import Message, render, task_lease
from tasks.batch_file import megabytes

T = TypeVar("T")


FROM_A_MESSAGE = (discord.InteractionType.component, discord.InteractionType.modal_submit)


def _is_own_message(interaction: discord.Interaction[Any]) -> bool:
    """True when the interaction came from a message of the member's own that may be updated:
    a button or select on it, or an answer box opened from it.
    """
    message = interaction.message
    if message is None or interaction.type not in FROM_A_MESSAGE:
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
        self.shown: list[Shown] = []

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
            message = await render(reply, t)
            message = self._fitting(message, t)
            if reply.refusal:
                await self._send(message, None, ephemeral=True)
            elif reply.edit and self._source_editable:
                await self._edit(message, task_lease(reply))
            else:
                await self._send(message, task_lease(reply))

    def _record(self, message_id: int | None, message: Editable | None, lease: str | None) -> None:
        if message_id is None:
            return
        until = self.interaction.expires_at - TOKEN_MARGIN
        self.shown.append(Shown(message_id, message, lease, until))

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
                size=megabytes(len(f.content), up=True),
                limit=megabytes(limit),
            )
            for f in too_large
        ]
        kept: tuple[OutFile, ...] = tuple(f for f in message.files if f not in too_large)
        return Message((*message.parts, *notes), message.view, message.embeds, kept)

    async def _edit(self, message: Message, lease: str | None) -> None:
        response = self.interaction.response
        fields: dict[str, Any] = {
            "content": message.text,
            "view": message.view,
            "embeds": list(message.embeds),
            "attachments": message.discord_files(),
        }
        if response.is_done():
            edited = await self.interaction.edit_original_response(**fields)
            self._record(edited.id, edited, lease)
            return
        callback = await response.edit_message(**fields)
        source = self.interaction.message
        resource = callback.resource if callback is not None else None
        handle = resource if isinstance(resource, discord.InteractionMessage) else None
        self._record(source.id if source is not None else None, handle, lease)

    async def _send(
        self, message: Message, lease: str | None, *, ephemeral: bool | None = None
    ) -> None:
        last = len(message.parts) - 1
        for index, part in enumerate(message.parts):
            fields: dict[str, Any] = {
                "content": part,
                "ephemeral": self.ephemeral if ephemeral is None else ephemeral,
            }
            if index == last:
                if message.view is not None:
                    fields["view"] = message.view
                if message.embeds:
                    fields["embeds"] = list(message.embeds)
                if message.files:
                    fields["files"] = message.discord_files()
            message_id, handle = await self._post(fields)
            if index == last:
                self._record(message_id, handle, lease)

    async def _post(self, fields: dict[str, Any]) -> tuple[int | None, Editable | None]:
        """Send one message; its id, and how to edit it later."""
        response = self.interaction.response
        if response.is_done():
            sent = await self.interaction.followup.send(wait=True, **fields)
            return sent.id, sent
        callback = await response.send_message(**fields)
        self._source_editable = False  # the original is now this new message
        resource = callback.resource
        handle = resource if isinstance(resource, discord.InteractionMessage) else None
        return callback.message_id, handle
