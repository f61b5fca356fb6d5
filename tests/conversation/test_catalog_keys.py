"""Every message the code asks for exists in the catalogs: no string is hard-coded."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

from bots.conversation.callbacks import Action, BadCallback, decode, encode
from bots.conversation.flows.member import MEMBER_COMMANDS, MODERATOR_COMMANDS
from bots.conversation.i18n import Translator, catalog, plural_catalog
from tasks.kinds import COMPARE_CHOICES
from tasks.problems import problem

ROOT = Path(__file__).parents[2]
CODE = ROOT / "bots" / "conversation"
SOURCES = ("tasks", "wallet", "storage", "bots", "microtasks", "scheduler")


def test_every_literal_message_key_is_in_the_catalog() -> None:
    used = set()
    for path in CODE.rglob("*.py"):
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert used, "the scan found the keys"
    assert sorted(used - set(catalog("en")) - set(plural_catalog("en"))) == []


def test_every_computed_message_key_is_in_the_catalog() -> None:
    english = catalog("en")
    computed = (
        [f"help.{name}" for name in (*MEMBER_COMMANDS, *MODERATOR_COMMANDS)]
        + [f"state.{state}" for state in ("draft", "active", "paused", "closed")]
        + [f"compare.{choice}" for choice in COMPARE_CHOICES]
        + ["notify.off", "stop.nothing"]
    )
    assert [key for key in computed if key not in english] == []


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else None


def _key_wrappers(tree: ast.Module) -> tuple[set[str], set[ast.Call]]:
    """Functions of a module that pass their own first two parameters on as a problem's key and
    English text, such as `def _bad(key, text, **params): ... problem(key, text, **params)`,
    and those passing calls."""
    names: set[str] = set()
    passing: set[ast.Call] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)][:2]
        for call in ast.walk(function):
            if (
                isinstance(call, ast.Call)
                and _called(call) == "problem"
                and len(params) == 2
                and [a.id for a in call.args[:2] if isinstance(a, ast.Name)] == params
            ):
                names.add(function.name)
                passing.add(call)
    return names, passing


def _problems_in_source() -> tuple[dict[str, set[str]], list[str]]:
    """Each problem key raised in the source with its English texts, and the calls whose key
    or text is not written out (those cannot be checked against the catalogs)."""
    found: dict[str, set[str]] = {}
    unreadable: list[str] = []
    for path in (p for root in SOURCES for p in (ROOT / root).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        wrappers, passing = _key_wrappers(tree)
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or call in passing:
                continue
            if _called(call) not in {"problem", *wrappers}:
                continue
            try:
                key, text = (ast.literal_eval(arg) for arg in call.args[:2])
            except ValueError:
                unreadable.append(f"{path.relative_to(ROOT)}:{call.lineno}")
                continue
            found.setdefault(key, set()).add(text)
    return found, unreadable


def _placeholders(template: str) -> list[tuple[str, str | None, str | None]]:
    return sorted(
        (name, conversion, spec)
        for _, name, spec, conversion in string.Formatter().parse(template)
        if name is not None
    )


def test_every_problem_a_person_can_meet_is_in_both_catalogs_with_its_placeholders() -> None:
    found, unreadable = _problems_in_source()
    assert len(found) > 50, "the scan found the problems"
    assert unreadable == [], "problem keys and texts are written out where they are raised"
    # a counted problem by its first form: the code's English text is its singular
    english, russian = (
        {**catalog(lang), **{key: forms[0] for key, forms in plural_catalog(lang).items()}}
        for lang in ("en", "ru")
    )

    assert sorted(set(found) - set(english)) == []
    assert sorted(set(found) - set(russian)) == []
    mismatched = [
        (key, language)
        for key, texts in sorted(found.items())
        for text in texts
        for language, messages in (("en", english), ("ru", russian))
        if _placeholders(messages[key]) != _placeholders(text)
    ]
    assert mismatched == []


def test_a_russian_moderator_reads_an_import_problem_in_russian() -> None:
    found = problem(
        "item.duplicate_id", 'duplicate item id "{id}" (first on line {first})', id="q7", first=3
    )

    assert (
        Translator("ru").problem(found) == "повторяющийся id элемента «q7» (впервые — в строке 3)"
    )
    assert Translator("en").problem(found) == 'duplicate item id "q7" (first on line 3)'


def test_button_data_fits_telegrams_64_bytes_and_round_trips() -> None:
    token = "A" * 16  # the engine's lease tokens are 16 characters
    data = encode(Action.submit, token, (1 << 25) - 1)  # every one of 25 labels chosen

    assert len(data.encode()) <= 64
    assert decode(data).ref == token and decode(data).arg == str((1 << 25) - 1)


def test_tampered_button_data_is_rejected() -> None:
    for data in ("", "v1:a:x", "v2:a:tok:1", "v1:zz:tok:1", "v1:a:tok:1:extra", "v1:a:" + "x" * 80):
        try:
            decode(data)
        except BadCallback:
            continue
        raise AssertionError(f"{data!r} was accepted")
