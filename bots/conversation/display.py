"""What the bot does to people's words before showing them to someone else.

Bidirectional control characters (the embeddings and overrides U+202A-U+202E, the isolates
U+2066-U+2069, and the marks U+200E, U+200F, U+061C) let a member make text read differently
from what it is, e.g. reverse an answer shown to a reviewer. Every value the catalogs' messages
are filled with passes through `shown`, which removes them; exports keep the raw text.
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset(
    [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)
_REMOVE = {ord(c): None for c in BIDI_CONTROLS}


def shown(value: object) -> object:
    """`value` as it may be displayed: text without bidi control characters; others unchanged."""
    return value.translate(_REMOVE) if isinstance(value, str) else value
