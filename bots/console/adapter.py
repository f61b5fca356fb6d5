"""The console adapter: reads the operator's lines from stdin and prints the bot's replies."""

from __future__ import annotations

import asyncio
import sys

from bots.console.lines import LineReader
from microtasks.settings import Settings
from storage.database import Database


class ConsoleAdapter:
    name = "console"

    def __init__(self, settings: Settings, db: Database):
        self.settings = settings
        self.db = db

    async def run(self, stop: asyncio.Event) -> None:
        reader = LineReader(sys.stdin)
        print("microtasks console. End with Ctrl-D.", flush=True)
        while (line := await reader.next_line(stop)) is not None:
            if line.strip():
                print(f"(received {line.strip()!r})", flush=True)
