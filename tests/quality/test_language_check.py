"""A prompt-writing batch may ask for answers in one language; others are refused, with why."""

from __future__ import annotations

import json

import pytest

from storage.database import Database
from tasks.batch_file import ImportFailed, read_batch_bytes
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tasks.problems import InputError
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member

ENGLISH_ONLY = QualitySettings(language="en")


async def write(engine: TaskEngine, who, text: str):
    task = await engine.next_task(who)
    assert task is not None and task.batch.kind is Kind.text
    return await engine.submit(who, task.token, text)


async def test_an_answer_in_another_language_is_refused_and_the_member_can_rewrite_it(
    db: Database,
) -> None:
    engine = TaskEngine(db, clock=ManualClock())
    await active_batch(db, Kind.text, items=2, overlap=1, quality=ENGLISH_ONLY)
    ada = await member(db, "ada")

    with pytest.raises(InputError) as refused:
        await write(engine, ada, "Напишите короткое стихотворение об осенних листьях в парке")
    assert refused.value.problem.key == "quality.language"
    assert "should be written in en, but it reads as ru" in str(refused.value)
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0, "nothing was stored"

    receipt = await write(engine, ada, "Write a short poem about autumn leaves in the park")
    assert receipt.stored


async def test_a_short_answer_is_too_short_to_judge_and_is_let_through(db: Database) -> None:
    engine = TaskEngine(db, clock=ManualClock())
    await active_batch(db, Kind.text, items=1, overlap=1, quality=ENGLISH_ONLY)
    ada = await member(db, "ada")

    assert (await write(engine, ada, "Привет, мир")).stored


def header(**settings: object) -> bytes:
    batch = {"title": "Prompts", "instructions": "Write a prompt.", "kind": "text", **settings}
    return (
        json.dumps({"batch": batch}) + "\n" + json.dumps({"id": "t1", "brief": "cats"})
    ).encode()


def test_a_batch_naming_an_unknown_language_is_not_imported() -> None:
    with pytest.raises(ImportFailed) as failed:
        read_batch_bytes(header(language="english"), "prompts.jsonl")
    [line] = failed.value.lines()
    assert line.startswith('prompts.jsonl:1: language must be a language code such as "en"')
    assert "got 'english'" in line


def test_the_language_check_is_for_text_batches_only() -> None:
    data = header(language="en").replace(
        b'"kind": "text"', b'"kind": "choice", "labels": ["a", "b"]'
    )
    with pytest.raises(ImportFailed) as failed:
        read_batch_bytes(data, "prompts.jsonl")
    assert (
        "language is checked for text answers only, not for a choice batch"
        in failed.value.lines()[0]
    )


def test_a_batch_in_russian_imports_with_its_language() -> None:
    draft = read_batch_bytes(header(language="ru"), "prompts.jsonl")
    assert draft.settings.quality.language == "ru"
