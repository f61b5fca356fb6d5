"""Copied texts: exact and near duplicates of earlier answers are refused."""

from __future__ import annotations

import re
import unicodedata

from tasks.problems import problem

DUPLICATE_TEXT = problem(
    "quality.duplicate",
    "this text is the same as, or very close to, an answer already given: please write your own",
)


def normalise_text(text: str) -> str:
    """Lower case, no punctuation, single spaces: two texts that differ only so are equal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = re.findall(r"\w+", folded)
    return " ".join(words)


def is_near_duplicate(key: str, earlier: list[str], similarity: int) -> bool:
    """Whether `key` is at least `similarity` (0-100) alike to any earlier normalised text."""
    if not earlier:
        return False
    from rapidfuzz import fuzz, process

    match = process.extractOne(key, earlier, scorer=fuzz.ratio, score_cutoff=similarity)
    return match is not None
