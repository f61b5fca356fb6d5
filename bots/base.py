"""What every chat adapter offers the runtime."""

from __future__ import annotations

import asyncio
from typing import Protocol


class ChatAdapter(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set (or, for the console, until its input ends)."""
        ...
