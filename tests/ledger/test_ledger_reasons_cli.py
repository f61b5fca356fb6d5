"""`microtasks ledger show` tells the operator why each row is there in words, not message keys."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app
from storage.database import Database
from tasks.batches import BatchService
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.tasks.builders import draft, member

runner = CliRunner()


def a_member_removed_by_gold_checks() -> None:
    """ada answers five gold items wrong after one right, and is removed from the batch."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0

    async def main() -> None:
        db = await Database.open(Path("data") / "microtasks.db")
        try:
            clock = ManualClock()
            await BatchService(db, clock=clock).import_draft(
                draft(
                    Kind.choice,
                    8,
                    gold={n: "yes" for n in range(8)},
                    overlap=1,
                    reward=Decimal("1"),
                    gold_rate=1.0,
                    quality=QualitySettings(min_gold_answers=5, accuracy_threshold=0.7),
                ),
                activate=True,
            )
            engine = TaskEngine(db, clock=clock, rng=random.Random(1))
            ada = await member(db, "ada")
            for n in range(5):
                task = await engine.next_task(ada)
                assert task is not None
                clock.advance(5)
                await engine.submit(ada, task.token, "yes" if n == 0 else "no")
        finally:
            await db.close()

    asyncio.run(main())


def test_ledger_rows_show_the_reason_in_words(
    isolated_environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: each reason on one line
    a_member_removed_by_gold_checks()

    result = runner.invoke(app, ["ledger", "show", "console:ada"])

    assert result.exit_code == 0, result.output
    assert "accuracy on check items too low" in result.stdout
    assert "quality.removed" not in result.stdout
    assert "console:ada: balance 0 tokens" in result.stdout  # amounts name the token


def test_ledger_reasons_follow_the_operators_language(
    isolated_environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: each reason on one line
    a_member_removed_by_gold_checks()

    in_russian = runner.invoke(app, ["ledger", "show", "console:ada"])
    in_english = runner.invoke(app, ["ledger", "show", "console:ada", "--lang", "en"])

    assert in_russian.exit_code == 0, in_russian.output
    assert "точность" in in_russian.stdout and "quality.removed" not in in_russian.stdout
    assert "accuracy on check items too low" in in_english.stdout
