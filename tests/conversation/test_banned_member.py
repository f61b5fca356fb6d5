"""A banned member is told of the ban and why they get no tasks, and hears of no new batches; an
unban restores both. What they answered before the ban stays as it was. Moderators ban and unban
from the chat."""

from __future__ import annotations

from bots.conversation import outbox
from bots.conversation.core import Conversation
from scheduler.notices import queue_notices
from storage import bans
from storage.database import Database
from storage.identity import Platform, Role, ensure_account, set_role
from storage.notifications import unsent
from storage.scheduler import queue_announcements
from tasks.batches import BatchService
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.clock import ManualClock
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch, draft

SUSPENDED = (
    "⛔ Your account is suspended from this community's tasks, so I cannot give you one."
    " Reason: copies answers from a bot. If you think this is a mistake, please write to a"
    " moderator."
)
GONE = (
    "This task is no longer yours: it was answered, skipped, or belongs to someone else."
    " Use /task for a new one."
)


async def onboard(user: ChatUser) -> None:
    await user.send("/start")
    await user.press("I agree")


async def profile_of(db: Database, name: str) -> int:
    return (await ensure_account(db, Platform.telegram, name, display_name=name)).profile_id


async def moderator(db: Database) -> int:
    mo = await profile_of(db, "mo")
    await set_role(db, mo, Role.moderator)
    return mo


async def test_a_banned_member_is_told_why_and_gets_tasks_again_once_unbanned(
    db: Database, make_user, clock: ManualClock
) -> None:
    await active_batch(db, items=4, overlap=1)
    cheat, ada = make_user("cheat"), make_user("ada")
    await onboard(cheat)
    await cheat.press("yes")  # one answer given before the ban
    held = cheat.button("no")  # the task the cheat holds when banned
    cheat_id, mo = await profile_of(db, "cheat"), await moderator(db)
    answered = await db.fetch_all("SELECT id, status, counted FROM answers")

    outcome = await bans.ban(db, cheat_id, "copies answers from a bot", mo, clock())

    assert outcome is bans.BanOutcome.banned
    replies = await cheat.send("/task")
    assert [reply.text for reply in replies] == [SUSPENDED], "told once, with the reason"
    await cheat.press_data(held.data)  # the task held at the ban was given back
    assert cheat.text == GONE
    assert await db.fetch_all("SELECT id, status, counted FROM answers") == answered
    await onboard(ada)
    for _ in range(3):  # the slot the cheat held is open to others again
        await ada.press("yes")
    assert (
        await db.fetch_value("SELECT count(*) FROM answers WHERE profile_id <> ?", (cheat_id,)) == 3
    )

    assert await bans.unban(db, cheat_id, mo, clock()) is bans.BanOutcome.unbanned
    await active_batch(db, items=1, overlap=1, title="fresh")

    await cheat.send("/task")
    assert "📋 fresh" in cheat.last.text
    assert [b.label for b in cheat.last.all_buttons] == ["yes", "no", "Skip"]


async def test_a_banned_subscriber_hears_of_no_new_batch_until_unbanned(
    db: Database, make_user, clock: ManualClock
) -> None:
    for name in ("cheat", "ada"):
        user = make_user(name)
        await onboard(user)
        await user.send("/notify on")
    cheat_id, ada_id, mo = (
        await profile_of(db, "cheat"),
        await profile_of(db, "ada"),
        await moderator(db),
    )
    await bans.ban(db, cheat_id, "spam", mo, clock())
    batches = BatchService(db, clock=clock)

    async def new_batch_announced(title: str) -> list[int]:
        await batches.import_draft(draft(items=2, title=title, activate_at=clock() + 60))
        clock.advance(61)
        await batches.activate_due()
        await queue_announcements(db, clock())
        await queue_notices(db, clock=clock, per_minute=100)
        told = await unsent(db, "telegram")
        return sorted(n.profile_id for n in told if n.params.get("title") == title)

    assert await new_batch_announced("Spring") == [ada_id]

    await bans.unban(db, cheat_id, mo, clock())

    assert await new_batch_announced("Summer") == sorted([cheat_id, ada_id])


BAN_NOTICE = (
    "⛔ A moderator has suspended your account from this community's tasks. Reason: posts ads"
    " instead of answers. While it lasts you get no tasks and no payouts. If you think this is a"
    " mistake, please write to a moderator."
)


async def told(conversation: Conversation, name: str) -> list[str]:
    """The messages owed to `name` on Telegram, as the adapter would deliver them; now sent."""
    owed = await outbox.pending(conversation.services, "telegram")
    for message in owed:
        await outbox.delivered(conversation.services, message, "telegram")
    return [message.text for message in owed if message.external_id == name]


async def test_a_moderator_bans_a_spammer_from_the_chat_and_later_lifts_the_ban(
    db: Database, conversation: Conversation, make_user
) -> None:
    await active_batch(
        db, Kind.text, items=3, overlap=1, quality=QualitySettings(review_overlap=1), title="Tips"
    )
    spam, mod = make_user("spam"), make_user("900")  # 900: a moderator by the settings
    await onboard(spam)
    await spam.send("BUY CHEAP FOLLOWERS")
    assert "📋 Tips" in spam.last.text, "the next task is held when the ban comes"

    await mod.send("/reviews")
    [row] = [line for line in mod.text.splitlines() if "BUY CHEAP FOLLOWERS" in line]
    number = row.rsplit("member ", 1)[1]
    assert number == str(await profile_of(db, "spam"))
    await mod.send(f"/ban {number} posts ads instead of answers")

    assert mod.text == (
        f"🚫 spam (member {number}) is banned: posts ads instead of answers. They have been told;"
        " their task was given back, and they get no tasks, payouts or new-batch notices until"
        " /unban."
    )
    assert await told(conversation, "spam") == [BAN_NOTICE]
    await spam.send("/task")
    assert spam.text.startswith("⛔ Your account is suspended") and spam.last.all_buttons == []
    live = "SELECT count(*) FROM leases WHERE profile_id = ? AND state = 'live'"
    assert await db.fetch_value(live, (int(number),)) == 0, "the held task was given back"
    await mod.send("/ban telegram:spam something else")
    assert mod.text == f"spam (member {number}) is banned already: posts ads instead of answers"

    await mod.send("/unban telegram:spam")

    assert mod.text == f"✅ spam (member {number}) is no longer banned, and has been told."
    assert await told(conversation, "spam") == [
        "✅ Your suspension has been lifted: you can take tasks again with /task."
    ]
    await spam.send("/task")
    assert "📋 Tips" in spam.last.text
    await mod.send("/unban telegram:spam")
    assert mod.text == f"spam (member {number}) is not banned: nothing to lift."
    events = await bans.history(db, int(number))
    assert [(e.action, e.acted_by) for e in events] == [
        ("ban", await profile_of(db, "900")),
        ("unban", await profile_of(db, "900")),
    ]


async def test_only_moderators_ban_and_never_an_admin_or_themselves(
    db: Database, conversation: Conversation, make_user
) -> None:
    ada, mod, root = make_user("ada"), make_user("mo"), make_user("root")
    for user in (ada, mod, root):
        await onboard(user)
    await moderator(db)
    root_id = await profile_of(db, "root")
    await set_role(db, root_id, Role.admin)

    await ada.send("/ban telegram:mo I dislike them")
    assert ada.text == "Sorry, only moderators can do that."
    await mod.send(f"/ban {root_id} coup")
    assert mod.text == f"root (member {root_id}) is an admin: an admin cannot be banned"
    await mod.send("/ban telegram:mo testing")
    assert mod.text == "you cannot ban yourself"
    await mod.send("/ban telegram:ada")
    assert mod.text.startswith("Write who and why, for example: /ban 12 posts ads.")
    await mod.send("/ban telegram:nobody spam")
    assert mod.text == (
        "no member telegram:nobody: give a profile number, or platform:id such as telegram:12345"
    )
    await ada.send("/unban telegram:ada")
    assert ada.text == "Sorry, only moderators can do that."

    assert await db.fetch_value("SELECT count(*) FROM member_bans") == 0
    assert await told(conversation, "ada") == await told(conversation, "root") == []


async def test_moderators_find_ban_and_unban_in_help_and_members_do_not(make_user) -> None:
    ada, mod = make_user("ada"), make_user("900")

    await mod.send("/help")
    assert "/ban — ban a member, saying why: /ban 12 reason" in mod.text
    assert "/unban — lift a member's ban: /unban 12" in mod.text
    await ada.send("/help")
    assert "/ban" not in ada.text and "/unban" not in ada.text


async def test_a_banned_moderator_loses_the_moderators_commands(
    db: Database, conversation: Conversation, make_user
) -> None:
    mod, accomplice = make_user("mo"), make_user("accomplice")
    for user in (mod, accomplice):
        await onboard(user)
    mo_id = await moderator(db)
    root = await profile_of(db, "accomplice")
    await set_role(db, root, Role.admin)
    await accomplice.send(f"/ban {mo_id} approved their own friends' answers")

    await mod.send("/reviews")
    assert mod.text == "Sorry, only moderators can do that."
    await mod.send(f"/unban {mo_id}")
    assert mod.text == "Sorry, only moderators can do that."
