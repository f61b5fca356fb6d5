"""A moderator imports a CSV of items with the batch settings given as command options."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app
from storage.database import Database
from tasks.batches import BatchService

pytestmark = pytest.mark.usefixtures("upgraded_database")  # the bot or `db upgrade` made it

TOXICITY = Path(__file__).parents[2] / "examples" / "toxicity.csv"
SETTINGS = ["--kind", "choice", "--title", "Toxic comments", "--instructions", "Is it toxic?"]
runner = CliRunner()


def import_csv(*options: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["batch", "import", str(TOXICITY), *SETTINGS, *options])
    return result.exit_code, result.stdout, result.stderr


def stored_labels(batch_id: int) -> list[str]:
    async def read() -> list[str]:
        db = await Database.open(Path("data") / "microtasks.db")
        try:
            return (await BatchService(db).get(batch_id)).options["labels"]
        finally:
            await db.close()

    return asyncio.run(read())


def test_labels_typed_with_spaces_after_the_commas_are_taken_as_meant() -> None:
    code, out, err = import_csv("--labels", "not_toxic, toxic")

    assert (code, err) == (0, "")
    assert "imported batch 1 (choice, 20 items) as draft" in out
    assert stored_labels(1) == ["not_toxic", "toxic"]


def test_a_bad_setting_names_the_option_to_fix() -> None:
    code, _, err = import_csv("--labels", "toxic", "--overlap", "0", "--gold-rate", "2")

    assert code == 2
    assert err.splitlines() == [
        "--labels: labels must be a list of 2 to 25 labels",
        "--overlap: overlap must be a whole number from 1 to 50, got 0",
        "--gold-rate: gold_rate must be a number from 0 to 1, got 2.0",
        "microtasks: nothing imported from toxicity.csv",
    ]


def test_a_missing_setting_names_its_option_and_bad_rows_keep_their_lines(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["batch", "import", str(TOXICITY), "--kind", "choice", "--labels", "a,b"]
    )

    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == [
        "--title: title is required: text of 1 to 120 characters",
        "--instructions: instructions is required: text of 1 to 2000 characters",
    ]
    items = tmp_path / "items.csv"
    items.write_text("id,text,gold\n1,fine,a\n2,rude,maybe\n")
    result = runner.invoke(
        app, ["batch", "import", str(items), *SETTINGS, "--labels", "a, b", "--overlap", "2"]
    )
    assert result.stderr.splitlines()[0] == (
        'items.csv:3: gold is not a valid answer: "maybe" is not one of a, b'
    )
