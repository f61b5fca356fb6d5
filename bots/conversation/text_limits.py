"""Fitting text into a platform's limits, the same way on every platform: a long message split
into several, a label or caption that must be one piece shortened with an ellipsis."""

from __future__ import annotations

ELLIPSIS = "…"


def split(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at line ends where possible (a line
    longer than `limit` is cut inside); the blank line at a cut is dropped. Never empty."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest.strip() or not pieces:
        pieces.append(rest)
    return pieces


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut to fit with a visible ellipsis."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS
