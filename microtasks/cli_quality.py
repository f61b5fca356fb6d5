"""`microtasks review ...` and `microtasks ledger ...`: decisions and money, from the shell."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from microtasks.cli_common import fail, run_command, settings_or_exit
from microtasks.wiring import open_database
from storage import ledger
from storage.database import Database
from storage.identity import Platform, Role, find_account, get_profile
from tasks.review_queue import ReviewQueue
from tasks.rewards import format_amount, to_units
from tasks.standing import StandingService

if TYPE_CHECKING:
    from tasks.royalties import RoyaltyShares

T = TypeVar("T")
review_app = typer.Typer(
    help="Answers waiting for a decision: list, accept, reject.", no_args_is_help=True
)
ledger_app = typer.Typer(
    help="The points ledger: a member's rows, grants and royalties.", no_args_is_help=True
)
out = Console()
USER_HELP = "a profile number, or platform:id such as telegram:12345 or console:alice"


def run_with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    settings = settings_or_exit()

    async def main() -> T:
        async with open_database(settings) as db:
            return await work(db)

    return run_command(main())


async def resolve_profile(db: Database, user: str) -> int:
    if user.isdigit() and await get_profile(db, int(user)) is not None:
        return int(user)
    platform, _, external_id = user.partition(":")
    if platform in {p.value for p in Platform} and external_id:
        account = await find_account(db, Platform(platform), external_id)
        if account is not None:
            return account.profile_id
    fail(f"no such user {user!r}: give {USER_HELP}")


async def resolve_admin(db: Database, admin: str | None) -> int | None:
    """The admin named by `--as`, who must hold the admin role; None: the operator at the shell."""
    if admin is None:
        return None
    profile_id = await resolve_profile(db, admin)
    profile = await get_profile(db, profile_id)
    if profile is None or profile.role is not Role.admin:
        role = profile.role.value if profile else "unknown"
        fail(f"--as {admin} is a {role}, not an admin: only an admin may do this")
    return profile_id


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
            str(e.answer_id), e.batch_title, str(e.profile_id), value[:80], e.status, e.appeal or ""
        )
    out.print(table)


def _decide(answer_id: int, accepted: bool, reason: str | None, moderator: str) -> None:
    async def work(db: Database) -> str:
        moderator_id = await resolve_profile(db, moderator)
        return await ReviewQueue(db).decide(
            answer_id, accepted=accepted, moderator_id=moderator_id, reason=reason
        )

    out.print(f"answer {answer_id} is now {run_with_db(work)}")


Moderator = Annotated[str, typer.Option("--as", help=f"the moderator deciding: {USER_HELP}")]


@review_app.command("accept")
def review_accept(answer_id: int, moderator: Moderator) -> None:
    """Accept an answer (it counts and is credited); closes an open appeal as overturned."""
    _decide(answer_id, True, None, moderator)


@review_app.command("reject")
def review_reject(
    answer_id: int,
    moderator: Moderator,
    reason: Annotated[str, typer.Option(help="shown to the member")] = "quality.moderator",
) -> None:
    """Reject an answer with a reason (its credit is reversed)."""
    _decide(answer_id, False, reason, moderator)


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
        return Decimal(amount)
    except InvalidOperation:
        fail(f"amount must be a number of tokens such as {example}, got {amount!r}")


@ledger_app.command("show")
def ledger_show(user: Annotated[str, typer.Argument(help=USER_HELP)], limit: int = 50) -> None:
    """A member's balance and latest ledger rows."""

    async def work(db: Database) -> tuple[int, list[ledger.Entry], int]:
        profile_id = await resolve_profile(db, user)
        decimals = await StandingService(db).decimals()
        return (
            await ledger.balance(db, profile_id),
            await ledger.entries(db, profile_id, limit),
            decimals,
        )

    balance, entries, decimals = run_with_db(work)
    table = Table(title=f"{user}: balance {format_amount(balance, decimals)}")
    for column in ("row", "when", "amount", "cause", "answer", "reason"):
        table.add_column(column)
    for e in entries:
        when = datetime.fromtimestamp(e.created_at, UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            str(e.id),
            when,
            format_amount(e.amount, decimals),
            e.cause.value,
            str(e.answer_id or ""),
            e.reason or e.payout_ref or "",
        )
    out.print(table)


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

    async def work(db: Database) -> tuple[int, int]:
        profile_id = await resolve_profile(db, user)
        admin_id = await resolve_admin(db, admin)
        decimals = await StandingService(db).decimals()
        units = to_units(abs(tokens), decimals) * (1 if tokens >= 0 else -1)
        if units == 0:
            fail("the amount rounds to zero in the token's smallest unit")
        await ledger.grant(
            db, profile_id, units, reason.strip(), admin_id, datetime.now(UTC).timestamp()
        )
        return await ledger.balance(db, profile_id), decimals

    balance, decimals = run_with_db(work)
    out.print(f"granted {amount} to {user}: balance {format_amount(balance, decimals)}")


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

    async def work(db: Database) -> tuple[RoyaltyShares, int]:
        admin_id = await resolve_admin(db, admin)
        decimals = await StandingService(db).decimals()
        units = to_units(tokens, decimals)
        if units <= 0:
            fail("amount must be more than zero in the token's smallest unit")
        now = datetime.now(UTC).timestamp()
        shared = await share_royalty(db, batch_id, ref, units, reason, created_by=admin_id, now=now)
        return shared, decimals

    shared, decimals = run_with_db(work)
    if not shared.recorded_now:
        out.print(f"royalty {ref!r} for batch {batch_id} was recorded before: nothing more paid")
        return
    out.print(f"royalty {ref!r} for batch {batch_id}: {amount} tokens", soft_wrap=True)
    table = Table()
    table.add_column("profile")
    table.add_column("share", justify="right")
    for profile_id, units in sorted(shared.shares.items(), key=lambda s: -s[1]):
        table.add_row(str(profile_id), format_amount(units, decimals, places=decimals))
    out.print(table)
