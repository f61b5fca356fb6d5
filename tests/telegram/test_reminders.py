"""Streak reminders in Telegram: /remind is in the command menu, its button switches them on, the
reminder then arrives in the private chat, and switched off, the next evening brings nothing."""

from __future__ import annotations

from bots.conversation.i18n import catalog
from scheduler.reminders import remind_streaks
from storage.database import Database
from storage.identity import Platform, ensure_account
from tasks.engine import Member as Worker
from tasks.engine import TaskEngine
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.support.telegram_api import FakeTelegramServer, button_texts
from tests.tasks.builders import active_batch
from tests.telegram.member import text_of

EN, RU = catalog("en"), catalog("ru")
DAY = 86400


async def one_accepted_answer(db: Database, clock: ManualClock, telegram_id: int) -> None:
    account = await ensure_account(db, Platform.telegram, str(telegram_id))
    worker = Worker(account.profile_id, "telegram")
    engine = TaskEngine(db, clock=clock)
    task = await engine.next_task(worker, await active_batch(db, Kind.choice, items=1, overlap=1))
    assert task is not None
    await engine.submit(worker, task.token, "yes")


async def test_remind_is_in_the_command_menu_in_english_and_russian(
    bot, server: FakeTelegramServer
) -> None:
    assert {"command": "remind", "description": EN["help.remind"]} in server.commands()
    assert {"command": "remind", "description": RU["help.remind"]} in server.commands("ru")


async def test_a_member_switches_reminders_on_by_button_and_hears_from_the_job(
    db: Database, start_bot, member, server: FakeTelegramServer, clock: ManualClock
) -> None:
    ada = member("Ada")
    async with start_bot(outbox_interval=0.05):
        await ada.send("/start")
        await ada.press("I agree")
        prompt = await ada.send("/remind")
        assert text_of(prompt) == f"{EN['remind.choose']}\n\n{EN['remind.off']}"
        assert button_texts(prompt) == [EN["button.remind_on"]]
        switched = await ada.press(EN["button.remind_on"], new=0)
        assert text_of(switched) == EN["remind.on"]
        assert switched["message_id"] == prompt["message_id"], "the prompt became the answer"
        await one_accepted_answer(db, clock, ada.id)

        clock.advance(DAY)
        since = server.mark()
        assert await remind_streaks(db, clock=clock) == "streak reminders queued 1"
        reminder = await server.wait_for(
            "sendMessage", lambda call: call.params["chat_id"] == ada.id, since=since
        )
        assert (
            reminder.params["text"]
            == "🔥 Your streak is 1 day. One accepted task today keeps it going: /task"
        )

        switched = await ada.send("/remind off")
        assert text_of(switched) == EN["remind.off"]
        assert button_texts(switched) == [EN["button.remind_on"]]
        await one_accepted_answer(db, clock, ada.id)
        clock.advance(DAY)
        assert await remind_streaks(db, clock=clock) == "streak reminders queued 0"
