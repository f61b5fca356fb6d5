"""What the commands that act on people share: the database a command opens with its settings,
and who is named on the command line (a profile number or platform:id) and may act (`--as`),
by the same rules as the chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, TypeVar

from microtasks.cli_common import fail, run_command, settings_or_exit
from microtasks.wiring import open_database
from storage.database import Database
from storage.identity import Platform, Role, accounts_of, ensure_account, get_profile
from tasks.people import find_profile
from tasks.roles import may_moderate

if TYPE_CHECKING:
    from microtasks.settings import Settings

T = TypeVar("T")
USER_HELP = "a profile number, or platform:id such as telegram:12345 or console:alice"


def run_with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    return run_with_settings(lambda db, settings: work(db))


def run_with_settings(work: Callable[[Database, Settings], Awaitable[T]]) -> T:
    settings = settings_or_exit()

    async def main() -> T:
        async with open_database(settings) as db:
            return await work(db, settings)

    return run_command(main())


async def resolve_profile(db: Database, user: str) -> int:
    profile = await find_profile(db, user)
    if profile is None:
        fail(f"no such user {user!r}: give {USER_HELP}")
    return profile.id


async def resolve_admin(db: Database, admin: str | None) -> int | None:
    """The admin named by `--as`, who must hold the admin role; None: the operator at the shell."""
    if admin is None:
        return None
    profile_id = await resolve_profile(db, admin)
    profile = await get_profile(db, profile_id)
    if profile is None or profile.role is not Role.admin:
        role = profile.role.value if profile else "unknown"
        fail(f"--as {admin} is a {role}, not an admin: only an admin may do this")
    if profile.banned:
        fail(f"--as {admin} is banned: a banned admin may not do this")
    return profile_id


async def resolve_moderator(db: Database, acting: str, moderators: Collection[str]) -> int:
    """The moderator named by `--as`, by the chat's rule (tasks/roles.py): a moderator or admin
    by role or by MODERATORS, and not banned. Someone in MODERATORS who has never chatted acts
    at once: their account is made as the chat would make it."""
    platform, _, external_id = acting.partition(":")
    if acting in moderators and platform in {p.value for p in Platform} and external_id:
        await ensure_account(db, Platform(platform), external_id, display_name=external_id)
    profile_id = await resolve_profile(db, acting)
    profile = await get_profile(db, profile_id)
    assert profile is not None
    keys = {f"{a.platform.value}:{a.external_id}" for a in await accounts_of(db, profile_id)}
    if not any(may_moderate(profile, key, moderators) for key in keys | {acting}):
        what = "banned" if profile.banned else "a member"
        fail(f"--as {acting} is {what}, not a moderator or admin: only they may do this")
    return profile_id
