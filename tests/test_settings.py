"""An operator with a bad setting gets one clear line naming it, exit status 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from microtasks.cli import app
from microtasks.settings import Adapter, SettingsError, load_settings

runner = CliRunner()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "nosuch://x"}, "DATABASE_URL: expected sqlite:///PATH"),
        ({"CHAIN_ID": "0x-not-a-number"}, "CHAIN_ID: expected a positive whole number"),
        ({"CHAIN_ID": "-5"}, "CHAIN_ID: expected a positive whole number"),
        ({"BOTS": "telegram"}, "TELEGRAM_BOT_TOKEN: required because BOTS includes telegram"),
        ({"BOTS": "discord"}, "DISCORD_BOT_TOKEN: required because BOTS includes discord"),
        ({"BOTS": "console,irc"}, "BOTS: expected a comma-separated list of"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: expected DEBUG, INFO, WARNING or ERROR"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: Input should be 'kv' or 'json'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(env: dict[str, str], expected: str) -> None:
    result = runner.invoke(app, ["db", "status"], env=env)

    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("microtasks: bad setting: ")
    assert expected in lines[0]
    assert "Traceback" not in result.output


def test_settings_come_from_a_dotenv_file(isolated_environment: Path) -> None:
    (isolated_environment / ".env").write_text(
        "DATABASE_URL=sqlite:///./elsewhere/bot.db\nCHAIN_ID=8453\n"
    )

    settings = load_settings()

    assert settings.database_path == Path("./elsewhere/bot.db")
    assert settings.chain_id == 8453


def test_a_bad_setting_in_dotenv_is_reported_too(isolated_environment: Path) -> None:
    (isolated_environment / ".env").write_text("DATABASE_URL=postgres://db/x\n")
    with pytest.raises(SettingsError, match="DATABASE_URL"):
        load_settings()


def test_adapters_follow_the_tokens_present(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().adapters == [Adapter.console]

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    assert load_settings().adapters == [Adapter.telegram]

    monkeypatch.setenv("BOTS", "console, telegram")
    assert load_settings().adapters == [Adapter.console, Adapter.telegram]


def test_the_installed_command_reports_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": "nosuch://x"}
    script = Path(sys.executable).parent / "microtasks"

    done = subprocess.run(
        [str(script), "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2
    assert done.stderr.strip().startswith("microtasks: bad setting: DATABASE_URL")
    assert "Traceback" not in done.stderr


def test_every_setting_is_documented_in_the_readme_and_env_example() -> None:
    from microtasks.settings import Settings

    repo = Path(__file__).parents[1]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    example = (repo / ".env.example").read_text(encoding="utf-8")
    documented_in_example = {
        line.lstrip("# ").split("=", 1)[0] for line in example.splitlines() if "=" in line
    }
    for name in (field.upper() for field in Settings.model_fields):
        assert name in documented_in_example, f"{name} is missing from .env.example"
        assert f"`{name}`" in readme, f"{name} is missing from the README's configuration table"
