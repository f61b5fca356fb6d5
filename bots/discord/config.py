"""What the Discord adapter needs from the operator's settings, as one plain value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic import SecretStr


class DiscordSettings(Protocol):
    """The fields of `microtasks.settings.Settings` this adapter reads (bots/ never imports it)."""

    discord_bot_token: SecretStr | None
    discord_guild_ids: list[int]
    discord_moderator_role: str
    discord_announce_channel_id: int | None
    discord_sharded: bool
    data_dir: Path


@dataclass(frozen=True)
class DiscordConfig:
    token: SecretStr
    data_dir: Path
    guild_ids: tuple[int, ...] = ()  # sync commands to these guilds (instant); empty: globally
    moderator_role: str = "Moderator"  # a role name, or a role id
    announce_channel_id: int | None = None
    sharded: bool = False  # AutoShardedClient: one process, many shards, for large bots
    outbox_interval: float = 5.0  # seconds between rounds of owed direct messages
    # Seconds the conversation may take before the interaction is deferred (Discord: 3 s).
    reply_budget: float = 1.5

    @classmethod
    def from_settings(cls, settings: DiscordSettings) -> DiscordConfig:
        if settings.discord_bot_token is None:
            raise ValueError("DISCORD_BOT_TOKEN is not set")
        return cls(
            token=settings.discord_bot_token,
            data_dir=settings.data_dir,
            guild_ids=tuple(settings.discord_guild_ids),
            moderator_role=settings.discord_moderator_role,
            announce_channel_id=settings.discord_announce_channel_id,
            sharded=settings.discord_sharded,
        )
