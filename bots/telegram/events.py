"""Telegram updates as conversation events: who sent it, and which command it is."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, MessageEntity, User

from bots.conversation.events import Sender

PLATFORM = "telegram"


def sender_of(user: User, *, moderator: bool = False) -> Sender:
    return Sender(
        PLATFORM,
        str(user.id),
        display_name=user.full_name,
        username=user.username,
        language=user.language_code,
        platform_moderator=moderator,
    )


@dataclass(frozen=True)
class TypedCommand:
    name: str  # lower case, without the slash and the @bot suffix
    args: str
    addressed_to: str | None  # the @username after the command (/task@microtasks_bot), if any

    def is_for(self, bot_username: str) -> bool:
        return (self.addressed_to or "").lower() == bot_username.lower()


def command_of(message: Message) -> TypedCommand | None:
    """The `/command@bot args` a message starts with, or None when it starts with none."""
    text = message.text or ""
    first = next(iter(message.entities), None)
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    word = message.parse_entity(first)
    name, _, addressed_to = word[1:].partition("@")
    return TypedCommand(name.lower(), text[len(word) :].strip(), addressed_to or None)


def deep_link(bot_username: str, payload: str = "") -> str:
    """`t.me/<bot>?start=<payload>`: opens the private chat and sends `/start <payload>`."""
    link = f"https://t.me/{bot_username}"
    return f"{link}?start={payload}" if payload else link
