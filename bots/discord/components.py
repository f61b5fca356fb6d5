"""Buttons, the label select and the answer modal, routed by their custom_id.

Every button and select is a `DynamicItem`: its state lives in its custom_id and the client
registers the templates at start-up, so a message keeps working after a restart.

* `PressButton` carries the conversation's own button data (`v1:<action>:<ref>:<arg>`).
* `LabelSelect` (`dc1:multi:<lease>`) answers a multi-label task; its values are label indexes
  and it sends the same press the core's Submit button would.
* `AnswerSelect` (`dc1:pick:<lease>`) holds the answers of a task with more answer buttons than
  Discord's rows allow (a choice of up to 25 labels); choosing one is pressing its button.
* `WriteButton` (`dc1:write:<lease>`) opens `AnswerModal` (`dc1:text:<lease>`) for a text task.
  The modal's submission is read from the raw interaction (see `events.modal_values`), so it too
  survives a restart, and it answers that lease only (never whatever task is held by then).
* `ReplyButton` (`dc1:reply`) opens the same kind of box (`dc1:text:reply`) for a reply the
  conversation waits for outside a task (the signature of a wallet link): free typed text.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, Protocol

import discord

from bots.conversation.callbacks import Action, encode
from bots.conversation.events import Press
from bots.conversation.i18n import Translator, pick_language
from bots.conversation.text_limits import shorten
from bots.discord.errors import report
from bots.discord.events import sender_of
from bots.discord.host import host_of

LEASE = r"(?P<token>[A-Za-z0-9_-]{1,40})"
MODAL_PREFIX = "dc1:text:"  # then the lease of the task answered, or REPLY_BOX
REPLY_BOX = "reply"  # the box for a reply outside a task: free text
ANSWER_INPUT = "answer"
MAX_LABEL = 80  # Discord: button labels and select option labels
MAX_TEXT_ANSWER = 4000  # Discord: the longest text input
MAX_TITLE = 45  # Discord: modal titles and text input labels


class _MadeFromLease(Protocol):
    """What `_LeaseItem` asks of the classes it is mixed into: built from the lease alone."""

    def __init__(self, token: str) -> None: ...


class _LeaseItem:
    """An item whose custom_id names a lease (`template` captures `token`): after a restart
    discord.py rebuilds it from that alone."""

    @classmethod
    async def from_custom_id(
        cls: type[_MadeFromLease],
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> Any:
        return cls(match["token"])


class PressButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"v1:(?P<action>[a-z]):(?P<ref>[^:]*):(?P<arg>[^:]*)",
):
    """A button of the conversation: pressing it hands the core its data as a `Press`."""

    def __init__(
        self,
        data: str,
        label: str = "…",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> None:
        super().__init__(
            discord.ui.Button(label=shorten(label, MAX_LABEL), style=style, custom_id=data),
            row=row,
        )
        self.data = data

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> PressButton:
        return cls(match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await host_of(interaction).ask(interaction, lambda sender: Press(sender, self.data))


class LabelSelect(
    _LeaseItem, discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"dc1:multi:" + LEASE
):
    """The labels of a multi task in one select menu; choosing them submits the answer."""

    def __init__(
        self,
        token: str,
        labels: list[str] | None = None,
        placeholder: str | None = None,
        row: int | None = None,
    ) -> None:
        labels = labels or []
        options = [
            discord.SelectOption(label=shorten(label, MAX_LABEL), value=str(index))
            for index, label in enumerate(labels)
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"dc1:multi:{token}",
                placeholder=placeholder,
                min_values=1,
                max_values=max(1, len(options)),
                options=options,
            ),
            row=row,
        )
        self.token = token

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        chosen = {int(value) for value in self.item.values if value.isdigit()}
        mask = sum(1 << index for index in chosen)
        data = encode(Action.submit, self.token, mask)
        await host_of(interaction).ask(interaction, lambda sender: Press(sender, data))


class AnswerSelect(
    _LeaseItem, discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"dc1:pick:" + LEASE
):
    """One answer chosen from a menu, when the answers are too many for buttons."""

    def __init__(
        self,
        token: str,
        answers: list[tuple[str, str]] | None = None,
        placeholder: str | None = None,
        row: int | None = None,
    ) -> None:
        options = [
            discord.SelectOption(label=shorten(label, MAX_LABEL), value=value)
            for label, value in (answers or [])
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"dc1:pick:{token}", placeholder=placeholder, options=options
            ),
            row=row,
        )
        self.token = token

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        chosen = self.item.values[0] if self.item.values else ""
        data = encode(Action.answer, self.token, chosen)
        await host_of(interaction).ask(interaction, lambda sender: Press(sender, data))


class AnswerModal(discord.ui.Modal):
    """A box for typed text. Submissions are handled by the client's `on_interaction`."""

    def __init__(
        self, token: str, t: Translator, title: str = "answer_title", label: str = "answer_label"
    ) -> None:
        super().__init__(
            title=shorten(t(f"discord.{title}"), MAX_TITLE),
            custom_id=f"{MODAL_PREFIX}{token}",
            timeout=600,  # only frees memory: the answer is read from the raw interaction
        )
        self.add_item(
            discord.ui.TextInput(
                label=shorten(t(f"discord.{label}"), MAX_TITLE),
                custom_id=ANSWER_INPUT,
                style=discord.TextStyle.paragraph,
                max_length=MAX_TEXT_ANSWER,
            )
        )


class WriteButton(
    _LeaseItem, discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"dc1:write:" + LEASE
):
    """Opens the answer box for a text task (a modal must be the interaction's first answer)."""

    def __init__(self, token: str, label: str = "…", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=shorten(label, MAX_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id=f"dc1:write:{token}",
            ),
            row=row,
        )
        self.token = token

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await open_box(interaction, lambda t: AnswerModal(self.token, t))


class ReplyButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"dc1:reply"):
    """Opens a box for the reply the conversation waits for (e.g. a wallet link's signature)."""

    def __init__(self, label: str = "…", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=shorten(label, MAX_LABEL),
                style=discord.ButtonStyle.primary,
                custom_id="dc1:reply",
            ),
            row=row,
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> ReplyButton:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await open_box(
            interaction, lambda t: AnswerModal(REPLY_BOX, t, "reply_title", "reply_label")
        )


async def open_box(
    interaction: discord.Interaction[Any], box: Callable[[Translator], discord.ui.Modal]
) -> None:
    """Show a modal in the person's language (a modal must be the interaction's first answer)."""
    host = host_of(interaction)
    sender = sender_of(interaction, host.config.moderator_role)
    try:
        t = await asyncio.wait_for(host.words(sender), host.config.reply_budget)
    except TimeoutError:
        t = Translator(pick_language(sender.language))
    try:
        await interaction.response.send_modal(box(t))
    except Exception as error:
        await report(interaction, error)


DYNAMIC_ITEMS = (PressButton, LabelSelect, AnswerSelect, WriteButton, ReplyButton)
