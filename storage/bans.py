"""Community bans: a member suspended from every batch, from payouts and from new-batch notices.

The ban in force lives on the profile (`banned_at`, `banned_by`, `ban_reason`), so the claim and
the payout plan check it with one primary-key lookup; `member_bans` records every ban and unban.
A ban gives back the member's live task; answers already given stay as they are. The member is
told of a ban (with its reason) and of its lifting through the notification outbox.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum

from storage.database import Database
from storage.notifications import enqueue

BAN_NOTICE = "ban.notice"  # params: reason
UNBAN_NOTICE = "ban.lifted"


class BanOutcome(StrEnum):
    banned = "banned"  # the ban is in force now
    unbanned = "unbanned"  # the ban was lifted now
    unchanged = "unchanged"  # already banned (for a ban) or not banned (for an unban)
    admin = "admin"  # an admin cannot be banned


@dataclass(frozen=True)
class Ban:
    profile_id: int
    reason: str
    banned_by: int | None  # None: the operator at the shell
    banned_at: float


@dataclass(frozen=True)
class BanEvent:
    action: str  # ban or unban
    reason: str | None
    acted_by: int | None
    created_at: float


@dataclass(frozen=True)
class MemberRow:
    id: int
    display_name: str
    role: str
    accounts: tuple[str, ...]  # "platform:id"
    ban: Ban | None


def is_banned(raw: sqlite3.Connection, profile_id: int) -> bool:
    row = raw.execute("SELECT banned_at FROM profiles WHERE id = ?", (profile_id,)).fetchone()
    return row is not None and row[0] is not None


def _ban(row: sqlite3.Row) -> Ban | None:
    if row["banned_at"] is None:
        return None
    return Ban(row["id"], row["ban_reason"] or "", row["banned_by"], row["banned_at"])


async def ban_of(db: Database, profile_id: int) -> Ban | None:
    """The ban in force on this member, if any."""
    row = await db.fetch_one(
        "SELECT id, banned_at, banned_by, ban_reason FROM profiles WHERE id = ?", (profile_id,)
    )
    return None if row is None else _ban(row)


async def ban(db: Database, profile_id: int, reason: str, by: int | None, now: float) -> BanOutcome:
    """Ban a member (not an admin), give back their live task and owe them a notice, in one
    transaction."""

    def job(raw: sqlite3.Connection) -> BanOutcome:
        row = raw.execute(
            "SELECT role, banned_at FROM profiles WHERE id = ?", (profile_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"no profile with id {profile_id}")
        if row["role"] == "admin":
            return BanOutcome.admin
        if row["banned_at"] is not None:
            return BanOutcome.unchanged
        raw.execute(
            "UPDATE profiles SET banned_at = ?, banned_by = ?, ban_reason = ? WHERE id = ?",
            (now, by, reason, profile_id),
        )
        raw.execute(
            "INSERT INTO member_bans (profile_id, action, reason, acted_by, created_at)"
            " VALUES (?, 'ban', ?, ?, ?)",
            (profile_id, reason, by, now),
        )
        raw.execute(
            "UPDATE leases SET state = 'released' WHERE profile_id = ? AND state = 'live'",
            (profile_id,),
        )
        enqueue(raw, profile_id, BAN_NOTICE, {"reason": reason}, now)
        return BanOutcome.banned

    return await db.write(job)


async def unban(db: Database, profile_id: int, by: int | None, now: float) -> BanOutcome:
    """Lift a member's ban; the lifting is recorded beside the ban and the member is told."""

    def job(raw: sqlite3.Connection) -> BanOutcome:
        changed = raw.execute(
            "UPDATE profiles SET banned_at = NULL, banned_by = NULL, ban_reason = NULL"
            " WHERE id = ? AND banned_at IS NOT NULL",
            (profile_id,),
        ).rowcount
        if not changed:
            return BanOutcome.unchanged
        raw.execute(
            "INSERT INTO member_bans (profile_id, action, acted_by, created_at)"
            " VALUES (?, 'unban', ?, ?)",
            (profile_id, by, now),
        )
        enqueue(raw, profile_id, UNBAN_NOTICE, {}, now)
        return BanOutcome.unbanned

    return await db.write(job)


async def history(db: Database, profile_id: int) -> list[BanEvent]:
    """Every ban and unban of a member, oldest first."""
    rows = await db.fetch_all(
        "SELECT action, reason, acted_by, created_at FROM member_bans WHERE profile_id = ?"
        " ORDER BY id",
        (profile_id,),
    )
    return [BanEvent(*row) for row in rows]


async def members(db: Database, *, banned_only: bool = False) -> list[MemberRow]:
    """Profiles with their accounts and any ban in force, by profile number."""

    def read(raw: sqlite3.Connection) -> list[MemberRow]:
        where = " WHERE p.banned_at IS NOT NULL" if banned_only else ""
        rows = raw.execute(
            "SELECT p.id, p.display_name, p.role, p.banned_at, p.banned_by, p.ban_reason,"
            " (SELECT group_concat(a.platform || ':' || a.external_id, ' ') FROM"
            "  (SELECT platform, external_id FROM accounts WHERE profile_id = p.id ORDER BY id)"
            "  AS a) AS accounts"
            f" FROM profiles p{where} ORDER BY p.id"
        ).fetchall()
        return [
            MemberRow(
                row["id"],
                row["display_name"],
                row["role"],
                tuple((row["accounts"] or "").split()),
                _ban(row),
            )
            for row in rows
        ]

    return await db.read(read)
