"""`microtasks members`: list the community's members, ban a spammer or a cheat, lift a ban."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from microtasks.cli_acting import (
    USER_HELP,
    resolve_moderator,
    resolve_profile,
    run_with_settings,
)
from microtasks.cli_common import plain_console, words_of_others
from storage import bans
from storage.database import Database
from tasks.bans import Banned, ban_member, unban_member

if TYPE_CHECKING:
    from microtasks.settings import Settings

members_app = typer.Typer(
    help="The community's members: list them, ban and unban.", no_args_is_help=True
)
out = plain_console()

Acting = Annotated[
    str | None,
    typer.Option(
        "--as",
        help=f"the moderator or admin acting: {USER_HELP}; "
        "without it the operator at this shell acts",
    ),
]
User = Annotated[str, typer.Argument(help=USER_HELP)]


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


async def resolve_acting(db: Database, acting: str | None, settings: Settings) -> int | None:
    """The moderator or admin named by `--as` (the chat's rule); None: the operator at the shell."""
    if acting is None:
        return None
    return await resolve_moderator(db, acting, settings.moderators)


@members_app.command("ban")
def members_ban(
    user: User,
    reason: Annotated[
        str, typer.Option(help="why: the member is told, now and when they ask for a task")
    ],
    acting: Acting = None,
) -> None:
    """Ban a member from the community: no tasks, no payouts, no new-batch notices.

    They are told, with the reason. Their live task is given back; answers they already gave
    stay as they are (reject them in the review queue if they must go). An admin cannot be
    banned, and nobody bans themselves.
    """

    async def work(db: Database, settings: Settings) -> Banned:
        profile_id = await resolve_profile(db, user)
        by = await resolve_acting(db, acting, settings)
        return await ban_member(db, profile_id, user, reason, by, datetime.now(UTC).timestamp())

    banned = run_with_settings(work)
    if not banned.new:
        ban = banned.ban
        out.print(f"{user} is banned already, since {_when(ban.banned_at)}: {ban.reason}")
        return
    out.print(f"banned {user}: {banned.ban.reason}")


@members_app.command("unban")
def members_unban(user: User, acting: Acting = None) -> None:
    """Lift a member's ban: they are told, and get tasks, payouts and notices again."""

    async def work(db: Database, settings: Settings) -> bool:
        profile_id = await resolve_profile(db, user)
        by = await resolve_acting(db, acting, settings)
        return await unban_member(db, profile_id, by, datetime.now(UTC).timestamp())

    if not run_with_settings(work):
        out.print(f"{user} is not banned: nothing to lift")
        return
    out.print(f"unbanned {user}")


def _role(row: bans.MemberRow, moderators: list[str]) -> str:
    """The member's role, and "moderator (MODERATORS)" for a member that setting names."""
    if row.role == "member" and any(account in moderators for account in row.accounts):
        return "moderator (MODERATORS)"
    return row.role


@members_app.command("list")
def members_list(
    banned: Annotated[bool, typer.Option("--banned", help="only members banned now")] = False,
) -> None:
    """Members by profile number, with their accounts, role and any ban in force."""

    async def work(db: Database, settings: Settings) -> tuple[list[bans.MemberRow], list[str]]:
        return await bans.members(db, banned_only=banned), settings.moderators

    rows, moderators = run_with_settings(work)
    if not rows:
        out.print("nobody is banned" if banned else "no members yet")
        return
    table = Table()
    for column in ("profile", "name", "accounts", "role", "banned since", "by", "reason"):
        table.add_column(column)
    for row in rows:
        ban = row.ban
        table.add_row(
            str(row.id),
            words_of_others(row.display_name),
            " ".join(row.accounts),
            _role(row, moderators),
            _when(ban.banned_at) if ban else "",
            "" if ban is None else str(ban.banned_by or "operator"),
            words_of_others(ban.reason if ban else ""),
        )
    out.print(table)
