"""Finding a person by what an operator or moderator types: a profile number, or `platform:id`
(telegram:12345, console:alice)."""

from __future__ import annotations

from storage.database import Database
from storage.identity import Platform, Profile, find_account, get_profile


async def find_profile(db: Database, user: str) -> Profile | None:
    """The person named by `user`, or None when there is nobody by that name."""
    user = user.strip()
    profile_id: int | None = int(user) if user.isdigit() else None
    platform, _, external_id = user.partition(":")
    if profile_id is None and platform in {p.value for p in Platform} and external_id:
        account = await find_account(db, Platform(platform), external_id)
        profile_id = account.profile_id if account else None
    return None if profile_id is None else await get_profile(db, profile_id)
