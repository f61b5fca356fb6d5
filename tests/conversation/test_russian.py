"""A member whose app speaks Russian is answered in Russian; /lang switches languages."""

from __future__ import annotations

import string

from bots.conversation.i18n import catalog
from storage.database import Database
from tasks.kinds import Kind
from tests.tasks.builders import active_batch


async def test_a_russian_member_is_answered_in_russian(db: Database, make_user) -> None:
    await active_batch(db, Kind.compare, items=2, overlap=1)
    ivan = make_user("ivan", language="ru")

    await ivan.send("/start")
    assert ivan.text.startswith(catalog("ru")["start.welcome"])
    await ivan.press(catalog("ru")["button.agree"])
    await ivan.press(catalog("ru")["compare.a"])

    saved = catalog("ru")["answer.saved"].format(answer=catalog("ru")["compare.a"])
    assert ivan.replies[0].text == saved


async def test_lang_overrides_the_platform_language(db: Database, make_user) -> None:
    ada = make_user("ada", language="en")

    await ada.send("/lang")
    await ada.press("Русский")
    assert ada.text == catalog("ru")["lang.set"].format(language="Русский")
    await ada.send("/help")
    assert ada.text.startswith(catalog("ru")["help.title"])
    await ada.send("/lang en")
    assert ada.text == "Language: English"


def placeholders(text: str) -> list[tuple[str, str | None, str | None]]:
    """The `{name!conversion:spec}` fields of a message; `{{` and `}}` are literal braces."""
    return sorted(
        (name, conversion, spec)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    )


def test_the_russian_catalog_is_complete() -> None:
    english, russian = catalog("en"), catalog("ru")

    assert set(english) - set(russian) == set()
    mismatched = [k for k in english if placeholders(english[k]) != placeholders(russian[k])]
    assert mismatched == []
