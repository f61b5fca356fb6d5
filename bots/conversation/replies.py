"""What the conversation hands back: text, buttons, files, and whether to edit a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Expect(StrEnum):
    """The input the conversation waits for next (an adapter may show a reply box for it)."""

    nothing = "nothing"
    text = "text"
    voice = "voice"
    file = "file"


@dataclass(frozen=True)
class Button:
    label: str
    data: str


@dataclass(frozen=True)
class TaskShown:
    """What a reply that shows a task says about it, so adapters need not read its buttons: the
    lease its buttons act on (a member holds one live task message at a time) and its kind."""

    lease: str
    kind: str


@dataclass(frozen=True)
class OutFile:
    filename: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    expects: Expect = Expect.nothing
    files: tuple[OutFile, ...] = ()
    image: str | None = None  # an https URL or a local file path to show with the text
    audio: str | None = None  # a local recording to play with the text (voice reviews)
    edit: bool = False  # replace the message whose button was pressed, instead of a new one
    # A refused button press (a stale, forged or repeated one): shown briefly where the press was,
    # as a Telegram toast (answerCallbackQuery text) or a Discord ephemeral message, leaving the
    # pressed message, and its buttons, as they are. An adapter without such a notice shows it
    # as any other reply (with `edit`, over the pressed message).
    refusal: bool = False
    task: TaskShown | None = None  # set when the reply shows a leased task

    @property
    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]
