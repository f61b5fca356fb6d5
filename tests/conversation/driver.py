"""Play a person talking to the conversation core, the way a chat adapter would."""

from __future__ import annotations

from dataclasses import dataclass, field

from bots.conversation.core import Conversation
from bots.conversation.events import Command, Press, Sender, Text, Upload, Voice
from bots.conversation.replies import Button, Reply


@dataclass
class ChatUser:
    conversation: Conversation
    sender: Sender
    replies: list[Reply] = field(default_factory=list)

    async def _got(self, replies: list[Reply]) -> list[Reply]:
        self.replies = replies
        return replies

    async def send(self, line: str) -> list[Reply]:
        if line.startswith("/"):
            name, _, args = line[1:].partition(" ")
            return await self._got(await self.conversation.handle(Command(self.sender, name, args)))
        return await self._got(await self.conversation.handle(Text(self.sender, line)))

    async def press_data(self, data: str) -> list[Reply]:
        return await self._got(await self.conversation.handle(Press(self.sender, data)))

    def button(self, label: str) -> Button:
        for reply in reversed(self.replies):
            for button in reply.all_buttons:
                if button.label == label or button.label.endswith(" " + label):
                    return button
        shown = [b.label for r in self.replies for b in r.all_buttons]
        raise AssertionError(f"no button {label!r} among {shown}")

    async def press(self, label: str) -> list[Reply]:
        return await self.press_data(self.button(label).data)

    async def upload(self, filename: str, content: bytes) -> list[Reply]:
        event = Upload(self.sender, filename, content)
        return await self._got(await self.conversation.handle(event))

    async def voice(self, path: str, duration: float) -> list[Reply]:
        return await self._got(await self.conversation.handle(Voice(self.sender, path, duration)))

    @property
    def text(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def last(self) -> Reply:
        return self.replies[-1]
