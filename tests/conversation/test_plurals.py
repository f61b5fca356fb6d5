"""Counted phrases read right in every language: "1 day", "2 days"; "1 день", "2 дня", "5 дней"."""

from __future__ import annotations

import pytest

from bots.conversation.i18n import Translator, catalog, plural_catalog

# Every counted phrase, with what a member reads for the counts that pick each plural form.
EXPECTED: dict[str, dict[tuple[str, int], str]] = {
    "me.streak": {
        ("en", 1): "Streak: 1 day in a row",
        ("en", 2): "Streak: 2 days in a row",
        ("ru", 1): "Серия: 1 день подряд",
        ("ru", 2): "Серия: 2 дня подряд",
        ("ru", 5): "Серия: 5 дней подряд",
        ("ru", 21): "Серия: 21 день подряд",
    },
}


def test_every_counted_phrase_is_checked_here_in_both_languages() -> None:
    assert sorted(plural_catalog("en")) == sorted(EXPECTED)
    assert sorted(plural_catalog("ru")) == sorted(EXPECTED)
    assert all(len(forms) == 2 for forms in plural_catalog("en").values()), "one, other"
    assert all(len(forms) == 3 for forms in plural_catalog("ru").values()), "one, few, many"


def test_counted_phrases_are_not_plain_keys() -> None:
    assert [key for key in EXPECTED if key in catalog("en") or key in catalog("ru")] == []


@pytest.mark.parametrize(
    ("key", "language", "count", "text"),
    [(key, lang, n, text) for key, cases in EXPECTED.items() for (lang, n), text in cases.items()],
)
def test_a_counted_phrase_takes_the_plural_form_of_its_count(
    key: str, language: str, count: int, text: str
) -> None:
    assert Translator(language).count(key, count) == text


def test_a_plain_key_still_reads_as_before() -> None:
    assert Translator("en")("start.thanks") == "Thank you! Let's begin."
