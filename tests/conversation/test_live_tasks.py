"""Each person's live task message, as both chat adapters keep it: one per person, the most
recent people only, forgotten once answered or once it can no longer be changed."""

from __future__ import annotations

from bots.conversation.live_tasks import LiveTaskMessages


def test_a_new_task_message_replaces_the_last_and_names_it_for_retiring() -> None:
    live: LiveTaskMessages[str, int] = LiveTaskMessages(limit=2)

    assert live.shown("ada", 10) is None
    assert live.shown("ada", 11) == 10, "the stale message whose buttons go"
    assert live.get("ada") == 11


def test_an_answered_task_is_forgotten_only_if_it_is_still_the_live_one() -> None:
    live: LiveTaskMessages[str, int] = LiveTaskMessages(limit=2)
    live.shown("ada", 10)
    live.shown("ada", 11)

    live.forget("ada", 10)  # an older message edited into a receipt
    assert live.get("ada") == 11
    live.forget("ada", 11)
    assert live.get("ada") is None


def test_only_the_most_recent_people_and_messages_still_changeable_are_kept() -> None:
    closed = {2}
    live: LiveTaskMessages[str, int] = LiveTaskMessages(limit=2, expired=lambda m: m in closed)
    for person, message in (("ada", 1), ("bob", 2), ("cy", 3)):
        live.shown(person, message)

    assert live.get("ada") is None, "beyond the limit"
    assert live.get("bob") is None, "can no longer be changed"
    assert live.get("cy") == 3
