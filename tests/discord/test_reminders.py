"""Streak reminders on Discord: /remind shows what they are, where they stand and a button to
switch; the button switches them on, the reminder arrives by direct message; /remind state:off
stops it."""

from __future__ import annotations

from bots.conversation.i18n import catalog
from bots.discord.adapter import DiscordAdapter
from scheduler.reminders import remind_streaks
from storage.database import Database
from storage.identity import Platform, find_account
from tasks.engine import Member, TaskEngine
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.discord.people import agree, press, run
from tests.support.discord_harness import DiscordHarness, FakeUser
from tests.tasks.builders import active_batch

EN = catalog("en")
DAY = 86400


async def one_accepted_answer(db: Database, clock: ManualClock, user: FakeUser) -> None:
    account = await find_account(db, Platform.discord, str(user.id))
    assert account is not None
    worker = Member(account.profile_id, "discord")
    engine = TaskEngine(db, clock=clock)
    task = await engine.next_task(worker, await active_batch(db, Kind.choice, items=1, overlap=1))
    assert task is not None
    await engine.submit(worker, task.token, "yes")


async def test_a_member_switches_reminders_on_and_off_and_the_dm_follows(
    discord_chat: DiscordHarness, adapter: DiscordAdapter, db: Database, clock: ManualClock
) -> None:
    bob = discord_chat.add_user("bob")
    await agree(discord_chat, bob)

    prompt = await run(discord_chat, bob, "remind")
    assert prompt.content == f"{EN['remind.choose']}\n\n{EN['remind.off']}" and prompt.ephemeral
    assert [b.label for b in prompt.buttons] == [EN["button.remind_on"]]
    await press(discord_chat, bob, prompt, EN["button.remind_on"], later=0)
    switched = discord_chat.current_message(prompt)
    assert switched.content == EN["remind.on"], "the prompt became the answer"
    assert [b.label for b in switched.buttons] == [EN["button.remind_off"]]
    await one_accepted_answer(db, clock, bob)

    clock.advance(DAY)
    assert await remind_streaks(db, clock=clock) == "streak reminders queued 1"
    assert await adapter.deliver_owed() == 1
    [reminder] = discord_chat.dm_messages(bob)
    assert (
        reminder.content == "🔥 Your streak is 1 day. One accepted task today keeps it going: /task"
    )

    off = await run(discord_chat, bob, "remind", state="off")
    assert off.content == EN["remind.off"]
    await one_accepted_answer(db, clock, bob)
    clock.advance(DAY)
    assert await remind_streaks(db, clock=clock) == "streak reminders queued 0"
    assert await adapter.deliver_owed() == 0
