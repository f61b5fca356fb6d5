"""A Telegram user talking to the running bot through the fake Bot API server.

Each action waits until the bot has answered it: `new` messages sent to the user's chat and
`edits` of earlier ones, so tests never sleep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.telegram_api import Button, FakeTelegramServer, FakeUser, keyboard

SENDS = frozenset({"sendMessage", "sendPhoto", "sendVoice", "sendDocument"})
EDITS = frozenset({"editMessageText", "editMessageCaption"})


@dataclass
class Member:
    server: FakeTelegramServer
    user: FakeUser

    @property
    def id(self) -> int:
        return self.user.id

    async def send(self, text: str, *, new: int = 1) -> dict[str, Any]:
        since = self.server.mark()
        self.server.user_sends(self.user, text)
        return await self.answered(since, new=new)

    async def sends_sticker(self, *, new: int = 1) -> dict[str, Any]:
        since = self.server.mark()
        self.server.user_sends_sticker(self.user)
        return await self.answered(since, new=new)

    async def press(self, label: str, *, new: int = 1, edits: int = 1) -> dict[str, Any]:
        message, button = self.find(label)
        since = self.server.mark()
        self.server.user_clicks(self.user, message, button.callback_data or "")
        return await self.answered(since, new=new, edits=edits)

    async def press_data(
        self, message: dict[str, Any], data: str, *, new: int = 0, edits: int = 1
    ) -> dict[str, Any]:
        """A click carrying any data at all, as a modified client could send."""
        since = self.server.mark()
        self.server.user_clicks(self.user, message, data, check_button=False)
        return await self.answered(since, new=new, edits=edits)

    async def taps(self, message: dict[str, Any], data: str, *, times: int) -> list[str | None]:
        """`times` clicks on one button in quick succession (all sent before the bot reads the
        first); the text of each toast (answerCallbackQuery), None where there was none."""
        since = self.server.mark()
        for _ in range(times):
            self.server.user_clicks(self.user, message, data, check_button=False)
        return await self.toasts(since, times)

    async def toasts(self, since: int, count: int) -> list[str | None]:
        """The texts of the first `count` callback answers since `since`, once they are in."""

        def answers() -> list[Any]:
            return self.server.calls("answerCallbackQuery")

        await self.server.wait_until(lambda: sum(c.index >= since for c in answers()) >= count)
        return [c.params.get("text") for c in answers() if c.index >= since][:count]

    async def opens_deep_link(self, payload: str, *, new: int = 1) -> dict[str, Any]:
        since = self.server.mark()
        self.server.user_opens_deep_link(self.user, payload)
        return await self.answered(since, new=new)

    async def upload(self, filename: str, content: bytes, *, new: int = 1) -> dict[str, Any]:
        since = self.server.mark()
        self.server.user_uploads(self.user, filename, content, "application/jsonl")
        return await self.answered(since, new=new)

    async def record(self, ogg: bytes, seconds: int, *, new: int = 1) -> dict[str, Any]:
        since = self.server.mark()
        self.server.user_sends_voice(self.user, ogg, seconds)
        return await self.answered(since, new=new)

    async def answered(self, since: int, *, new: int, edits: int = 0) -> dict[str, Any]:
        """The bot's latest message, once it sent `new` messages and made `edits` since `since`."""

        def done() -> bool:
            calls = [c for c in self.server.calls()[since:] if c.ok and self._here(c.params)]
            sent = sum(c.method in SENDS for c in calls)
            edited = sum(c.method in EDITS for c in calls)
            return sent >= new and edited >= edits

        await self.server.wait_until(done)
        last = self.server.last_message(self.user)
        assert last is not None
        return last

    def _here(self, params: dict[str, Any]) -> bool:
        return str(params.get("chat_id")) == str(self.user.id)

    # --- reading the chat -----------------------------------------------------------------------

    @property
    def last(self) -> dict[str, Any]:
        last = self.server.last_message(self.user)
        assert last is not None
        return last

    @property
    def texts(self) -> list[str]:
        """Every bot message in the chat as it reads now (text or caption)."""
        return [
            m.get("text") or m.get("caption") or "" for m in self.server.bot_messages(self.user)
        ]

    def find(self, label: str) -> tuple[dict[str, Any], Button]:
        """The newest message with a button labelled `label` (toggles match `☐ a` by `a`)."""
        for message in reversed(self.server.bot_messages(self.user)):
            for row in keyboard(message):
                for button in row:
                    if button.text == label or button.text.endswith(" " + label):
                        return message, button
        raise AssertionError(f"no button {label!r}; the chat reads {self.texts}")


def text_of(message: dict[str, Any]) -> str:
    return message.get("text") or message.get("caption") or ""
