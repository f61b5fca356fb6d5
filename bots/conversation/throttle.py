"""A polite limit on how fast one person can make the bot work (per person, in the core)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class Admission(Enum):
    allowed = "allowed"
    slow_down = "slow_down"  # refused: tell the person to slow down
    quiet = "quiet"  # refused, and they were told a moment ago: say nothing more


@dataclass
class _Bucket:
    tokens: float
    updated: float
    told: float | None = None  # when the person was last told to slow down


class Throttle:
    """A token bucket per key: `rate` actions a second on average, bursts up to `burst`.

    A refused person hears "slow down" once per `quiet` seconds (by default the time the bucket
    takes to fill again): every further note would spend the chat's own message budget.
    """

    def __init__(
        self,
        rate: float = 5.0,
        burst: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        quiet: float | None = None,
    ):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.quiet = burst / rate if quiet is None else quiet
        self._buckets: dict[str, _Bucket] = {}

    def admit(self, key: str, *, spend: bool = True) -> Admission:
        """Whether `key` may act now; `spend=False` asks without using up an action."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            if spend:
                bucket.tokens -= 1
            if len(self._buckets) > 10_000:
                self._forget_idle(now)
            return Admission.allowed
        if bucket.told is not None and now - bucket.told < self.quiet:
            return Admission.quiet
        bucket.told = now
        return Admission.slow_down

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, b in self._buckets.items() if now - b.updated > self.burst / self.rate]
        for key in idle:
            del self._buckets[key]
