"""The rules of a community ban, the same in the chat and at the shell.

A ban says why (the member is told the reason); nobody bans or lifts a ban on themselves; an admin
cannot be banned. Who may act (a moderator or admin) is checked by the caller: the chat knows its
moderators, the shell its `--as`.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage import bans
from storage.bans import Ban, BanOutcome
from storage.database import Database
from storage.identity import Profile
from tasks.people import find_profile
from tasks.problems import InputError, problem


@dataclass(frozen=True)
class Banned:
    ban: Ban  # the ban in force
    new: bool  # False: the member was banned already, and that ban stays as it was


async def find_member(db: Database, user: str) -> Profile:
    """The member named by a profile number or `platform:id` (telegram:12345, console:alice)."""
    profile = await find_profile(db, user)
    if profile is None:
        raise InputError(
            problem(
                "ban.unknown_member",
                "no member {user}: give a profile number, or platform:id such as telegram:12345",
                user=user.strip(),
            )
        )
    return profile


async def ban_member(
    db: Database, profile_id: int, user: str, reason: str, by: int | None, now: float
) -> Banned:
    """Ban `profile_id` (named `user` by whoever acts) for `reason`; `by` None: the operator."""
    reason = reason.strip()
    if not reason:
        raise InputError(problem("ban.no_reason", "a ban must say why: the member is told"))
    if profile_id == by:
        raise InputError(problem("ban.self", "you cannot ban yourself"))
    outcome = await bans.ban(db, profile_id, reason, by, now)
    if outcome is BanOutcome.admin:
        raise InputError(
            problem("ban.admin", "{user} is an admin: an admin cannot be banned", user=user)
        )
    ban = await bans.ban_of(db, profile_id)
    assert ban is not None
    return Banned(ban, new=outcome is BanOutcome.banned)


async def unban_member(db: Database, profile_id: int, by: int | None, now: float) -> bool:
    """Lift the ban on `profile_id`; False when there was none to lift."""
    if profile_id == by:
        raise InputError(problem("ban.own_unban", "you cannot lift your own ban"))
    return await bans.unban(db, profile_id, by, now) is BanOutcome.unbanned
