"""Read standard input line by line without blocking the event loop or shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TextIO


class LineReader:
    """Lines from a text stream, read on a daemon thread so a pending read never holds up exit."""

    def __init__(self, stream: TextIO):
        self._stream = stream
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._pump, name="console-input", daemon=True).start()

    def _pump(self) -> None:
        try:
            for line in self._stream:
                self._deliver(line.rstrip("\r\n"))
        finally:
            self._deliver(None)

    def _deliver(self, line: str | None) -> None:
        # Once the loop has closed (the bot is shutting down) there is nobody left to tell.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._queue.put_nowait, line)

    async def next_line(self, stop: asyncio.Event) -> str | None:
        """The next line, or None at end of input or once `stop` is set."""
        getter = asyncio.ensure_future(self._queue.get())
        stopper = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
        for task in (getter, stopper):
            if task not in done:
                task.cancel()
        return getter.result() if getter in done else None
