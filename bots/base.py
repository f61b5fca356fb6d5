"""What every chat adapter offers the runtime, and what some adapters offer besides."""

from __future__ import annotations

import asyncio
from typing import Protocol


class ChatAdapter(Protocol):
    """Every adapter runs. Optional capabilities, used where an adapter has them: `announce`
    and `send_image` (the scheduler's `Announcer` and `ImageSender`, scheduler/outlets.py;
    an adapter need only have the method)."""

    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set (or, for the console, until its input ends)."""
        ...


class AdapterStartFailed(RuntimeError):
    """An adapter could not start for a reason the operator fixes (a rejected token, an
    unreachable API): the message says what, in one line, without any secret. `microtasks run`
    prints it alone and exits with status 2."""
