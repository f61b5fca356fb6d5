"""`microtasks review ...` and `microtasks ledger ...`: decisions and money, from the shell."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.table import Table

from microtasks.cli_acting import (
    USER_HELP,
    resolve_admin,
    resolve_moderator,
    resolve_profile,
    run_with_db,
    run_with_settings,
)
from microtasks.cli_common import (
    checked_language,
    fail,
    plain_console,
    words_of_others,
)
from storage import ledger
from storage.database import Database
from tasks.review_queue import ReviewQueue
from tasks.rewards import TokenUnit, format_amount, to_units, token_unit

if TYPE_CHECKING:
    from microtasks.settings import Settings
    from tasks.royalties import RoyaltyShares

T = TypeVar("T")
review_app = typer.Typer(
    help="Answers waiting for a decision: list, accept, reject.", no_args_is_help=True
)
ledger_app = typer.Typer(
    help="The points ledger: a member's rows, grants and royalties.", no_args_is_help=True
)
out = plain_console()


def _answer_text(value: object) -> str:
    """An answer as an operator reads it: a recording by its length and file name."""
    if isinstance(value, dict) and "file" in value:
        return f"recording, {value.get('duration', '?')} s: {PurePath(str(value['file'])).name}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


@review_app.command("list")
def review_list(limit: int = 20) -> None:
    """Text and voice answers waiting for review, then open appeals."""
    entries = run_with_db(lambda db: ReviewQueue(db).pending(limit))
    if not entries:
        out.print("nothing is waiting for a decision")
        return
    table = Table()
    for column in ("answer", "batch", "member", "answer text", "state", "appeal"):
        table.add_column(column)
    for e in entries:
        value = _answer_text(e.value)
        table.add_row(
            str(e.answer_id),
            words_of_others(e.batch_title),
            str(e.profile_id),
            words_of_others(value[:80]),
            e.status,
            words_of_others(e.appeal or ""),
        )
    out.print(table)


def _decide(answer_id: int, accepted: bool, reason: str | None, moderator: str) -> None:
    async def work(db: Database, settings: Settings) -> str:
        moderator_id = await resolve_moderator(db, moderator, settings.moderators)
        return await ReviewQueue(db).decide(
            answer_id, accepted=accepted, moderator_id=moderator_id, reason=reason
        )

    out.print(f"answer {answer_id} is now {run_with_settings(work)}")


Moderator = Annotated[str, typer.Option("--as", help=f"the moderator deciding: {USER_HELP}")]


@review_app.command("accept")
def review_accept(answer_id: int, moderator: Moderator) -> None:
    """Accept an answer (it counts and is credited); closes an open appeal as overturned."""
    _decide(answer_id, True, None, moderator)


@review_app.command("reject")
def review_reject(
    answer_id: int,
    moderator: Moderator,
    reason: Annotated[str, typer.Option(help="why, in words the member reads (required)")],
) -> None:
    """Reject an answer with a reason (its credit is reversed)."""
    if not reason.strip():
        fail("--reason: say why the answer is not accepted; the member reads it")
    _decide(answer_id, False, reason.strip(), moderator)


Admin = Annotated[
    str | None,
    typer.Option(
        "--as",
        help=f"the admin acting, who must have the admin role: {USER_HELP}; "
        "without it the operator at this shell acts",
    ),
]


def parse_tokens(amount: str, *, example: str) -> Decimal:
    """An amount of tokens as typed on the command line (`example` shows one in the error)."""
    try:
        tokens = Decimal(amount)
    except InvalidOperation:
        tokens = Decimal("NaN")
    if not tokens.is_finite():
        fail(f"amount must be a number of tokens such as {example}, got {amount!r}")
    return tokens


def check_in_range(amount: str, units: int, decimals: int) -> None:
    """Refuse an amount (or a balance it would make) the ledger cannot hold."""
    if abs(units) > ledger.MAX_UNITS:
        largest = format_amount(ledger.MAX_UNITS, decimals, places=decimals)
        fail(f"amount {amount} is beyond the token's range: the largest accepted is {largest}")


@ledger_app.command("show")
def ledger_show(
    user: Annotated[str, typer.Argument(help=USER_HELP)],
    limit: int = 50,
    lang: Annotated[
        str | None, typer.Option("--lang", help="language of the reasons, e.g. ru (default: $LANG)")
    ] = None,
) -> None:
    """A member's balance and latest ledger rows, with each reason in words."""
    from bots.conversation.i18n import Translator, pick_language

    words = Translator(pick_language(checked_language(lang), *operator_locales()))

    async def work(db: Database) -> tuple[int, list[ledger.Entry], TokenUnit]:
        profile_id = await resolve_profile(db, user)
        return (
            await ledger.balance(db, profile_id),
            await ledger.entries(db, profile_id, limit),
            await token_unit(db),
        )

    balance, entries, unit = run_with_db(work)
    table = Table(title=f"{user}: balance {unit.show(balance)}")
    for column in ("row", "when", unit.symbol, "cause", "answer", "reason"):
        table.add_column(column)
    for e in entries:
        when = datetime.fromtimestamp(e.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            str(e.id),
            when,
            format_amount(e.amount, unit.decimals),
            e.cause.value,
            str(e.answer_id or ""),
            words.key_or_text(e.reason) if e.reason else e.payout_ref or "",
        )
    out.print(table)


def operator_locales() -> list[str | None]:
    """The shell's language, as gettext looks for it: LANGUAGE, LC_ALL, LC_MESSAGES, LANG."""
    names = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    return [part for name in names for part in os.environ.get(name, "").split(":")]


@ledger_app.command("grant")
def ledger_grant(
    user: Annotated[str, typer.Argument(help=USER_HELP)],
    amount: Annotated[
        str, typer.Argument(help="tokens, e.g. 2.5; to take back: --reason R -- USER -0.5")
    ],
    reason: Annotated[str, typer.Option(help="why: kept on the ledger row")],
    admin: Admin = None,
) -> None:
    """Credit (or debit) a member by hand, with a reason.

    Whoever runs this command on the server is trusted. With --as, the grant is recorded in that
    admin's name (the profile must have the admin role); without it, the row names no granter:
    it was made by the operator at the shell.
    """
    tokens = parse_tokens(amount, example="2.5")
    if not reason.strip():
        fail("--reason must say why")

    async def work(db: Database) -> tuple[int, TokenUnit]:
        profile_id = await resolve_profile(db, user)
        admin_id = await resolve_admin(db, admin)
        unit = await token_unit(db)
        decimals = unit.decimals
        units = to_units(tokens.copy_abs(), decimals) * (1 if tokens >= 0 else -1)
        if units == 0:
            fail("the amount rounds to zero in the token's smallest unit")
        check_in_range(amount, units, decimals)
        after = await ledger.balance(db, profile_id) + units
        if abs(after) > ledger.MAX_UNITS:
            largest = format_amount(ledger.MAX_UNITS, decimals, places=decimals)
            fail(f"the balance would be {format_amount(after, decimals)}: the most is {largest}")
        await ledger.grant(
            db, profile_id, units, reason.strip(), admin_id, datetime.now(UTC).timestamp()
        )
        return await ledger.balance(db, profile_id), unit

    balance, unit = run_with_db(work)
    out.print(f"granted {amount} to {user}: balance {unit.show(balance)}")


@ledger_app.command("royalty")
def ledger_royalty(
    batch_id: Annotated[int, typer.Argument(help="the batch whose data was used")],
    amount: Annotated[str, typer.Argument(help="tokens to share, e.g. 250")],
    ref: Annotated[
        str, typer.Option(help="the use paid for, e.g. an invoice or licence id; once per batch")
    ],
    reason: Annotated[str, typer.Option(help="what was paid for: shown to the contributors")],
    admin: Admin = None,
) -> None:
    """Share a royalty among a batch's contributors, by their accepted answers."""
    tokens = parse_tokens(amount, example="250")
    from tasks.royalties import share_royalty

    async def work(db: Database) -> tuple[RoyaltyShares, TokenUnit]:
        admin_id = await resolve_admin(db, admin)
        unit = await token_unit(db)
        decimals = unit.decimals
        units = to_units(tokens, decimals)
        if units <= 0:
            fail("amount must be more than zero in the token's smallest unit")
        check_in_range(amount, units, decimals)
        now = datetime.now(UTC).timestamp()
        shared = await share_royalty(db, batch_id, ref, units, reason, created_by=admin_id, now=now)
        return shared, unit

    shared, unit = run_with_db(work)
    if not shared.recorded_now:
        out.print(f"royalty {ref!r} for batch {batch_id} was recorded before: nothing more paid")
        return
    out.print(f"royalty {ref!r} for batch {batch_id}: {amount} {unit.symbol}", soft_wrap=True)
    table = Table()
    table.add_column("profile")
    table.add_column(f"share ({unit.symbol})", justify="right")
    for profile_id, units in sorted(shared.shares.items(), key=lambda s: -s[1]):
        table.add_row(str(profile_id), format_amount(units, unit.decimals, places=unit.decimals))
    out.print(table)
