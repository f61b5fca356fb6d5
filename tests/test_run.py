"""The operator starts the bot with no configuration and stops it cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

MICROTASKS = str(Path(sys.executable).parent / "microtasks")


def test_run_with_no_configuration_uses_the_console_and_exits_at_end_of_input(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [MICROTASKS, "run"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "event=bot.started adapters=console" in done.stderr
    assert "event=bot.stopped" in done.stderr
    assert "event=scheduler.stopped" in done.stderr
    assert "level=error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert (tmp_path / "data" / "microtasks.db").exists()


def test_run_warns_at_start_when_the_data_folder_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where DATA_DIR's parent should be")
    done = subprocess.run(
        [MICROTASKS, "run"],
        cwd=tmp_path,
        env={
            "PATH": "/usr/bin:/bin",
            "DATA_DIR": str(tmp_path / "not-a-folder" / "data"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'microtasks.db'}",
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    (warning,) = [line for line in done.stderr.splitlines() if "data_dir.not_writable" in line]
    assert "level=warning" in warning and "not-a-folder" in warning
    assert "event=bot.started" in done.stderr


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_a_running_bot_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    bot = subprocess.Popen(
        [MICROTASKS, "run"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        assert bot.stderr is not None
        while "bot.started" not in (bot.stderr.readline()):
            assert time.monotonic() < deadline, "the bot did not start"
        bot.send_signal(stop)
        assert bot.wait(timeout=30) == 0
    finally:
        bot.kill()
        _, rest = bot.communicate()
    assert "event=bot.stopped" in rest


def test_help_lists_the_commands() -> None:
    done = subprocess.run([MICROTASKS, "--help"], capture_output=True, text=True, timeout=60)

    assert done.returncode == 0
    for command in ("run", "db"):
        assert command in done.stdout


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_database_deleted_while_the_bot_runs_stops_writes_and_the_exit_is_not_zero(
    tmp_path: Path, how: str
) -> None:
    bot = subprocess.Popen(
        [MICROTASKS, "run"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        assert bot.stderr is not None
        while "bot.started" not in (bot.stderr.readline()):
            assert time.monotonic() < deadline, "the bot did not start"
        data = tmp_path / "data"
        if how == "replaced":  # a copy put in its place (a restore from a backup)
            shutil.copyfile(data / "microtasks.db", tmp_path / "copy.db")
        for name in ("microtasks.db", "microtasks.db-wal", "microtasks.db-shm"):
            (data / name).unlink(missing_ok=True)
        if how == "replaced":
            (tmp_path / "copy.db").rename(data / "microtasks.db")
        out, rest = bot.communicate("/start\n1\n1\n", timeout=60)
    finally:
        bot.kill()
    assert bot.returncode == 2
    assert "event=database.lost" in rest
    assert "Traceback" not in rest
    assert rest.splitlines()[-1].startswith("microtasks: the database "), "not a bad setting"
    assert "was deleted or replaced while in use" in rest.splitlines()[-1]
    assert "Saved" not in out
    assert "Sorry, the bot cannot store anything right now" in out
    assert (data / "microtasks.db").exists() == (how == "replaced")


def microtasks(folder: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MICROTASKS, *args],
        cwd=folder,
        env={**os.environ, **settings},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_mistyped_database_folder_is_an_error_not_a_new_empty_database(tmp_path: Path) -> None:
    mistyped = f"sqlite:///{tmp_path}/no/such/x.db"
    for command in (["db", "upgrade"], ["run"]):
        done = microtasks(tmp_path, *command, DATABASE_URL=mistyped)

        assert done.returncode == 2
        assert done.stderr.splitlines()[-1] == (
            f"microtasks: bad setting: DATABASE_URL: cannot open the database"
            f" {tmp_path}/no/such/x.db: the folder {tmp_path}/no does not exist"
        )
    assert not (tmp_path / "no").exists()


def test_only_the_bot_and_db_upgrade_create_a_database_and_they_log_where(tmp_path: Path) -> None:
    path = tmp_path / "data" / "microtasks.db"
    for command in (["batch", "list"], ["db", "status"], ["members", "list"]):
        done = microtasks(tmp_path, *command)

        assert done.returncode == 2, command
        assert done.stderr.splitlines() == [
            "microtasks: bad setting: DATABASE_URL: there is no database at data/microtasks.db:"
            " `microtasks db upgrade` or starting the bot creates it (check DATABASE_URL if one"
            " should be there)"
        ]
        assert not path.exists()

    done = microtasks(tmp_path, "db", "upgrade")
    assert done.returncode == 0
    assert "event=database.created path=data/microtasks.db" in done.stderr
    assert microtasks(tmp_path, "batch", "list").returncode == 0
    path.unlink()

    done = microtasks(tmp_path, "run", SAMPLE_BATCHES="false")
    assert done.returncode == 0
    assert "event=database.created path=data/microtasks.db" in done.stderr
