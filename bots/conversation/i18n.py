"""Message catalogs: gettext `.po` files beside this module, one per language, read with Babel.

Message ids are keys (`task.saved`); the English catalog holds the English text. Parameters use
Python's `{name}` formatting. A key missing from a language falls back to English.

Counted phrases are plural entries: `msgid KEY`, `msgid_plural KEY`, and one `msgstr[i]` per
plural form of the language (English: one, other; Russian: one, few, many), chosen by the
catalog's `Plural-Forms` rule. Ask for them with `Translator.count(KEY, n, **params)`; the
count is also passed to the text as `{count}`. Plain keys keep working through `catalog()` and
`Translator.__call__`.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from bots.conversation.display import shown
from tasks.problems import Problem

LOCALES = Path(__file__).parent / "locales"
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский"}


@cache
def _parsed(
    language: str,
) -> tuple[dict[str, str], dict[str, tuple[str, ...]], Callable[[int], int]]:
    path = LOCALES / f"{language}.po"
    if not path.exists():
        return {}, {}, lambda n: int(n != 1)
    with path.open("rb") as handle:
        parsed = read_po(handle, locale=language)
    plain: dict[str, str] = {}
    counted: dict[str, tuple[str, ...]] = {}
    for message in parsed:
        if not message.id:
            continue
        if message.pluralizable:
            forms = tuple(str(form) for form in message.string or ())
            if forms and all(forms):
                counted[str(message.id[0])] = forms
        elif message.string:
            plain[str(message.id)] = str(message.string)
    return plain, counted, gettext.c2py(parsed.plural_expr)


def catalog(language: str) -> dict[str, str]:
    """The plain (uncounted) messages of a language: key -> text."""
    return _parsed(language)[0]


def plural_catalog(language: str) -> dict[str, tuple[str, ...]]:
    """The counted messages of a language: key -> its texts, one per plural form."""
    return _parsed(language)[1]


def plural_index(language: str, count: int) -> int:
    """Which of a counted message's forms the catalog's Plural-Forms rule picks for `count`."""
    return _parsed(language)[2](abs(count))


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


def _shown(params: dict[str, Any]) -> dict[str, Any]:
    return {name: shown(value) for name, value in params.items()}


class Translator:
    def __init__(self, language: str):
        self.language = language

    def __call__(self, key: str, **params: Any) -> str:
        """The message `key` filled with `params`; a counted one in the form for `count`."""
        template = self._template(key, params.get("count"))
        if template is None:
            raise KeyError(f"no message {key!r} in the catalogs")
        return template.format(**_shown(params))

    def count(self, key: str, count: int, **params: Any) -> str:
        """A counted phrase in the right plural form for `count` (also given as `{count}`)."""
        if self._forms(key) is None:
            raise KeyError(f"no counted message {key!r} in the catalogs")
        return self(key, count=count, **params)

    def _forms(self, key: str) -> tuple[str, tuple[str, ...]] | None:
        for language in (self.language, DEFAULT_LANGUAGE):
            forms = plural_catalog(language).get(key)
            if forms is not None:
                return language, forms
        return None

    def _template(self, key: str, count: object) -> str | None:
        """A plain message, or the plural form a counted one takes for `count`."""
        found = self._forms(key)
        if found is not None and isinstance(count, int):
            language, forms = found
            return forms[min(plural_index(language, count), len(forms) - 1)]
        return catalog(self.language).get(key) or catalog(DEFAULT_LANGUAGE).get(key)

    def key_or_text(self, value: str) -> str:
        """A message key's text, or `value` itself when it is someone's own words."""
        try:
            return self(value)
        except KeyError:
            return str(shown(value))

    def problem(self, found: Problem) -> str:
        """A problem in this language when a catalog has its key, else its English text."""
        template = self._template(found.key, found.params.get("count"))
        if template is None:
            return str(shown(found.text))
        try:
            return template.format(**_shown(found.params))
        except (KeyError, IndexError, ValueError):
            return str(shown(found.text))
