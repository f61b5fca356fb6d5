"""A moderator runs batches from the command line: import, list, show, lifecycle, export."""

from __future__ import annotations

import json
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


def test_a_moderator_imports_runs_and_exports_a_batch(tmp_path: Path) -> None:
    code, out, _ = run("batch", "import", str(EXAMPLES / "sentiment.jsonl"))
    assert code == 0 and "imported batch 1 (choice, 30 items) as draft" in out

    code, out, _ = run("batch", "list")
    assert code == 0 and "Review sentiment" in out and "draft" in out

    assert run("batch", "activate", "1")[1].strip() == "batch 1 is now active"
    assert run("batch", "pause", "1")[1].strip() == "batch 1 is now paused"
    assert run("batch", "resume", "1")[1].strip() == "batch 1 is now active"

    code, out, _ = run("batch", "show", "1")
    assert code == 0 and "items: 26 (+4 gold)" in out and "0 of 78 wanted" in out

    target = tmp_path / "answers.jsonl"
    code, out, _ = run("batch", "export", "1", "--format", "jsonl", "--output", str(target))
    assert code == 0 and "wrote 0 answers" in out and target.read_text() == ""

    assert run("batch", "close", "1")[1].strip() == "batch 1 is now closed"
    code, _, err = run("batch", "activate", "1")
    assert code == 2
    assert err.strip() == ("microtasks: batch 1 is closed; activate works on a batch that is draft")


def test_a_bad_file_imports_nothing_and_lists_its_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    header = {
        "batch": {"kind": "choice", "title": "t", "instructions": "i", "labels": ["yes", "no"]}
    }
    bad.write_text(
        json.dumps(header) + "\n" + json.dumps({"id": "1", "text": "a", "gold": "maybe"}) + "\n"
    )

    code, _, err = run("batch", "import", str(bad))

    assert code == 2
    assert err.splitlines() == [
        'bad.jsonl:2: gold is not a valid answer: "maybe" is not one of yes, no',
        "microtasks: nothing imported from bad.jsonl",
    ]
    assert "no batches yet" in run("batch", "list")[1]


def test_a_csv_import_takes_its_settings_from_flags() -> None:
    code, out, _ = run(
        "batch",
        "import",
        str(EXAMPLES / "toxicity.csv"),
        "--kind",
        "choice",
        "--title",
        "Toxic comments",
        "--instructions",
        "Is it toxic?",
        "--labels",
        "toxic,not_toxic",
        "--gold-rate",
        "0.1",
        "--activate",
    )

    assert code == 0 and "imported batch 1 (choice, 20 items) as active" in out


def test_an_unknown_batch_is_named() -> None:
    code, _, err = run("batch", "show", "42")

    assert code == 2 and err.strip() == "microtasks: there is no batch 42"


def test_importing_the_same_file_again_is_refused_unless_allowed() -> None:
    example = str(EXAMPLES / "sentiment.jsonl")
    assert run("batch", "import", example)[0] == 0

    code, out, err = run("batch", "import", example)
    assert code == 2 and out == ""
    assert err.strip() == (
        "microtasks: sentiment.jsonl is the same as batch 1 (Review sentiment), imported already:"
        " nothing imported; to import it again anyway, use --allow-duplicate"
    )

    code, out, _ = run("batch", "import", example, "--allow-duplicate")
    assert code == 0 and "imported batch 2 (choice, 30 items)" in out
