"""Moderators ban a member from the chat, and lift the ban: /ban USER reason, /unban USER.

USER is the member's number as /reviews shows it, or `platform:id` (telegram:12345).
"""

from __future__ import annotations

from bots.conversation.context import Person, Services
from bots.conversation.replies import Reply
from storage.identity import Profile
from tasks.bans import ban_member, find_member, unban_member


def _named(p: Person, member: Profile, user: str) -> str:
    return p.t("ban.member", name=member.display_name or user, id=member.id)


async def ban(s: Services, p: Person, args: str) -> list[Reply]:
    user, _, reason = args.strip().partition(" ")
    if not user or not reason.strip():
        return [Reply(p.t("ban.usage"))]
    member = await find_member(s.db, user)
    named = _named(p, member, user)
    banned = await ban_member(s.db, member.id, named, reason, p.profile.id, s.clock())
    key = "ban.done" if banned.new else "ban.already"
    return [Reply(p.t(key, member=named, reason=banned.ban.reason))]


async def unban(s: Services, p: Person, args: str) -> list[Reply]:
    user = args.split()[0] if args.split() else ""
    if not user:
        return [Reply(p.t("unban.usage"))]
    member = await find_member(s.db, user)
    lifted = await unban_member(s.db, member.id, p.profile.id, s.clock())
    key = "unban.done" if lifted else "unban.not_banned"
    return [Reply(p.t(key, member=_named(p, member, user)))]
