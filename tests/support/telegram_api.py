"""A fake Telegram Bot API server, so the Telegram adapter can be tested end to end offline.

The real python-telegram-bot `Application` talks to it over loopback HTTP exactly as it would
talk to api.telegram.org: long polling `getUpdates`, `sendMessage`, multipart uploads, `getFile`
and file downloads. Tests play the users (`user_sends`, `user_clicks`, `user_uploads`, ...) and
observe the bot through the recorded calls and the per-chat message store:

    async with FakeTelegramServer() as server:
        alice = server.add_user("Alice", username="alice")
        application = server.application_builder().build()
        ...  # add the adapter's handlers
        async with polling(application):
            server.user_sends(alice, "/start")
            call = await server.wait_for("sendMessage")
            assert button_texts(call.result) == ["Start labelling"]

The server behaves like Telegram where adapters tend to get it wrong: errors use Telegram's JSON
shapes and wording, `editMessageText` without `reply_markup` removes the inline keyboard, an edit
that changes nothing is refused with "message is not modified", HTML and MarkdownV2 texts that
Telegram could not parse are refused, and a bot cannot message a user who never wrote to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dtm
import itertools
import json
import mimetypes
import re
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from pathlib import PurePosixPath
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from aiohttp import web
from telegram.ext import Application, ApplicationBuilder

__all__ = [
    "DEFAULT_TOKEN",
    "Button",
    "Call",
    "FakeChat",
    "FakeTelegramServer",
    "FakeUser",
    "StoredFile",
    "UploadedFile",
    "button_texts",
    "callback_data",
    "find_button",
    "keyboard",
    "polling",
]

JSON = dict[str, Any]
T = TypeVar("T")

DEFAULT_TOKEN = "123456789:AAFakeTokenForMicrotasksTests-000000"
MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
BUTTON_ACTIONS = frozenset(
    {
        "callback_data",
        "url",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
# Form values arrive as strings; these stay strings, every other value is JSON-decoded.
STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "inline_message_id",
        "file_id",
        "parse_mode",
        "url",
        "language_code",
        "description",
        "short_description",
        "name",
        "title",
        "performer",
        "secret_token",
        "ip_address",
        "action",
        "document",
        "photo",
        "voice",
        "audio",
        "video",
        "animation",
        "sticker",
        "thumbnail",
    }
)
DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
}
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a content and reply markup of the current message"
)


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart request the bot sent."""

    field: str
    filename: str | None
    content: bytes
    mime_type: str | None


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made, as the server answered it."""

    index: int
    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: float
    result: Any = None
    error_code: int | None = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None

    def summary(self) -> str:
        outcome = "ok" if self.ok else f"{self.error_code} {self.description}"
        return f"#{self.index} {self.method}({_short(self.params)}) -> {outcome}"


@dataclass(frozen=True)
class StoredFile:
    """A file the server holds: uploaded by a user or by the bot, downloadable via getFile."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    filename: str | None
    mime_type: str | None

    def to_api(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user of the simulated world (the bot itself is one too, with is_bot=True)."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "en"
    last_name: str | None = None
    is_bot: bool = False

    def to_api(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data


@dataclass
class FakeChat:
    """A private chat with one user, or a group whose members have ChatMember statuses."""

    id: int
    type: str
    title: str | None = None
    user: FakeUser | None = None
    members: dict[int, str] = field(default_factory=dict)
    started: bool = False
    blocked: bool = False
    reply_keyboard: JSON | None = None

    @property
    def is_private(self) -> bool:
        return self.user is not None

    def to_api(self) -> JSON:
        if self.user is None:
            return {"id": self.id, "type": self.type, "title": self.title}
        data: JSON = {"id": self.id, "type": "private", "first_name": self.user.first_name}
        if self.user.last_name:
            data["last_name"] = self.user.last_name
        if self.user.username:
            data["username"] = self.user.username
        return data


@dataclass(frozen=True)
class Button:
    """One inline keyboard button, as a test reads it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None
    remaining: int


class ApiError(Exception):
    """A Bot API error answer, in Telegram's JSON shape."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


# --- inline keyboards ---------------------------------------------------------------------------


def keyboard(message: JSON | None) -> list[list[Button]]:
    """The rows of a message's inline keyboard ([] when it has none)."""
    markup = (message or {}).get("reply_markup") or {}
    return [
        [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


def button_texts(message: JSON | None) -> list[str]:
    """The texts of a message's inline buttons, row by row."""
    return [button.text for row in keyboard(message) for button in row]


def callback_data(message: JSON | None) -> list[str]:
    """The callback_data of a message's inline buttons, row by row (url buttons skipped)."""
    return [b.callback_data for row in keyboard(message) for b in row if b.callback_data]


def find_button(message: JSON | None, text: str) -> Button:
    """The inline button with this text; fails the test when there is none."""
    for row in keyboard(message):
        for button in row:
            if button.text == text:
                return button
    raise AssertionError(f"no button {text!r}; the message has {button_texts(message)}")


# --- formatted text -----------------------------------------------------------------------------

HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
MARKDOWN_V2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
# Longer markers first, so "__" is underline rather than two italic markers.
MARKDOWN_V2_MARKERS = {
    "__": "Underline",
    "||": "Spoiler",
    "*": "Bold",
    "_": "Italic",
    "~": "Strikethrough",
}
MARKDOWN_MARKERS = {"*": "Bold", "_": "Italic"}


def _entities_error(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {detail}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


class _HtmlText(HTMLParser):
    """Collects the visible text of a Telegram-HTML text, refusing what Telegram refuses."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.source = source
        self.parts: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise self._error(f'Unsupported start tag "{tag}"')
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise self._error(f'Unexpected end tag "{tag}"')
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def _error(self, what: str) -> ApiError:
        line, column = self.getpos()
        lines = self.source.splitlines(keepends=True)
        index = sum(len(text) for text in lines[: line - 1]) + column
        return _entities_error(f"{what} at byte offset {_byte_offset(self.source, index)}")


def _html_to_text(source: str) -> str:
    parser = _HtmlText(source)
    parser.feed(source)
    parser.close()
    if parser.open_tags:
        tag = parser.open_tags[-1]
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{tag}"')
    return "".join(parser.parts)


def _find_unescaped(source: str, token: str, start: int) -> int:
    index = start
    while index < len(source):
        if source[index] == "\\":
            index += 2
        elif source.startswith(token, index):
            return index
        else:
            index += 1
    return -1


class _MarkdownText:
    """The visible text of a MarkdownV2 (or legacy Markdown) text, refusing what Telegram does."""

    def __init__(self, source: str, *, v2: bool) -> None:
        self.source = source
        self.v2 = v2
        self.markers = MARKDOWN_V2_MARKERS if v2 else MARKDOWN_MARKERS
        self.parts: list[str] = []
        self.open_markers: dict[str, int] = {}

    def render(self) -> str:
        index = 0
        while index < len(self.source):
            index = self._step(index)
        if self.open_markers:
            marker, start = min(self.open_markers.items(), key=lambda item: item[1])
            raise self._unclosed(self.markers[marker], start)
        return "".join(self.parts)

    def _step(self, index: int) -> int:
        source, char = self.source, self.source[index]
        if char == "\\" and index + 1 < len(source) and (self.v2 or source[index + 1] in "_*`["):
            self.parts.append(source[index + 1])
            return index + 2
        if char == "`":
            return self._code(index)
        if char == "[":
            return self._link(index)
        marker = next((m for m in self.markers if source.startswith(m, index)), None)
        if marker is not None:
            if self.open_markers.pop(marker, None) is None:
                self.open_markers[marker] = index
            return index + len(marker)
        if self.v2 and char == ">" and (index == 0 or source[index - 1] == "\n"):
            return index + 1
        if self.v2 and char in MARKDOWN_V2_RESERVED:
            raise self._reserved(char)
        self.parts.append(char)
        return index + 1

    def _code(self, index: int) -> int:
        fence = "```" if self.source.startswith("```", index) else "`"
        body_start = index + len(fence)
        if self.v2:
            end = _find_unescaped(self.source, fence, body_start)
        else:
            end = self.source.find(fence, body_start)
        if end < 0:
            raise self._unclosed("Pre" if fence == "```" else "Code", index)
        body = self.source[body_start:end]
        first_line, newline, rest = body.partition("\n")
        if fence == "```" and newline and first_line and " " not in first_line:
            body = rest
        self.parts.append(re.sub(r"\\([`\\])", r"\1", body) if self.v2 else body)
        return end + len(fence)

    def _link(self, index: int) -> int:
        text_end = _find_unescaped(self.source, "](", index + 1)
        url_end = _find_unescaped(self.source, ")", text_end + 2) if text_end >= 0 else -1
        if url_end < 0:
            if self.v2:
                raise self._reserved("[")
            self.parts.append("[")
            return index + 1
        inner = _MarkdownText(self.source[index + 1 : text_end], v2=self.v2)
        self.parts.append(inner.render())
        return url_end + 1

    def _reserved(self, char: str) -> ApiError:
        return _entities_error(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def _unclosed(self, entity: str, index: int) -> ApiError:
        offset = _byte_offset(self.source, index)
        if self.v2:
            return _entities_error(f"Can't find end of {entity} entity at byte offset {offset}")
        return _entities_error(f"Can't find end of the entity starting at byte offset {offset}")


def render_text(text: str, parse_mode: str | None) -> str:
    """The text a user sees for `text` sent with `parse_mode`, as Telegram would store it."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _html_to_text(text)
    if mode in ("markdown", "markdownv2"):
        return _MarkdownText(text, v2=mode == "markdownv2").render()
    if mode:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    return text


# --- request parsing ----------------------------------------------------------------------------


def _decode(name: str, value: str) -> Any:
    if name in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


async def _read_request(request: web.Request) -> tuple[JSON, dict[str, UploadedFile]]:
    """Parameters and file parts of a Bot API request: query string, JSON, form or multipart."""
    params: JSON = {name: _decode(name, value) for name, value in request.query.items()}
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json" and request.can_read_body:
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON") from None
        if isinstance(body, dict):
            params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[name] = UploadedFile(name, value.filename, content, value.content_type)
            else:
                params[name] = _decode(name, str(value))
    return params, files


def _int(params: JSON, name: str, default: int | None = None) -> int:
    value = params.get(name, default)
    if value is None or value == "":
        raise ApiError(400, f"Bad Request: {name} is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def _short(params: JSON) -> str:
    text = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return text if len(text) <= 120 else text[:117] + "..."


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _update_kind(update: JSON) -> str:
    return next(key for key in update if key != "update_id")


Handler = Callable[[JSON, dict[str, UploadedFile]], Awaitable[Any]]


# --- the server ---------------------------------------------------------------------------------


class FakeTelegramServer:
    """A Bot API server on 127.0.0.1 with a simulated world of users, chats and messages."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "microtasks_bot") -> None:
        self.token = token
        self.bot_user = FakeUser(
            id=int(token.split(":", 1)[0]),
            first_name="Microtasks",
            username=bot_username,
            language_code=None,
            is_bot=True,
        )
        self.users: dict[int, FakeUser] = {self.bot_user.id: self.bot_user}
        self.chats: dict[int, FakeChat] = {}
        self.webhook: JSON | None = None
        self.menu_buttons: dict[int | None, JSON] = {}
        self.bot_profile: dict[tuple[str, str], str] = {}
        self._private_chats: dict[int, FakeChat] = {}
        self._commands: dict[tuple[tuple[tuple[str, Any], ...], str], list[JSON]] = {}
        self._messages: dict[int, dict[int, JSON]] = {}
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._bot_message_ids: dict[int, list[int]] = {}
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._callback_queries: dict[str, JSON] = {}
        self._updates: list[JSON] = []
        self._allowed_updates: list[str] = []
        self._calls: list[Call] = []
        self._cursor = 0
        self._failures: dict[str, deque[_Failure]] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._poll_generation = 0
        self._waiting_polls = 0
        self._wakeup = asyncio.Event()
        self._closing = False
        self._methods = self._method_table()
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.group = self.add_group("Microtasks labellers")

    # --- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._on_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._on_download)
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Release waiting long polls, then close the listening socket."""
        self._closing = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base_url(self) -> str:
        """The Bot API base URL (`TELEGRAM_API_BASE_URL`); the token follows it."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        """The file download base URL; the token, then `/{file_path}`, follow it."""
        return f"{self.url}/file/bot"

    def bot_kwargs(self) -> JSON:
        """Keyword arguments for `telegram.Bot(**server.bot_kwargs())`."""
        return {
            "token": self.token,
            "base_url": self.api_base_url,
            "base_file_url": self.file_base_url,
        }

    def application_builder(self) -> ApplicationBuilder:
        """An `ApplicationBuilder` already pointed at this server with its token."""
        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.api_base_url)
            .base_file_url(self.file_base_url)
        )

    # --- the simulated world --------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "en",
        *,
        last_name: str | None = None,
        started: bool = False,
    ) -> FakeUser:
        """A new user with a private chat. Until the user writes to the bot (or `started=True`),
        the bot cannot message them, as on Telegram."""
        user = FakeUser(next(self._user_ids), first_name, username, language_code, last_name)
        self.users[user.id] = user
        chat = FakeChat(id=user.id, type="private", user=user, started=started)
        self._add_chat(chat)
        self._private_chats[user.id] = chat
        return user

    def add_group(
        self,
        title: str,
        *,
        members: Iterable[FakeUser] = (),
        admins: Iterable[FakeUser] = (),
        owner: FakeUser | None = None,
    ) -> FakeChat:
        """A supergroup; the bot is a plain member of it until `set_member` says otherwise."""
        chat_id = -1_000_000_000_000 - next(self._group_ids)
        chat = FakeChat(id=chat_id, type="supergroup", title=title)
        chat.members[self.bot_user.id] = "member"
        for user in members:
            chat.members[user.id] = "member"
        for user in admins:
            chat.members[user.id] = "administrator"
        if owner is not None:
            chat.members[owner.id] = "creator"
        self._add_chat(chat)
        return chat

    def set_member(self, chat: FakeChat, user: FakeUser, status: str = "member") -> None:
        """Give `user` (or the bot) a status in a group: creator, administrator, member, left or
        kicked."""
        if status not in ("creator", "administrator", "member", "left", "kicked"):
            raise ValueError(f"unsupported member status {status!r}")
        chat.members[user.id] = status

    def private_chat(self, user: FakeUser) -> FakeChat:
        return self._private_chats[user.id]

    def chat(self, ref: int | FakeChat | FakeUser) -> FakeChat:
        """The chat for a chat id, a chat, or a user (their private chat)."""
        if isinstance(ref, FakeChat):
            return ref
        if isinstance(ref, FakeUser):
            return self.private_chat(ref)
        return self.chats[ref]

    # --- users acting: each enqueues one update and returns what it created -------------------

    def user_sends(
        self,
        user: FakeUser,
        text: str,
        chat: FakeChat | None = None,
        *,
        reply_to: JSON | None = None,
    ) -> JSON:
        """A text message from `user` (in their private chat unless `chat` is given). A leading
        `/command` gets a `bot_command` entity at offset 0, as Telegram adds."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            length = _utf16_length(command)
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            content["reply_to_message"] = self._quoted(reply_to)
        return self._user_message(user, chat, content)

    def user_sends_in_group(self, user: FakeUser, text: str, group: FakeChat | None = None) -> JSON:
        """A text message from `user` in a group (the default group unless given)."""
        return self.user_sends(user, text, group or self.group)

    def user_opens_deep_link(self, user: FakeUser, payload: str) -> JSON:
        """What Telegram sends when a user opens t.me/<bot>?start=<payload>."""
        return self.user_sends(user, f"/start {payload}")

    def user_clicks(
        self, user: FakeUser, message: JSON, data: str, *, check_button: bool = True
    ) -> JSON:
        """A callback_query for a button on a bot message (its current state is attached). With
        `check_button`, `data` must be on the message's current keyboard."""
        chat_id, message_id = message["chat"]["id"], message["message_id"]
        current = self._messages.get(chat_id, {}).get(message_id)
        if current is None:
            raise ValueError(f"message {message_id} in chat {chat_id} does not exist")
        if check_button and data not in callback_data(current):
            raise ValueError(f"no button with callback_data {data!r}: {callback_data(current)}")
        self._note_activity(user, self.chat(chat_id))
        query = {
            "id": str(4_000_000_000_000 + next(self._ids)),
            "from": user.to_api(),
            "message": copy.deepcopy(current),
            "chat_instance": str(8_000_000_000 + abs(chat_id)),
            "data": data,
        }
        self._callback_queries[query["id"]] = query
        return self._enqueue("callback_query", query)

    def user_clicks_button(self, user: FakeUser, message: JSON, text: str) -> JSON:
        """A click on the inline button labelled `text`."""
        data = find_button(self._current(message), text).callback_data
        if data is None:
            raise ValueError(f"button {text!r} has no callback_data")
        return self.user_clicks(user, message, data)

    def user_uploads(
        self,
        user: FakeUser,
        filename: str,
        content: bytes,
        mime_type: str,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> JSON:
        """A document message; the file is downloadable through getFile."""
        stored = self._store_file("documents", content, filename, mime_type, prefix="BQACAgIAAx")
        document = self._document(stored)
        return self._user_message(user, chat, {"document": document, **_caption(caption)})

    def user_sends_voice(
        self,
        user: FakeUser,
        ogg_bytes: bytes,
        duration: int,
        chat: FakeChat | None = None,
        *,
        mime_type: str = "audio/ogg",
    ) -> JSON:
        """A voice message (Telegram voice notes are OGG/Opus)."""
        stored = self._store_file("voice", ogg_bytes, None, mime_type, prefix="AwACAgIAAx")
        voice = self._voice(stored, duration)
        return self._user_message(user, chat, {"voice": voice})

    def user_sends_photo(
        self,
        user: FakeUser,
        content: bytes,
        caption: str | None = None,
        chat: FakeChat | None = None,
        *,
        width: int = 1280,
        height: int = 960,
    ) -> JSON:
        """A photo message with two sizes, smallest first, as Telegram sends them."""
        sizes = self._photo_sizes(content, "image/jpeg", width, height)
        return self._user_message(user, chat, {"photo": sizes, **_caption(caption)})

    def user_sends_sticker(
        self, user: FakeUser, emoji: str = "👍", chat: FakeChat | None = None
    ) -> JSON:
        """A static 512×512 sticker from a sticker set."""
        stored = self._store_file(
            "stickers", b"RIFF\x00\x00\x00\x00WEBP", None, "image/webp", prefix="CAACAgIAAx"
        )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "set_name": "microtasks_test",
            "file_size": len(stored.content),
        }
        return self._user_message(user, chat, {"sticker": sticker})

    def user_blocks_bot(self, user: FakeUser) -> JSON:
        """The user blocks the bot: later sends fail with 403, a my_chat_member update comes."""
        chat = self.private_chat(user)
        chat.blocked = True
        member_update = {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": self.bot_user.to_api()},
            "new_chat_member": {
                "status": "kicked",
                "user": self.bot_user.to_api(),
                "until_date": 0,
            },
        }
        return self._enqueue("my_chat_member", member_update)

    # --- reading the bot's side -----------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        """Every recorded call, or those of one method (case-insensitive)."""
        if method is None:
            return list(self._calls)
        return [call for call in self._calls if call.method.lower() == method.lower()]

    def unknown_calls(self) -> list[Call]:
        """Calls of methods this server does not implement (answered with 404)."""
        return [call for call in self._calls if call.method.lower() not in self._methods]

    def mark(self) -> int:
        """The current end of the call record. Later `wait_for` calls look only after it; pass it
        as `since=` to several waits whose calls may come in any order."""
        self._cursor = len(self._calls)
        return self._cursor

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' own deadline, reported on expiry
        since: int | None = None,
    ) -> Call:
        """The first call of `method` matching `predicate` after the call the previous wait
        returned (or after `since`, a `mark()`), waiting up to `timeout` seconds for it."""
        start = self._cursor if since is None else since

        def find() -> Call | None:
            for call in self._calls[start:]:
                if call.method.lower() == method.lower() and (predicate is None or predicate(call)):
                    return call
            return None

        call = await self._wait(find, timeout, f"a {method} call after #{start}", start)
        self._cursor = call.index + 1
        return call

    async def wait_until(
        self,
        condition: Callable[[], bool],
        *,
        timeout: float = 5.0,  # noqa: ASYNC109 - the tests' own deadline, reported on expiry
    ) -> None:
        """Wait until `condition()` holds; it is re-checked after every call and update."""
        await self._wait(lambda: True if condition() else None, timeout, "the condition", None)

    def message(self, chat: int | FakeChat | FakeUser, message_id: int) -> JSON | None:
        """The current state of any message (None once deleted)."""
        found = self._messages.get(self.chat(chat).id, {}).get(message_id)
        return copy.deepcopy(found)

    def bot_messages(self, chat: int | FakeChat | FakeUser) -> list[JSON]:
        """The current state of every message the bot sent to a chat and did not delete."""
        chat_id = self.chat(chat).id
        stored = self._messages.get(chat_id, {})
        ids = self._bot_message_ids.get(chat_id, [])
        return [copy.deepcopy(stored[i]) for i in ids if i in stored]

    def sent_messages(self, chat: int | FakeChat | FakeUser) -> list[str]:
        """The current texts of the bot's text messages in a chat, in the order sent."""
        return [message["text"] for message in self.bot_messages(chat) if "text" in message]

    def last_message(self, chat: int | FakeChat | FakeUser) -> JSON | None:
        """The bot's latest message in a chat as it is now (edits applied)."""
        messages = self.bot_messages(chat)
        return messages[-1] if messages else None

    def reply_keyboard(self, chat: int | FakeChat | FakeUser) -> JSON | None:
        """The reply keyboard the bot last showed in a chat (None after ReplyKeyboardRemove)."""
        return copy.deepcopy(self.chat(chat).reply_keyboard)

    def commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        """The command list set with setMyCommands for a scope and language."""
        return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    def file(self, file_id: str) -> StoredFile:
        return self._files[file_id]

    def file_content(self, file_id: str) -> bytes:
        return self._files[file_id].content

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot through getUpdates' offset."""
        return copy.deepcopy(self._updates)

    @property
    def waiting_polls(self) -> int:
        """How many getUpdates long polls are waiting right now."""
        return self._waiting_polls

    # --- failure injection ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 400,
        description: str | None = None,
        *,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` with a Telegram error. A 429 carries
        `parameters.retry_after` (1 second unless given)."""
        if status == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        description = description or DEFAULT_DESCRIPTIONS.get(status, "Bad Request")
        failure = _Failure(status, description, retry_after, times)
        self._failures.setdefault(method.lower(), deque()).append(failure)

    # --- HTTP -----------------------------------------------------------------------------------

    async def _on_method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        name, handler = self._methods.get(method.lower(), (method, None))
        params: JSON = {}
        files: dict[str, UploadedFile] = {}
        try:
            params, files = await _read_request(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            self._raise_injected_failure(name)
            result = await handler(params, files)
        except ApiError as error:
            self._record(name, params, files, error=error)
            return web.json_response(error.body(), status=error.status)
        except Exception as exc:  # a gap in this fake: answer and record it instead of hiding it
            error = ApiError(500, f"Internal Server Error: the fake server failed: {exc!r}")
            self._record(name, params, files, error=error)
            return web.json_response(error.body(), status=500)
        self._record(name, params, files, result=result)
        return web.json_response({"ok": True, "result": result})

    async def _on_download(self, request: web.Request) -> web.StreamResponse:
        path = unquote(request.match_info["file_path"])
        stored = self._files_by_path.get(path)
        if request.match_info["token"] != self.token or stored is None:
            error = ApiError(404, "Not Found")
            self._record("download", {"file_path": path}, {}, error=error)
            return web.json_response(error.body(), status=404)
        self._record("download", {"file_path": path}, {}, result=len(stored.content))
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.content, content_type=content_type)

    def _raise_injected_failure(self, method: str) -> None:
        queue = self._failures.get(method.lower())
        if not queue:
            return
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        parameters = {"retry_after": failure.retry_after} if failure.retry_after else None
        raise ApiError(failure.status, failure.description, parameters)

    def _record(
        self,
        method: str,
        params: JSON,
        files: dict[str, UploadedFile],
        *,
        result: Any = None,
        error: ApiError | None = None,
    ) -> None:
        call = Call(
            index=len(self._calls),
            method=method,
            params=params,
            files=files,
            time=time.monotonic(),
            result=copy.deepcopy(result),
            error_code=error.status if error else None,
            description=error.description if error else None,
        )
        self._calls.append(call)
        self._notify()

    def _notify(self) -> None:
        wakeup, self._wakeup = self._wakeup, asyncio.Event()
        wakeup.set()

    async def _wait(
        self, find: Callable[[], T | None], seconds: float, what: str, start: int | None
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            wakeup = self._wakeup
            found = find()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"timed out after {seconds}s waiting for {what}; " + self._calls_report(start)
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), remaining)

    def _calls_report(self, start: int | None) -> str:
        calls = [c for c in self._calls[start or 0 :] if c.method != "getUpdates"]
        if not calls:
            return "no calls other than getUpdates were made"
        return "calls seen:\n  " + "\n  ".join(call.summary() for call in calls[-15:])

    # --- method table ---------------------------------------------------------------------------

    def _method_table(self) -> dict[str, tuple[str, Handler]]:
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendDocument": partial(self._send_media, "document"),
            "sendPhoto": partial(self._send_media, "photo"),
            "sendVoice": partial(self._send_media, "voice"),
            "sendAudio": partial(self._send_media, "audio"),
            "sendChatAction": self._send_chat_action,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setChatMenuButton": self._set_chat_menu_button,
            "getChatMenuButton": self._get_chat_menu_button,
            "setMyDescription": partial(self._set_profile, "description"),
            "setMyShortDescription": partial(self._set_profile, "short_description"),
            "setMyName": partial(self._set_profile, "name"),
            "getChat": self._get_chat,
            "getChatAdministrators": self._get_chat_administrators,
            "getChatMember": self._get_chat_member,
        }
        return {name.lower(): (name, handler) for name, handler in handlers.items()}

    # --- methods: bot and updates ---------------------------------------------------------------

    async def _true(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        return True

    async def _get_me(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {
            **self.bot_user.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook = params if params.get("url") else None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _get_updates(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        """Confirm updates below `offset`, then long-poll up to `timeout` seconds for more. A
        newer getUpdates ends a waiting one with 409, as Telegram does."""
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm(params.get("offset"))
        if isinstance(params.get("allowed_updates"), list):
            self._allowed_updates = list(params["allowed_updates"])
        limit = min(max(_int(params, "limit", 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        self._waiting_polls += 1
        try:
            return await self._long_poll(generation, limit, timeout)
        finally:
            self._waiting_polls -= 1

    async def _long_poll(self, generation: int, limit: int, seconds: float) -> list[JSON]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            wakeup = self._wakeup
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            ready = self._deliverable()[:limit]
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                return copy.deepcopy(ready)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wakeup.wait(), remaining)

    def _confirm(self, offset: Any) -> None:
        if offset is None or offset == "":
            return
        offset = int(offset)
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _deliverable(self) -> list[JSON]:
        if self._allowed_updates:
            allowed = set(self._allowed_updates)
            self._updates = [u for u in self._updates if _update_kind(u) in allowed]
        return self._updates

    def _enqueue(self, kind: str, payload: JSON) -> JSON:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._notify()
        return copy.deepcopy(payload)

    # --- methods: sending -----------------------------------------------------------------------

    async def _send_message(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._sendable_chat(params)
        if not params.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        text = render_text(str(params["text"]), params.get("parse_mode"))
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        content: JSON = {"text": text}
        if params.get("entities"):
            content["entities"] = params["entities"]
        return self._bot_sends(chat, params, content)

    async def _send_media(self, kind: str, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._sendable_chat(params)
        caption = self._caption(params)
        stored = self._media_file(kind, params, files)
        if kind == "photo":
            media: Any = self._photo_sizes(stored.content, stored.mime_type, 1280, 960, stored)
        elif kind == "voice":
            media = self._voice(stored, _int(params, "duration", 0))
        elif kind == "audio":
            media = self._audio(stored, params)
        else:
            media = self._document(stored)
        return self._bot_sends(chat, params, {kind: media, **caption})

    async def _send_chat_action(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self._sendable_chat(params)
        if not params.get("action"):
            raise ApiError(400, "Bad Request: action is empty")
        return True

    def _bot_sends(self, chat: FakeChat, params: JSON, content: JSON) -> JSON:
        content.update(self._reply_content(chat, params))
        content.update(self._markup_content(chat, params))
        message = self._store_message(chat, self.bot_user, content)
        self._bot_message_ids.setdefault(chat.id, []).append(message["message_id"])
        return copy.deepcopy(message)

    def _caption(self, params: JSON) -> JSON:
        if not params.get("caption"):
            return {}
        caption = render_text(str(params["caption"]), params.get("parse_mode"))
        if len(caption) > MAX_CAPTION_LENGTH:
            raise ApiError(400, "Bad Request: message caption is too long")
        return _caption(caption)

    def _media_file(self, kind: str, params: JSON, files: dict[str, UploadedFile]) -> StoredFile:
        """The file behind a send: a new upload, a known file_id, or a URL Telegram fetches."""
        folders = {"document": "documents", "photo": "photos", "voice": "voice", "audio": "music"}
        prefixes = {"document": "BQAC", "photo": "AgAC", "voice": "AwAC", "audio": "CQAC"}
        if kind in files:
            upload = files[kind]
            mime_type = upload.mime_type
            if not mime_type or mime_type == "application/octet-stream":
                mime_type = mimetypes.guess_type(upload.filename or "")[0] or mime_type
            return self._store_file(
                folders[kind], upload.content, upload.filename, mime_type, prefix=prefixes[kind]
            )
        reference = params.get(kind)
        if not reference:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        reference = str(reference)
        if reference in self._files:
            return self._files[reference]
        if reference.startswith(("http://", "https://")):
            filename = PurePosixPath(urlsplit(reference).path).name or None
            mime_type = mimetypes.guess_type(filename or "")[0]
            return self._store_file(folders[kind], b"", filename, mime_type, prefix=prefixes[kind])
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def _reply_content(self, chat: FakeChat, params: JSON) -> JSON:
        reply = params.get("reply_parameters") or {}
        if params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"], **reply}
        if not reply:
            return {}
        replied_chat = self.chats.get(int(reply.get("chat_id", chat.id)), chat)
        replied = self._messages.get(replied_chat.id, {}).get(int(reply["message_id"]))
        if replied is not None:
            return {"reply_to_message": self._quoted(replied)}
        allowed = reply.get("allow_sending_without_reply") or params.get(
            "allow_sending_without_reply"
        )
        if allowed:
            return {}
        raise ApiError(400, "Bad Request: message to be replied not found")

    def _markup_content(self, chat: FakeChat, params: JSON) -> JSON:
        markup = params.get("reply_markup")
        if not markup:
            return {}
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            return {"reply_markup": _checked_inline_keyboard(markup)}
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None
        return {}

    # --- methods: editing -----------------------------------------------------------------------

    async def _edit_message_text(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if not params.get("text"):
            raise ApiError(400, "Bad Request: message text is empty")
        text = render_text(str(params["text"]), params.get("parse_mode"))
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        changes = {"text": text, "entities": params.get("entities")}
        return self._apply_edit(message, changes, self._edit_markup(params))

    async def _edit_message_caption(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if "text" in message:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption = self._caption(params).get("caption")
        return self._apply_edit(message, {"caption": caption}, self._edit_markup(params))

    async def _edit_message_reply_markup(self, params: JSON, files: dict[str, UploadedFile]) -> Any:
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        return self._apply_edit(message, {}, self._edit_markup(params))

    async def _delete_message(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat = self._known_chat(params)
        message_id = _int(params, "message_id")
        if self._messages.get(chat.id, {}).pop(message_id, None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        self._notify()
        return True

    def _editable(self, params: JSON) -> JSON:
        chat = self._known_chat(params)
        message = self._messages.get(chat.id, {}).get(_int(params, "message_id"))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if message["from"]["id"] != self.bot_user.id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _edit_markup(self, params: JSON) -> JSON | None:
        markup = params.get("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        return _checked_inline_keyboard(markup)

    def _apply_edit(self, message: JSON, changes: JSON, markup: JSON | None) -> JSON:
        """Apply an edit like Telegram: the keyboard is replaced by `markup` (removed when None),
        and an edit that changes nothing is refused."""
        proposed = {**changes, "reply_markup": markup}
        if all(message.get(key) == value for key, value in proposed.items()):
            raise ApiError(400, NOT_MODIFIED)
        for key, value in proposed.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = value
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    # --- methods: callback queries and files ----------------------------------------------------

    async def _answer_callback_query(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._callback_queries:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        return True

    async def _get_file(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
        if len(stored.content) > MAX_DOWNLOAD_BYTES:
            raise ApiError(400, "Bad Request: file is too big")
        return stored.to_api()

    # --- methods: commands, menu, profile ------------------------------------------------------

    async def _set_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: commands must be an array")
        for command in commands:
            if not COMMAND_NAME.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not command.get("description"):
                raise ApiError(400, "Bad Request: command description is empty")
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        self._commands[key] = commands
        return True

    async def _get_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> list[JSON]:
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        return self._commands.get(key, [])

    async def _delete_my_commands(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        key = _commands_key(params.get("scope"), params.get("language_code") or "")
        self._commands.pop(key, None)
        return True

    async def _set_chat_menu_button(self, params: JSON, files: dict[str, UploadedFile]) -> bool:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else int(chat_id)
        self.menu_buttons[key] = params.get("menu_button") or {"type": "default"}
        return True

    async def _get_chat_menu_button(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat_id = params.get("chat_id")
        key = None if chat_id is None else int(chat_id)
        return self.menu_buttons.get(key) or self.menu_buttons.get(None) or {"type": "commands"}

    async def _set_profile(self, kind: str, params: JSON, files: dict[str, UploadedFile]) -> bool:
        self.bot_profile[(kind, params.get("language_code") or "")] = str(params.get(kind) or "")
        return True

    # --- methods: chats and members ------------------------------------------------------------

    async def _get_chat(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            True,
        )
        return {
            **self._known_chat(params).to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    async def _get_chat_administrators(
        self, params: JSON, files: dict[str, UploadedFile]
    ) -> list[JSON]:
        chat = self._known_chat(params)
        if chat.is_private:
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        ranked = sorted(chat.members.items(), key=lambda item: item[1] != "creator")
        return [
            _chat_member(self.users[user_id], status)
            for user_id, status in ranked
            if status in ("creator", "administrator")
        ]

    async def _get_chat_member(self, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        chat = self._known_chat(params)
        user = self.users.get(_int(params, "user_id"))
        if user is None:
            raise ApiError(400, "Bad Request: user not found")
        if chat.is_private:
            in_chat = user.id in (self.bot_user.id, chat.id)
            return _chat_member(user, "member" if in_chat else "left")
        return _chat_member(user, chat.members.get(user.id, "left"))

    # --- internals ------------------------------------------------------------------------------

    def _add_chat(self, chat: FakeChat) -> None:
        self.chats[chat.id] = chat
        self._messages[chat.id] = {}
        self._message_ids[chat.id] = itertools.count(1)

    def _known_chat(self, params: JSON) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            chat = self.chats.get(int(raw))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        return chat

    def _sendable_chat(self, params: JSON) -> FakeChat:
        chat = self._known_chat(params)
        if chat.is_private:
            if chat.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat
        status = chat.members.get(self.bot_user.id, "left")
        if status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        if status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        return chat

    def _note_activity(self, user: FakeUser, chat: FakeChat) -> None:
        if chat.is_private:
            chat.started = True
            chat.blocked = False
        elif chat.members.get(user.id) in (None, "left"):
            chat.members[user.id] = "member"

    def _user_message(self, user: FakeUser, chat: FakeChat | None, content: JSON) -> JSON:
        chat = chat or self.private_chat(user)
        self._note_activity(user, chat)
        message = self._store_message(chat, user, content)
        return self._enqueue("message", copy.deepcopy(message))

    def _store_message(self, chat: FakeChat, sender: FakeUser, content: JSON) -> JSON:
        message: JSON = {
            "message_id": next(self._message_ids[chat.id]),
            "from": sender.to_api(),
            "chat": chat.to_api(),
            "date": int(time.time()),
            **content,
        }
        self._messages[chat.id][message["message_id"]] = message
        return message

    def _current(self, message: JSON) -> JSON | None:
        return self._messages.get(message["chat"]["id"], {}).get(message["message_id"])

    def _quoted(self, message: JSON) -> JSON:
        quoted = copy.deepcopy(self._current(message) or message)
        quoted.pop("reply_to_message", None)
        return quoted

    def _store_file(
        self,
        folder: str,
        content: bytes,
        filename: str | None,
        mime_type: str | None,
        *,
        prefix: str,
    ) -> StoredFile:
        number = next(self._ids)
        suffix = PurePosixPath(filename).suffix if filename else ""
        suffix = suffix or {"voice": ".oga", "photos": ".jpg", "music": ".mp3"}.get(folder, "")
        stored = StoredFile(
            file_id=f"{prefix}AgIAAxkBAAI{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            content=content,
            filename=filename,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _document(self, stored: StoredFile) -> JSON:
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        if stored.filename:
            document["file_name"] = stored.filename
        if stored.mime_type:
            document["mime_type"] = stored.mime_type
        return document

    def _voice(self, stored: StoredFile, duration: int) -> JSON:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": stored.mime_type or "audio/ogg",
            "file_size": len(stored.content),
        }

    def _audio(self, stored: StoredFile, params: JSON) -> JSON:
        audio = {**self._document(stored), "duration": _int(params, "duration", 0)}
        for key in ("title", "performer"):
            if params.get(key):
                audio[key] = params[key]
        return audio

    def _photo_sizes(
        self,
        content: bytes,
        mime_type: str | None,
        width: int,
        height: int,
        stored: StoredFile | None = None,
    ) -> list[JSON]:
        """Two sizes, smallest first; both download as the original bytes."""
        small = self._store_file("photos", content, None, mime_type, prefix="AgACAgIAAx")
        large = stored or self._store_file("photos", content, None, mime_type, prefix="AgACAgIAAx")
        scale = 90 / max(width, height, 1)
        return [
            _photo_size(small, max(1, round(width * scale)), max(1, round(height * scale))),
            _photo_size(large, width, height),
        ]


# --- small builders -----------------------------------------------------------------------------


def _caption(caption: str | None) -> JSON:
    return {"caption": caption} if caption else {}


def _photo_size(stored: StoredFile, width: int, height: int) -> JSON:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "width": width,
        "height": height,
        "file_size": len(stored.content),
    }


def _commands_key(
    scope: JSON | None, language_code: str
) -> tuple[tuple[tuple[str, Any], ...], str]:
    scope = scope or {"type": "default"}
    return tuple(sorted(scope.items())), language_code


def _checked_inline_keyboard(markup: JSON) -> JSON:
    """The inline keyboard as Telegram would accept it, or Telegram's refusal."""
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: inline keyboard must be an array of arrays")
    for button in itertools.chain.from_iterable(rows):
        if not button.get("text"):
            raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
        if not BUTTON_ACTIONS & set(button):
            raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _chat_member(user: FakeUser, status: str) -> JSON:
    member: JSON = {"status": status, "user": user.to_api()}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_promote_members",
            "can_change_info",
            "can_invite_users",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
            "can_pin_messages",
        )
        member.update(dict.fromkeys(rights, True))
        member.update({"can_be_edited": False, "is_anonymous": False})
    elif status == "kicked":
        member["until_date"] = 0
    return member


# --- running a PTB application against the server -----------------------------------------------


@contextlib.asynccontextmanager
async def polling(
    application: Application, *, poll_timeout: float = 1.0
) -> AsyncIterator[Application]:
    """Run `application` with long polling for the duration of the block, and shut it down
    cleanly afterwards (stop the updater, stop the application, shut down)."""
    async with application:
        updater = application.updater
        if updater is None:
            raise ValueError("the application was built without an updater")
        await updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=poll_timeout))
        await application.start()
        try:
            yield application
        finally:
            await updater.stop()
            await application.stop()
