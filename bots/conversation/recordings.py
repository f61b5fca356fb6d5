"""Voice recordings the adapters store under the data folder, and deleting the ones not kept."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

logger = logging.getLogger("microtasks.conversation")

FOLDER = "voice"  # every adapter stores recordings under data_dir/voice/<platform>/


def _inside(path: Path, folder: Path) -> bool:
    return path.is_relative_to(folder) and path != folder


def _delete(data_dir: Path, path: str) -> None:
    target = Path(path).resolve()
    if not _inside(target, (data_dir / FOLDER).resolve()):
        return  # never touch a file the adapters did not store for the conversation
    try:
        target.unlink(missing_ok=True)
    except OSError as error:
        logger.warning(
            "conversation.recording_not_deleted", extra={"fields": {"error": str(error)}}
        )


async def discard(data_dir: Path, path: str) -> None:
    """Delete a recording that no answer keeps, if it lies in the data folder's voice folder."""
    await asyncio.to_thread(_delete, data_dir, path)
