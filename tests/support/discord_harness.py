"""Offline Discord for end-to-end tests of the Discord adapter.

The harness plays both sides of Discord for a real discord.py 2.7 bot:

* the gateway: it feeds READY, GUILD_CREATE and INTERACTION_CREATE payloads (real JSON shapes)
  to the bot's own parsers, so option parsing, view routing, DynamicItem routing and modal
  parsing all run through discord.py's code. By default they are handed to the parsers
  directly; with `login=False` the bot logs in and connects by itself (`Client.start`,
  `connect`, or the product's own run loop) to a websocket gateway on loopback that says
  HELLO, takes the IDENTIFY, answers heartbeats and sends every event as a DISPATCH frame;
* the REST API and CDN: a small aiohttp server on 127.0.0.1 answers every HTTP call the bot
  makes (login, interaction callbacks, followups, edits, channel sends, attachment downloads),
  records it, and keeps a model of the messages so tests can click what the bot last showed.

A recorded call counts as "delivered" (and only then does `wait_for` return it) once the bot's
own code has received the answer and run on to its next await, so e.g. the view attached to a
reply is registered before the test clicks on it. No sleeps are involved.

Every private discord.py name the tests rely on lives in this module (see `_PRIVATE`).
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import datetime
import itertools
import json
import logging
import mimetypes
import re
import secrets
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import unquote, urlsplit

import discord
import discord.gateway
import discord.http
import discord.webhook.async_
import yarl
from aiohttp import WSMsgType, web
from discord import app_commands

__all__ = [
    "CALLBACK_DEFERRED_MESSAGE",
    "CALLBACK_DEFERRED_UPDATE",
    "CALLBACK_MESSAGE",
    "CALLBACK_MODAL",
    "CALLBACK_UPDATE_MESSAGE",
    "DEFAULT_ROLES",
    "EVERYONE_PERMISSIONS",
    "MODERATOR_PERMISSIONS",
    "BotError",
    "ButtonView",
    "DiscordHarness",
    "FakeUser",
    "GatewaySession",
    "HarnessError",
    "HttpCall",
    "MessageView",
    "ModalView",
    "RoleSpec",
    "SelectOptionView",
    "SelectView",
    "SentFile",
    "SentInteraction",
    "TextInputView",
]

# The private discord.py names this module touches, in one place.
_PRIVATE = (
    "Client._connection (the ConnectionState)",
    "ConnectionState.parsers (gateway event name -> parse function)",
    "ConnectionState.guild_ready_timeout",
    "discord.http.Route.BASE (class attribute: the REST base URL)",
    "discord.webhook.async_.async_context / AsyncWebhookAdapter.request",
    "HTTPClient.request (wrapped on the bot's instance)",
    "discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY (class attribute: the gateway URL)",
)

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
HEARTBEAT_INTERVAL_MS = 45_000
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
COMPONENTS_V2 = 1 << 15
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})

CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_MODAL = 9

INTERACTION_COMMAND = 2
INTERACTION_COMPONENT = 3
INTERACTION_MODAL_SUBMIT = 5

EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    use_application_commands=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
)
MODERATOR_PERMISSIONS = discord.Permissions(
    manage_messages=True,
    manage_threads=True,
    kick_members=True,
    moderate_members=True,
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | discord.Permissions(manage_messages=True)

_log = logging.getLogger(__name__)
_T = TypeVar("_T")


class HarnessError(AssertionError):
    """A test asked for something Discord would not let a user do (or the harness cannot do)."""


class BotError(AssertionError):
    """The bot logged an exception (discord.py swallows them and logs 'Ignoring exception')."""


@dataclass(frozen=True)
class RoleSpec:
    name: str
    permissions: discord.Permissions = field(default_factory=discord.Permissions.none)


DEFAULT_ROLES: tuple[RoleSpec, ...] = (RoleSpec("Moderator", MODERATOR_PERMISSIONS),)


@dataclass(frozen=True)
class FakeUser:
    """A person in the fake guild; `locale` is what their Discord client sends."""

    id: int
    name: str
    locale: str = "en-US"
    roles: tuple[str, ...] = ()

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass(frozen=True)
class SentFile:
    filename: str
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True)
class ButtonView:
    custom_id: str | None
    label: str | None
    style: int
    disabled: bool
    url: str | None
    emoji: str | None


@dataclass(frozen=True)
class SelectOptionView:
    label: str
    value: str
    description: str | None
    default: bool


@dataclass(frozen=True)
class SelectView:
    custom_id: str
    type: int
    options: tuple[SelectOptionView, ...]
    placeholder: str | None
    min_values: int
    max_values: int
    disabled: bool

    @property
    def values(self) -> list[str]:
        return [option.value for option in self.options]


@dataclass(frozen=True)
class TextInputView:
    custom_id: str
    label: str | None
    style: int
    required: bool
    value: str | None
    placeholder: str | None
    min_length: int | None
    max_length: int | None


@dataclass(frozen=True)
class ModalView:
    custom_id: str
    title: str
    inputs: tuple[TextInputView, ...]
    selects: tuple[SelectView, ...]
    raw: dict[str, Any]


@dataclass(frozen=True)
class MessageView:
    """A snapshot of one message as Discord stores it."""

    id: int
    channel_id: int
    content: str
    embeds: tuple[dict[str, Any], ...]
    components: tuple[dict[str, Any], ...]
    attachments: tuple[dict[str, Any], ...]
    flags: int
    edited: bool
    raw: dict[str, Any]

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """True while the message is a deferred 'Bot is thinking...' placeholder."""
        return bool(self.flags & LOADING)

    @property
    def buttons(self) -> list[ButtonView]:
        return [_button_view(c) for c in _walk_components(self.components) if c["type"] == 2]

    @property
    def selects(self) -> list[SelectView]:
        return [_select_view(c) for c in _walk_components(self.components) if _is_select(c)]

    @property
    def texts(self) -> list[str]:
        """Text of components-v2 text displays."""
        return [c["content"] for c in _walk_components(self.components) if c["type"] == 10]

    @property
    def embed_texts(self) -> list[str]:
        """Titles, descriptions and field names/values of all embeds, in order."""
        return [text for embed in self.embeds for text in _embed_texts(embed)]

    def button(self, key: str) -> ButtonView:
        """The button whose custom_id or label is `key`."""
        for button in self.buttons:
            if key in (button.custom_id, button.label):
                return button
        raise HarnessError(f"no button {key!r} on message {self.id}; buttons: {self.buttons}")

    def select(self, custom_id: str | None = None) -> SelectView:
        """The select with this custom_id (or the only select)."""
        selects = [s for s in self.selects if custom_id in (None, s.custom_id)]
        if len(selects) != 1:
            raise HarnessError(f"select {custom_id!r} not unique on message {self.id}: {selects}")
        return selects[0]


@dataclass
class HttpCall:
    """One HTTP request the bot made, with what the fake answered."""

    seq: int
    kind: str
    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: list[SentFile]
    status: int = 200
    response: Any = None
    interaction_id: int | None = None
    message: MessageView | None = None
    # True once the bot has received the answer and run the code right after its await
    # (e.g. discord.py storing a view for the new message id).
    delivered: bool = False

    @property
    def response_type(self) -> int | None:
        """For "callback": 4 message, 5 deferred, 6 deferred update, 7 update, 9 modal."""
        if self.kind == "callback" and isinstance(self.json, dict):
            return self.json.get("type")
        return None

    @property
    def data(self) -> dict[str, Any]:
        """The message (or modal) body: `data` of a callback, the whole JSON otherwise."""
        body = self.json if isinstance(self.json, dict) else {}
        if self.kind == "callback":
            return body.get("data") or {}
        return body

    @property
    def ephemeral(self) -> bool:
        return bool((self.data.get("flags") or 0) & EPHEMERAL)


@dataclass(frozen=True)
class SentInteraction:
    """An interaction the harness delivered to the bot."""

    id: int
    token: str
    type: int
    user: FakeUser
    channel_id: int
    payload: dict[str, Any]


@dataclass
class _StoredMessage:
    payload: dict[str, Any]
    owner_id: int | None = None
    touched_by: int | None = None
    touched_seq: int = 0
    interaction_id: int | None = None

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def flags(self) -> int:
        return int(self.payload.get("flags") or 0)

    def view(self) -> MessageView:
        raw = copy.deepcopy(self.payload)
        return MessageView(
            id=self.id,
            channel_id=self.channel_id,
            content=raw.get("content") or "",
            embeds=tuple(raw.get("embeds") or ()),
            components=tuple(raw.get("components") or ()),
            attachments=tuple(raw.get("attachments") or ()),
            flags=self.flags,
            edited=raw.get("edited_timestamp") is not None,
            raw=raw,
        )


@dataclass
class _Interaction:
    id: int
    token: str
    type: int
    user: FakeUser
    channel_id: int
    created_at: float
    source_message_id: int | None = None
    response_type: int | None = None
    original_message_id: int | None = None
    message_ids: set[int] = field(default_factory=set)


@dataclass
class _ShownModal:
    user_id: int
    interaction: _Interaction
    data: dict[str, Any]


@dataclass
class _Channel:
    id: int
    name: str
    type: int
    recipient_id: int | None = None


@dataclass
class _Failure:
    status: int
    code: int
    message: str


class _ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- small helpers


class _Snowflakes:
    """Time-based, strictly increasing ids, like Discord's."""

    def __init__(self) -> None:
        self._last = 0

    def next(self) -> int:
        now = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last = max(now, self._last + 1)
        return self._last


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _walk_components(components: Sequence[Any]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or ())
        for key in ("accessory", "component"):
            if component.get(key):
                yield from _walk_components([component[key]])


def _is_select(component: Mapping[str, Any]) -> bool:
    return component["type"] in SELECT_TYPES


def _emoji_text(emoji: Mapping[str, Any] | None) -> str | None:
    return None if not emoji else emoji.get("name")


def _button_view(c: Mapping[str, Any]) -> ButtonView:
    return ButtonView(
        custom_id=c.get("custom_id"),
        label=c.get("label"),
        style=c.get("style", 1),
        disabled=bool(c.get("disabled")),
        url=c.get("url"),
        emoji=_emoji_text(c.get("emoji")),
    )


def _select_view(c: Mapping[str, Any]) -> SelectView:
    options = tuple(
        SelectOptionView(
            label=o["label"],
            value=o["value"],
            description=o.get("description"),
            default=bool(o.get("default")),
        )
        for o in c.get("options") or ()
    )
    return SelectView(
        custom_id=c["custom_id"],
        type=c["type"],
        options=options,
        placeholder=c.get("placeholder"),
        min_values=c.get("min_values", 1),
        max_values=c.get("max_values", 1),
        disabled=bool(c.get("disabled")),
    )


def _text_input_view(c: Mapping[str, Any], label: str | None) -> TextInputView:
    return TextInputView(
        custom_id=c["custom_id"],
        label=c.get("label") or label,
        style=c.get("style", 1),
        required=c.get("required", True),
        value=c.get("value"),
        placeholder=c.get("placeholder"),
        min_length=c.get("min_length"),
        max_length=c.get("max_length"),
    )


def _modal_inputs(components: Sequence[Mapping[str, Any]]) -> Iterator[TextInputView]:
    for c in components:
        if c["type"] == 4:
            yield _text_input_view(c, None)
        elif c["type"] == 18 and c["component"]["type"] == 4:
            yield _text_input_view(c["component"], c.get("label"))
        elif c["type"] == 1:
            yield from _modal_inputs(c.get("components") or ())


def _modal_view(data: Mapping[str, Any]) -> ModalView:
    components = data.get("components") or []
    selects = tuple(_select_view(c) for c in _walk_components(components) if _is_select(c))
    return ModalView(
        custom_id=data["custom_id"],
        title=data.get("title", ""),
        inputs=tuple(_modal_inputs(components)),
        selects=selects,
        raw=copy.deepcopy(dict(data)),
    )


def _embed_texts(embed: Mapping[str, Any]) -> Iterator[str]:
    for key in ("title", "description"):
        if embed.get(key):
            yield embed[key]
    for f in embed.get("fields") or ():
        yield f["name"]
        yield f["value"]


def _number_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copy components and give each a numeric `id` the way Discord does."""
    result = copy.deepcopy(components)
    taken = {c["id"] for c in _walk_components(result) if isinstance(c.get("id"), int)}
    free = (n for n in itertools.count(1) if n not in taken)
    for component in _walk_components(result):
        if "id" not in component:
            component["id"] = next(free)
    return result


def _check_message_body(body: Mapping[str, Any], files: Sequence[SentFile]) -> None:
    content = body.get("content") or ""
    if len(content) > 2000:
        raise _ApiError(400, 50035, "Invalid Form Body: content must be 2000 or fewer in length.")
    for c in _walk_components(body.get("components") or ()):
        if len(c.get("custom_id") or "") > 100:
            raise _ApiError(400, 50035, "Invalid Form Body: custom_id longer than 100 characters.")
        if _is_select(c) and len(c.get("options") or ()) > 25:
            raise _ApiError(400, 50035, "Invalid Form Body: a select takes 25 or fewer options.")
    has_any = content or body.get("embeds") or body.get("components") or files
    if not has_any and not body.get("poll"):
        raise _ApiError(400, 50006, "Cannot send an empty message")


def _check_modal(data: Mapping[str, Any]) -> None:
    if not 1 <= len(data.get("title") or "") <= 45:
        raise _ApiError(400, 50035, "Invalid Form Body: title must be 1 to 45 in length.")
    for c in _walk_components(data.get("components") or ()):
        if len(c.get("label") or "") > 45:
            raise _ApiError(400, 50035, "Invalid Form Body: label must be 45 or fewer in length.")


async def _read_body(request: web.Request) -> tuple[Any, list[SentFile]]:
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        files = [
            SentFile(f.filename, f.file.read(), f.content_type)
            for name, f in form.items()
            if isinstance(f, web.FileField) and name.startswith("files[")
        ]
        raw = form.get("payload_json")
        return (json.loads(raw) if isinstance(raw, str) else None), files
    if request.can_read_body:
        text = await request.text()
        return (json.loads(text) if text else None), []
    return None, []


class _ErrorLog(logging.Handler):
    """Collects the exceptions discord.py logs instead of raising them."""

    def __init__(self, on_error: Callable[[], None]) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []
        self._on_error = on_error

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + "".join(traceback.format_exception(*record.exc_info))
        self.messages.append(text)
        self._on_error()


# --------------------------------------------------------------------------- the world


class _World:
    """The guild, its people and channels, and every message, as payload dicts."""

    def __init__(
        self,
        *,
        guild_name: str,
        roles: Sequence[RoleSpec],
        channels: Sequence[str],
        bot_name: str,
    ) -> None:
        self.ids = _Snowflakes()
        self.guild_id = self.ids.next()
        self.guild_name = guild_name
        self.bot = FakeUser(self.ids.next(), bot_name)
        self.owner = FakeUser(self.ids.next(), "owner")
        self.application_id = self.bot.id
        self.roles: dict[str, tuple[int, discord.Permissions]] = {
            "@everyone": (self.guild_id, EVERYONE_PERMISSIONS)
        }
        for spec in roles:
            self.roles[spec.name] = (self.ids.next(), spec.permissions)
        self.channels: dict[int, _Channel] = {}
        for name in channels:
            channel = _Channel(self.ids.next(), name, 0)
            self.channels[channel.id] = channel
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.messages: dict[int, _StoredMessage] = {}
        self.interactions: dict[str, _Interaction] = {}
        self.modals: list[_ShownModal] = []
        self.attachments: dict[int, SentFile] = {}
        self.command_ids: dict[str, int] = {}
        self.base_url = ""

    # ---- lookups

    def channel_named(self, name: str) -> _Channel:
        for channel in self.channels.values():
            if channel.name == name and channel.type == 0:
                return channel
        names = [c.name for c in self.channels.values() if c.type == 0]
        raise HarnessError(f"no channel #{name}; channels: {names}")

    def channel(self, channel_id: int) -> _Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise _ApiError(404, 10003, "Unknown Channel") from None

    def dm_channel(self, user: FakeUser) -> _Channel:
        for channel in self.channels.values():
            if channel.recipient_id == user.id:
                return channel
        channel = _Channel(self.ids.next(), "", 1, recipient_id=user.id)
        self.channels[channel.id] = channel
        return channel

    def message(self, message_id: int) -> _StoredMessage:
        try:
            return self.messages[message_id]
        except KeyError:
            raise _ApiError(404, 10008, "Unknown Message") from None

    def role_id(self, name: str) -> int:
        try:
            return self.roles[name][0]
        except KeyError:
            raise HarnessError(f"no role {name!r}; roles: {list(self.roles)}") from None

    def permissions_of(self, user: FakeUser) -> discord.Permissions:
        value = discord.Permissions.none()
        for name in ("@everyone", *user.roles):
            value |= self.roles[name][1]
        return discord.Permissions.all() if value.administrator else value

    # ---- payloads

    def user_payload(self, user: FakeUser) -> dict[str, Any]:
        return {
            "id": str(user.id),
            "username": user.name,
            "global_name": None if user is self.bot else user.name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": user is self.bot,
            "public_flags": 0,
        }

    def member_payload(self, user: FakeUser, *, with_permissions: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "user": self.user_payload(user),
            "roles": [str(self.role_id(name)) for name in user.roles],
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "communication_disabled_until": None,
        }
        if with_permissions:
            payload["permissions"] = str(self.permissions_of(user).value)
        return payload

    def role_payloads(self) -> list[dict[str, Any]]:
        return [
            {
                "id": str(role_id),
                "name": name,
                "color": 0,
                "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False,
                "icon": None,
                "unicode_emoji": None,
                "position": position,
                "permissions": str(permissions.value),
                "managed": False,
                "mentionable": False,
                "flags": 0,
            }
            for position, (name, (role_id, permissions)) in enumerate(self.roles.items())
        ]

    def channel_payload(self, channel: _Channel, *, with_guild_id: bool = True) -> dict[str, Any]:
        if channel.type == 1:
            recipient = self.users[channel.recipient_id or 0]
            return {
                "id": str(channel.id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.user_payload(recipient)],
            }
        payload: dict[str, Any] = {
            "id": str(channel.id),
            "type": channel.type,
            "name": channel.name,
            "position": list(self.channels).index(channel.id),
            "permission_overwrites": [],
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if with_guild_id:
            payload["guild_id"] = str(self.guild_id)
        return payload

    def guild_create_payload(self) -> dict[str, Any]:
        members = list(self.users.values())
        return {
            "id": str(self.guild_id),
            "name": self.guild_name,
            "icon": None,
            "owner_id": str(self.owner.id),
            "unavailable": False,
            "large": False,
            "member_count": len(members),
            "joined_at": _now_iso(),
            "preferred_locale": "en-US",
            "features": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "roles": self.role_payloads(),
            "emojis": [],
            "stickers": [],
            "channels": [
                self.channel_payload(c, with_guild_id=False)
                for c in self.channels.values()
                if c.type != 1
            ],
            "threads": [],
            "members": [self.member_payload(u, with_permissions=False) for u in members],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def ready_payload(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**self.user_payload(self.bot), "verified": True, "mfa_enabled": False},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": secrets.token_hex(16),
            "resume_gateway_url": "wss://gateway.invalid",
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    def application_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": self.bot.name,
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": secrets.token_hex(32),
            "flags": 0,
            "owner": self.user_payload(self.bot),
            "team": None,
            "bot": self.user_payload(self.bot),
        }

    def attachment_payload(self, channel_id: int, file: SentFile) -> dict[str, Any]:
        attachment_id = self.ids.next()
        self.attachments[attachment_id] = file
        url = f"{self.base_url}/attachments/{channel_id}/{attachment_id}/{file.filename}"
        content_type = file.content_type or mimetypes.guess_type(file.filename)[0]
        return {
            "id": str(attachment_id),
            "filename": file.filename,
            "size": len(file.data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type or "application/octet-stream",
        }

    # ---- messages

    def new_message(
        self,
        channel_id: int,
        body: Mapping[str, Any],
        files: Sequence[SentFile],
        *,
        interaction: _Interaction | None = None,
        extra_flags: int = 0,
        check: bool = True,
    ) -> _StoredMessage:
        if check:
            _check_message_body(body, files)
        payload = {
            "id": str(self.ids.next()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": self.user_payload(self.bot),
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [self.attachment_payload(channel_id, f) for f in files],
            "embeds": copy.deepcopy(body.get("embeds") or []),
            "components": _number_components(body.get("components") or []),
            "pinned": False,
            "flags": (body.get("flags") or 0) | extra_flags,
        }
        stored = _StoredMessage(payload)
        if interaction is not None:
            self._link_to_interaction(stored, interaction)
        self.messages[stored.id] = stored
        return stored

    def _link_to_interaction(self, stored: _StoredMessage, ix: _Interaction) -> None:
        payload = stored.payload
        if ix.type == INTERACTION_COMMAND and ix.original_message_id is None:
            payload["type"] = 20
        payload["webhook_id"] = str(self.application_id)
        payload["application_id"] = str(self.application_id)
        payload["interaction_metadata"] = {
            "id": str(ix.id),
            "type": ix.type,
            "user": self.user_payload(ix.user),
            "authorizing_integration_owners": {"0": str(self.guild_id)},
        }
        stored.owner_id = ix.user.id
        stored.interaction_id = ix.id
        ix.message_ids.add(stored.id)

    def edit_message(
        self, stored: _StoredMessage, body: Mapping[str, Any], files: Sequence[SentFile]
    ) -> None:
        _check_message_body({"content": "x", **body}, files)
        payload = stored.payload
        if "content" in body:
            payload["content"] = body["content"] or ""
        if "embeds" in body:
            payload["embeds"] = copy.deepcopy(body["embeds"] or [])
        if "components" in body:
            payload["components"] = _number_components(body["components"] or [])
        if "attachments" in body or files:
            payload["attachments"] = self._edited_attachments(stored, body, files)
        sticky = stored.flags & (EPHEMERAL | COMPONENTS_V2)
        new_flags = body.get("flags") if body.get("flags") is not None else stored.flags
        payload["flags"] = (sticky | new_flags) & ~LOADING
        payload["edited_timestamp"] = _now_iso()

    def _edited_attachments(
        self, stored: _StoredMessage, body: Mapping[str, Any], files: Sequence[SentFile]
    ) -> list[dict[str, Any]]:
        old = stored.payload.get("attachments") or []
        if "attachments" in body:
            kept_ids = {str(a.get("id")) for a in body["attachments"] or []}
            old = [a for a in old if a["id"] in kept_ids]
        return old + [self.attachment_payload(stored.channel_id, f) for f in files]


# --------------------------------------------------------------------------- the REST API


_Handler = Callable[[HttpCall, re.Match[str]], tuple[int, Any]]


class _FakeApi:
    """Answers discord.py's REST calls from the world model and records each one."""

    def __init__(self, world: _World, callback_deadline: float | None) -> None:
        self.world = world
        self.callback_deadline = callback_deadline
        self.calls: list[HttpCall] = []
        self.failures: dict[str, _Failure] = {}
        self.changed = asyncio.Event()
        self._undelivered: dict[tuple[str, str], deque[HttpCall]] = {}
        self.last_seq = 0
        self._touches = itertools.count(1)
        self._routes: list[tuple[str, re.Pattern[str], str, _Handler]] = []
        self._add_routes()

    def _route(self, method: str, pattern: str, kind: str, handler: _Handler) -> None:
        self._routes.append((method, re.compile(pattern + "$"), kind, handler))

    def _add_routes(self) -> None:
        s, wh = r"(?P<{}>\d+)", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)"
        original, followup = wh + "/messages/@original", wh + r"/messages/(?P<mid>\d+)"
        chan_msg = "/channels/" + s.format("cid") + "/messages"
        self._route("GET", "/users/@me", "login", lambda c, m: (200, self._me()))
        self._route("GET", "/gateway/bot", "gateway", lambda c, m: (200, self._gateway_bot()))
        self._route("GET", "/oauth2/applications/@me", "login", self._application)
        self._route("POST", "/users/@me/channels", "dm_open", self._dm_open)
        self._route("GET", "/users/" + s.format("uid"), "user_fetch", self._user_fetch)
        self._route("GET", "/channels/" + s.format("cid"), "channel_fetch", self._channel_fetch)
        self._route("POST", chan_msg, "message_send", self._message_send)
        self._route("GET", chan_msg + "/" + s.format("mid"), "message_fetch", self._message_fetch)
        self._route("PATCH", chan_msg + "/" + s.format("mid"), "message_edit", self._message_edit)
        self._route("DELETE", chan_msg + "/" + s.format("mid"), "message_delete", self._delete)
        app = r"/applications/(?P<app>\d+)"
        for method in ("PUT", "GET"):
            for path in (app + "/commands", app + r"/guilds/(?P<gid>\d+)/commands"):
                self._route(method, path, "command_sync", self._commands)
        callback = r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback"
        self._route("POST", callback, "callback", self._callback)
        self._route("POST", wh, "followup", self._followup)
        for path, which in ((original, "original"), (followup, "followup")):
            self._route("GET", path, "get_" + which, self._webhook_message_get)
            self._route("PATCH", path, "edit_" + which, self._webhook_message_edit)
            self._route("DELETE", path, "delete_" + which, self._webhook_message_delete)

    # ---- aiohttp plumbing

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("GET", "/attachments/{cid}/{aid}/{name}", self._download)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle)
        return app

    async def _download(self, request: web.Request) -> web.Response:
        file = self.world.attachments.get(int(request.match_info["aid"]))
        self._record(HttpCall(0, "attachment", "GET", request.path, {}, None, [], delivered=True))
        if file is None:
            return web.Response(status=404)
        return web.Response(body=file.data, content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body, files = await _read_body(request)
        path = request.path.removeprefix(API_PREFIX)
        call = HttpCall(0, "unknown", request.method, path, dict(request.query), body, files)
        status, payload = self._answer(call)
        call.status, call.response = status, payload
        self._record(call)
        self._undelivered.setdefault((call.method, call.path), deque()).append(call)
        if status == 204:
            return web.Response(status=204)
        # discord.py only decodes JSON when the content type is exactly this, as Discord sends it.
        body = json.dumps(payload).encode()
        return web.Response(body=body, status=status, headers={"Content-Type": "application/json"})

    def _find_route(self, call: HttpCall) -> tuple[str, _Handler, re.Match[str]] | None:
        for method, pattern, kind, handler in self._routes:
            match = pattern.match(call.path)
            if match and method == call.method:
                return kind, handler, match
        return None

    def _answer(self, call: HttpCall) -> tuple[int, Any]:
        route = self._find_route(call)
        if route is None:
            return 404, {"message": "404: Not Found", "code": 0}
        call.kind, handler, match = route
        failure = self.failures.pop(call.kind, None)
        if failure is not None:
            return failure.status, {"message": failure.message, "code": failure.code}
        try:
            return handler(call, match)
        except _ApiError as error:
            return error.status, {"message": error.message, "code": error.code}

    def _record(self, call: HttpCall) -> None:
        self.last_seq += 1
        call.seq = self.last_seq
        self.calls.append(call)
        _log.debug("recorded %s %s %s -> %s", call.kind, call.method, call.path, call.status)
        self.changed.set()

    def bot_finished(self, method: str, url: str) -> None:
        """The bot's request coroutine for `url` returned (or raised) to its caller."""
        path = unquote(urlsplit(url).path).removeprefix(API_PREFIX)
        # Runs after the caller's code up to its next await, like a real network reply would.
        asyncio.get_running_loop().call_soon(self._mark_delivered, method, path)

    def _mark_delivered(self, method: str, path: str) -> None:
        pending = self._undelivered.get((method, path))
        if pending:
            pending.popleft().delivered = True
            self.changed.set()

    # ---- simple resources

    def _me(self) -> dict[str, Any]:
        return {**self.world.user_payload(self.world.bot), "verified": True, "mfa_enabled": False}

    def _gateway_bot(self) -> dict[str, Any]:
        url = self.world.base_url.replace("http://", "ws://", 1) + GATEWAY_PATH
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return {"url": url, "shards": 1, "session_start_limit": limit}

    def _application(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self.world.application_payload()

    def _dm_open(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        user = self._user(int(call.json["recipient_id"]))
        return 200, self.world.channel_payload(self.world.dm_channel(user))

    def _user(self, user_id: int) -> FakeUser:
        try:
            return self.world.users[user_id]
        except KeyError:
            raise _ApiError(404, 10013, "Unknown User") from None

    def _user_fetch(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self.world.user_payload(self._user(int(m["uid"])))

    def _channel_fetch(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        return 200, self.world.channel_payload(self.world.channel(int(m["cid"])))

    def _commands(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        if call.method == "GET":
            return 200, []
        result = []
        for command in call.json or []:
            command_id = self.world.command_ids.setdefault(command["name"], self.world.ids.next())
            result.append(self._command_payload(command, command_id, m.groupdict().get("gid")))
        return 200, result

    def _command_payload(
        self, command: Mapping[str, Any], command_id: int, guild_id: str | None
    ) -> dict[str, Any]:
        payload = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **command,
            "id": str(command_id),
            "application_id": str(self.world.application_id),
            "version": str(self.world.ids.next()),
        }
        if guild_id is not None:
            payload["guild_id"] = guild_id
        return payload

    # ---- channel messages

    def _message_send(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        channel = self.world.channel(int(m["cid"]))
        stored = self.world.new_message(channel.id, call.json or {}, call.files)
        return self._message_result(call, stored)

    def _channel_message(self, m: re.Match[str]) -> _StoredMessage:
        stored = self.world.message(int(m["mid"]))
        if stored.channel_id != int(m["cid"]) or stored.flags & EPHEMERAL:
            raise _ApiError(404, 10008, "Unknown Message")
        return stored

    def _message_fetch(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        return self._message_result(call, self._channel_message(m))

    def _message_edit(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        stored = self._channel_message(m)
        self.world.edit_message(stored, call.json or {}, call.files)
        return self._message_result(call, stored)

    def _delete(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        stored = self._channel_message(m)
        del self.world.messages[stored.id]
        return 204, None

    def _message_result(
        self, call: HttpCall, stored: _StoredMessage, ix: _Interaction | None = None
    ) -> tuple[int, Any]:
        if ix is not None:
            call.interaction_id = ix.id
            stored.touched_by = ix.user.id
        stored.touched_seq = next(self._touches)
        call.message = stored.view()
        return 200, copy.deepcopy(stored.payload)

    # ---- interactions

    def _interaction(self, token: str, *, code: int = 10062) -> _Interaction:
        ix = self.world.interactions.get(token)
        if ix is None:
            message = "Unknown interaction" if code == 10062 else "Unknown Webhook"
            raise _ApiError(404, code, message)
        return ix

    def _callback(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        ix = self._interaction(m["token"])
        call.interaction_id = ix.id
        loop_time = asyncio.get_running_loop().time()
        if (
            self.callback_deadline is not None
            and loop_time - ix.created_at > self.callback_deadline
        ):
            raise _ApiError(404, 10062, "Unknown interaction")
        if ix.response_type is not None:
            raise _ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = call.json or {}
        response_type, data = body.get("type"), body.get("data") or {}
        resource = self._respond(call, ix, response_type, data)
        ix.response_type = response_type
        return 200, self._callback_payload(ix, resource)

    def _respond(
        self, call: HttpCall, ix: _Interaction, response_type: int, data: dict[str, Any]
    ) -> dict[str, Any] | None:
        world = self.world
        if response_type in (CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE):
            deferred = response_type == CALLBACK_DEFERRED_MESSAGE
            flags = LOADING if deferred else 0
            stored = world.new_message(
                ix.channel_id,
                data,
                call.files,
                interaction=ix,
                extra_flags=flags,
                check=not deferred,
            )
            ix.original_message_id = stored.id
            self._message_result(call, stored, ix)
            return {"type": response_type, "message": copy.deepcopy(stored.payload)}
        if response_type in (CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE_MESSAGE):
            stored = self._source_message(ix, response_type)
            ix.original_message_id = stored.id
            if response_type == CALLBACK_DEFERRED_UPDATE:
                return None
            world.edit_message(stored, data, call.files)
            self._message_result(call, stored, ix)
            return {"type": response_type, "message": copy.deepcopy(stored.payload)}
        if response_type == CALLBACK_MODAL and ix.type != INTERACTION_MODAL_SUBMIT:
            _check_modal(data)
            world.modals.append(_ShownModal(ix.user.id, ix, copy.deepcopy(data)))
            return None
        raise _ApiError(400, 50035, f"Invalid Form Body: bad response type {response_type}")

    def _source_message(self, ix: _Interaction, response_type: int) -> _StoredMessage:
        if ix.source_message_id is None:
            raise _ApiError(
                400, 50035, f"Interaction response type {response_type} needs a message"
            )
        return self.world.message(ix.source_message_id)

    def _callback_payload(self, ix: _Interaction, resource: dict[str, Any] | None) -> Any:
        summary: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        if ix.original_message_id is not None:
            original = self.world.messages[ix.original_message_id]
            summary["response_message_id"] = str(original.id)
            summary["response_message_loading"] = bool(original.flags & LOADING)
            summary["response_message_ephemeral"] = bool(original.flags & EPHEMERAL)
        payload: dict[str, Any] = {"interaction": summary}
        if resource is not None:
            payload["resource"] = resource
        return payload

    def _webhook_interaction(self, call: HttpCall, m: re.Match[str]) -> _Interaction:
        ix = self._interaction(m["token"], code=10015)
        call.interaction_id = ix.id
        if int(m["app"]) != self.world.application_id or ix.response_type is None:
            raise _ApiError(404, 10015, "Unknown Webhook")
        return ix

    def _followup(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        ix = self._webhook_interaction(call, m)
        original = self._original(ix) if ix.original_message_id is not None else None
        if original is not None and original.flags & LOADING:
            # The first followup after a thinking defer replaces the placeholder,
            # keeping the defer's ephemeral choice.
            body = {**(call.json or {}), "flags": original.flags & EPHEMERAL}
            self.world.edit_message(original, body, call.files)
            stored = original
        else:
            body = call.json or {}
            stored = self.world.new_message(ix.channel_id, body, call.files, interaction=ix)
        status, payload = self._message_result(call, stored, ix)
        if call.query.get("wait") in ("0", "false"):
            return 204, None
        return status, payload

    def _original(self, ix: _Interaction) -> _StoredMessage:
        if ix.original_message_id is None:
            raise _ApiError(404, 10008, "Unknown Message")
        return self.world.message(ix.original_message_id)

    def _webhook_message(self, call: HttpCall, m: re.Match[str]) -> tuple[_Interaction, Any]:
        ix = self._webhook_interaction(call, m)
        if m.groupdict().get("mid") is None:
            return ix, self._original(ix)
        stored = self.world.message(int(m["mid"]))
        if stored.id not in ix.message_ids and stored.id != ix.original_message_id:
            raise _ApiError(404, 10008, "Unknown Message")
        return ix, stored

    def _webhook_message_get(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        ix, stored = self._webhook_message(call, m)
        return self._message_result(call, stored, ix)

    def _webhook_message_edit(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        ix, stored = self._webhook_message(call, m)
        self.world.edit_message(stored, call.json or {}, call.files)
        return self._message_result(call, stored, ix)

    def _webhook_message_delete(self, call: HttpCall, m: re.Match[str]) -> tuple[int, Any]:
        _, stored = self._webhook_message(call, m)
        del self.world.messages[stored.id]
        return 204, None


# --------------------------------------------------------------------------- bot-side tracking


@dataclass
class GatewaySession:
    """One websocket connection the bot opened to the fake gateway."""

    identify: dict[str, Any] = field(default_factory=dict)  # the IDENTIFY payload's `d`
    heartbeats: int = 0
    closed: bool = False
    _outbox: asyncio.Queue[dict[str, Any] | None] = field(default_factory=asyncio.Queue)
    _sequence: int = 0

    def dispatch(self, event: str, payload: dict[str, Any]) -> None:
        """Queue a DISPATCH frame; frames go out in the order they were queued."""
        self._sequence += 1
        self._outbox.put_nowait({"op": 0, "s": self._sequence, "t": event, "d": payload})


class _FakeGateway:
    """Discord's gateway on a websocket: HELLO, IDENTIFY, heartbeats, DISPATCH frames (JSON)."""

    def __init__(self, world: _World, changed: asyncio.Event) -> None:
        self.world = world
        self.changed = changed
        self.sessions: list[GatewaySession] = []

    @property
    def live(self) -> GatewaySession | None:
        """The identified connection that is still open, if any."""
        for session in reversed(self.sessions):
            if session.identify and not session.closed:
                return session
        return None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        session = GatewaySession()
        self.sessions.append(session)
        writer = asyncio.create_task(self._write(socket, session))
        hello = {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}
        session._outbox.put_nowait({"op": 10, "s": None, "t": None, "d": hello})
        try:
            async for frame in socket:
                if frame.type is WSMsgType.TEXT:
                    self._receive(session, json.loads(frame.data))
        finally:
            session.closed = True
            session._outbox.put_nowait(None)
            await writer
            self.changed.set()
        return socket

    def _receive(self, session: GatewaySession, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == 1:
            session.heartbeats += 1
            session._outbox.put_nowait({"op": 11, "s": None, "t": None, "d": None})
        elif op == 2:
            session.identify = frame["d"]
            ready = self.world.ready_payload()
            if "shard" in session.identify:
                ready["shard"] = session.identify["shard"]
            session.dispatch("READY", ready)
            session.dispatch("GUILD_CREATE", self.world.guild_create_payload())
        self.changed.set()

    @staticmethod
    async def _write(socket: web.WebSocketResponse, session: GatewaySession) -> None:
        while (frame := await session._outbox.get()) is not None:
            if socket.closed:
                return
            await socket.send_str(json.dumps(frame))

    async def close(self) -> None:
        for session in self.sessions:
            session._outbox.put_nowait(None)


class _TrackingAdapter(discord.webhook.async_.AsyncWebhookAdapter):
    """discord.py's own webhook adapter, telling the fake when each reply has been read."""

    def __init__(self, api: _FakeApi) -> None:
        super().__init__()
        self._api = api

    async def request(self, route: discord.http.Route, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().request(route, *args, **kwargs)
        finally:
            self._api.bot_finished(route.method, route.url)


def _track_http(bot: discord.Client, api: _FakeApi) -> None:
    """Wrap the bot's HTTPClient.request the same way (channel sends, edits, login)."""
    original: Callable[..., Awaitable[Any]] = bot.http.request

    async def request(route: discord.http.Route, **kwargs: Any) -> Any:
        try:
            return await original(route, **kwargs)
        finally:
            api.bot_finished(route.method, route.url)

    bot.http.request = request  # type: ignore[method-assign]


# --------------------------------------------------------------------------- the harness


class DiscordHarness:
    """A logged-in, gateway-less discord.py bot talking to an in-process fake Discord.

    Usage::

        async with DiscordHarness(bot) as h:
            alice = h.add_user("alice", roles=["Moderator"], locale="ru")
            await h.slash(alice, "task")
            reply = await h.wait_for("callback")

    `callback_deadline`: seconds after which an interaction callback gets Discord's
    404 "Unknown interaction" (None turns the rule off). `strict_errors`: leaving the
    `async with` block raises BotError if the bot logged an exception that no `wait_for`,
    `wait_for_error` or `take_errors` looked at. `watch_loggers`: loggers whose ERROR
    records count as bot errors.

    `login=False`: the harness only starts fake Discord (REST and gateway); the bot logs in
    and connects by itself in a coroutine given to `run`, e.g.::

        async with DiscordHarness(bot, login=False) as h:
            running = h.run(bot.start("token"))
            session = await h.wait_until_connected()
            await h.slash(alice, "task")  # sent as a DISPATCH frame on the websocket
    """

    def __init__(
        self,
        bot: discord.Client,
        *,
        tree: app_commands.CommandTree[Any] | None = None,
        guild_name: str = "Microtasks Lab",
        roles: Sequence[RoleSpec] = DEFAULT_ROLES,
        channels: Sequence[str] = ("general", "announcements"),
        bot_name: str = "microtasks",
        callback_deadline: float | None = 3.0,
        strict_errors: bool = True,
        watch_loggers: Sequence[str] = ("discord",),
        login: bool = True,
    ) -> None:
        self._bot = bot
        self._tree = tree
        self._log_in_first = login
        self.world = _World(
            guild_name=guild_name, roles=roles, channels=channels, bot_name=bot_name
        )
        self.api = _FakeApi(self.world, callback_deadline)
        self.gateway = _FakeGateway(self.world, self.api.changed)
        self._saved_gateway: yarl.URL | None = None
        self._running: list[asyncio.Task[Any]] = []
        self._handling: set[asyncio.Task[Any]] = set()  # started by interactions sent
        self.strict_errors = strict_errors
        self._watched = [logging.getLogger(name) for name in watch_loggers]
        self._errors = _ErrorLog(self.api.changed.set)
        self._errors_seen = 0
        self._runner: web.AppRunner | None = None
        self._saved_base: str | None = None
        self._floor = 0
        self._taken: set[int] = set()
        # Everything the bot runs (login, setup_hook, handlers) starts in this context, so
        # discord.py's interaction webhooks use the tracking adapter.
        self._context = contextvars.copy_context()
        self._context.run(discord.webhook.async_.async_context.set, _TrackingAdapter(self.api))

    # ---- lifecycle

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
        if exc_type is None and self.strict_errors and self._unseen_errors():
            raise BotError("bot logged errors nobody checked:\n" + "\n".join(self.take_errors()))

    async def start(self) -> None:
        """Start the fake Discord and log the bot in (runs its setup_hook, then READY)."""
        app = self.api.app()
        app.router.add_route("GET", GATEWAY_PATH, self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.world.base_url = f"http://{host}:{port}"
        self._saved_base = discord.http.Route.BASE
        discord.http.Route.BASE = self.world.base_url + API_PREFIX
        websocket = self.world.base_url.replace("http://", "ws://", 1) + GATEWAY_PATH
        self._saved_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(websocket)
        for logger in self._watched:
            logger.addHandler(self._errors)
        if not self._log_in_first:
            _track_http(self._bot, self.api)
            self._bot._connection.guild_ready_timeout = 0.05  # READY soon after GUILD_CREATE
            return
        try:
            await self._login(self._bot)
        except BaseException:
            await self.close()
            raise

    def run(self, coroutine: Awaitable[_T]) -> asyncio.Task[_T]:
        """Run the bot's own start-up (`login=False`) as discord.py would run under Discord."""

        async def running() -> _T:
            return await coroutine

        task = asyncio.get_running_loop().create_task(running(), context=self._context)
        self._running.append(task)
        return task

    async def wait_until_connected(self, *, timeout: float = 5.0) -> GatewaySession:  # noqa: ASYNC109
        """The gateway connection, once the bot has identified on it and is ready."""

        def identified() -> GatewaySession | None:
            self._raise_new_errors()
            for task in self._running:
                if task.done():
                    failure = None if task.cancelled() else task.exception()
                    raise BotError(f"the bot stopped before connecting: {failure!r}")
            return self.gateway.live

        session = await self._until(identified, timeout, "no IDENTIFY on the gateway")
        await asyncio.wait_for(self._bot.wait_until_ready(), timeout)
        self._raise_new_errors()
        return session

    async def settle(self, *, timeout: float = 3.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has finished handling every interaction sent so far (whatever it
        does after its last reply, such as tidying older messages), then raise its errors."""
        pending = {task for task in self._handling if not task.done()}
        if pending:
            _, late = await asyncio.wait(pending, timeout=timeout)
            if late:
                raise HarnessError(f"{len(late)} interaction handlers still busy after {timeout}s")
        self._handling.clear()
        self._raise_new_errors()

    async def _let_handlers_finish(self) -> None:
        """Give handlers still running a moment to end, as a bot shutting down would."""
        pending = {task for task in self._handling if not task.done()}
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        self._handling.clear()

    async def close(self) -> None:
        await self._let_handlers_finish()
        if not self._bot.is_closed():
            await self._bot.close()
        for task in self._running:
            if not task.done():
                task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        await self.gateway.close()
        if self._saved_gateway is not None:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved_gateway
            self._saved_gateway = None
        for logger in self._watched:
            logger.removeHandler(self._errors)
        if self._saved_base is not None:
            discord.http.Route.BASE = self._saved_base
            self._saved_base = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restart(
        self, bot: discord.Client, *, tree: app_commands.CommandTree[Any] | None = None
    ) -> None:
        """Replace the bot process with `bot`; Discord's messages and people stay."""
        await self._let_handlers_finish()
        await self._bot.close()
        self._bot, self._tree = bot, tree
        await self._login(bot)

    async def _login(self, bot: discord.Client) -> None:
        _track_http(bot, self.api)
        token = "fake-" + secrets.token_urlsafe(24)
        await asyncio.get_running_loop().create_task(bot.login(token), context=self._context)
        # discord.py waits this long after the last GUILD_CREATE before READY (2 s by default).
        bot._connection.guild_ready_timeout = 0.05
        self._parse("READY", self.world.ready_payload())
        self._parse("GUILD_CREATE", self.world.guild_create_payload())
        await asyncio.wait_for(bot.wait_until_ready(), timeout=5)

    def _parse(self, event: str, payload: dict[str, Any]) -> None:
        """Hand a gateway DISPATCH event to the bot: on its websocket when it connected itself,
        else straight to the parser its websocket would call."""
        live = self.gateway.live
        if live is not None:
            live.dispatch(event, payload)
            return
        self._context.run(self._bot._connection.parsers[event], payload)

    @property
    def bot(self) -> discord.Client:
        return self._bot

    @property
    def tree(self) -> app_commands.CommandTree[Any]:
        tree = self._tree or getattr(self._bot, "tree", None)
        if tree is None:
            raise HarnessError("bot has no .tree; pass tree= to DiscordHarness")
        return tree

    # ---- people and places

    def add_user(self, name: str, *, roles: Sequence[str] = (), locale: str = "en-US") -> FakeUser:
        for role in roles:
            self.world.role_id(role)
        user = FakeUser(self.world.ids.next(), name, locale, tuple(roles))
        self.world.users[user.id] = user
        if self._bot.is_ready() and self._bot.intents.members:
            member = self.world.member_payload(user, with_permissions=False)
            self._parse("GUILD_MEMBER_ADD", {**member, "guild_id": str(self.guild_id)})
        return user

    @property
    def guild_id(self) -> int:
        return self.world.guild_id

    @property
    def bot_user(self) -> FakeUser:
        return self.world.bot

    def channel_id(self, name: str) -> int:
        return self.world.channel_named(name).id

    def role_id(self, name: str) -> int:
        return self.world.role_id(name)

    # ---- sending interactions

    async def slash(
        self, user: FakeUser, command: str, /, *, where: str = "general", **options: Any
    ) -> SentInteraction:
        """Run `/command` (e.g. "batch import") as `user` in #where (or "dm")."""
        names = command.split()
        leaf, guild_scoped = self._find_command(names)
        channel = self._where(user, where)
        resolved: dict[str, dict[str, Any]] = {}
        if channel.type == 1 and (leaf.root_parent or leaf).guild_only:
            raise HarnessError(f"/{command} is guild-only; Discord hides it in DMs")
        leaf_options = _command_options(self.world, leaf, options, channel.id, resolved)
        data: dict[str, Any] = {
            "id": str(self.world.command_ids.setdefault(names[0], self.world.ids.next())),
            "name": names[0],
            "type": 1,
            "options": _nest_options(names[1:], leaf_options),
        }
        if resolved:
            data["resolved"] = resolved
        if guild_scoped:
            data["guild_id"] = str(self.guild_id)
        return self._dispatch(user, INTERACTION_COMMAND, channel, data)

    async def click(
        self, user: FakeUser, message: MessageView | int, custom_id: str
    ) -> SentInteraction:
        """Press the button `custom_id` (or label) on the message as it is now."""
        stored = self._visible_message(user, message)
        button = stored.view().button(custom_id)
        if button.disabled or button.custom_id is None:
            raise HarnessError(f"button {custom_id!r} cannot be pressed: {button}")
        data = {"custom_id": button.custom_id, "component_type": 2}
        return self._dispatch_component(user, stored, data)

    async def click_as_shown(
        self, user: FakeUser, shown: MessageView, custom_id: str
    ) -> SentInteraction:
        """Press the button `custom_id` (or label) on `shown`, a copy of the message as the
        member's client still shows it (an older one, or a forged one), whatever it is now."""
        stored = self._visible_message(user, shown.id)
        button = shown.button(custom_id)
        data = {"custom_id": button.custom_id, "component_type": 2}
        channel = self.world.channel(stored.channel_id)
        return self._dispatch(
            user, INTERACTION_COMPONENT, channel, data, source=stored, as_shown=shown.raw
        )

    async def select(
        self,
        user: FakeUser,
        message: MessageView | int,
        custom_id: str,
        values: Sequence[str],
    ) -> SentInteraction:
        """Choose `values` in the string select `custom_id` on the message as it is now."""
        stored = self._visible_message(user, message)
        select = stored.view().select(custom_id)
        _check_select_values(select, values)
        data = {
            "custom_id": select.custom_id,
            "component_type": select.type,
            "values": list(values),
        }
        return self._dispatch_component(user, stored, data)

    async def submit_modal(
        self, user: FakeUser, custom_id: str, values: Mapping[str, str | Sequence[str]]
    ) -> SentInteraction:
        """Fill in and submit the modal `custom_id` the bot last showed to `user`."""
        shown = self._shown_modal(user, custom_id)
        components = _modal_submission(shown.data.get("components") or [], values)
        opened_from = shown.interaction
        channel = self.world.channel(opened_from.channel_id)
        source = (
            self.world.messages.get(opened_from.source_message_id)
            if opened_from.source_message_id is not None
            else None
        )
        data = {"custom_id": custom_id, "components": components}
        return self._dispatch(user, INTERACTION_MODAL_SUBMIT, channel, data, source=source)

    def _find_command(
        self, names: Sequence[str]
    ) -> tuple[app_commands.Command[Any, ..., Any], bool]:
        tree = self.tree
        node = tree.get_command(names[0], guild=discord.Object(self.guild_id))
        guild_scoped = node is not None
        node = node or tree.get_command(names[0])
        for name in names[1:]:
            node = node.get_command(name) if isinstance(node, app_commands.Group) else None
        if not isinstance(node, app_commands.Command):
            known = [c.qualified_name for c in tree.walk_commands()]
            raise HarnessError(f"no slash command /{' '.join(names)}; known: {known}")
        return node, guild_scoped

    def _where(self, user: FakeUser, where: str) -> _Channel:
        return self.world.dm_channel(user) if where == "dm" else self.world.channel_named(where)

    def _visible_message(self, user: FakeUser, message: MessageView | int) -> _StoredMessage:
        message_id = message if isinstance(message, int) else message.id
        stored = self.world.messages.get(message_id)
        if stored is None:
            raise HarnessError(f"message {message_id} does not exist (deleted?)")
        if stored.flags & EPHEMERAL and stored.owner_id != user.id:
            raise HarnessError(f"message {message_id} is ephemeral and not shown to {user.name}")
        return stored

    def _shown_modal(self, user: FakeUser, custom_id: str) -> _ShownModal:
        for shown in reversed(self.world.modals):
            if shown.user_id == user.id and shown.data.get("custom_id") == custom_id:
                return shown
        raise HarnessError(f"the bot never showed modal {custom_id!r} to {user.name}")

    def _dispatch_component(
        self, user: FakeUser, stored: _StoredMessage, data: dict[str, Any]
    ) -> SentInteraction:
        channel = self.world.channel(stored.channel_id)
        return self._dispatch(user, INTERACTION_COMPONENT, channel, data, source=stored)

    def _dispatch(
        self,
        user: FakeUser,
        interaction_type: int,
        channel: _Channel,
        data: dict[str, Any],
        *,
        source: _StoredMessage | None = None,
        as_shown: dict[str, Any] | None = None,
    ) -> SentInteraction:
        payload = self._interaction_payload(user, interaction_type, channel, data)
        if source is not None:
            payload["message"] = copy.deepcopy(source.payload if as_shown is None else as_shown)
        ix = _Interaction(
            id=int(payload["id"]),
            token=payload["token"],
            type=interaction_type,
            user=user,
            channel_id=channel.id,
            created_at=asyncio.get_running_loop().time(),
            source_message_id=None if source is None else source.id,
        )
        self.world.interactions[ix.token] = ix
        self._floor = self.api.last_seq
        before = asyncio.all_tasks()
        self._parse("INTERACTION_CREATE", payload)
        self._handling |= asyncio.all_tasks() - before  # discord.py starts its handlers here
        return SentInteraction(ix.id, ix.token, interaction_type, user, channel.id, payload)

    def _interaction_payload(
        self, user: FakeUser, interaction_type: int, channel: _Channel, data: dict[str, Any]
    ) -> dict[str, Any]:
        world = self.world
        payload: dict[str, Any] = {
            "id": str(world.ids.next()),
            "application_id": str(world.application_id),
            "type": interaction_type,
            "data": data,
            "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
            "version": 1,
            "locale": user.locale,
            "channel_id": str(channel.id),
            "channel": world.channel_payload(channel),
            "app_permissions": str(BOT_PERMISSIONS.value),
            "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if channel.type == 1:
            payload.update(user=world.user_payload(user), context=1)
            return payload
        payload.update(
            guild_id=str(world.guild_id),
            guild={"id": str(world.guild_id), "locale": "en-US", "features": []},
            guild_locale="en-US",
            member=world.member_payload(user, with_permissions=True),
            authorizing_integration_owners={"0": str(world.guild_id)},
            context=0,
        )
        return payload

    # ---- recorded calls

    @property
    def calls(self) -> list[HttpCall]:
        return list(self.api.calls)

    def calls_of(self, kind: str) -> list[HttpCall]:
        return [call for call in self.api.calls if call.kind == kind]

    async def wait_for(
        self,
        kind: str,
        *,
        timeout: float = 3.0,  # noqa: ASYNC109 - the tests' vocabulary, applied via asyncio.timeout
        interaction: SentInteraction | None = None,
    ) -> HttpCall:
        """The next not-yet-returned call of `kind` made since the last interaction was sent
        (or, with `interaction=`, any such call made for that interaction).

        Kinds: callback, followup, edit_original, get_original, delete_original,
        edit_followup, delete_followup, message_send, message_edit, message_delete,
        message_fetch, dm_open, channel_fetch, user_fetch, command_sync, login, attachment,
        unknown. Raises BotError at once if the bot logs an exception meanwhile.
        """

        def ready() -> HttpCall | None:
            self._raise_new_errors()
            return self._first_untaken(kind, interaction)

        call = await self._until(ready, timeout, f"no {kind!r} call")
        self._taken.add(call.seq)
        return call

    async def wait_for_error(self, *, timeout: float = 3.0) -> str:  # noqa: ASYNC109
        """The next exception the bot logs (marked as seen, so it is not raised later)."""

        def ready() -> str | None:
            unseen = self.take_errors()
            return unseen[0] if unseen else None

        return await self._until(ready, timeout, "no error logged")

    async def _until(self, ready: Callable[[], _T | None], seconds: float, what: str) -> _T:
        """Re-check `ready` whenever the fake records a call or the bot logs an error."""
        try:
            async with asyncio.timeout(seconds):
                while True:
                    self.api.changed.clear()
                    result = ready()
                    if result is not None:
                        return result
                    await self.api.changed.wait()
        except TimeoutError:
            seen = [
                f"{c.kind} {c.method} {c.path} -> {c.status}" + ("" if c.delivered else " (unread)")
                for c in self.api.calls
            ]
            raise HarnessError(f"{what} within {seconds}s; calls:\n" + "\n".join(seen)) from None

    def _first_untaken(self, kind: str, interaction: SentInteraction | None) -> HttpCall | None:
        for call in self.api.calls:
            if call.kind != kind or call.seq in self._taken or not call.delivered:
                continue
            if interaction is not None and call.interaction_id == interaction.id:
                return call
            if interaction is None and call.seq > self._floor:
                return call
        return None

    # ---- errors

    def _unseen_errors(self) -> list[str]:
        return self._errors.messages[self._errors_seen :]

    def _raise_new_errors(self) -> None:
        unseen = self.take_errors()
        if unseen:
            raise BotError("bot logged an error:\n" + "\n".join(unseen))

    def take_errors(self) -> list[str]:
        """Exceptions the bot logged since the last check (marks them as seen)."""
        unseen = self._unseen_errors()
        self._errors_seen = len(self._errors.messages)
        return unseen

    def fail_next(
        self,
        kind: str,
        *,
        status: int = 404,
        code: int = 10062,
        message: str = "Unknown interaction",
    ) -> None:
        """Make the next call of `kind` fail with a Discord error (default: expired token)."""
        self.api.failures[kind] = _Failure(status, code, message)

    # ---- views of the world

    def current_message(self, message_id: int | MessageView) -> MessageView:
        message_id = message_id if isinstance(message_id, int) else message_id.id
        stored = self.world.messages.get(message_id)
        if stored is None:
            raise HarnessError(f"message {message_id} does not exist (deleted?)")
        return stored.view()

    def last_response(self, user: FakeUser) -> MessageView:
        """The message most recently shown or updated in answer to `user`'s interactions."""
        mine = [m for m in self.world.messages.values() if m.touched_by == user.id]
        if not mine:
            raise HarnessError(f"the bot has not answered {user.name} with a message")
        return max(mine, key=lambda m: (m.touched_seq, m.id)).view()

    def shown_to(self, user: FakeUser) -> list[MessageView]:
        """Every message shown or updated in answer to `user`'s interactions, oldest first."""
        mine = [m for m in self.world.messages.values() if m.touched_by == user.id]
        return [m.view() for m in sorted(mine, key=lambda m: m.id)]

    def last_modal(self, user: FakeUser) -> ModalView:
        for shown in reversed(self.world.modals):
            if shown.user_id == user.id:
                return _modal_view(shown.data)
        raise HarnessError(f"the bot never showed a modal to {user.name}")

    def channel_messages(self, name: str) -> list[MessageView]:
        channel_id = self.channel_id(name)
        return [m.view() for m in self.world.messages.values() if m.channel_id == channel_id]

    def dm_messages(self, user: FakeUser) -> list[MessageView]:
        channel_id = self.world.dm_channel(user).id
        return [m.view() for m in self.world.messages.values() if m.channel_id == channel_id]


# --------------------------------------------------------------------------- option building


def _nest_options(path: Sequence[str], leaf_options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wrap leaf options in SUB_COMMAND (1) / SUB_COMMAND_GROUP (2) options for `path`."""
    options = leaf_options
    for depth, name in reversed(list(enumerate(path))):
        option_type = 1 if depth == len(path) - 1 else 2
        options = [{"name": name, "type": option_type, "options": options}]
    return options


def _command_options(
    world: _World,
    command: app_commands.Command[Any, ..., Any],
    given: Mapping[str, Any],
    channel_id: int,
    resolved: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    params = {p.name: p for p in command.parameters}
    params.update({p.display_name: p for p in command.parameters})
    unknown = set(given) - set(params)
    if unknown:
        raise HarnessError(f"/{command.qualified_name} has no options {sorted(unknown)}")
    options = []
    for param in command.parameters:
        value = given.get(param.name, given.get(param.display_name))
        if value is None:
            if param.required:
                raise HarnessError(f"/{command.qualified_name} needs option {param.display_name}")
            continue
        option_type = param.type.value
        option_value = _option_value(world, param, value, channel_id, resolved)
        options.append({"name": param.display_name, "type": option_type, "value": option_value})
    return options


def _option_value(
    world: _World,
    param: app_commands.Parameter,
    value: Any,
    channel_id: int,
    resolved: dict[str, dict[str, Any]],
) -> Any:
    kind = param.type
    if param.choices and value not in [c.value for c in param.choices]:
        raise HarnessError(f"{value!r} is not a choice of {param.display_name}")
    if kind is discord.AppCommandOptionType.attachment:
        filename, data = value
        attachment = world.attachment_payload(channel_id, SentFile(filename, data))
        attachment["ephemeral"] = True
        resolved.setdefault("attachments", {})[attachment["id"]] = attachment
        return attachment["id"]
    if kind is discord.AppCommandOptionType.user:
        user: FakeUser = value
        resolved.setdefault("users", {})[str(user.id)] = world.user_payload(user)
        member = world.member_payload(user, with_permissions=True)
        member.pop("user")
        resolved.setdefault("members", {})[str(user.id)] = member
        return str(user.id)
    if kind is discord.AppCommandOptionType.role:
        role_id = str(world.role_id(value))
        role = next(r for r in world.role_payloads() if r["id"] == role_id)
        resolved.setdefault("roles", {})[role["id"]] = role
        return role["id"]
    if kind is discord.AppCommandOptionType.channel:
        channel = world.channel_payload(world.channel_named(value))
        channel["permissions"] = str(BOT_PERMISSIONS.value)
        resolved.setdefault("channels", {})[channel["id"]] = channel
        return channel["id"]
    return _scalar(kind, value, param.display_name)


def _scalar(kind: discord.AppCommandOptionType, value: Any, name: str) -> Any:
    expected: dict[discord.AppCommandOptionType, type | tuple[type, ...]] = {
        discord.AppCommandOptionType.string: str,
        discord.AppCommandOptionType.integer: int,
        discord.AppCommandOptionType.number: (int, float),
        discord.AppCommandOptionType.boolean: bool,
    }
    wanted = expected.get(kind)
    if wanted is None:
        raise HarnessError(f"option type {kind.name} of {name} is not supported by the harness")
    if not isinstance(value, wanted) or (kind.name == "integer" and isinstance(value, bool)):
        raise HarnessError(f"option {name} wants {kind.name}, got {value!r}")
    return value


def _check_select_values(select: SelectView, values: Sequence[str]) -> None:
    if select.disabled:
        raise HarnessError(f"select {select.custom_id!r} is disabled")
    if not select.min_values <= len(values) <= select.max_values:
        bounds = f"{select.min_values}..{select.max_values}"
        raise HarnessError(f"select {select.custom_id!r} takes {bounds} values, got {values}")
    if select.type == 3:
        missing = set(values) - set(select.values)
        if missing:
            raise HarnessError(f"select {select.custom_id!r} has no options {sorted(missing)}")


def _modal_submission(
    components: Sequence[Mapping[str, Any]], values: Mapping[str, str | Sequence[str]]
) -> list[dict[str, Any]]:
    """The MODAL_SUBMIT `components` for the modal the bot sent, filled with `values`."""
    known = {c["custom_id"] for c in _walk_components(components) if c.get("custom_id")}
    unknown = set(values) - known
    if unknown:
        raise HarnessError(f"modal has no inputs {sorted(unknown)}; inputs: {sorted(known)}")
    return [s for s in (_submitted(c, values) for c in components) if s is not None]


def _submitted(
    component: Mapping[str, Any], values: Mapping[str, str | Sequence[str]]
) -> dict[str, Any] | None:
    kind = component["type"]
    base: dict[str, Any] = {"type": kind}
    if "id" in component:
        base["id"] = component["id"]
    if kind == 1:
        children = [_submitted(c, values) for c in component.get("components") or []]
        return {**base, "components": [c for c in children if c is not None]}
    if kind == 18:
        return {**base, "component": _submitted(component["component"], values)}
    if kind == 4:
        value = values.get(component["custom_id"], "")
        if not value and component.get("required", True):
            raise HarnessError(f"modal input {component['custom_id']!r} is required")
        return {**base, "custom_id": component["custom_id"], "value": value}
    if kind in SELECT_TYPES:
        chosen = values.get(component["custom_id"], [])
        chosen = [chosen] if isinstance(chosen, str) else list(chosen)
        return {**base, "custom_id": component["custom_id"], "values": chosen}
    return None
