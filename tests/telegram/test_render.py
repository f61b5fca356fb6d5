"""Long texts are split for Telegram's 4096 characters, at line ends where possible."""

from __future__ import annotations

from bots.telegram.render import TEXT_LIMIT, shorten, split_text


def test_a_long_text_is_split_at_line_ends_and_loses_nothing() -> None:
    lines = [f"pets.jsonl:{n}: duplicate item id" for n in range(400)]
    text = "\n".join(lines)

    pieces = split_text(text)

    assert len(pieces) > 1 and all(len(piece) <= TEXT_LIMIT for piece in pieces)
    assert "\n".join(pieces) == text
    assert split_text("x" * 5000) == ["x" * TEXT_LIMIT, "x" * 904]
    assert split_text("short") == ["short"]


def test_an_edit_too_long_for_its_message_is_shortened_visibly() -> None:
    assert shorten("a" * 2000, 1024) == "a" * 1023 + "…"
    assert shorten("fits", 1024) == "fits"
