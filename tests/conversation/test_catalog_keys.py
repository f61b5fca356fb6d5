"""Every message the code asks for exists in the English catalog: no string is hard-coded."""

from __future__ import annotations

import re
from pathlib import Path

from bots.conversation.callbacks import Action, BadCallback, decode, encode
from bots.conversation.flows.member import MEMBER_COMMANDS, MODERATOR_COMMANDS
from bots.conversation.i18n import catalog
from tasks.kinds import COMPARE_CHOICES

CODE = Path(__file__).parents[2] / "bots" / "conversation"


def test_every_literal_message_key_is_in_the_catalog() -> None:
    used = set()
    for path in CODE.rglob("*.py"):
        used |= set(re.findall(r'\bt\("([a-z_]+\.[a-z_.]+)"', path.read_text()))
    assert used, "the scan found the keys"
    assert sorted(used - set(catalog("en"))) == []


def test_every_computed_message_key_is_in_the_catalog() -> None:
    english = catalog("en")
    computed = (
        [f"help.{name}" for name in (*MEMBER_COMMANDS, *MODERATOR_COMMANDS)]
        + [f"state.{state}" for state in ("draft", "active", "paused", "closed")]
        + [f"compare.{choice}" for choice in COMPARE_CHOICES]
        + ["notify.off", "stop.nothing"]
    )
    assert [key for key in computed if key not in english] == []


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
