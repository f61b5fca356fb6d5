"""A moderator exports a batch: one row per answer, contributors pseudonymous by default."""

from __future__ import annotations

import csv
import io
import json

from storage.database import Database
from tasks.engine import TaskEngine
from tasks.export import ExportFormat, write_export
from tasks.kinds import Kind
from tests.tasks.builders import active_batch, member


async def answered_batch(db: Database) -> int:
    batch_id = await active_batch(db, Kind.multi, items=2, overlap=2)
    engine = TaskEngine(db)
    for name in ("ada", "bob"):
        who = await member(db, name)
        while (task := await engine.next_task(who)) is not None:
            await engine.submit(who, task.token, ["a", "b"])
    return batch_id


async def test_jsonl_export_has_a_row_per_answer_without_platform_ids(db: Database) -> None:
    batch_id = await answered_batch(db)
    out = io.StringIO()

    count = await write_export(db, batch_id, out)

    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(rows) == 4
    first = rows[0]
    assert first["kind"] == "multi" and first["value"] == ["a", "b"] and first["counted"] is True
    assert first["item_id"] == "i0" and first["seconds"] >= 0
    assert first["answered_at"].endswith("+00:00")
    assert "platform_ids" not in first
    assert "ada" not in out.getvalue() and "bob" not in out.getvalue()
    contributors = {row["contributor"] for row in rows}
    assert len(contributors) == 2 and all(len(c) == 20 for c in contributors)


async def test_pseudonyms_are_stable_across_exports(db: Database) -> None:
    batch_id = await answered_batch(db)
    first, second = io.StringIO(), io.StringIO()

    await write_export(db, batch_id, first)
    await write_export(db, batch_id, second)

    assert first.getvalue() == second.getvalue()


async def test_platform_ids_only_when_asked_and_csv_works(db: Database) -> None:
    batch_id = await answered_batch(db)
    out = io.StringIO()

    await write_export(db, batch_id, out, ExportFormat.csv, with_platform_ids=True)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 4
    assert {row["platform_ids"] for row in rows} == {"console:ada", "console:bob"}
    assert json.loads(rows[0]["value"]) == ["a", "b"]
