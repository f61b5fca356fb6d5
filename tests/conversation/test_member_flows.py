"""Members onboard, label tasks of every kind in a row, skip, and read their own pages."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from bots.conversation.callbacks import Action, encode
from bots.conversation.replies import Expect
from storage.database import Database
from tasks.kinds import Kind
from tests.conversation.driver import ChatUser
from tests.tasks.builders import active_batch


async def onboard(user: ChatUser) -> None:
    await user.send("/start")
    await user.press("I agree")


async def test_a_newcomer_agrees_before_the_first_task(db: Database, make_user) -> None:
    await active_batch(db, Kind.choice, items=3)
    ada = make_user("ada")

    await ada.send("/task")
    assert "Do you agree?" in ada.text, "no task before consent"

    await ada.press("I agree")

    assert ada.replies[0].text == "Thank you! Let's begin." and ada.replies[0].edit
    assert "📋 choice batch" in ada.last.text and "ℹ️ Do the choice task." in ada.last.text
    assert [b.label for b in ada.last.all_buttons] == ["yes", "no", "Skip"]


async def test_ten_answers_in_a_row_with_ten_taps_across_kinds(db: Database, make_user) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1, priority=5)
    await active_batch(db, Kind.rating, items=3, overlap=1, priority=4)
    await active_batch(db, Kind.compare, items=4, overlap=1, priority=3)
    ada = make_user("ada")
    await onboard(ada)

    taps = [
        "yes",
        "no",
        "yes",
        "4",
        "5",
        "1",
        "A is better",
        "Equally good",
        "Both are bad",
        "B is better",
    ]
    for tap in taps:
        await ada.press(tap)
        assert ada.replies[0].edit and ada.replies[0].text.startswith("✅ Saved: ")

    assert ada.last.text.startswith("No tasks for you right now")
    assert await db.fetch_value("SELECT count(*) FROM answers WHERE counted = 1") == 10


async def test_multi_labels_are_toggled_then_submitted(db: Database, make_user) -> None:
    await active_batch(db, Kind.multi, items=1, overlap=1)
    ada = make_user("ada")
    await onboard(ada)

    await ada.press("a")
    assert ada.last.edit and ada.button("☑ a") and ada.button("Submit (1 chosen)")
    await ada.press("c")
    await ada.press("Submit (2 chosen)")

    assert ada.replies[0].text == "✅ Saved: a, c"
    assert await db.fetch_value("SELECT value FROM answers") == '["a", "c"]'


async def test_too_many_labels_get_a_message_saying_what_to_fix(db: Database, make_user) -> None:
    await active_batch(db, Kind.multi, items=1, overlap=1)
    ada = make_user("ada")
    await onboard(ada)
    for label in ("a", "b", "c"):
        await ada.press(label)

    await ada.press("Submit (3 chosen)")

    assert ada.text == "choose from 1 to 2 labels"
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0


async def test_a_text_task_takes_the_next_typed_message(db: Database, make_user) -> None:
    await active_batch(db, Kind.text, items=2, overlap=1)
    ada = make_user("ada")
    await onboard(ada)
    assert ada.last.expects is Expect.text and "✍️ write about topic" in ada.last.text

    await ada.send("hey")
    assert ada.text == "your text has 3 characters; write at least 5"

    await ada.send("Write a haiku about autumn rain in Kyoto.")
    assert ada.replies[0].text == (
        "✅ Saved: your text. Other members will review it; you will hear the outcome."
    )
    assert await db.fetch_value("SELECT value FROM answers") == (
        '"Write a haiku about autumn rain in Kyoto."'
    )


async def test_a_voice_task_takes_a_recording(db: Database, make_user, tmp_path: Path) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    ada = make_user("ada")
    await onboard(ada)
    assert ada.last.expects is Expect.voice and "🎙 «Sentence number 0.»" in ada.last.text

    await ada.voice(str(tmp_path / "short.ogg"), 0.3)
    assert ada.text == "your recording lasts 0.3 s; it must last 1 to 20 s"
    await ada.voice(str(tmp_path / "good.ogg"), 2.5)

    assert ada.replies[0].text == (
        "✅ Saved: your recording. Other members will review it; you will hear the outcome."
    )
    value = await db.fetch_value("SELECT value FROM answers")
    assert "good.ogg" in value and "2.5" in value


async def test_skip_moves_on_and_never_returns_the_item(db: Database, make_user) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = make_user("ada")
    await onboard(ada)
    first = ada.last.text

    await ada.press("Skip")
    assert ada.replies[0].text == "⏭ Skipped." and ada.last.text != first
    await ada.send("/skip")

    assert ada.last.text.startswith("No tasks for you right now")


async def test_a_forged_or_stale_button_is_refused(db: Database, make_user) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    ada, eve = make_user("ada"), make_user("eve")
    await onboard(ada)
    await onboard(eve)
    ada_yes = ada.button("yes").data

    await eve.press_data(ada_yes)
    assert eve.text.startswith("This task is no longer yours")
    assert all(reply.refusal for reply in eve.replies), "shown as a notice, not over her task"
    await eve.press_data(encode(Action.answer, "made-up-token", 0))
    assert eve.text.startswith("This task is no longer yours")
    await eve.press_data("v9:tampered")
    assert eve.text.startswith("This task is no longer yours")
    await eve.press_data(ada_yes.rsplit(":", 1)[0] + ":7")
    assert eve.text.startswith("This task is no longer yours")

    await ada.press_data(ada_yes)
    await ada.press_data(ada_yes)  # the same button again, after the answer
    assert [(r.text, r.refusal) for r in ada.replies] == [("✅ Already saved.", True)], (
        "a refusal alone: the task now held was sent once already"
    )
    assert await db.fetch_value("SELECT count(*) FROM answers") == 1


async def test_a_button_from_a_task_given_back_or_tampered_with_changes_nothing(
    db: Database, make_user
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    await active_batch(db, Kind.multi, items=1, overlap=1, priority=-1)
    ada = make_user("ada")
    await onboard(ada)
    yes = ada.button("yes").data

    await ada.press_data(yes.rsplit(":", 1)[0] + ":-1")  # a label index from the end
    assert ada.text.startswith("This task is no longer yours")
    await ada.send("/stop")
    await ada.press_data(yes)
    assert ada.text.startswith("This task is no longer yours")
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0

    while "choice batch" in (await ada.send("/task"))[-1].text:
        await ada.press("Skip")
    submit = next(b.data for b in ada.last.all_buttons if b.data.split(":")[1] == Action.submit)
    await ada.press_data(submit.rsplit(":", 1)[0] + ":-1")  # every label, by a negative mask
    assert ada.text.startswith("This task is no longer yours")
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0


async def test_typing_while_a_voice_task_is_held_asks_for_the_recording(
    db: Database, make_user
) -> None:
    await active_batch(db, Kind.voice, items=1)
    ada = make_user("ada")
    await onboard(ada)

    await ada.send("here is my reading")

    assert ada.replies[0].text.startswith("This task is answered with a voice message")
    assert "Sentence number 0." in ada.last.text


async def test_a_member_sees_their_standing_history_and_the_leaderboard(
    db: Database, make_user
) -> None:
    await active_batch(
        db, Kind.choice, items=4, overlap=2, gold={0: "yes", 1: "no"}, reward=Decimal("0.5")
    )
    ada, bob = make_user("ada"), make_user("bob")
    await onboard(ada)
    while ada.last.all_buttons:
        await ada.press("yes")
    await onboard(bob)
    await bob.press("no")

    await ada.send("/me")
    assert ada.text.splitlines() == [
        "👤 ada",
        "Balance: 2 tokens (earned in all: 2 tokens)",
        "Answers: 4 accepted, 0 waiting for review, 0 not accepted",
        "Accuracy on check items: 50% of 2",
        "Rank: #1",
        "Level: 0 (levels unlock more batches)",
        "Streak: 1 day in a row",
    ]
    await bob.send("/leaderboard")
    assert bob.text.splitlines() == [
        "🏆 Top members (points earned):",
        "1. ada — 2 tokens",
        "2. bob — 0.5 tokens ←",
    ]
    await bob.send("/history")
    lines = bob.text.splitlines()
    assert lines[0] == "🧾 Your latest answers:"
    assert lines[1].endswith("· choice batch · no — accepted")
    assert lines[2] == "    +0.5 tokens for the answer"


async def test_amounts_carry_the_symbol_the_chain_gave_the_token(db: Database, make_user) -> None:
    from storage import ledger

    await active_batch(db, Kind.choice, items=3, overlap=1, reward=Decimal("0.5"))
    await ledger.set_token_fact(db, "symbol", "MTK")  # what connecting the payouts records
    ada = make_user("ada")
    await onboard(ada)
    while ada.last.all_buttons:
        await ada.press("yes")

    await ada.send("/me")
    assert "Balance: 1.5 MTK (earned in all: 1.5 MTK)" in ada.text.splitlines()
    await ada.send("/leaderboard")
    assert "1. ada — 1.5 MTK ←" in ada.text.splitlines()
    await ada.send("/history")
    assert "    +0.5 MTK for the answer" in ada.text.splitlines()


async def test_language_notifications_and_help(db: Database, make_user) -> None:
    ada = make_user("ada")
    await ada.send("/start")
    await ada.press("I agree")

    await ada.send("/notify")
    assert ada.text == "🔔 You will hear about new batches."
    await ada.send("/notify off")
    assert ada.text == "🔕 You will not hear about new batches."
    await ada.send("/help")
    assert "/task — get a task" in ada.text and "/activate" not in ada.text
    await ada.send("/dance")
    assert ada.text == "I don't know /dance. See /help."


async def test_nothing_is_stored_about_a_member_before_they_agree(db: Database, make_user) -> None:
    ada = make_user("ada")

    for command in ("/notify on", "/remind on", "/wallet link 0x" + "52" * 20):
        await ada.send(command)
        assert "Do you agree?" in ada.text, f"{command} before consent"
    assert await db.fetch_value("SELECT consented_at FROM profiles") is None
    assert await db.fetch_value("SELECT COUNT(*) FROM wallet_nonces") == 0
    assert await db.fetch_value("SELECT COUNT(*) FROM streak_reminders") == 0

    await ada.press("I agree")
    await ada.send("/notify on")
    assert ada.text == "🔔 You will hear about new batches."


async def test_a_member_hammering_buttons_is_slowed_down_politely(db: Database) -> None:
    from bots.conversation.core import Conversation
    from bots.conversation.events import Sender
    from bots.conversation.throttle import Throttle
    from tests.clock import ManualClock
    from tests.conversation.conftest import services_for

    clock = ManualClock()
    conversation = Conversation(
        services_for(db, clock), throttle=Throttle(rate=1, burst=3, clock=clock)
    )
    ada = ChatUser(conversation, Sender("telegram", "ada", language="en"))

    for _ in range(3):
        await ada.send("/help")
        assert ada.text.startswith("What you can do:")
    await ada.send("/help")
    assert ada.text == "Slow down a little, please — try again in a moment."
    assert await ada.send("/help") == [], "told once: more notes would flood the chat too"
    clock.advance(1)
    await ada.send("/help")
    assert ada.text.startswith("What you can do:")
    assert await ada.send("/help") == [], "still within the quiet spell after the note"
    clock.advance(3)  # a full bucket again, and the quiet spell is over
    for _ in range(4):
        await ada.send("/help")
    assert ada.text == "Slow down a little, please — try again in a moment."
