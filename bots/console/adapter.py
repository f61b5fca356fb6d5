"""The console chat: the whole conversation in a terminal, or driven by piped input.

Type a command (`/task`), a button's number, or text. `/voice PATH [SECONDS]` sends a recording
and `/upload PATH` a file (a moderator's batch import). Input ends at end of file (Ctrl-D).

Notices owed to the console's person (review outcomes, bans, payouts) are printed at start, after
each handled line and every few seconds while waiting for input. Each is marked delivered before
it is printed, so two sessions of the same person never both print it.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
import sys
import wave
from pathlib import Path
from typing import TextIO

from bots.console.lines import LineReader
from bots.console.render import render
from bots.conversation.core import Conversation
from bots.conversation.events import Command, Event, Press, Sender, Text, Upload, Voice
from bots.conversation.outbox import Outgoing, deliver_every, deliver_round
from bots.conversation.replies import Button, Reply
from bots.conversation.saving import CannotSave, store_copy

logger = logging.getLogger("microtasks.console")


class ConsoleInputError(ValueError):
    pass


def wav_duration(path: Path) -> float:
    with wave.open(str(path), "rb") as recording:
        return recording.getnframes() / float(recording.getframerate())


class ConsoleAdapter:
    name = "console"

    def __init__(
        self,
        conversation: Conversation,
        data_dir: Path,
        *,
        user: str = "you",
        moderator: bool = False,
        language: str | None = None,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        outbox_interval: float = 5.0,
    ):
        self.conversation = conversation
        self.data_dir = data_dir
        self.sender = Sender(
            "console", user, display_name=user, language=language, platform_moderator=moderator
        )
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.buttons: list[Button] = []
        self.outbox_interval = outbox_interval

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    async def announce(self, text: str, batch_id: int) -> None:
        """The community channel of the console is the terminal: print the announcement."""
        self.say(f"{text}\n   (/task {batch_id} to start)")  # the text brings its own 📣

    async def send_image(self, external_id: str, path: Path, caption: str) -> None:
        self.say(f"🖼 {caption}\n   {path}")

    async def deliver_owed(self) -> int:
        """Print the notices owed to this console's person; how many were printed."""

        async def show(owed: Outgoing) -> str:
            self.say(owed.text)
            return self.name

        return await deliver_round(
            self.conversation.services,
            self.name,
            show,
            external_id=self.sender.external_id,
            claim_first=True,  # several sessions may print for one person: one does
        )

    async def deliver_until(self, stop: asyncio.Event) -> None:
        """A delivery round every `outbox_interval` seconds, while input is awaited."""
        await deliver_every(
            stop,
            self.outbox_interval,
            self.deliver_owed,
            logger,
            "console.outbox_failed",
            wait_first=True,
        )

    async def run(self, stop: asyncio.Event) -> None:
        self.say("microtasks console — type /help, a number to press a button, Ctrl-D to quit.")
        await self.deliver_owed()
        courier_stop = asyncio.Event()
        courier = asyncio.create_task(self.deliver_until(courier_stop), name="console-outbox")
        try:
            await self.converse(stop)
        finally:
            courier_stop.set()
            await courier

    async def converse(self, stop: asyncio.Event) -> None:
        reader = LineReader(self.stdin)
        interactive = self.stdin.isatty()
        while True:
            if interactive:
                print("> ", end="", file=self.stdout, flush=True)
            line = await reader.next_line(stop)
            if line is None:
                return
            if not line.strip():
                continue
            if line.strip().isdigit() and not self.buttons:  # a button shown before a restart
                self.buttons = await self.conversation.waiting_buttons(self.sender)
            try:
                event = self.parse(line.strip())
            except ConsoleInputError as error:
                self.say(f"! {error}")
                continue
            except CannotSave as error:
                self.show(await self.conversation.cannot_save(self.sender, error))
                continue
            self.show(await self.conversation.handle(event))
            await self.deliver_owed()

    def parse(self, line: str) -> Event:
        if line.isdigit():
            number = int(line)
            if not 1 <= number <= len(self.buttons):
                raise ConsoleInputError(
                    f"there is no button {number}; /task shows the task you hold again"
                )
            return Press(self.sender, self.buttons[number - 1].data)
        if not line.startswith("/"):
            return Text(self.sender, line)
        name, _, args = line[1:].partition(" ")
        if name == "voice":
            return self.voice(args)
        if name == "upload":
            return self.upload(args)
        return Command(self.sender, name, args.strip())

    def voice(self, args: str) -> Voice:
        words = shlex.split(args)
        if not words:
            raise ConsoleInputError("usage: /voice PATH [SECONDS]")
        source = Path(words[0]).expanduser()
        if not source.is_file():
            raise ConsoleInputError(f"no file {source}")
        try:
            duration = float(words[1]) if len(words) > 1 else wav_duration(source)
        except (ValueError, wave.Error, EOFError):
            raise ConsoleInputError("give the length in seconds: /voice PATH SECONDS") from None
        stored = store_copy(self.data_dir / "voice" / "console", source)
        return Voice(self.sender, str(stored), duration)

    def upload(self, args: str) -> Upload:
        words = shlex.split(args)
        if not words or not Path(words[0]).expanduser().is_file():
            raise ConsoleInputError("usage: /upload PATH (an existing .jsonl batch file)")
        path = Path(words[0]).expanduser()
        return Upload(self.sender, path.name, path.read_bytes())

    def show(self, replies: list[Reply]) -> None:
        numbered: list[Button] = []
        for reply in replies:
            text, buttons = render(reply, len(numbered) + 1, self.data_dir / "outbox")
            numbered += buttons
            self.say(text)
        if numbered:  # like a chat, older buttons stay pressable until new ones are shown
            self.buttons = numbered
