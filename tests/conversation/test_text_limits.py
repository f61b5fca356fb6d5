"""Long texts fit every platform the same way: split at line ends where possible (Telegram's
4096 characters, Discord's 2000), or shortened with a visible ellipsis."""

from __future__ import annotations

from bots.conversation.replies import Reply
from bots.conversation.text_limits import shorten, split
from bots.discord.render import MAX_CONTENT, render
from bots.telegram.render import TEXT_LIMIT


def test_a_long_text_is_split_at_line_ends_and_loses_nothing() -> None:
    lines = [f"pets.jsonl:{n}: duplicate item id" for n in range(400)]
    text = "\n".join(lines)

    pieces = split(text, TEXT_LIMIT)

    assert len(pieces) > 1 and all(len(piece) <= TEXT_LIMIT for piece in pieces)
    assert "\n".join(pieces) == text
    assert split("x" * 5000, TEXT_LIMIT) == ["x" * TEXT_LIMIT, "x" * 904]
    assert split("short", TEXT_LIMIT) == ["short"]


def test_an_edit_too_long_for_its_message_is_shortened_visibly() -> None:
    assert shorten("a" * 2000, 1024) == "a" * 1023 + "…"
    assert shorten("fits", 1024) == "fits"


async def test_a_discord_message_is_split_the_same_way_and_a_blank_one_shows_an_ellipsis() -> None:
    text = "\n".join(f"line {n}: " + "x" * 90 for n in range(60))

    message = await render(Reply(text))

    assert message.parts == tuple(split(text, MAX_CONTENT))
    assert (await render(Reply("  "))).parts == ("…",)
