"""A member who hammers buttons is slowed down politely by the core: every tap is answered
(the spinner stops), the taps beyond the limit change nothing, "slow down" is said once rather
than once per tap (each note would spend the chat's message budget), and a moment later work
goes on."""

from __future__ import annotations

from bots.conversation.context import Services
from bots.conversation.core import Conversation
from bots.conversation.throttle import Throttle
from bots.telegram.adapter import TelegramAdapter
from bots.telegram.config import TelegramConfig
from storage.database import Database
from tasks.kinds import Kind
from tests.clock import ManualClock
from tests.support.telegram_api import FakeTelegramServer
from tests.tasks.builders import active_batch
from tests.telegram.conftest import running

SLOW_DOWN = "Slow down a little, please — try again in a moment."


async def test_a_member_hammering_a_button_is_slowed_down_and_nothing_is_counted_twice(
    db: Database,
    services: Services,
    clock: ManualClock,
    config: TelegramConfig,
    member,
    server: FakeTelegramServer,
) -> None:
    await active_batch(db, Kind.choice, items=5, overlap=1)
    strict = Conversation(services, throttle=Throttle(rate=1, burst=3, clock=clock))
    ada = member("Ada")

    async with running(TelegramAdapter(strict, config)):
        await ada.send("/start")
        task = await ada.press("I agree")
        yes = next(b for row in task["reply_markup"]["inline_keyboard"] for b in row)
        since = server.mark()
        for _ in range(4):  # four taps before the first one is answered
            server.user_clicks(ada.user, task, yes["callback_data"], check_button=False)
        await ada.answered(since, new=2, edits=1)  # the answer, the next task, one "slow down"
        await server.wait_until(lambda: len(server.calls("answerCallbackQuery")) == 5)
    # A bot stops only once every update it took is handled: no tap is still in flight here.

    taps = [c for c in server.calls()[since:] if c.method == "answerCallbackQuery"]
    assert len(taps) == 4 and all(c.ok for c in taps), "every tap's spinner stops"
    assert ada.texts.count(SLOW_DOWN) == 1, "told once, not once per tap"
    assert await db.fetch_value("SELECT count(*) FROM answers") == 1

    clock.advance(1)
    async with running(TelegramAdapter(strict, config)):
        await ada.press("no")

    assert ada.texts[1:3] == ["✅ Saved: yes", "✅ Saved: no"], "edited in place"
    assert ada.texts.count(SLOW_DOWN) == 1
    assert await db.fetch_value("SELECT count(*) FROM answers") == 2


UNREAD = "I read text, voice messages and batch files here. See /help."


async def test_a_member_hammering_stickers_is_slowed_down_like_button_taps(
    services: Services,
    clock: ManualClock,
    config: TelegramConfig,
    member,
    server: FakeTelegramServer,
) -> None:
    strict = Conversation(services, throttle=Throttle(rate=1, burst=3, clock=clock))
    ada = member("Ada")

    async with running(TelegramAdapter(strict, config)):
        since = server.mark()
        for _ in range(6):
            server.user_sends_sticker(ada.user)
        await ada.answered(since, new=4)  # three notes of what the bot reads, one "slow down"
    # A bot stops only once every update it took is handled: no sticker is still in flight here.

    assert ada.texts == [UNREAD, UNREAD, UNREAD, SLOW_DOWN], "the rest go unanswered"

    clock.advance(1)
    async with running(TelegramAdapter(strict, config)):
        await ada.sends_sticker()

    assert ada.texts == [UNREAD, UNREAD, UNREAD, SLOW_DOWN, UNREAD], "a moment later, a reply"
