"""An operator asking for a language the bot does not speak is told which it does."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from microtasks.cli import app


@pytest.mark.parametrize(
    "command", [["chat"], ["ledger", "show", "console:ada"]], ids=["chat", "ledger show"]
)
def test_an_unknown_language_is_refused_naming_the_ones_there_are(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--lang", "xx"], input="")

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "microtasks: --lang xx: there is no such language; choose one of en, ru"
    ]
