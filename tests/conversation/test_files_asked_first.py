"""Before an adapter downloads a file it asks the core whether the file is wanted: only
moderators import batches, within the size limit, and a recording only answers a voice task.
A recording the core does not keep is deleted, so refused recordings cannot fill the disk."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bots.conversation.core import Conversation
from bots.conversation.events import Sender
from bots.conversation.throttle import Throttle
from storage.database import Database
from tasks.batch_file import Limits
from tasks.kinds import Kind
from tasks.quality_settings import QualitySettings
from tests.conversation.driver import ChatUser
from tests.conversation.test_member_flows import onboard
from tests.conversation.test_moderator_flows import GOOD
from tests.tasks.builders import active_batch


def recording(conversation: Conversation, name: str) -> Path:
    """A recording as an adapter stores it: under the data folder's voice folder."""
    folder = conversation.services.data_dir / "voice" / "telegram"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"OggS" + name.encode())
    return path


async def test_only_moderators_are_asked_for_the_file(
    conversation: Conversation, make_user
) -> None:
    ada, olga, mod = make_user("ada"), make_user("olga", language="ru"), make_user("900")

    refused = await conversation.may_upload(ada.sender, "pets.jsonl", len(GOOD))
    in_russian = await conversation.may_upload(olga.sender, "pets.jsonl", len(GOOD))

    assert refused is not None and [r.text for r in refused] == [
        "Sorry, only moderators can do that."
    ]
    assert in_russian is not None and in_russian[0].text == (
        "Извините, это доступно только модераторам."
    )
    assert await conversation.may_upload(mod.sender, "pets.jsonl", len(GOOD)) is None
    assert await conversation.may_upload(mod.sender, "pets.jsonl", None) is None, "size unknown"


async def test_a_file_over_the_batch_size_limit_is_refused_unread_with_the_limit_named(
    db: Database, conversation: Conversation, make_user
) -> None:
    small = replace(conversation.services, batch_limits=Limits(max_file_bytes=2_000_000))
    strict = Conversation(small, throttle=conversation.throttle)
    mod = ChatUser(strict, make_user("900").sender)

    refused = await strict.may_upload(mod.sender, "big.jsonl", 2_500_000)

    assert refused is not None and refused[0].text.splitlines() == [
        "Nothing was imported from big.jsonl:",
        "big.jsonl:1: the file is 2.5 MB; the most is 2 MB (the BATCH_MAX_FILE_MB setting)",
    ]
    assert await strict.may_upload(mod.sender, "pets.jsonl", 2_000_000) is None
    await mod.upload("pets.jsonl", GOOD)
    assert mod.text.startswith("Imported batch 1"), "the same rule holds after the download"


async def test_a_recording_is_wanted_only_for_a_voice_task(
    db: Database, conversation: Conversation, make_user
) -> None:
    ada = make_user("ada")
    await active_batch(db, Kind.choice, items=1, overlap=1)
    await onboard(ada)

    stray = await conversation.may_record(ada.sender)
    assert stray is not None and [r.text for r in stray] == [
        "You have no task waiting for a voice message. Use /task to get one."
    ]

    await ada.send("/stop")
    voice_batch = await active_batch(db, Kind.voice, items=1, overlap=1)
    await ada.send(f"/task {voice_batch}")
    assert "🎙" in ada.text
    assert await conversation.may_record(ada.sender) is None


async def test_a_refused_recording_is_deleted_and_an_accepted_one_kept(
    db: Database, conversation: Conversation, make_user
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    ada = make_user("ada")
    await onboard(ada)
    too_short, good = recording(conversation, "short.ogg"), recording(conversation, "good.ogg")

    await ada.voice(str(too_short), 0.3)
    assert ada.text == "your recording lasts 0.3 s; it must last 1 to 20 s"
    assert not too_short.exists()

    await ada.voice(str(good), 2.5)
    assert ada.replies[0].text.startswith("✅ Saved: your recording")
    assert good.exists() and "good.ogg" in await db.fetch_value("SELECT value FROM answers")

    late = recording(conversation, "late.ogg")
    await ada.voice(str(late), 2.5)
    assert ada.text.startswith("You have no task waiting for a voice message")
    assert not late.exists() and good.exists()


async def test_only_recordings_in_the_data_folders_voice_folder_are_ever_deleted(
    db: Database, db_path: Path, conversation: Conversation, make_user, tmp_path: Path
) -> None:
    ada = make_user("ada")
    mine = tmp_path / "my-song.ogg"
    mine.write_bytes(b"OggS a song")
    assert db_path.parent == conversation.services.data_dir, "the database shares the folder"
    sneaky = conversation.services.data_dir / "voice" / ".." / db_path.name

    for path in (mine, db_path, sneaky):
        await ada.voice(str(path), 2.0)
        assert ada.text.startswith("You have no task waiting for a voice message")

    assert mine.exists() and db_path.exists()  # noqa: ASYNC240 - two quick looks
    assert await db.fetch_value("SELECT count(*) FROM accounts") == 1


async def test_a_throttled_recording_is_deleted_without_reading_who_sent_it(
    db: Database, conversation: Conversation, clock
) -> None:
    strict = Conversation(conversation.services, throttle=Throttle(rate=1, burst=1, clock=clock))
    ada = ChatUser(strict, Sender("telegram", "ada", username="ada", language="en"))
    await ada.send("/help")

    renamed = ChatUser(strict, replace(ada.sender, username="ada_new"))
    path = recording(strict, "hurried.ogg")
    await renamed.voice(str(path), 2.0)

    assert renamed.text == "Slow down a little, please — try again in a moment."
    assert not path.exists()
    assert await db.fetch_value("SELECT username FROM accounts") == "ada", "no account write"
    assert await strict.may_record(ada.sender) == [], "told once already: nothing more to say"


async def test_a_recording_waiting_for_review_shows_in_the_queue_as_a_recording(
    db: Database, conversation: Conversation, make_user
) -> None:
    await active_batch(
        db, Kind.voice, items=1, overlap=1, quality=QualitySettings(review_overlap=1), title="Read"
    )
    ada, mod = make_user("ada"), make_user("900")  # 900: a moderator by the settings
    await onboard(ada)
    await ada.voice(str(recording(conversation, "take.ogg")), 2.5)

    await mod.send("/reviews")

    (row,) = [line for line in mod.text.splitlines() if line.startswith("#")]
    assert row.startswith("#") and "· Read · 🎙 2.5 s ·" in row
    assert "{" not in row and "take.ogg" not in row
