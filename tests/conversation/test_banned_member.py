"""A banned member is told why they get no tasks and hears of no new batches; an unban restores
both. What they answered before the ban stays as it was."""

from __future__ import annotations

from scheduler.notices import queue_notices
from storage import bans
from storage.database import Database
from storage.identity import Platform, Role, ensure_account, set_role
from storage.notifications import unsent
from storage.scheduler import queue_announcements
from tasks.batches import BatchService
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
        return sorted(n.profile_id for n in told if n.params["title"] == title)

    assert await new_batch_announced("Spring") == [ada_id]

    await bans.unban(db, cheat_id, mo, clock())

    assert await new_batch_announced("Summer") == sorted([cheat_id, ada_id])
