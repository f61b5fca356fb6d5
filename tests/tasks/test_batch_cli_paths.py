"""A moderator who points `batch import` or `batch export -o` at the wrong place gets one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app

pytestmark = pytest.mark.usefixtures("upgraded_database")  # the bot or `db upgrade` made it

EXAMPLES = Path(__file__).parents[2] / "examples"
MICROTASKS = str(Path(sys.executable).parent / "microtasks")
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


def test_an_export_onto_a_full_disk_is_one_line_and_leaves_no_traceback(tmp_path: Path) -> None:
    assert run("batch", "import", "--activate", str(EXAMPLES / "sentiment.jsonl"))[0] == 0
    member = subprocess.run(
        [MICROTASKS, "chat", "--as", "ada"],
        input="/start\n1\n1\n1\n",
        capture_output=True,
        text=True,
    )
    assert member.returncode == 0, member.stderr

    to_file = subprocess.run(
        [MICROTASKS, "batch", "export", "1", "-o", "/dev/full"], capture_output=True, text=True
    )
    with open("/dev/full", "w") as full:
        to_stdout = subprocess.run(
            [MICROTASKS, "batch", "export", "1"], stdout=full, stderr=subprocess.PIPE, text=True
        )

    assert (to_file.returncode, to_stdout.returncode) == (2, 2)
    assert to_file.stderr.splitlines() == [
        "microtasks: cannot write /dev/full: No space left on device"
    ]
    assert to_stdout.stderr.splitlines() == [
        "microtasks: cannot write the standard output: No space left on device"
    ]


def test_importing_a_pipe_says_it_is_not_a_file_instead_of_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "items.jsonl"
    os.mkfifo(pipe)

    code, _, err = run("batch", "import", str(pipe))

    assert code == 2
    assert err.splitlines() == [
        f"microtasks: {pipe} is not a regular file; give a .jsonl or .csv file"
    ]
