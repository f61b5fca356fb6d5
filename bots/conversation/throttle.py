"""A polite limit on how fast one person can make the bot work (per person, in the core)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Throttle:
    """A token bucket per key: `rate` actions a second on average, bursts up to `burst`."""

    def __init__(
        self, rate: float = 5.0, burst: float = 10.0, clock: Callable[[], float] = time.monotonic
    ):
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str) -> bool:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        if len(self._buckets) > 10_000:
            self._forget_idle(now)
        return True

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, b in self._buckets.items() if now - b.updated > self.burst / self.rate]
        for key in idle:
            del self._buckets[key]
