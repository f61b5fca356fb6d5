"""One payout runner per database at a time: an exclusive lock on a file beside the database.

The operating system drops the lock when the process dies, however it dies (SIGKILL included),
so a crashed run never blocks the next one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class PayoutsBusy(Exception):
    """Another process is paying from this database right now."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".payouts.lock")


@contextlib.contextmanager
def payout_lock(database: Path) -> Iterator[None]:
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PayoutsBusy(
                f"another payout run is in progress on this database (it holds {path}); "
                "nothing was written or sent; wait for it to finish and try again"
            ) from None
        yield
    finally:
        os.close(fd)
