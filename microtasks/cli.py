"""The `microtasks` command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from microtasks.cli_batches import batch_app
from microtasks.cli_chain import chain_app
from microtasks.cli_common import (
    checked_language,
    fail,
    plain_console,
    run_command,
    settings_or_exit,
)
from microtasks.cli_jobs import jobs_app
from microtasks.cli_members import members_app
from microtasks.cli_payouts import payouts_app
from microtasks.cli_quality import ledger_app, review_app
from storage import schema

app = typer.Typer(
    help="microtasks: data labelling inside Telegram and Discord, paid in tokens.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The SQLite database: migrations and status.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(batch_app, name="batch")
app.add_typer(review_app, name="review")
app.add_typer(ledger_app, name="ledger")
app.add_typer(payouts_app, name="payouts")
app.add_typer(chain_app, name="chain")
app.add_typer(jobs_app, name="jobs")
app.add_typer(members_app, name="members")

out = plain_console()


@app.command()
def run() -> None:
    """Start the bot: every configured chat adapter (the console chat when none is configured)."""
    from microtasks.runtime import serve

    settings = settings_or_exit(console_chat=None)
    run_command(serve(settings))


@app.command()
def chat(
    user: Annotated[str, typer.Option("--as", help="who you are in the chat")] = "you",
    moderator: Annotated[bool, typer.Option("--moderator", help="act as a moderator")] = False,
    lang: Annotated[str | None, typer.Option("--lang", help="your language, e.g. ru")] = None,
) -> None:
    """Chat with the bot in this terminal (or from piped input), as USER."""
    from microtasks.runtime import chat as run_chat

    lang = checked_language(lang)
    settings = settings_or_exit(console_chat=True)
    run_command(run_chat(settings, user=user, moderator=moderator, language=lang))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations in order (each in one transaction)."""
    settings = settings_or_exit()
    applied = run_command(schema.upgrade(settings.database_path))
    if not applied:
        out.print(f"{settings.database_path}: already up to date")
    for migration in applied:
        out.print(f"applied {migration.version:04d}_{migration.name}")


@db_app.command("status")
def db_status() -> None:
    """Show the schema version, applied and pending migrations."""
    settings = settings_or_exit()
    status = run_command(schema.schema_status(settings.database_path))
    table = Table(title=f"{status.path}: schema version {status.current}")
    table.add_column("version", justify="right")
    table.add_column("name")
    table.add_column("state")
    for applied in status.applied:
        state = f"applied {applied.applied_at}"
        if applied.version in status.changed:
            state += " (file changed since)"
        table.add_row(f"{applied.version:04d}", applied.name, state)
    for pending in status.pending:
        table.add_row(f"{pending.version:04d}", pending.name, "pending")
    out.print(table)
    if status.too_new:
        fail(schema.too_new_message(status))


def main() -> None:
    app()
