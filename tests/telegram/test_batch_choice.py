"""Over Telegram: /task N while holding another batch's task offers switch or keep buttons."""

from __future__ import annotations

from bots.conversation.i18n import catalog
from storage.database import Database
from tasks.kinds import Kind
from tests.support.telegram_api import button_texts
from tests.tasks.builders import active_batch
from tests.telegram.member import text_of

EN = catalog("en")


async def test_a_member_holding_a_task_switches_to_the_batch_they_asked_for(
    db: Database, bot, member
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1, priority=5, title="Busy batch")
    other = await active_batch(db, Kind.choice, items=3, overlap=1, priority=1, title="Quiet")
    ada = member("Ada")
    await ada.send("/start")
    held = await ada.press(EN["button.agree"])
    assert "📋 Busy batch" in text_of(held)

    offer = await ada.send(f"/task {other}")
    assert text_of(offer) == EN["task.switch_offer"].format(held="Busy batch", batch=other)
    assert button_texts(offer) == [EN["button.switch"], EN["button.keep"]]

    task = await ada.press(EN["button.switch"])
    assert ada.texts[-2] == EN["task.switched"].format(batch=other)
    assert button_texts(ada.server.bot_messages(ada.user)[-2]) == [], "the offer is answered"
    assert "📋 Quiet" in text_of(task)
    following = await ada.press("yes")
    assert "📋 Quiet" in text_of(following), "the next task comes from the batch she picked"
