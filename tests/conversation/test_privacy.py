"""Annotators never see each other's answers or identities; each sees only their own work.

A reviewer sees the answer under review (that is the task) but not who wrote it; the author
learns the outcome and its reason but not who reviewed. /history and /me show a member's own
answers only.
"""

from __future__ import annotations

from bots.conversation.core import Conversation
from bots.conversation.events import Sender
from storage.database import Database
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch

PROMPT = "Plan a rainy three-day hike in Wales"


def person(conversation: Conversation, external_id: str, name: str) -> ChatUser:
    sender = Sender("telegram", external_id, display_name=name, username=name.lower())
    return ChatUser(conversation, sender)


async def onboard(user: ChatUser) -> str:
    await user.send("/start")
    await user.press("I agree")
    return user.last.text


async def pages(user: ChatUser) -> str:
    await user.send("/history")
    shown = user.text
    await user.send("/me")
    return shown + "\n" + user.text


async def test_a_reviewer_sees_the_answer_but_not_its_author_and_neither_sees_the_other(
    db: Database, conversation: Conversation
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1, quality=QualitySettings(review_overlap=1))
    ada = person(conversation, "501", "Adelaide")
    bob = person(conversation, "502", "Bartholomew")
    await onboard(ada)
    await ada.send(PROMPT)
    assert ada.replies[0].text.startswith("✅ Saved: ")

    review_task = await onboard(bob)

    assert "another member's answer" in review_task and PROMPT in review_task
    for trace in ("Adelaide", "adelaide", "501"):
        assert trace not in review_task
    await bob.press("Spam or nonsense")
    assert bob.replies[0].text.startswith("✅ Saved: ")

    ada_pages = await pages(ada)
    assert PROMPT in ada_pages and "not accepted (Spam or nonsense)" in ada_pages
    for trace in ("Bartholomew", "bartholomew", "502"):
        assert trace not in ada_pages
    bob_pages = await pages(bob)
    assert "Review: text batch" in bob_pages, "the reviewer's own verdict is listed"
    assert PROMPT not in bob_pages and "Adelaide" not in bob_pages


async def test_the_second_labeller_sees_the_item_exactly_as_the_first_did(
    db: Database, conversation: Conversation
) -> None:
    await active_batch(db, Kind.choice, items=1, overlap=2)
    ada = person(conversation, "501", "Adelaide")
    bob = person(conversation, "502", "Bartholomew")
    first_sight = await onboard(ada)
    await ada.press("no")

    second_sight = await onboard(bob)

    assert second_sight == first_sight, "nothing of the earlier answer shows"
    await bob.press("yes")
    ada_pages, bob_pages = await pages(ada), await pages(bob)
    assert "· no —" in ada_pages and "· yes —" not in ada_pages
    assert "· yes —" in bob_pages and "· no —" not in bob_pages
