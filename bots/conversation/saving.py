"""Files the bot writes under the data folder (recordings, export spools), and the one error that
says it could not: an unwritable DATA_DIR fails that request alone, never the bot."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CannotSave(Exception):
    """A file could not be written under the data folder; the message holds the OS reason."""


@contextmanager
def saving(what: str) -> Iterator[None]:
    """Turn an OS failure to write `what` into CannotSave (an OSError is also a network error,
    so only the writing itself is wrapped)."""
    try:
        yield
    except OSError as error:
        raise CannotSave(f"cannot save {what}: {error}") from error


def folder(path: Path) -> Path:
    """`path` as an existing folder, created with its parents when missing."""
    with saving(str(path)):
        path.mkdir(parents=True, exist_ok=True)
    return path


def store_bytes(where: Path, content: bytes, suffix: str = "") -> Path:
    """`content` in a new file in the folder `where`, with a random name ending in `suffix`."""
    target = folder(where) / f"{uuid.uuid4().hex}{suffix}"
    with saving(str(target)):
        target.write_bytes(content)
    return target


def store_copy(where: Path, source: Path) -> Path:
    """A copy of the file `source` in a new file in the folder `where`, keeping its suffix."""
    target = folder(where) / f"{uuid.uuid4().hex}{source.suffix}"
    with saving(str(target)):
        shutil.copyfile(source, target)
    return target
