"""Members label in the private chat: buttons, typed text, voice notes; answered tasks are edited
in place, so a labelling run reads as one line per answer."""

from __future__ import annotations

import json
from pathlib import Path

from bots.conversation.i18n import catalog
from storage.database import Database
from tasks.kinds import Kind
from tests.support.telegram_api import Button, button_texts
from tests.tasks.builders import active_batch
from tests.telegram.member import Member, text_of


async def onboard(member: Member) -> dict:
    await member.send("/start")
    return await member.press("I agree")


async def test_a_newcomer_agrees_then_gets_a_task_with_buttons(db: Database, bot, member) -> None:
    await active_batch(db, Kind.choice, items=3)
    ada = member("Ada")

    welcome = await ada.send("/start")
    assert text_of(welcome).startswith("Welcome to microtasks!")
    assert button_texts(welcome) == ["I agree", "English", "Русский"]

    task = await ada.press("I agree")

    answered, edited = ada.server.calls("answerCallbackQuery"), ada.server.calls("editMessageText")
    assert answered[0].index < edited[0].index, "the press is answered first, then the edit"
    assert ada.texts[0] == "Thank you! Let's begin."
    assert button_texts(ada.server.bot_messages(ada.user)[0]) == [], "consent buttons are gone"
    assert "📋 choice batch" in text_of(task) and "ℹ️ Do the choice task." in text_of(task)
    assert button_texts(task) == ["yes", "no", "Skip"]


async def test_a_russian_member_is_answered_in_russian(db: Database, bot, member) -> None:
    await active_batch(db, Kind.compare, items=2, overlap=1)
    ivan, ru = member("Ivan", language="ru"), catalog("ru")

    welcome = await ivan.send("/start")
    assert text_of(welcome).startswith(ru["start.welcome"])
    task = await ivan.press(ru["button.agree"])
    assert button_texts(task)[:2] == [ru["compare.a"], ru["compare.b"]]
    await ivan.press(ru["compare.a"])

    assert ivan.texts[:2] == [ru["start.thanks"], ru["answer.saved"].format(answer=ru["compare.a"])]


async def test_ten_labels_in_a_row_leave_one_line_per_answer(db: Database, bot, member) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1, priority=5)
    await active_batch(db, Kind.rating, items=3, overlap=1, priority=4)
    await active_batch(db, Kind.compare, items=4, overlap=1, priority=3)
    ada = member("Ada")
    await onboard(ada)

    taps = ["yes", "no", "yes", "4", "5", "1", "A is better", "Equally good", "Both are bad"]
    for tap in [*taps, "B is better"]:
        await ada.press(tap)

    assert ada.texts == [
        "Thank you! Let's begin.",
        *(f"✅ Saved: {tap}" for tap in [*taps, "B is better"]),
        "No tasks for you right now. Thank you! Use /notify to hear about new batches.",
    ]
    assert all(button_texts(m) == [] for m in ada.server.bot_messages(ada.user))
    assert ada.server.calls("editMessageReplyMarkup") == [], "pressed tasks were edited already"
    assert await db.fetch_value("SELECT count(*) FROM answers WHERE counted = 1") == 10


async def test_multi_labels_toggle_in_place_then_submit(db: Database, bot, member) -> None:
    await active_batch(db, Kind.multi, items=1, overlap=1)
    ada = member("Ada")
    task = await onboard(ada)

    toggled = await ada.press("a", new=0)
    assert toggled["message_id"] == task["message_id"]
    assert button_texts(toggled)[:3] == ["☑ a", "☐ b", "☐ c"]
    await ada.press("c", new=0)
    await ada.press("Submit (2 chosen)")

    assert ada.texts[1] == "✅ Saved: a, c"
    assert await db.fetch_value("SELECT value FROM answers") == '["a", "c"]'


async def test_skip_by_button_and_by_command(db: Database, bot, member) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = member("Ada")
    first = text_of(await onboard(ada))

    second = await ada.press("Skip")
    assert ada.texts[1] == "⏭ Skipped." and text_of(second) != first
    await ada.send("/skip", new=2)

    assert ada.texts[-2:] == [
        "⏭ Skipped.",
        "No tasks for you right now. Thank you! Use /notify to hear about new batches.",
    ]


async def test_a_text_task_takes_the_next_typed_message(db: Database, bot, member) -> None:
    await active_batch(db, Kind.text, items=2, overlap=1)
    ada = member("Ada")
    task = await onboard(ada)
    assert "✍️ write about topic" in text_of(task) and button_texts(task) == ["Skip"]

    too_short = await ada.send("hey")
    assert text_of(too_short) == "your text has 3 characters; write at least 5"
    await ada.send("Write a haiku about autumn rain in Kyoto.", new=2)
    await ada.server.wait_for("editMessageReplyMarkup")

    assert any(text.startswith("✅ Saved: your text") for text in ada.texts)
    shown = ada.server.bot_messages(ada.user)
    assert [button_texts(m) for m in shown if "✍️" in text_of(m)] == [[], ["Skip"]], (
        "the answered task keeps no stale Skip button; the next one has it"
    )
    assert await db.fetch_value("SELECT value FROM answers") == (
        '"Write a haiku about autumn rain in Kyoto."'
    )


async def test_a_voice_task_takes_a_voice_note_stored_under_the_data_folder(
    db: Database, bot, member, tmp_path: Path
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    ada = member("Ada")
    task = await onboard(ada)
    assert "🎙 «Sentence number 0.»" in text_of(task)

    folder = tmp_path / "data" / "voice" / "telegram"
    too_short = await ada.record(b"OggS-short", 0)
    assert text_of(too_short) == "your recording lasts 0 s; it must last 1 to 20 s"
    assert list(folder.iterdir()) == [], "a refused recording is deleted"
    await ada.record(b"OggS-a-good-reading", 3, new=2)

    assert any(text.startswith("✅ Saved: your recording") for text in ada.texts)
    [saved] = folder.iterdir()
    assert saved.read_bytes() == b"OggS-a-good-reading"
    answer = json.loads(await db.fetch_value("SELECT value FROM answers"))
    assert answer == {"file": str(saved), "duration": 3.0}


async def test_a_voice_note_nobody_asked_for_is_not_downloaded(
    db: Database, bot, member, tmp_path: Path
) -> None:
    await active_batch(db, Kind.choice, items=1, overlap=1)
    ada, olga = member("Ada"), member("Olga", "ru")
    await onboard(ada)  # she holds a task, but not one answered by voice

    stray = await ada.record(b"OggS-a-song", 30)
    in_russian = await olga.record(b"OggS-a-song", 30)

    assert text_of(stray) == ("You have no task waiting for a voice message. Use /task to get one.")
    assert text_of(in_russian).startswith("У вас нет задания, которое ждёт голосовое")
    assert ada.server.calls("getFile") == [] and ada.server.calls("download") == []
    assert not (tmp_path / "data" / "voice").exists(), "nothing was stored"


async def eve_holds_a_task_and_sees_adas_button(
    db: Database, member
) -> tuple[Member, dict, Button]:
    """Ada and Eve each hold a task; Eve has the data of Ada's "yes" button (a forged press)."""
    await active_batch(db, Kind.choice, items=3, overlap=1)
    ada, eve = member("Ada"), member("Eve")
    await onboard(ada)
    eves_task = await onboard(eve)
    _, adas_yes = ada.find("yes")
    return eve, eves_task, adas_yes


async def test_a_forged_press_on_a_live_task_is_refused_by_a_toast_and_the_task_stays(
    db: Database, bot, member
) -> None:
    eve, eves_task, adas_yes = await eve_holds_a_task_and_sees_adas_button(db, member)

    (toast,) = await eve.taps(eves_task, adas_yes.callback_data or "", times=1)

    assert toast is not None and toast.startswith("This task is no longer yours")
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0
    await eve.press("no")  # her own task still works, and the refusal changed nothing
    assert eve.texts[:2] == ["Thank you! Let's begin.", "✅ Saved: no"]
    assert not [t for t in eve.texts if t.startswith("This task is no longer yours")]


async def test_a_press_too_old_for_a_toast_is_refused_in_a_new_message_and_the_task_stays(
    db: Database, bot, member
) -> None:
    eve, eves_task, adas_yes = await eve_holds_a_task_and_sees_adas_button(db, member)
    eve.server.fail_next("answerCallbackQuery", 400, "Bad Request: query is too old")
    since = eve.server.mark()

    eve.server.user_clicks(eve.user, eves_task, adas_yes.callback_data or "", check_button=False)
    await eve.server.wait_for("sendMessage", since=since)

    assert eve.texts[-1].startswith("This task is no longer yours"), "said in a new message"
    edits = [c for c in eve.server.calls("editMessageText") if c.index >= since]
    assert not edits, "her live task was not edited"
    await eve.press("no")  # her own task still works
    assert "✅ Saved: no" in eve.texts


async def test_a_stale_press_leaves_the_member_s_live_task_and_its_buttons(
    db: Database, bot, member
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    ada = member("Ada")
    first = await onboard(ada)
    _, yes = ada.find("yes")
    await ada.press("yes")
    live = ada.last

    (toast,) = await ada.taps(live, yes.callback_data or "", times=1)  # the first task's button

    assert toast == "✅ Already saved."
    await ada.press("no")
    assert ada.texts[:3] == ["Thank you! Let's begin.", "✅ Saved: yes", "✅ Saved: no"]
    assert first["message_id"] != live["message_id"]


async def test_a_double_tap_saves_once_keeps_the_receipt_and_sends_the_next_task_once(
    db: Database, bot, member
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    ada = member("Ada")
    task = await onboard(ada)
    _, yes = ada.find("yes")

    toasts = await ada.taps(task, yes.callback_data or "", times=2)

    assert toasts == [None, "✅ Already saved."]
    await ada.press("no")  # the next task, shown once, answered
    assert ada.texts[:3] == ["Thank you! Let's begin.", "✅ Saved: yes", "✅ Saved: no"]
    assert len([t for t in ada.texts if "📋 choice batch" in t]) == 1, "one task waits, once"
    assert await db.fetch_value("SELECT count(*) FROM answers") == 2


async def test_an_image_item_is_sent_as_a_photo_and_answered_in_its_caption(
    db: Database, bot, member, tmp_path: Path
) -> None:
    from tasks.batch_file import read_batch_file
    from tasks.batches import BatchService

    (tmp_path / "cat.jpg").write_bytes(b"\xff\xd8\xff\xe0 a cat")
    batch = tmp_path / "pets.jsonl"
    batch.write_text(
        '{"batch": {"kind": "choice", "title": "Pets", "instructions": "Which animal?",'
        ' "labels": ["cat", "dog"], "overlap": 1}}\n'
        '{"id": "p1", "image": "cat.jpg"}\n'
        '{"id": "p2", "image": "https://example.org/dog.jpg", "text": "At the park"}\n'
    )
    await BatchService(db).import_draft(read_batch_file(batch), activate=True)
    ada = member("Ada")

    first = await onboard(ada)
    (upload,) = ada.server.calls("sendPhoto")[:1]
    assert upload.files["photo"].content == b"\xff\xd8\xff\xe0 a cat"
    assert "📋 Pets" in first["caption"] and button_texts(first) == ["cat", "dog", "Skip"]

    second = await ada.press("cat")
    assert ada.server.calls("editMessageCaption"), "the photo's caption says what was saved"
    assert ada.texts[1] == "✅ Saved: cat"
    assert ada.server.calls("sendPhoto")[1].params["photo"] == "https://example.org/dog.jpg"
    assert "At the park" in second["caption"]


async def test_a_reviewer_hears_the_recording_as_a_voice_note_and_approves_it(
    db: Database, bot, member, server
) -> None:
    from tasks.quality_settings import QualitySettings

    await active_batch(
        db, Kind.voice, items=1, overlap=1, quality=QualitySettings(review_overlap=1)
    )
    ada, bob = member("Ada"), member("Bob")
    await onboard(ada)
    await ada.record(b"OggS-ada-reads-aloud", 4, new=2)

    review = await onboard(bob)

    (sent,) = server.calls("sendVoice")
    assert sent.files["voice"].content == b"OggS-ada-reads-aloud", "the stored recording"
    assert review["voice"]["file_id"] and "🎧" in review["caption"]
    assert button_texts(review)[0] == "Approve"
    await bob.press("Approve")
    assert server.calls("editMessageCaption"), "the voice note's caption says what was saved"
    assert await db.fetch_value("SELECT status FROM answers ORDER BY id LIMIT 1") == "accepted"
