"""Files members send: voice notes stored under the data folder, documents read into memory."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from telegram import Document, Voice

from bots.conversation.saving import folder as existing_folder
from bots.conversation.saving import saving

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the most a bot can download from Telegram's servers


class TooBig(Exception):
    """The file is larger than a bot may download."""


def _check_size(size: int | None) -> None:
    if size is not None and size > MAX_DOWNLOAD_BYTES:
        raise TooBig(size)


def voice_seconds(voice: Voice) -> float:
    """The recording's length in seconds, as Telegram measured it."""
    return float(voice.to_dict().get("duration") or 0)


async def store_voice(voice: Voice, folder: Path) -> Path:
    """Download a voice note (getFile, then the file) to a new file in `folder`; CannotSave
    when the data folder cannot be written."""
    _check_size(voice.file_size)
    file = await voice.get_file()
    suffix = Path(file.file_path or "").suffix or ".oga"
    await asyncio.to_thread(existing_folder, folder)
    target = folder / f"{uuid.uuid4().hex}{suffix}"
    with saving(str(target)):  # a failed download is a TelegramError, not an OSError
        await file.download_to_drive(target)
    return target


async def read_document(document: Document) -> bytes:
    _check_size(document.file_size)
    file = await document.get_file()
    return bytes(await file.download_as_bytearray())
