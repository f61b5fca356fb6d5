"""Someone starting the terminal chat in a language the bot does not speak is told which it does."""

from __future__ import annotations

from typer.testing import CliRunner

from microtasks.cli import app


def test_an_unknown_language_is_refused_naming_the_ones_there_are() -> None:
    result = CliRunner().invoke(app, ["chat", "--lang", "xx"], input="")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "microtasks: --lang xx: there is no such language; choose one of en, ru"
    ]
