"""Members label on Discord: buttons, a select menu, an answer box, a recording."""

from __future__ import annotations

import io
import json
import wave
from decimal import Decimal
from pathlib import Path

from bots.discord.adapter import DiscordAdapter
from storage.database import Database
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.discord.people import (
    agree,
    choose,
    press,
    refused_press,
    run,
    run_slow,
    write,
)
from tests.discord.people import forged as forged_copy
from tests.support.discord_harness import CALLBACK_MODAL, CALLBACK_UPDATE_MESSAGE, DiscordHarness
from tests.tasks.builders import active_batch

REVIEWED = QualitySettings(review_overlap=1, review_reward=Decimal("0.5"))


def recording(seconds: float, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\0\0" * int(seconds * rate))
    return buffer.getvalue()


async def test_a_newcomer_agrees_then_answers_five_tasks_with_buttons(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1, priority=5)
    await active_batch(db, Kind.rating, items=2, overlap=1, priority=4)
    await active_batch(db, Kind.compare, items=1, overlap=1, priority=3)
    ada = discord_chat.add_user("ada")

    prompt = await run(discord_chat, ada, "task")
    assert "Do you agree?" in prompt.content and prompt.ephemeral
    assert [b.label for b in prompt.buttons] == ["I agree", "English", "Русский"]

    task = await press(discord_chat, ada, prompt, "I agree")
    assert discord_chat.current_message(prompt).content == "Thank you! Let's begin."
    assert "📋 choice batch" in task.content and task.ephemeral
    assert [b.label for b in task.buttons] == ["yes", "no", "Skip"]

    for tap in ("yes", "no", "5", "1", "A is better"):
        answered = task
        task = await press(discord_chat, ada, task, tap)
        shown = discord_chat.current_message(answered)
        assert shown.content.startswith("✅ Saved: ") and shown.edited
        assert shown.buttons == [], "an answered task keeps no buttons"

    assert task.content.startswith("No tasks for you right now")
    assert await db.fetch_value("SELECT count(*) FROM answers WHERE counted = 1") == 5


async def test_a_rating_scale_fits_discords_rows_of_five(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.rating, items=1, options={"scale_min": 0, "scale_max": 10})
    ada = discord_chat.add_user("ada")

    task = await agree(discord_chat, ada)

    rows = [row["components"] for row in task.components]
    assert [len(row) for row in rows] == [5, 5, 1, 1], "0 to 10 packed five a row, Skip apart"
    assert [b.label for b in task.buttons] == [*map(str, range(11)), "Skip"]


async def test_multi_labels_are_chosen_in_a_select_menu(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.multi, items=1, overlap=1)
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)

    menu = task.select()
    assert [o.label for o in menu.options] == ["a", "b", "c"]
    assert (menu.min_values, menu.max_values) == (1, 3)
    assert [b.label for b in task.buttons] == ["Skip"], "no toggle buttons on Discord"

    sent = await discord_chat.select(ada, task, menu.custom_id, ["0", "2"])
    assert (await discord_chat.wait_for("callback", interaction=sent)).response_type == (
        CALLBACK_UPDATE_MESSAGE
    )
    await discord_chat.wait_for("followup", interaction=sent)

    assert discord_chat.current_message(task).content == "✅ Saved: a, c"
    assert await db.fetch_value("SELECT value FROM answers") == '["a", "c"]'


async def test_too_many_labels_get_a_message_and_the_menu_stays(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.multi, items=1, overlap=1)  # at most 2 labels
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)

    sent = await discord_chat.select(ada, task, task.select().custom_id, ["0", "1", "2"])
    await discord_chat.wait_for("callback", interaction=sent)

    assert discord_chat.last_response(ada).content == "choose from 1 to 2 labels"
    assert discord_chat.current_message(task).selects, "the task can still be answered"
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0


async def test_a_text_task_is_answered_in_an_answer_box(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1)
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)
    assert "Press ✏️ Write answer below to type it." in task.content
    assert [b.label for b in task.buttons] == ["✏️ Write answer", "Skip"]

    sent = await discord_chat.click(ada, task, "✏️ Write answer")
    assert (await discord_chat.wait_for("callback", interaction=sent)).response_type == (
        CALLBACK_MODAL
    )
    box = discord_chat.last_modal(ada)
    assert box.title == "Your answer"
    assert [(i.label, i.max_length) for i in box.inputs] == [("Answer", 4000)]

    typed = "Topic zero is about the weather in spring."
    await write(discord_chat, ada, box.custom_id, typed)

    assert discord_chat.last_response(ada).content.startswith("No tasks for you right now")
    assert await db.fetch_value("SELECT value FROM answers") == json.dumps(typed)


async def test_a_voice_task_is_answered_with_an_attached_recording(
    discord_chat: DiscordHarness, db: Database, tmp_path: Path
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)
    assert "send it with /voice" in task.content

    refused = await run_slow(discord_chat, ada, "voice", recording=("notes.txt", b"hello"))
    assert refused.content.startswith("notes.txt is not an audio recording")

    saved = await run_slow(
        discord_chat, ada, "voice", later=1, recording=("take.wav", recording(2.5))
    )

    assert discord_chat.calls_of("attachment"), "downloaded from the attachment URL"
    answer = json.loads(await db.fetch_value("SELECT value FROM answers"))
    stored = Path(answer["file"])
    assert stored.is_relative_to(tmp_path / "data" / "voice" / "discord" / str(ada.id))
    assert stored.read_bytes() == recording(2.5)  # noqa: ASYNC240 - a small file, read once
    assert answer["duration"] == 2.5
    assert saved.content.startswith("No tasks for you right now")


async def test_a_recording_of_unknown_length_asks_for_seconds(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    ada = discord_chat.add_user("ada")
    await agree(discord_chat, ada)

    asked = await run_slow(discord_chat, ada, "voice", recording=("take.m4a", b"\0" * 64))
    assert "for example /voice seconds:7" in asked.content

    await run_slow(
        discord_chat, ada, "voice", later=1, recording=("take.m4a", b"\0" * 64), seconds=3.0
    )
    answer = json.loads(await db.fetch_value("SELECT value FROM answers"))
    assert answer["duration"] == 3.0


async def test_a_stale_button_is_refused_and_changes_nothing(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    ada = discord_chat.add_user("ada")
    first = await agree(discord_chat, ada)
    await run(discord_chat, ada, "skip", later=1)
    held = discord_chat.last_response(ada)
    await discord_chat.settle()
    skipped = discord_chat.current_message(first)

    await refused_press(discord_chat, ada, first, "yes")  # her client still showed the buttons

    refusal = discord_chat.last_response(ada)
    assert refusal.id not in (first.id, held.id), "a new message, not an edit"
    assert refusal.ephemeral and refusal.content.startswith("This task is no longer yours")
    assert discord_chat.current_message(first) == skipped, "the old task message is as it was"
    assert discord_chat.current_message(held) == held, "the task she holds keeps its buttons"
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0


async def test_a_forged_press_on_the_live_task_leaves_it_as_it_is(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)
    await discord_chat.settle()
    lease = (task.button("yes").custom_id or "").split(":")[2]

    for forged in (f"v1:a:{lease}:99", "v1:a:not-her-lease:0", "v1:x:nonsense:"):
        await refused_press(discord_chat, ada, forged_copy(task, forged), forged)
        refusal = discord_chat.last_response(ada)
        assert refusal.id != task.id and refusal.ephemeral
        assert refusal.content.startswith("This task is no longer yours")
        assert discord_chat.current_message(task) == task, "its text and buttons stay"

    await press(discord_chat, ada, task, "yes")
    assert discord_chat.current_message(task).content == "✅ Saved: yes"


async def test_a_stale_press_leaves_one_live_message_for_the_task_held(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.choice, items=3, overlap=1)
    ada = discord_chat.add_user("ada")
    first = await agree(discord_chat, ada)
    held = await press(discord_chat, ada, first, "yes")
    await discord_chat.settle()

    again = await refused_press(discord_chat, ada, first, "yes")  # a second tap, answered
    assert again.content == "✅ Already saved." and again.ephemeral and again.id != first.id
    await refused_press(discord_chat, ada, first, "Skip")

    lease = (held.button("yes").custom_id or "").split(":")[2]
    live = [
        m
        for m in discord_chat.shown_to(ada)
        if any(lease in (b.custom_id or "") for b in m.buttons)
    ]
    assert [m.id for m in live] == [held.id], "the task held shows once, with working buttons"
    assert discord_chat.current_message(first).content == "✅ Saved: yes"
    await press(discord_chat, ada, held, "no")
    assert await db.fetch_value("SELECT count(*) FROM answers") == 2


async def test_buttons_keep_working_after_a_restart(
    discord_chat: DiscordHarness, db: Database, adapter: DiscordAdapter
) -> None:
    await active_batch(db, Kind.choice, items=2, overlap=1)
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)

    restarted = DiscordAdapter(adapter.conversation, adapter.config)
    await discord_chat.restart(restarted.client)
    await press(discord_chat, ada, task, "no")

    assert discord_chat.current_message(task).content == "✅ Saved: no"
    assert await db.fetch_value("SELECT value FROM answers") == '"no"'


async def test_a_text_answer_may_use_all_of_discords_4000_characters(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1, options={"max_length": 4000})
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)
    await press(discord_chat, ada, task, "✏️ Write answer", later=0)
    box = discord_chat.last_modal(ada)

    typed = ("A long careful answer about the topic. " * 103)[:3999] + "!"
    await write(discord_chat, ada, box.custom_id, typed)

    assert json.loads(await db.fetch_value("SELECT value FROM answers")) == typed


async def test_a_voice_answer_under_review_comes_with_its_recording(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1, quality=REVIEWED)
    ada, bob = discord_chat.add_user("ada"), discord_chat.add_user("bob")
    await agree(discord_chat, ada)
    await run_slow(discord_chat, ada, "voice", later=1, recording=("take.wav", recording(2.0)))

    prompt = await run(discord_chat, bob, "task")
    sent = await discord_chat.click(bob, prompt, "I agree")
    await discord_chat.wait_for("callback", interaction=sent)
    shown = await discord_chat.wait_for("followup", interaction=sent)

    assert "Sentence number 0." in (shown.message.content if shown.message else "")
    [played] = shown.files
    assert played.filename.endswith(".wav") and played.data == recording(2.0)
    assert "Skip" in [b.label for b in discord_chat.last_response(bob).buttons]


async def test_the_answer_box_and_the_label_menu_work_after_a_restart(
    discord_chat: DiscordHarness, db: Database, adapter: DiscordAdapter
) -> None:
    await active_batch(db, Kind.text, items=1, overlap=1, priority=2)
    await active_batch(db, Kind.multi, items=1, overlap=1, priority=1)
    ada = discord_chat.add_user("ada")
    writing = await agree(discord_chat, ada)
    await press(discord_chat, ada, writing, "✏️ Write answer", later=0)
    box = discord_chat.last_modal(ada)

    await discord_chat.restart(DiscordAdapter(adapter.conversation, adapter.config).client)
    await write(discord_chat, ada, box.custom_id, "Spring is warm.")
    labelling = discord_chat.last_response(ada)
    assert "headline 0" in labelling.content

    await discord_chat.restart(DiscordAdapter(adapter.conversation, adapter.config).client)
    await choose(discord_chat, ada, labelling, labelling.select().custom_id, ["1"])

    assert discord_chat.current_message(labelling).content == "✅ Saved: b"
    values = await db.fetch_all("SELECT value FROM answers ORDER BY id")
    assert [row[0] for row in values] == ['"Spring is warm."', '["b"]']


async def test_a_choice_of_25_labels_is_answered_from_a_menu(
    discord_chat: DiscordHarness, db: Database
) -> None:
    labels = [f"species {n}" for n in range(25)]
    await active_batch(db, Kind.choice, items=1, overlap=1, options={"labels": labels})
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)

    menu = task.select()
    assert [o.label for o in menu.options] == labels and menu.max_values == 1
    assert [b.label for b in task.buttons] == ["Skip"]

    await choose(discord_chat, ada, task, menu.custom_id, ["23"])

    assert discord_chat.current_message(task).content == "✅ Saved: species 23"
    assert await db.fetch_value("SELECT value FROM answers") == '"species 23"'


async def test_a_text_task_answered_in_its_box_keeps_no_buttons(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.text, items=2, overlap=1)
    ada = discord_chat.add_user("ada")
    first = await agree(discord_chat, ada)

    await press(discord_chat, ada, first, "✏️ Write answer", later=0)
    box = discord_chat.last_modal(ada)
    sent = await discord_chat.submit_modal(ada, box.custom_id, {"answer": "Rain in April."})
    await discord_chat.wait_for("callback", interaction=sent)
    second = (await discord_chat.wait_for("followup", interaction=sent)).message
    await discord_chat.settle()

    assert discord_chat.current_message(first).buttons == [], "answered: nothing left to press"
    assert second is not None and "write about topic 1" in second.content
    assert [b.label for b in second.buttons] == ["✏️ Write answer", "Skip"]


async def test_an_answer_box_left_open_cannot_answer_the_next_task(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.text, items=2, overlap=1)
    ada = discord_chat.add_user("ada")
    first = await agree(discord_chat, ada)
    await press(discord_chat, ada, first, "✏️ Write answer", later=0)
    box = discord_chat.last_modal(ada)  # also open on her phone, say

    sent = await discord_chat.submit_modal(ada, box.custom_id, {"answer": "Rain in April."})
    await discord_chat.wait_for("callback", interaction=sent)
    await discord_chat.settle()
    again = await discord_chat.submit_modal(ada, box.custom_id, {"answer": "Snow in May."})
    await discord_chat.wait_for("callback", interaction=again)
    await discord_chat.settle()

    assert discord_chat.last_response(ada).content.startswith("This task is no longer yours")
    values = await db.fetch_all("SELECT value FROM answers")
    assert [row[0] for row in values] == ['"Rain in April."'], "the second task is untouched"


async def test_a_voice_task_answered_with_a_recording_keeps_no_buttons(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)
    assert [b.label for b in task.buttons] == ["Skip"]

    saved = await run_slow(
        discord_chat, ada, "voice", later=1, recording=("take.wav", recording(2.0))
    )
    await discord_chat.settle()

    assert saved.content.startswith("No tasks for you right now")
    assert discord_chat.current_message(task).buttons == [], "its task is done"


async def test_a_recording_is_measured_rather_than_taken_at_its_word(
    discord_chat: DiscordHarness, db: Database
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)  # 1 to 20 seconds
    ada = discord_chat.add_user("ada")
    task = await agree(discord_chat, ada)

    refused = await run_slow(
        discord_chat, ada, "voice", recording=("take.wav", recording(60.0)), seconds=3.0
    )
    await discord_chat.settle()

    assert refused.content == "your recording lasts 60 s; it must last 1 to 20 s"
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0
    assert [b.label for b in discord_chat.current_message(task).buttons] == ["Skip"], "still hers"
