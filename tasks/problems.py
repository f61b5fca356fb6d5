"""Problems found in what a person sent: a message key, its parameters and English text.

The conversation layer translates the key from its catalogs; the command line prints `text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    key: str
    text: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


def problem(key: str, text: str, /, *, plural: str | None = None, **params: Any) -> Problem:
    """A problem whose English text is `text` formatted with `params`; `plural` is the text
    when `params["count"]` is not 1 (the catalogs hold every language's forms of `key`)."""
    chosen = plural if plural is not None and params.get("count") != 1 else text
    return Problem(key, chosen.format(**params), params)


def counted(count: int, one: str, other: str) -> str:
    """English for operators (the command line, job summaries): "1 item", "2 items"."""
    return f"{count} {one if count == 1 else other}"


class InputError(ValueError):
    """Bad input from a member or moderator; nothing was changed."""

    def __init__(self, found: Problem):
        super().__init__(found.text)
        self.problem = found
