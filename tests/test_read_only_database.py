"""An operator points the bot at a database on a read-only disk (a backup, a mounted snapshot):
reading commands work, writing ones say it is read-only, nothing prints a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MICROTASKS = str(Path(sys.executable).parent / "microtasks")
EXAMPLES = Path(__file__).parents[1] / "examples"
# Runs a command with `folder` mounted read-only, in a mount namespace of its own.
READ_ONLY = 'mount --bind -o ro "$0" "$0" && exec "$@"'


def namespaces_work() -> bool:
    unshare = shutil.which("unshare")
    return unshare is not None and subprocess.run([unshare, "-rm", "true"]).returncode == 0


pytestmark = pytest.mark.skipif(
    not namespaces_work() and os.environ.get("CI") != "true",
    reason="needs unshare with user and mount namespaces to mount a folder read-only",
)


def on_a_read_only_folder(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", READ_ONLY, str(folder), MICROTASKS, *args],
        cwd=folder.parent,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'm.db'}"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_reading_commands_work_and_writing_ones_say_the_database_is_read_only(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "snapshot"
    folder.mkdir()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'm.db'}"}
    in_use = (
        ["db", "upgrade"],
        ["batch", "import", str(EXAMPLES / "sentiment.jsonl")],
        ["batch", "export", "1"],  # its pseudonym key made: later exports read it
    )
    for command in in_use:
        subprocess.run([MICROTASKS, *command], env=env, capture_output=True, check=True)

    reading = (
        ["batch", "list"],
        ["batch", "show", "1"],
        ["batch", "export", "1"],
        ["db", "status"],
        ["members", "list"],
        ["review", "list"],
        ["payouts", "plan"],
    )
    for command in reading:
        done = on_a_read_only_folder(folder, *command)
        assert done.returncode == 0, done.stderr
    assert "Review sentiment" in on_a_read_only_folder(folder, "batch", "list").stdout

    for command in (["batch", "activate", "1"], ["run"]):
        done = on_a_read_only_folder(folder, *command)
        assert done.returncode == 2
        assert done.stderr.splitlines()[-1] == (
            f"microtasks: bad setting: DATABASE_URL: cannot write to the database {folder}/m.db:"
            f" the folder {folder} is on a file system mounted read-only"
        )
        assert "Traceback" not in done.stderr


def test_a_new_database_in_a_read_only_folder_is_refused_saying_why(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()

    done = on_a_read_only_folder(folder, "db", "upgrade")

    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"microtasks: bad setting: DATABASE_URL: cannot write to the database {folder}/m.db:"
        f" the folder {folder} is on a file system mounted read-only"
    ]
