"""A moderator imports a damaged batch file: each damage is named at its line, nothing imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app

pytestmark = pytest.mark.usefixtures("upgraded_database")  # the bot or `db upgrade` made it

SETTINGS = ["--kind", "choice", "--title", "Toxic", "--instructions", "Toxic?"]
LABELS = ["--labels", "ok,toxic"]
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def import_csv(path: Path) -> tuple[int, str, str]:
    return run("batch", "import", str(path), *SETTINGS, *LABELS)


def nothing_was_imported() -> bool:
    code, out, _ = run("batch", "list")
    return code == 0 and "Toxic" not in out


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        (
            'id,text\n1,fine\n2,"she said ""hi\n3,third\n',
            3,
            "a quoted cell on this row is not closed properly",
        ),
        ('id,text\n1,"fine" and more\n2,two\n', 2, "a quoted cell on this row is not closed"),
        ("id,text\n1,fine\n2,two,extra\n", 3, "the row has 3 cells; the header has 2"),
        ("id,text\n1,fine\n2\n", 3, "the row has 1 cell; the header has 2"),
        ("id,text\n1,fine\n2,t\0wo\n", 3, "the line holds a NUL byte"),
        (
            'id,text\n1,fine\n2,she said "hi" there\n',
            3,
            "a cell on this row has a quote but is not quoted as a whole",
        ),
    ],
)
def test_a_damaged_csv_is_refused_at_its_line(
    tmp_path: Path, body: str, line: int, what: str
) -> None:

    path = tmp_path / "items.csv"
    path.write_text(body)

    code, _, err = import_csv(path)

    assert code == 2
    assert err.splitlines()[0].startswith(f"items.csv:{line}: {what}")
    assert err.splitlines()[-1] == "microtasks: nothing imported from items.csv"
    assert nothing_was_imported()


def test_a_quoted_cell_spanning_lines_still_imports(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text('id,text\n1,"two\nlines"\n2,"a ""quoted"" word"\n')

    code, out, err = import_csv(path)

    assert (code, err) == (0, "")
    assert "imported batch 1 (choice, 2 items)" in out


def test_a_truncated_json_line_keeps_its_position(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    header = {"batch": {"kind": "choice", "title": "t", "instructions": "i", "labels": ["a", "b"]}}
    path.write_text(json.dumps(header) + '\n{"id": "1", "text": "cut he\n')

    code, _, err = run("batch", "import", str(path))

    assert code == 2
    assert err.splitlines() == [
        "batch.jsonl:2: not valid JSON at column 21: Unterminated string starting",
        "microtasks: nothing imported from batch.jsonl",
    ], "the broken line alone: not also a file with no items"


@pytest.mark.parametrize(
    ("size", "said"), [(21_500_000, "21.5"), (20_040_000, "20.04"), (20_000_001, "20.01")]
)
def test_the_size_limit_is_said_in_the_unit_of_its_setting(
    tmp_path: Path, size: int, said: str
) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"id,text\n" + b"x" * (size - len(b"id,text\n")))

    code, _, err = run(
        "batch", "import", str(path), *SETTINGS, *LABELS, env={"BATCH_MAX_FILE_MB": "20"}
    )

    assert code == 2
    assert err.splitlines()[0] == (
        f"big.csv:1: the file is {said} MB; the most is 20 MB (the BATCH_MAX_FILE_MB setting)"
    ), "a file over the limit never reads as the limit itself"
