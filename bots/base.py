"""What every chat adapter offers the runtime, and what some adapters offer besides."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol, runtime_checkable


class ChatAdapter(Protocol):
    """Every adapter runs. Optional capabilities, used where an adapter has them:
    `announce` (`Announcer`) and `send_image` (`ImageSender`)."""

    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Serve until `stop` is set (or, for the console, until its input ends)."""
        ...


@runtime_checkable
class Announcer(Protocol):
    """Posts in the configured community channel, with a button that starts the batch."""

    name: str

    async def announce(self, text: str, batch_id: int) -> object: ...


@runtime_checkable
class ImageSender(Protocol):
    """Sends a picture with a caption to one person, by their id on the adapter's platform."""

    name: str

    async def send_image(self, external_id: str, path: Path, caption: str) -> object: ...
