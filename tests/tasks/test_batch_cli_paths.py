"""A moderator who points `batch import` or `batch export -o` at the wrong place gets one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app

pytestmark = pytest.mark.usefixtures("upgraded_database")  # the bot or `db upgrade` made it

EXAMPLES = Path(__file__).parents[2] / "examples"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_importing_a_folder_says_it_is_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "batches"
    folder.mkdir()

    code, _, err = run("batch", "import", f"{folder}/")

    assert code == 2
    assert err.splitlines() == [f"microtasks: {folder} is a folder; give a .jsonl or .csv file"]


def test_exporting_into_a_missing_folder_or_onto_a_folder_is_one_line(tmp_path: Path) -> None:
    assert run("batch", "import", str(EXAMPLES / "sentiment.jsonl"))[0] == 0

    code, _, err = run("batch", "export", "1", "-o", "/no/such/dir/x.jsonl")
    assert code == 2
    assert err.splitlines() == [
        "microtasks: cannot write /no/such/dir/x.jsonl: the folder /no/such/dir does not exist"
    ]

    code, _, err = run("batch", "export", "1", "-o", str(tmp_path))
    assert code == 2
    assert err.splitlines() == [f"microtasks: cannot write {tmp_path}: it is a folder"]
