"""A moderator imports batch files: good files become drafts, bad ones import nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.batch_file import (
    MB,
    ImportFailed,
    Limits,
    megabytes,
    read_batch_bytes,
    read_batch_file,
)
from tasks.kinds import Kind

EXAMPLES = Path(__file__).parents[2] / "examples"

CHOICE_HEADER = {
    "batch": {
        "title": "Sentiment",
        "instructions": "How does the writer feel?",
        "kind": "choice",
        "labels": ["positive", "neutral", "negative"],
    }
}


def jsonl(*lines: object) -> bytes:
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode()


def problems_of(data: bytes, name: str = "batch.jsonl", **kwargs: object) -> list[str]:
    with pytest.raises(ImportFailed) as caught:
        read_batch_bytes(data, name, **kwargs)  # type: ignore[arg-type]
    return caught.value.lines()


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.jsonl")), ids=lambda p: p.name)
def test_every_example_batch_reads_cleanly(example: Path) -> None:
    draft = read_batch_file(example)

    assert len(draft.items) >= 20
    assert draft.settings.title


def test_the_csv_example_reads_with_settings_from_flags() -> None:
    draft = read_batch_file(
        EXAMPLES / "toxicity.csv",
        settings_raw={
            "kind": "choice",
            "title": "Toxic?",
            "instructions": "Judge the comment.",
            "labels": ["toxic", "not_toxic"],
            "gold_rate": 0.1,
        },
    )

    assert draft.settings.kind is Kind.choice and len(draft.items) == 20
    assert sum(item.is_gold for item in draft.items) == 3


def test_each_bad_line_is_reported_with_its_line_number() -> None:
    data = jsonl(
        CHOICE_HEADER,
        {"id": "r1", "text": "Lovely", "gold": "postive"},
        "{not json",
        {"id": "r1", "text": "Again"},
        {"id": "r3", "text": "x" * 4001},
        {"id": "r4", "text": "Fine", "colour": "red"},
        {"id": "r5"},
    )

    lines = problems_of(data)

    assert lines == [
        'batch.jsonl:2: gold is not a valid answer: "postive" is not one of positive, neutral,'
        " negative",
        "batch.jsonl:3: not valid JSON at column 2: Expecting property name enclosed in double"
        " quotes",
        'batch.jsonl:4: duplicate item id "r1" (first on line 2)',
        "batch.jsonl:5: text is 4001 characters long, the most is 4000",
        'batch.jsonl:6: unknown field "colour" for a choice item (allowed: gold, id, image, meta,'
        " text)",
        "batch.jsonl:7: an item needs text, image, or both",
    ]


def test_an_unknown_kind_and_a_misspelled_setting_are_refused() -> None:
    lines = problems_of(
        jsonl(
            {"batch": {"kind": "poll", "title": "t", "instructions": "i"}}, {"id": "1", "text": "a"}
        )
    )
    assert lines == [
        "batch.jsonl:1: kind must be one of choice, multi, rating, compare, text, voice, got 'poll'"
    ]

    header = {"batch": {**CHOICE_HEADER["batch"], "overlapp": 3}}
    assert problems_of(jsonl(header, {"id": "1", "text": "a"})) == [
        'batch.jsonl:1: unknown setting "overlapp" for a choice batch'
    ]


def test_only_the_first_twenty_problems_are_listed_then_a_count() -> None:
    rows = [{"id": f"r{n}", "text": "t", "gold": "nope"} for n in range(45)]

    lines = problems_of(jsonl(CHOICE_HEADER, *rows))

    assert len(lines) == 21
    assert lines[0].startswith("batch.jsonl:2: gold is not a valid answer")
    assert lines[-1] == "and 25 more errors"


def test_size_and_item_limits_name_their_settings() -> None:
    rows = [{"id": f"r{n}", "text": "t"} for n in range(11)]

    too_many = problems_of(jsonl(CHOICE_HEADER, *rows), limits=Limits(max_items=10))
    assert too_many == [
        "batch.jsonl:12: the file has 11 items; the most one batch may have is 10"
        " (the BATCH_MAX_ITEMS setting)"
    ]

    too_big = problems_of(jsonl(CHOICE_HEADER, *rows), limits=Limits(max_file_bytes=100))
    assert "(the BATCH_MAX_FILE_MB setting)" in too_big[0]


@pytest.mark.parametrize(
    ("header", "item", "expected"),
    [
        (
            {"kind": "multi", "labels": ["a", "b", "c"], "max_choices": 2},
            {"id": "1", "text": "t", "gold": ["a", "b", "c"]},
            "choose from 1 to 2 labels",
        ),
        (
            {"kind": "rating", "scale_min": 1, "scale_max": 5},
            {"id": "1", "text": "t", "gold": 6},
            "choose a whole number from 1 to 5",
        ),
        (
            {"kind": "compare"},
            {"id": "1", "a": "x", "b": "y", "gold": "c"},
            "choose one of a, b, tie, both_bad",
        ),
        (
            {"kind": "text"},
            {"id": "1", "brief": "Write", "gold": "x"},
            "gold answers are only for choice, multi, rating and compare",
        ),
        ({"kind": "voice"}, {"id": "1", "text": "Read"}, 'unknown field "text" for a voice item'),
        ({"kind": "compare"}, {"id": "1", "a": "only a"}, "the item needs b"),
    ],
)
def test_items_are_checked_against_their_kind(
    header: dict[str, object], item: dict[str, object], expected: str
) -> None:
    full = {"batch": {"title": "t", "instructions": "i", **header}}

    lines = problems_of(jsonl(full, item))

    assert expected in lines[0] and lines[0].startswith("batch.jsonl:2:")


def test_settings_are_checked_with_what_to_fix() -> None:
    header = {
        "batch": {
            **CHOICE_HEADER["batch"],
            "overlap": 0,
            "reward": "lots",
            "activate_at": "tomorrow",
            "audience": ["irc"],
        }
    }

    lines = problems_of(jsonl(header, {"id": "1", "text": "a"}))

    assert lines == [
        "batch.jsonl:1: overlap must be a whole number from 1 to 50, got 0",
        "batch.jsonl:1: reward must be a decimal amount such as \"0.05\", got 'lots'",
        'batch.jsonl:1: "audience" must be "all" or a list of telegram, discord, console',
        "batch.jsonl:1: activate_at must be an ISO 8601 time with a timezone, such as"
        " \"2026-12-01T09:00:00Z\", got 'tomorrow'",
    ]


def test_a_csv_needs_settings_and_known_columns() -> None:
    assert problems_of(b"id,text\n1,hello\n", "items.csv") == [
        "items.csv: a CSV file holds items only: give the batch settings as options"
        " (kind, title, instructions, ...)"
    ]
    settings = {"kind": "choice", "title": "t", "instructions": "i", "labels": ["a", "b"]}
    assert problems_of(b"id,txt\n1,hello\n", "items.csv", settings_raw=settings) == [
        'items.csv:1: unknown column "txt" for a choice batch (allowed: gold, id, image, text)'
    ]


def test_a_file_that_is_not_utf8_is_refused() -> None:
    data = jsonl(CHOICE_HEADER) + b"\n" + b'{"id": "1", "text": "caf\xe9"}'

    assert problems_of(data) == ["batch.jsonl:2: the file is not UTF-8 text"]


def test_sizes_read_in_the_decimal_megabytes_of_the_settings() -> None:
    assert megabytes(20 * MB) == "20"
    assert megabytes(25 * 1024 * 1024) == "26.21"  # Discord's 25 MiB, said in MB
    assert megabytes(20 * MB + 1, up=True) == "20.01", "over a limit never reads as the limit"
    assert megabytes(100) == "0.0001", "a tiny limit is not 0 MB"
