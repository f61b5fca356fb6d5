"""Profiles (one per person) and the platform accounts that map to them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from storage.database import Database


class Role(StrEnum):
    member = "member"
    moderator = "moderator"
    admin = "admin"


class Platform(StrEnum):
    telegram = "telegram"
    discord = "discord"
    console = "console"


@dataclass(frozen=True)
class Profile:
    id: int
    display_name: str
    role: Role
    language: str | None
    consented: bool = False
    notify_new_batches: bool = False
    streak_reminders: bool = False
    banned: bool = False  # suspended from the community (storage/bans.py)


@dataclass(frozen=True)
class Account:
    id: int
    profile_id: int
    platform: Platform
    external_id: str
    username: str | None
    platform_language: str | None


PROFILE_COLUMNS = (
    "id, display_name, role, language, consented_at, notify_new_batches, streak_reminders,"
    " banned_at"
)


def _profile(row: sqlite3.Row) -> Profile:
    return Profile(
        row["id"],
        row["display_name"],
        Role(row["role"]),
        row["language"],
        row["consented_at"] is not None,
        bool(row["notify_new_batches"]),
        bool(row["streak_reminders"]),
        row["banned_at"] is not None,
    )


def _account(row: sqlite3.Row) -> Account:
    return Account(
        row["id"],
        row["profile_id"],
        Platform(row["platform"]),
        row["external_id"],
        row["username"],
        row["platform_language"],
    )


ACCOUNT_COLUMNS = "id, profile_id, platform, external_id, username, platform_language"


async def ensure_account(
    db: Database,
    platform: Platform,
    external_id: str,
    *,
    display_name: str = "",
    username: str | None = None,
    platform_language: str | None = None,
) -> Account:
    """The account for this platform id, creating it (and a new profile) on first contact."""

    def job(raw: sqlite3.Connection) -> Account:
        row = raw.execute(
            f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE platform = ? AND external_id = ?",
            (platform.value, external_id),
        ).fetchone()
        if row is not None:
            if (row["username"], row["platform_language"]) != (username, platform_language):
                raw.execute(
                    "UPDATE accounts SET username = ?, platform_language = ? WHERE id = ?",
                    (username, platform_language, row["id"]),
                )
            return replace(_account(row), username=username, platform_language=platform_language)
        profile_id = raw.execute(
            "INSERT INTO profiles (display_name) VALUES (?) RETURNING id", (display_name,)
        ).fetchone()[0]
        created = raw.execute(
            "INSERT INTO accounts (profile_id, platform, external_id, username, "
            f"platform_language) VALUES (?, ?, ?, ?, ?) RETURNING {ACCOUNT_COLUMNS}",
            (profile_id, platform.value, external_id, username, platform_language),
        ).fetchone()
        return _account(created)

    return await db.write(job)


async def find_account(db: Database, platform: Platform, external_id: str) -> Account | None:
    row = await db.fetch_one(
        f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE platform = ? AND external_id = ?",
        (platform.value, external_id),
    )
    return None if row is None else _account(row)


async def get_profile(db: Database, profile_id: int) -> Profile | None:
    row = await db.fetch_one(f"SELECT {PROFILE_COLUMNS} FROM profiles WHERE id = ?", (profile_id,))
    return None if row is None else _profile(row)


async def set_role(db: Database, profile_id: int, role: Role) -> None:
    changed = await db.execute(
        "UPDATE profiles SET role = ? WHERE id = ?", (role.value, profile_id)
    )
    if changed == 0:
        raise LookupError(f"no profile with id {profile_id}")


async def set_language(db: Database, profile_id: int, language: str | None) -> None:
    await db.execute("UPDATE profiles SET language = ? WHERE id = ?", (language, profile_id))


async def record_consent(db: Database, profile_id: int, now: float) -> None:
    await db.execute(
        "UPDATE profiles SET consented_at = coalesce(consented_at, ?) WHERE id = ?",
        (now, profile_id),
    )


async def set_notify_new_batches(db: Database, profile_id: int, wanted: bool) -> None:
    await db.execute(
        "UPDATE profiles SET notify_new_batches = ? WHERE id = ?", (int(wanted), profile_id)
    )


async def accounts_of(db: Database, profile_id: int) -> list[Account]:
    rows = await db.fetch_all(
        f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE profile_id = ? ORDER BY id", (profile_id,)
    )
    return [_account(row) for row in rows]


async def set_streak_reminders(db: Database, profile_id: int, wanted: bool) -> None:
    await db.execute(
        "UPDATE profiles SET streak_reminders = ? WHERE id = ?", (int(wanted), profile_id)
    )


async def moderator_profiles(db: Database, platform_ids: Iterable[str]) -> list[int]:
    """Profiles with the moderator or admin role, and those of the `platform:id` accounts."""
    pairs = [entry.partition(":")[::2] for entry in platform_ids]

    def job(raw: sqlite3.Connection) -> list[int]:
        found = {
            row[0]
            for row in raw.execute(
                "SELECT id FROM profiles WHERE role IN ('moderator', 'admin')"
            ).fetchall()
        }
        for platform, external_id in pairs:
            row = raw.execute(
                "SELECT profile_id FROM accounts WHERE platform = ? AND external_id = ?",
                (platform, external_id),
            ).fetchone()
            if row:
                found.add(row[0])
        return sorted(found)

    return await db.read(job)
