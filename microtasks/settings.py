"""Operator settings, read from the environment and `.env`.

Every field here is documented in `.env.example`. Names are the environment variable names in
lower case. Secrets are `SecretStr`, so printing a settings object never shows them.
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tasks.batch_file import MB, Limits


class Adapter(StrEnum):
    console = "console"
    telegram = "telegram"
    discord = "discord"


class LogFormat(StrEnum):
    kv = "kv"
    json = "json"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says what is expected."""


SQLITE_PREFIX = "sqlite:///"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    # Storage
    database_url: str = Field(
        default="sqlite:///./data/microtasks.db",
        description="sqlite:///PATH to the database file",
    )
    data_dir: Path = Field(default=Path("./data"), description="folder for uploads and exports")
    auto_migrate: bool = Field(default=True, description="apply pending migrations on start")

    # Batches
    batch_max_file_mb: float = Field(default=20.0, gt=0, description="largest batch file, MB")
    batch_max_items: int = Field(default=100_000, gt=0, description="most items in one batch")

    # People
    moderators: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="comma-separated platform:id entries who moderate, e.g. telegram:123",
    )
    sample_batches: bool | None = Field(
        default=None,
        description="load the example batches into an empty database on start; empty: only "
        "when the console is the only chat (a community is not shown examples unasked)",
    )

    # Which chat adapters run
    bots: Annotated[list[Adapter] | None, NoDecode] = Field(
        default=None,
        description="comma-separated adapters to run: console, telegram, discord",
    )

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str | None = None

    telegram_community_chat: str | None = Field(
        default=None, description="the community group or channel: a chat id or @username"
    )
    telegram_webhook_url: str | None = Field(
        default=None, description="public HTTPS URL for webhook mode; empty: long polling"
    )
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = None

    # Discord
    discord_bot_token: SecretStr | None = None
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="guilds to sync commands to (fast); empty: global"
    )
    discord_moderator_role: str = Field(default="Moderator", description="role name of moderators")
    discord_announce_channel_id: int | None = None
    discord_sharded: bool = Field(default=False, description="use AutoShardedClient")

    # Chain
    chain_rpc_url: SecretStr | None = Field(
        default=None, description="empty: the embedded chain; secret (providers put keys in it)"
    )
    chain_id: int = Field(default=131277322940537, description="EVM chain id, a positive integer")
    token_address: str | None = Field(
        default=None,
        description="reward token: an ERC-20 address, 'native' for the chain's coin, "
        "empty for the embedded demo token",
    )
    explorer_url: str | None = Field(default=None, description="block explorer, for links")

    # Payouts
    payout_min: Decimal = Field(default=Decimal("1"), ge=0, description="smallest payout")
    payout_run_cap: Decimal | None = Field(default=None, gt=0, description="most paid per run")
    payout_confirmations: int = Field(default=1, ge=0, le=1000)
    payout_batch_size: int = Field(default=200, ge=1, le=1000)
    payout_tx_timeout: float = Field(default=180.0, gt=0, description="seconds before a fee bump")
    payouts_cron: str = Field(default="0 12 * * *", description="when scheduled payouts run")
    treasury_key: SecretStr | None = None
    treasury_keystore: Path | None = None
    treasury_keystore_password: SecretStr | None = None

    # Scheduler (docs/scheduler.md)
    scheduler_enabled: bool = Field(default=True, description="run scheduled jobs in `run`")
    scheduler_timezone: str = Field(default="UTC", description="time zone of the cron settings")
    scheduler_tick_seconds: float = Field(
        default=60.0, ge=5, le=3600, description="how often activations and leases are checked"
    )
    scheduler_lock_seconds: float = Field(
        default=120.0, ge=10, le=3600, description="leader lock expiry: a dead holder's takeover"
    )
    digest_cron: str = Field(default="0 8 * * *", description="when moderators get the digest")
    streak_reminder_cron: str = Field(
        default="0 18 * * *", description="when opted-in members hear that their streak ends"
    )
    notify_per_minute: int = Field(
        default=120, ge=1, le=10_000, description="new-batch notices queued per platform a minute"
    )
    starved_after_hours: float = Field(
        default=24.0, gt=0, description="an open item nobody took this long is offered again"
    )

    # Wallet linking (Sign-In with Ethereum)
    siwe_domain: str = Field(default="microtasks.local", description="domain in the message")
    siwe_uri: str = Field(default="https://microtasks.local", description="URI in the message")
    siwe_ttl_seconds: int = Field(default=600, ge=60, le=86400)
    community_name: str = Field(default="microtasks community")
    community_language: str = Field(
        default="en", description="language of announcements in the community channels"
    )

    # Logging
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.kv

    @field_validator("database_url")
    @classmethod
    def _sqlite_only(cls, value: str) -> str:
        if not value.startswith(SQLITE_PREFIX) or len(value) == len(SQLITE_PREFIX):
            raise ValueError(
                f"expected sqlite:///PATH (e.g. sqlite:///./data/microtasks.db), got {value!r}"
            )
        return value

    @field_validator("chain_id", mode="before")
    @classmethod
    def _positive_chain_id(cls, value: object) -> object:
        text = str(value).strip()
        if not text.isdigit() or int(text) <= 0:
            raise ValueError(f"expected a positive whole number (e.g. 1 or 8453), got {value!r}")
        return int(text)

    @field_validator("bots", mode="before")
    @classmethod
    def _split_adapters(cls, value: object) -> object:
        if isinstance(value, str):
            names = [part.strip().lower() for part in value.split(",") if part.strip()]
            known = {adapter.value for adapter in Adapter}
            unknown = [name for name in names if name not in known]
            if unknown:
                raise ValueError(
                    f"expected a comma-separated list of {', '.join(sorted(known))}, "
                    f"got {', '.join(unknown)}"
                )
            return names or None
        return value

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _guild_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise ValueError(f"expected comma-separated guild ids (numbers), got {value!r}")
        return [int(part) for part in parts]

    @field_validator("moderators", mode="before")
    @classmethod
    def _platform_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        entries = [part.strip() for part in value.split(",") if part.strip()]
        for entry in entries:
            platform, _, ident = entry.partition(":")
            if platform not in {a.value for a in Adapter} or not ident:
                raise ValueError(
                    f"expected comma-separated platform:id entries such as telegram:12345 or "
                    f"console:alice, got {entry!r}"
                )
        return entries

    @field_validator("token_address")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is None or value == "native":
            return value
        if not re.fullmatch(r"0x[0-9a-fA-F]{40}", value):
            raise ValueError(
                f"expected an ERC-20 contract address (0x and 40 hex digits) or 'native', "
                f"got {value!r}"
            )
        return value

    @field_validator("payouts_cron", "digest_cron", "streak_reminder_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        from scheduler.schedule import check_cron

        return check_cron(value.strip())

    @field_validator("scheduler_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"expected an IANA time zone such as UTC or Europe/Berlin, got {value!r}"
            ) from None
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"expected DEBUG, INFO, WARNING or ERROR, got {value!r}")
        return level

    @model_validator(mode="after")
    def _tokens_for_enabled_adapters(self) -> Settings:
        if self.bots and Adapter.telegram in self.bots and not self.telegram_bot_token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN: required because BOTS includes telegram; "
                "set the token from @BotFather"
            )
        if self.bots and Adapter.discord in self.bots and not self.discord_bot_token:
            raise SettingsError(
                "DISCORD_BOT_TOKEN: required because BOTS includes discord; "
                "set the token from the Discord developer portal"
            )
        return self

    @property
    def database_path(self) -> Path:
        return Path(self.database_url.removeprefix(SQLITE_PREFIX))

    @property
    def batch_limits(self) -> Limits:
        return Limits(int(self.batch_max_file_mb * MB), self.batch_max_items)

    @property
    def adapters(self) -> list[Adapter]:
        """The adapters to run: as configured, else those with a token, else the console."""
        if self.bots:
            return list(self.bots)
        chosen = []
        if self.telegram_bot_token:
            chosen.append(Adapter.telegram)
        if self.discord_bot_token:
            chosen.append(Adapter.discord)
        return chosen or [Adapter.console]

    def secrets(self) -> list[str]:
        """Every secret value, so logging can mask them."""
        values = [
            self.telegram_bot_token,
            self.discord_bot_token,
            self.treasury_key,
            self.treasury_keystore_password,
            self.telegram_webhook_secret,
            self.chain_rpc_url,
        ]
        return [value.get_secret_value() for value in values if value]


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning validation failures into one readable `SettingsError`."""
    try:
        return Settings(**overrides)
    except SettingsError:
        raise
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None
    except ValueError as error:
        # A SettingsError raised inside a model validator arrives wrapped by pydantic.
        raise SettingsError(str(error)) from None


def describe_validation_error(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper() or "SETTINGS"
        message = problem["msg"].removeprefix("Value error, ")
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, SettingsError):
            lines.append(str(cause))
        else:
            lines.append(f"{name}: {message}")
    return "; ".join(lines)
