"""What every command shares: settings loading and the one-line failure with exit status 2."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from microtasks.settings import Settings

EXIT_USAGE = 2  # a setting, file or argument to fix
EXIT_UNREACHABLE = 3  # the chain's node could not be reached: try again later (docs/payouts.md)
T = TypeVar("T")


def fail(message: str) -> NoReturn:
    """One clear line on stderr and exit status 2: for bad settings, files and arguments."""
    print(f"microtasks: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_USAGE)


def checked_language(lang: str | None) -> str | None:
    """A `--lang` we have a catalog for (`ru-RU` is `ru`), else one line naming those we have."""
    from bots.conversation.i18n import supported_languages

    languages = supported_languages()
    if lang is not None and lang.replace("_", "-").split("-")[0].lower() not in languages:
        fail(f"--lang {lang}: there is no such language; choose one of {', '.join(languages)}")
    return lang


def plain_console() -> Console:
    """Where a command prints: text as it is, never read as Rich markup (a batch title or a
    member's name holding "[/x]" would otherwise fail the command after its work was done)."""
    from rich.console import Console

    return Console(markup=False)


def words_of_others(value: object) -> Text:
    """Words a member (or a batch file) wrote, as a table cell: without bidi control characters,
    which could make them read differently, and never read as Rich markup."""
    from rich.text import Text

    from bots.conversation.display import shown

    return Text(str(shown(value)))


LOG_FILE = "microtasks.log"  # under DATA_DIR, while the console chat holds the terminal


def console_holds_the_terminal() -> bool:
    """Whether the chat and the log would share one screen: stdout and stderr both a terminal."""
    return sys.stdout.isatty() and sys.stderr.isatty()


def settings_or_exit(*, console_chat: bool | None = False) -> Settings:
    """The settings, or one line and exit 2; logging configured.

    While the console chat runs (`console_chat=True`, or None: when the console is among the
    adapters) in a terminal, log lines go to DATA_DIR/microtasks.log so the terminal shows only
    the chat. Piped or redirected, they stay on stderr, apart from the chat on stdout.
    """
    from microtasks.logs import configure_logging
    from microtasks.settings import (  # pydantic-settings: not for --help
        Adapter,
        SettingsError,
        load_settings,
    )

    try:
        settings = load_settings()
    except SettingsError as error:
        fail(f"bad setting: {error}")
    if console_chat is None:
        console_chat = Adapter.console in settings.adapters
    log_file = (
        settings.data_dir / LOG_FILE if console_chat and console_holds_the_terminal() else None
    )
    configure_logging(
        settings.log_level, settings.log_format.value, settings.secrets(), file=log_file
    )
    return settings


def run_command(main: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine; a database that cannot be used, or bad input, is one line."""
    from bots.base import AdapterStartFailed
    from storage.database import DatabaseLost, DatabaseUnavailable
    from storage.schema import SchemaError
    from tasks.problems import InputError

    try:
        return asyncio.run(main)
    except DatabaseLost as error:
        fail(str(error))
    except DatabaseUnavailable as error:
        fail(f"bad setting: DATABASE_URL: {error}")
    except (SchemaError, InputError, AdapterStartFailed) as error:
        fail(str(error))
