"""Batches built in code for tests: a draft of N items of a kind, imported and activated."""

from __future__ import annotations

import json
from typing import Any

from storage.database import Database
from storage.identity import Platform, ensure_account
from tasks.batch_file import BatchDraft, BatchSettings, ItemDraft
from tasks.batches import BatchService
from tasks.engine import Member
from tasks.kinds import Kind, clean_options

ITEM_FIELDS = {
    Kind.choice: lambda n: {"text": f"review {n}"},
    Kind.multi: lambda n: {"text": f"headline {n}"},
    Kind.rating: lambda n: {"text": f"answer {n}"},
    Kind.compare: lambda n: {"prompt": f"question {n}", "a": "first", "b": "second"},
    Kind.text: lambda n: {"brief": f"write about topic {n}"},
    Kind.voice: lambda n: {"sentence": f"Sentence number {n}."},
}
DEFAULT_OPTIONS: dict[Kind, dict[str, Any]] = {
    Kind.choice: {"labels": ["yes", "no"]},
    Kind.multi: {"labels": ["a", "b", "c"], "max_choices": 2},
    Kind.rating: {"scale_min": 1, "scale_max": 5},
    Kind.compare: {},
    Kind.text: {"min_length": 5, "max_length": 200},
    Kind.voice: {"min_duration": 1, "max_duration": 20},
}


def draft(
    kind: Kind = Kind.choice,
    items: int = 10,
    *,
    gold: dict[int, Any] | None = None,
    title: str | None = None,
    options: dict[str, Any] | None = None,
    **settings: Any,
) -> BatchDraft:
    gold = gold or {}
    return BatchDraft(
        BatchSettings(
            title=title or f"{kind.value} batch",
            instructions=f"Do the {kind.value} task.",
            kind=kind,
            options=clean_options(kind, options or DEFAULT_OPTIONS[kind]),
            **settings,
        ),
        [ItemDraft(f"i{n}", ITEM_FIELDS[kind](n), gold.get(n)) for n in range(items)],
        "built-in-test",
    )


async def active_batch(db: Database, kind: Kind = Kind.choice, items: int = 10, **kw: Any) -> int:
    return await BatchService(db).import_draft(draft(kind, items, **kw), activate=True)


async def member(db: Database, name: str, platform: Platform = Platform.console) -> Member:
    account = await ensure_account(db, platform, name, display_name=name)
    return Member(account.profile_id, platform.value)


# A small batch file as a moderator uploads it, and a copy with two errors (a gold answer that is
# not a label, a duplicate item id), for import flows on every chat platform.
PETS_FILE = "".join(
    json.dumps(line) + "\n"
    for line in (
        {
            "batch": {
                "kind": "choice",
                "title": "Cats or dogs",
                "instructions": "Which?",
                "labels": ["cat", "dog"],
                "overlap": 1,
            }
        },
        {"id": "p1", "text": "meow"},
        {"id": "p2", "text": "woof"},
    )
).encode()
PETS_FILE_WITH_ERRORS = PETS_FILE.replace(b'"woof"}', b'"woof", "gold": "cow"}').replace(
    b'"p2"', b'"p1"'
)
