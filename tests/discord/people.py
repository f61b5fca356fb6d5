"""What a Discord member does, step by step, waiting for the bot's answers as Discord sees them."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from tests.support.discord_harness import DiscordHarness, FakeUser, MessageView


async def run(
    chat: DiscordHarness, user: FakeUser, command: str, *, later: int = 0, **options: Any
) -> MessageView:
    """Run a slash command; `later`: how many more messages the bot sends after its answer."""
    sent = await chat.slash(user, command, **options)
    await chat.wait_for("callback", interaction=sent)
    for _ in range(later):
        await chat.wait_for("followup", interaction=sent)
    return chat.last_response(user)


async def run_slow(
    chat: DiscordHarness, user: FakeUser, command: str, *, later: int = 0, **options: Any
) -> MessageView:
    """Run a command the bot defers ("thinking…"), then answers in followups."""
    sent = await chat.slash(user, command, **options)
    await chat.wait_for("callback", interaction=sent)
    for _ in range(1 + later):
        await chat.wait_for("followup", interaction=sent)
    return chat.last_response(user)


async def press(
    chat: DiscordHarness, user: FakeUser, message: MessageView, button: str, *, later: int = 1
) -> MessageView:
    """Press a button (by label or custom_id); by default the bot then shows one more message."""
    sent = await chat.click(user, message, button)
    await chat.wait_for("callback", interaction=sent)
    for _ in range(later):
        await chat.wait_for("followup", interaction=sent)
    return chat.last_response(user)


def forged(message: MessageView, custom_id: str) -> MessageView:
    """A copy of the message whose first button says `custom_id` (a tampered client)."""
    raw = copy.deepcopy(message.raw)
    first = next(c for row in raw["components"] for c in row["components"] if c["type"] == 2)
    first["custom_id"] = custom_id
    return replace(message, components=tuple(raw["components"]), raw=raw)


async def refused_press(
    chat: DiscordHarness, user: FakeUser, shown: MessageView, button: str
) -> MessageView:
    """Press a button on `shown`, the message as the member's client still shows it (an older
    or forged copy), and wait until the bot has answered and is done."""
    sent = await chat.click_as_shown(user, shown, button)
    await chat.wait_for("callback", interaction=sent)
    await chat.settle()
    return chat.last_response(user)


async def choose(
    chat: DiscordHarness,
    user: FakeUser,
    message: MessageView,
    menu: str,
    values: list[str],
    *,
    later: int = 1,
) -> MessageView:
    """Choose values in a select menu (by custom_id); by default one more message follows."""
    sent = await chat.select(user, message, menu, values)
    await chat.wait_for("callback", interaction=sent)
    for _ in range(later):
        await chat.wait_for("followup", interaction=sent)
    return chat.last_response(user)


async def write(
    chat: DiscordHarness, user: FakeUser, box: str, typed: str, *, later: int = 1
) -> MessageView:
    """Submit an answer box (by custom_id) with `typed`; by default one more message follows."""
    sent = await chat.submit_modal(user, box, {"answer": typed})
    await chat.wait_for("callback", interaction=sent)
    for _ in range(later):
        await chat.wait_for("followup", interaction=sent)
    return chat.last_response(user)


async def agree(chat: DiscordHarness, user: FakeUser) -> MessageView:
    """A newcomer asks for a task and accepts the rules; the first task is shown."""
    prompt = await run(chat, user, "task")
    return await press(chat, user, prompt, prompt.buttons[0].label or "")
