"""Message catalogs: gettext `.po` files beside this module, one per language, read with Babel.

Message ids are keys (`task.saved`); the English catalog holds the English text. Parameters use
Python's `{name}` formatting. A key missing from a language falls back to English.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from tasks.problems import Problem

LOCALES = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


@cache
def catalog(language: str) -> dict[str, str]:
    path = LOCALES / f"{language}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in parsed if m.id and m.string}


def supported_languages() -> list[str]:
    return sorted(path.stem for path in LOCALES.glob("*.po"))


def pick_language(*candidates: str | None) -> str:
    """The first candidate we have a catalog for (`ru-RU` counts as `ru`), else English."""
    available = set(supported_languages())
    for candidate in candidates:
        if candidate:
            code = candidate.replace("_", "-").split("-")[0].lower()
            if code in available:
                return code
    return DEFAULT_LANGUAGE


class Translator:
    def __init__(self, language: str):
        self.language = language

    def __call__(self, key: str, **params: Any) -> str:
        template = catalog(self.language).get(key) or catalog(DEFAULT_LANGUAGE).get(key)
        if template is None:
            raise KeyError(f"no message {key!r} in the catalogs")
        return template.format(**params)

    def key_or_text(self, value: str) -> str:
        """A message key's text, or `value` itself when it is someone's own words."""
        try:
            return self(value)
        except KeyError:
            return value

    def problem(self, found: Problem) -> str:
        """A problem in this language when a catalog has its key, else its English text."""
        template = catalog(self.language).get(found.key)
        if template is None:
            return found.text
        try:
            return template.format(**found.params)
        except (KeyError, IndexError, ValueError):
            return found.text
