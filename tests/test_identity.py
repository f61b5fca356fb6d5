"""A person meets the bot on a platform: one profile, one account per platform id, a role."""

from __future__ import annotations

import pytest

from storage.database import Database
from storage.identity import Platform, Role, ensure_account, find_account, get_profile, set_role


async def test_first_contact_creates_a_member_profile(db: Database) -> None:
    account = await ensure_account(
        db, Platform.telegram, "1001", display_name="Ada", platform_language="ru"
    )

    profile = await get_profile(db, account.profile_id)
    assert profile is not None
    assert profile.display_name == "Ada" and profile.role is Role.member
    assert account.platform_language == "ru"


async def test_the_same_platform_id_always_maps_to_the_same_profile(db: Database) -> None:
    first = await ensure_account(db, Platform.discord, "42", username="ada")
    again = await ensure_account(db, Platform.discord, "42", username="ada_l")

    assert again.profile_id == first.profile_id
    assert again.username == "ada_l"
    stored = await find_account(db, Platform.discord, "42")
    assert stored is not None and stored.username == "ada_l"


async def test_the_same_id_on_another_platform_is_another_account(db: Database) -> None:
    on_telegram = await ensure_account(db, Platform.telegram, "42")
    on_discord = await ensure_account(db, Platform.discord, "42")

    assert on_telegram.profile_id != on_discord.profile_id


async def test_concurrent_first_contacts_create_one_account(db: Database) -> None:
    import asyncio

    accounts = await asyncio.gather(
        *(ensure_account(db, Platform.console, "alice") for _ in range(20))
    )

    assert len({a.id for a in accounts}) == 1
    assert await db.fetch_value("SELECT count(*) FROM profiles") == 1


async def test_an_admin_can_make_a_member_a_moderator(db: Database) -> None:
    account = await ensure_account(db, Platform.console, "bob")

    await set_role(db, account.profile_id, Role.moderator)

    profile = await get_profile(db, account.profile_id)
    assert profile is not None and profile.role is Role.moderator
    with pytest.raises(LookupError, match="no profile with id 999"):
        await set_role(db, 999, Role.admin)
