"""What every command shares: settings loading and the one-line failure with exit status 2."""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from microtasks.logs import configure_logging
from microtasks.settings import Settings, SettingsError, load_settings

EXIT_USAGE = 2


def fail(message: str) -> NoReturn:
    """One clear line on stderr and exit status 2: for bad settings, files and arguments."""
    print(f"microtasks: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_USAGE)


def settings_or_exit() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as error:
        fail(f"bad setting: {error}")
    configure_logging(settings.log_level, settings.log_format.value, settings.secrets())
    return settings
