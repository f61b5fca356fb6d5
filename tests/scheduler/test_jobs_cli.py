"""An operator lists the scheduled jobs and runs one by hand from the command line."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from microtasks.cli import app

cli = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = cli.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")
    monkeypatch.setenv("PAYOUTS_CRON", "30 6 * * 1")
    monkeypatch.setenv("SCHEDULER_TIMEZONE", "Europe/Berlin")


pytestmark = pytest.mark.usefixtures("upgraded_database")  # the bot or `db upgrade` made it


def test_jobs_list_shows_each_job_and_when_it_runs_next() -> None:
    code, out, _ = run("jobs", "list")

    assert code == 0, out
    for name in ("payouts", "activations", "notices", "digest", "leases", "streaks"):
        assert f"│ {name}" in out
    assert "cron 30 6 * * 1 (Europe/Berlin), leader only" in out
    assert "every 60 s" in out and "CE" in out  # next runs in the scheduler's time zone
    assert "leader: none" in out


def test_jobs_run_runs_one_job_now_and_records_it() -> None:
    code, out, _ = run("jobs", "run", "leases")
    assert code == 0 and "leases: leases expired 0, skips forgotten 0" in out

    code, out, _ = run("jobs", "list")
    leases = next(line for line in out.splitlines() if line.startswith("│ leases"))
    assert "ok" in leases and "leases expired 0" in leases


def test_an_unknown_job_is_named_with_the_known_ones() -> None:
    code, _, err = run("jobs", "run", "payday")

    assert code == 2
    assert "there is no job 'payday'; the jobs are activations, digest, leases, notices" in err


def test_a_bad_cron_setting_stops_the_command_with_what_to_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DIGEST_CRON", "every morning")

    code, _, err = run("jobs", "list")

    assert code == 2
    assert "DIGEST_CRON: expected five fields (minute hour day month weekday)" in err
