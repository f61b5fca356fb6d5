"""Owed messages (payouts, announcements, rejections) rendered for one platform to deliver."""

from __future__ import annotations

from dataclasses import dataclass

from bots.conversation.context import Services
from bots.conversation.i18n import Translator, pick_language
from storage.identity import accounts_of, get_profile
from storage.notifications import mark_sent, unsent


@dataclass(frozen=True)
class Outgoing:
    notification_id: int
    external_id: str  # the person's id on the delivering platform
    text: str


async def pending(
    services: Services, platform: str, limit: int = 50, *, external_id: str | None = None
) -> list[Outgoing]:
    """Messages owed to people who have an account on `platform` (only to the person with
    `external_id` there, when given), in their language."""
    owed = []
    for note in await unsent(services.db, platform, limit, external_id=external_id):
        profile = await get_profile(services.db, note.profile_id)
        accounts = [
            a
            for a in await accounts_of(services.db, note.profile_id)
            if a.platform == platform and external_id in (None, a.external_id)
        ]
        if profile is None or not accounts:
            continue
        account = accounts[0]
        t = Translator(pick_language(profile.language, account.platform_language))
        params = dict(note.params)
        for name, value in note.params.items():
            if name.endswith("_key") and isinstance(value, str):  # a message key to translate
                params[name.removesuffix("_key")] = t.key_or_text(value)
        try:
            text = t(note.key, **params)
        except KeyError:
            text = t("notification.generic")
        owed.append(Outgoing(note.id, account.external_id, text))
    return owed


async def delivered(services: Services, outgoing: Outgoing, platform: str) -> bool:
    """Record delivery; False if another adapter had already delivered it."""
    return await mark_sent(services.db, outgoing.notification_id, platform, services.clock())
