"""Owed messages (payouts, announcements, rejections) rendered for one platform to deliver, and
the one delivery loop every adapter runs with its own way of sending.

An adapter's `send` returns what to record as the message's `sent_via`: its platform when the
person got it, `<platform>:forbidden` or `<platform>:refused` when the platform refuses it for
good (retrying would fail the same way and starve the messages behind it), or None for a
passing failure, which ends the round: the rest waits for the next one. A message is recorded
after it was sent, so a crash in between sends it again (at least once, never lost); with
`claim_first` (the console, where several sessions may print for one person) it is recorded
first and only the session that recorded it prints it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
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


Send = Callable[[Outgoing], Awaitable[str | None]]


async def deliver_round(
    services: Services,
    platform: str,
    send: Send,
    *,
    limit: int = 50,
    external_id: str | None = None,
    claim_first: bool = False,
) -> int:
    """One round: each message owed on `platform` sent with `send` and recorded; how many the
    person got."""
    count = 0
    for outgoing in await pending(services, platform, limit, external_id=external_id):
        if claim_first:
            if await delivered(services, outgoing, platform):  # False: another session has it
                await send(outgoing)
                count += 1
            continue
        outcome = await send(outgoing)
        if outcome is None:
            break
        await delivered(services, outgoing, outcome)
        count += outcome == platform
    return count


async def deliver_every(
    stop: asyncio.Event,
    interval: float,
    deliver: Callable[[], Awaitable[int]],
    logger: logging.Logger,
    failed: str,
    *,
    wait_first: bool = False,
) -> None:
    """A delivery round every `interval` seconds until `stop` (the first at once unless
    `wait_first`); a failed round is logged as the event `failed` and the next one comes as
    usual."""
    if wait_first:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    while not stop.is_set():
        try:
            await deliver()
        except Exception:
            logger.exception(failed)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
