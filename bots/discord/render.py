"""The conversation's replies as Discord messages: content, buttons, a select menu, files.

Discord's limits shape the result: content up to 2,000 characters (longer text is split into
several messages, the buttons go with the last), 5 buttons a row, 5 rows, 25 select options.
A multi-label task becomes a select menu instead of toggle buttons; a text task gets a button
that opens an answer box; a voice task says how to send a recording on Discord. A reply that
waits for typed text outside a task (the message a wallet link asks to sign) is something to copy
exactly: it is shown in a code block, with a button that opens a box to paste the answer into
(members cannot simply type to the bot: it reads no message content). A voice answer under
review comes with its recording attached. The core's commands are named as Discord members type
them (`/activate 3` reads `/batch activate 3`).
"""

from __future__ import annotations

import asyncio
import io
import re
from dataclasses import dataclass
from pathlib import Path

import discord

from bots.conversation.callbacks import Action, BadCallback, Callback, decode
from bots.conversation.i18n import Translator
from bots.conversation.replies import Button, Expect, OutFile, Reply
from bots.conversation.text_limits import ELLIPSIS, shorten, split
from bots.discord.components import (
    AnswerSelect,
    LabelSelect,
    PressButton,
    ReplyButton,
    WriteButton,
)

MAX_CONTENT = 2000
BUTTONS_PER_ROW = 5
MAX_ROWS = 5
MAX_OPTIONS = 25

# The core's command names, as the Discord adapter offers them.
COMMAND_NAMES = {
    "start": "task",
    "batches": "batch list",
    "progress": "batch show",
    "activate": "batch activate",
    "pause": "batch pause",
    "resume": "batch resume",
    "close": "batch close",
    "export": "batch export",
    "reviews": "review list",
    "accept": "review accept",
    "reject": "review reject",
    "uphold": "review uphold",
    "overturn": "review overturn",
    "ban": "member ban",
    "unban": "member unban",
}
COMMAND_REFERENCE = re.compile(r"(?<![\w/])/(" + "|".join(COMMAND_NAMES) + r")(?![\w-])")
# `/wallet link 0x…` is typed on Discord as the command's options.
WALLET_REFERENCE = re.compile(r"(?<![\w/])/wallet (link|unlink)\b( (?=0x))?")
STYLES: dict[Action | None, discord.ButtonStyle] = {
    Action.answer: discord.ButtonStyle.primary,
    Action.submit: discord.ButtonStyle.success,
    Action.consent: discord.ButtonStyle.success,
    Action.task: discord.ButtonStyle.success,
}
CHECKBOXES = ("☐ ", "☑ ")


@dataclass(frozen=True)
class Message:
    """One reply, ready to send: content parts, and what goes with the last part."""

    parts: tuple[str, ...]
    view: discord.ui.View | None
    embeds: tuple[discord.Embed, ...] = ()
    files: tuple[OutFile, ...] = ()

    @property
    def text(self) -> str:
        """All the content in one message (for an edit), cut to Discord's limit."""
        return shorten("\n".join(self.parts), MAX_CONTENT)

    def discord_files(self) -> list[discord.File]:
        """Fresh file objects (discord.py consumes them when it sends)."""
        return [discord.File(io.BytesIO(f.content), filename=f.filename) for f in self.files]


def discord_commands(text: str) -> str:
    """Name the core's commands the way they are typed on Discord."""
    text = WALLET_REFERENCE.sub(
        lambda m: f"/wallet action:{m[1]}" + (" value:" if m[2] else ""), text
    )
    return COMMAND_REFERENCE.sub(lambda m: "/" + COMMAND_NAMES[m[1]], text)


def _decoded(button: Button) -> Callback | None:
    try:
        return decode(button.data)
    except BadCallback:
        return None


def _action(button: Button) -> Action | None:
    callback = _decoded(button)
    return None if callback is None else callback.action


def _actions(reply: Reply) -> list[Action]:
    return [action for action in map(_action, reply.all_buttons) if action is not None]


def is_task(reply: Reply) -> bool:
    """True when the reply shows a leased task (the core says so)."""
    return reply.task is not None


def task_lease(reply: Reply) -> str | None:
    """The lease a task message's buttons act on; None for any other reply."""
    return reply.task.lease if reply.task is not None else None


def awaits_reply(reply: Reply) -> bool:
    """True when the reply waits for typed text outside a task (a text to copy and answer)."""
    return reply.expects is Expect.text and not reply.buttons


def needs_words(reply: Reply) -> bool:
    """True when rendering adds words of the adapter's own (in the person's language)."""
    actions = _actions(reply)
    return (
        Action.toggle in actions
        or (reply.expects in (Expect.text, Expect.voice) and Action.skip in actions)
        or awaits_reply(reply)
        or actions.count(Action.answer) > (MAX_ROWS - 1) * BUTTONS_PER_ROW
        or bool(reply.files)
        or bool(reply.audio)
    )


def _unboxed(label: str) -> str:
    for box in CHECKBOXES:
        if label.startswith(box):
            return label[len(box) :]
    return label


def _packed(buttons: list[Button]) -> list[list[Button]]:
    return [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]


def _rows(reply: Reply, leave_out: frozenset[Action]) -> list[list[Button]]:
    """The reply's buttons in rows of at most five, leaving out those of `leave_out`.

    The core's rows are kept when they fit. When one is wider than Discord allows (a rating
    scale of 11), the rows before the last are packed five a row as one run (5, 5, 1 rather
    than 5, 1, 5), and the last row (Skip) stays on its own.
    """
    rows = [[b for b in row if _action(b) not in leave_out] for row in reply.buttons]
    rows = [row for row in rows if row]
    if not rows:
        return []
    *body, last = rows
    if any(len(row) > BUTTONS_PER_ROW for row in body):
        body = _packed([button for row in body for button in row])
    return [*body, *_packed(last)]


def _fit(rows: list[list[Button]], free: int) -> list[list[Button]]:
    """`rows` in at most `free` rows: the last row (Skip) kept, the others packed five a row."""
    if len(rows) <= free:
        return rows
    *body, last = rows
    return [*_packed([button for row in body for button in row])[: free - 1], last]


def _answer_menu(reply: Reply, t: Translator) -> AnswerSelect | None:
    """A menu for the answers when they are more than Discord's rows of buttons hold."""
    answers = [b for b in reply.all_buttons if _action(b) is Action.answer]
    if len(answers) <= (MAX_ROWS - 1) * BUTTONS_PER_ROW:
        return None
    decoded = [(button.label, _decoded(button)) for button in answers[:MAX_OPTIONS]]
    choices = [(label, callback.arg) for label, callback in decoded if callback is not None]
    token = decoded[0][1].ref if decoded[0][1] is not None else ""
    return AnswerSelect(token, choices, t("discord.choose_answer"), row=0)


def _view(reply: Reply, t: Translator | None) -> discord.ui.View | None:
    view = discord.ui.View(timeout=None)
    token = task_lease(reply)
    toggles = [b for b in reply.all_buttons if _action(b) is Action.toggle]
    leave_out: frozenset[Action] = frozenset()
    if toggles and token and t is not None:
        labels = [_unboxed(button.label) for button in toggles][:MAX_OPTIONS]
        view.add_item(LabelSelect(token, labels, t("discord.choose_labels"), row=0))
        leave_out = frozenset({Action.toggle, Action.submit})
    if reply.expects is Expect.text and token and t is not None:
        row = len(view.children)
        view.add_item(WriteButton(token, t("discord.write_answer"), row=row))
    if awaits_reply(reply) and t is not None:
        view.add_item(ReplyButton(t("discord.paste_reply"), row=0))
    if t is not None and (menu := _answer_menu(reply, t)) is not None:
        view.add_item(menu)
        leave_out |= {Action.answer}
    used = len({item.row for item in view.children})
    for number, buttons in enumerate(_fit(_rows(reply, leave_out), MAX_ROWS - used), start=used):
        for button in buttons:
            style = STYLES.get(_action(button), discord.ButtonStyle.secondary)
            view.add_item(PressButton(button.data, button.label, style, row=number))
    return view if view.children else None


def _read(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no such file (run in a worker thread)."""
    return path.read_bytes() if path.is_file() else None


async def _image(reply: Reply) -> tuple[tuple[discord.Embed, ...], tuple[OutFile, ...]]:
    if not reply.image:
        return (), ()
    if reply.image.startswith(("https://", "http://")):
        return (discord.Embed().set_image(url=reply.image),), ()
    path = Path(reply.image)
    content = await asyncio.to_thread(_read, path)
    if content is None:
        return (), ()
    picture = OutFile(path.name, content)
    return (discord.Embed().set_image(url=f"attachment://{path.name}"),), (picture,)


async def _recording(reply: Reply) -> tuple[OutFile, ...]:
    """The recording a voice review plays, as an attachment (Discord shows a player)."""
    if not reply.audio:
        return ()
    path = Path(reply.audio)
    content = await asyncio.to_thread(_read, path)
    return () if content is None else (OutFile(path.name, content),)


def _parts(text: str) -> tuple[str, ...]:
    """A message's text in pieces Discord accepts: none empty (a blank text shows as …)."""
    return tuple(part for part in split(text, MAX_CONTENT) if part.strip()) or (ELLIPSIS,)


def code_block(text: str) -> str:
    """`text` in a code block, copied exactly as it is (no markdown, no link previews)."""
    fenced = "```\n" + text.replace("```", "`\u200b``") + "\n```"
    return fenced if len(fenced) <= MAX_CONTENT else text


async def render(reply: Reply, t: Translator | None = None) -> Message:
    """The Discord message for a reply. `t`: the person's language, for the adapter's words.

    Pictures and recordings are read in a worker thread: the event loop keeps answering other
    interactions within Discord's 3 seconds meanwhile.
    """
    text = reply.text if is_task(reply) else discord_commands(reply.text)
    if t is not None and Action.skip in _actions(reply):
        if reply.expects is Expect.text:
            text += "\n\n" + t("discord.text_hint")
        elif reply.expects is Expect.voice:
            text += "\n\n" + t("discord.voice_hint")
    if awaits_reply(reply):
        text = code_block(reply.text)
        if t is not None:
            text += "\n" + t("discord.reply_hint")
    embeds, pictures = await _image(reply)
    files = pictures + await _recording(reply) + reply.files
    return Message(_parts(text), _view(reply, t), embeds, files)
