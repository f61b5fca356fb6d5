"""What a chat adapter hands the conversation: who sent what."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sender:
    platform: str  # telegram, discord or console
    external_id: str
    display_name: str = ""
    username: str | None = None
    language: str | None = None  # the platform's language code for this person, e.g. "ru"
    platform_moderator: bool = False  # e.g. a chat administrator or a member with the mod role


@dataclass(frozen=True)
class Command:
    """`/name args` typed by the person (or a slash command)."""

    sender: Sender
    name: str
    args: str = ""


@dataclass(frozen=True)
class Press:
    """A button pressed; `data` is what the conversation put on it."""

    sender: Sender
    data: str


@dataclass(frozen=True)
class Text:
    """Typed text that is not a command.

    `lease`: the task the text answers, when it was typed into an answer box of that task's own
    message (a task no longer held is then refused rather than the text saved on another one).
    """

    sender: Sender
    text: str
    lease: str | None = None


@dataclass(frozen=True)
class Upload:
    """A document sent by the person."""

    sender: Sender
    filename: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class Voice:
    """A voice recording the adapter has already stored under the data folder."""

    sender: Sender
    path: str
    duration: float


@dataclass(frozen=True)
class Other:
    """A message the conversation does not read: a sticker, a photo, a location, ..."""

    sender: Sender


Event = Command | Other | Press | Text | Upload | Voice
