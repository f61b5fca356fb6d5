"""What the scheduler needs from the operator's settings, as one plain value."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class SchedulerSettings(Protocol):
    """The fields of `microtasks.settings.Settings` the scheduler reads."""

    scheduler_timezone: str
    scheduler_tick_seconds: float
    scheduler_lock_seconds: float
    payouts_cron: str
    digest_cron: str
    streak_reminder_cron: str
    notify_per_minute: int
    starved_after_hours: float
    community_language: str
    moderators: list[str]
    data_dir: Path


@dataclass(frozen=True)
class SchedulerConfig:
    """The scheduler's settings, each from its one declaration in `Settings` (with its default
    there): built only by `from_settings`."""

    data_dir: Path
    timezone: str
    tick_seconds: float
    lock_seconds: float
    payouts_cron: str
    digest_cron: str
    streak_reminder_cron: str
    notify_per_minute: int
    starved_after_seconds: float
    community_language: str
    moderators: tuple[str, ...]
    announce_attempts: int = 3  # tries of one announcement post before it is given up

    @classmethod
    def from_settings(cls, settings: SchedulerSettings) -> SchedulerConfig:
        return cls(
            data_dir=settings.data_dir,
            timezone=settings.scheduler_timezone,
            tick_seconds=settings.scheduler_tick_seconds,
            lock_seconds=settings.scheduler_lock_seconds,
            payouts_cron=settings.payouts_cron,
            digest_cron=settings.digest_cron,
            streak_reminder_cron=settings.streak_reminder_cron,
            notify_per_minute=settings.notify_per_minute,
            starved_after_seconds=settings.starved_after_hours * 3600,
            community_language=settings.community_language,
            moderators=tuple(settings.moderators),
        )
