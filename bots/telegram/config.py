"""What the Telegram adapter needs from the operator's settings, as one plain value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr

TELEGRAM_API = "https://api.telegram.org"
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class TelegramSettings(Protocol):
    """The fields of `microtasks.settings.Settings` this adapter reads (bots/ never imports it)."""

    telegram_bot_token: SecretStr | None
    telegram_api_base_url: str | None
    telegram_community_chat: str | None
    telegram_webhook_url: str | None
    telegram_webhook_listen: str
    telegram_webhook_port: int
    telegram_webhook_secret: SecretStr | None
    moderators: list[str]
    data_dir: Path
    community_language: str


def api_urls(base_url: str | None) -> tuple[str, str]:
    """The Bot API base and file base URLs; the token follows each (`.../bot<token>/...`).

    `TELEGRAM_API_BASE_URL` may name the server (`http://localhost:8081`) or its `/bot` prefix.
    """
    root = (base_url or TELEGRAM_API).rstrip("/").removesuffix("/bot")
    return f"{root}/bot", f"{root}/file/bot"


@dataclass(frozen=True)
class TelegramConfig:
    token: SecretStr
    data_dir: Path
    api_base_url: str | None = None  # None: Telegram's own servers
    community_chat: int | str | None = None  # a chat id or @username
    community_language: str = "en"  # the language of the community chat's buttons
    webhook_url: str | None = None  # None: long polling
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    moderator_ids: tuple[int, ...] = ()  # the Telegram ids from MODERATORS
    poll_timeout: float = 30.0  # seconds a getUpdates long poll waits
    outbox_interval: float = 5.0  # seconds between outbox rounds
    admins_ttl: float = 300.0  # seconds the community chat's administrators are cached
    max_concurrent_updates: int = 64

    @classmethod
    def from_settings(cls, settings: TelegramSettings) -> TelegramConfig:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        moderators = [entry.partition(":") for entry in settings.moderators]
        return cls(
            token=settings.telegram_bot_token,
            data_dir=settings.data_dir,
            api_base_url=settings.telegram_api_base_url,
            community_chat=chat_ref(settings.telegram_community_chat),
            community_language=settings.community_language,
            webhook_url=settings.telegram_webhook_url,
            webhook_listen=settings.telegram_webhook_listen,
            webhook_port=settings.telegram_webhook_port,
            webhook_secret=settings.telegram_webhook_secret,
            moderator_ids=tuple(
                int(ident)
                for platform, _, ident in moderators
                if platform == "telegram" and ident.lstrip("-").isdigit()
            ),
        )

    @property
    def urls(self) -> tuple[str, str]:
        return api_urls(self.api_base_url)


def chat_ref(value: str | None) -> int | str | None:
    """A chat id as a number (`-1001234`), an `@username` as given, or None when unset."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return text if text.startswith("@") else f"@{text}"


def webhook_path(url: str) -> str:
    """The path the webhook server listens on: the path of the public URL (a proxy keeps it)."""
    return urlsplit(url).path.strip("/")
