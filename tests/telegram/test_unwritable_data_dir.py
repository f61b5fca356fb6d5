"""When the data folder cannot be written, a voice note or an export fails alone: the member or
moderator is told the bot cannot save files, the error is logged, and the bot keeps serving.

Tests run as root, for whom chmod makes nothing read-only: a regular file stands where the
folder must be created, which makes creating it fail for root too."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bots.conversation.i18n import catalog
from storage.database import Database
from tasks.kinds import Kind
from tests.tasks.builders import active_batch
from tests.telegram.member import text_of

CANNOT_SAVE = catalog("en")["error.cannot_save"]


def block(folder: Path) -> None:
    """A regular file where the folder should be: nothing can be created under it."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_bytes(b"not a folder")


async def test_a_voice_note_that_cannot_be_stored_is_refused_and_the_bot_keeps_serving(
    db: Database, bot, member, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await active_batch(db, Kind.voice, items=1, overlap=1)
    block(tmp_path / "data" / "voice")
    ada = member("Ada")
    await ada.send("/start")
    await ada.press("I agree")

    with caplog.at_level(logging.ERROR):
        refused = await ada.record(b"OggS-a-good-reading", 3)

    assert text_of(refused) == CANNOT_SAVE
    assert any(r.levelno == logging.ERROR for r in caplog.records), "the failure is logged"
    assert await db.fetch_value("SELECT count(*) FROM answers") == 0
    still = await ada.send("/help")
    assert "/task" in text_of(still), "the bot still answers the next message"


async def test_an_export_that_cannot_be_written_is_refused_and_the_bot_keeps_serving(
    db: Database, bot, mo, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    batch_id = await active_batch(db, Kind.choice, items=2, overlap=1)
    block(tmp_path / "data" / "exports")

    with caplog.at_level(logging.ERROR):
        refused = await mo.send(f"/export {batch_id}")

    assert text_of(refused) == CANNOT_SAVE
    assert any(r.levelno == logging.ERROR for r in caplog.records), "the failure is logged"
    listed = await mo.send("/batches")
    assert f"#{batch_id}" in text_of(listed), "the bot still answers the next message"
