"""A member switches streak reminders on with /remind (or its button), and the evening reminder job
then reaches them through the outbox; switched off, it leaves them alone."""

from __future__ import annotations

from bots.conversation.core import Conversation
from bots.conversation.outbox import delivered, pending
from scheduler.reminders import remind_streaks
from storage.database import Database
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch

DAY = 86400


async def joined(user: ChatUser) -> None:
    await user.send("/start")
    await user.press("I agree")


async def label_one(user: ChatUser) -> None:
    await user.send("/task")
    await user.press("yes")
    assert user.replies[0].text.startswith("✅ Saved: ")


async def evening_reminders(
    db: Database, conversation: Conversation, clock: ManualClock
) -> dict[str, str]:
    """Run the reminder job, then deliver what it owes on Telegram: who got which text."""
    await remind_streaks(db, clock=clock)
    services = conversation.services
    got = {}
    for outgoing in await pending(services, "telegram"):
        got[outgoing.external_id] = outgoing.text
        assert await delivered(services, outgoing, "telegram")
    return got


async def test_reminders_reach_only_the_members_who_switched_them_on(
    db: Database, conversation: Conversation, clock: ManualClock, make_user
) -> None:
    await active_batch(db, Kind.choice, items=20, overlap=1)
    ada, bob = make_user("ada"), make_user("bob")
    for someone in (ada, bob):
        await joined(someone)

    await ada.send("/remind")
    assert ada.text.startswith("🔥 Streak reminders: ")
    assert ada.text.endswith("🔕 Streak reminders are off."), "it says where they stand now"
    assert [b.label for b in ada.last.all_buttons] == ["🔥 Remind me"]
    await ada.press("Remind me")
    assert ada.text == (
        "🔥 Streak reminders are on: I will tell you when one task today keeps your streak going."
    )
    assert ada.last.edit, "the button's message is replaced by the answer"
    assert [b.label for b in ada.last.all_buttons] == ["🔕 No reminders"]
    for someone in (ada, bob):
        await label_one(someone)

    clock.advance(DAY)
    assert await evening_reminders(db, conversation, clock) == {
        "ada": "🔥 Your streak is 1 day. One accepted task today keeps it going: /task"
    }
    assert await evening_reminders(db, conversation, clock) == {}, "once a day"

    for someone in (ada, bob):
        await label_one(someone)
    await ada.send("/remind off")
    assert ada.text == "🔕 Streak reminders are off."
    await bob.send("/remind on")
    assert bob.text.startswith("🔥 Streak reminders are on")

    clock.advance(DAY)
    assert await evening_reminders(db, conversation, clock) == {
        "bob": "🔥 Your streak is 2 days. One accepted task today keeps it going: /task"
    }


async def test_remind_is_in_help_and_a_russian_member_reads_it_in_russian(make_user) -> None:
    ada, ivan = make_user("ada"), make_user("ivan", language="ru")

    await ada.send("/help")
    assert "/remind — turn streak reminders on or off" in ada.text
    await ivan.send("/start")
    await ivan.press("Согласен(а)")
    await ivan.send("/remind on")
    assert ivan.text.startswith("🔥 Напоминания о серии включены")
    assert [b.label for b in ivan.last.all_buttons] == ["🔕 Не напоминать"]
