"""Who may moderate: one rule for the chat and every `--as` of the command line."""

from __future__ import annotations

from collections.abc import Collection

from storage.identity import Profile, Role


def may_moderate(
    profile: Profile,
    account_key: str,
    moderator_ids: Collection[str],
    *,
    platform_moderator: bool = False,
) -> bool:
    """A moderator or admin by role, by `MODERATORS` ("platform:id"), or by the platform's own
    moderator role, and not banned."""
    return not profile.banned and (
        profile.role in (Role.moderator, Role.admin)
        or platform_moderator
        or account_key in moderator_ids
    )
